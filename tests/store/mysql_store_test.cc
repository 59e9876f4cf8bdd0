// The MySQL store against the real MariaDB that the test fixture starts:
// what shows in its tables, and an unreachable or unmigrated database. The
// behaviour any store must have is the conformance suite's
// (store_conformance.cc).
#include "store/mysql/mysql_store.h"

#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/test_database.h"
#include "store/store_conformance.h"
#include "support/test_environment.h"

namespace cre::mysql {
namespace {

using ::cre::testing::Ids;
using ::cre::testing::MakeAgency;
using ::cre::testing::TestDatabase;

class MysqlStoreTest : public ::testing::Test {
 protected:
  TestDatabase db_;
  MysqlStore store_{db_.settings(), 4, testing::TestCipher()};
};

TEST_F(MysqlStoreTest, AgenciesRoundTrip) {
  const std::vector<v1::Agency> registry = {
      MakeAgency("derby-pru", v1::POLICE_REFERRAL_UNIT, "E06000015"),
      MakeAgency("derbyshire-cc", v1::OTHER_LOCAL_AUTHORITY, "E10000007"),
      MakeAgency("a-school", v1::EDUCATION)};
  absl::StatusOr<int> changed = store_.SyncAgencies(registry);
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_EQ(*changed, 3);

  absl::StatusOr<std::vector<v1::Agency>> listed = store_.ListAgencies();
  ASSERT_TRUE(listed.ok()) << listed.status();
  ASSERT_EQ(listed->size(), 3u);
  // Ordered by id; every field comes back as written.
  EXPECT_EQ((*listed)[0].id(), "a-school");
  EXPECT_EQ((*listed)[0].local_authority_code(), "");
  EXPECT_EQ((*listed)[1].role(), v1::POLICE_REFERRAL_UNIT);
  EXPECT_EQ((*listed)[1].display_name(), "Agency derby-pru");
  EXPECT_EQ((*listed)[2].local_authority_code(), "E10000007");
  // Roles are stored by name, for an operator reading the table.
  EXPECT_EQ(db_.QueryString("SELECT role FROM agency WHERE id = 'derby-pru'"),
            "POLICE_REFERRAL_UNIT");
}

TEST_F(MysqlStoreTest, RemovedAgenciesAreRetiredNotDeleted) {
  ASSERT_TRUE(store_.SyncAgencies({MakeAgency("a", v1::HEALTH), MakeAgency("b", v1::HEALTH)}).ok());
  v1::Agency renamed = MakeAgency("a", v1::HEALTH);
  renamed.set_display_name("Renamed");
  absl::StatusOr<int> changed = store_.SyncAgencies({renamed});
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_EQ(*changed, 2);  // a renamed, b retired
  EXPECT_THAT(Ids(*store_.ListAgencies()), ::testing::ElementsAre("a"));
  EXPECT_EQ(db_.QueryString("SELECT COUNT(*) FROM agency"), "2");
  // Registered again: back in service.
  EXPECT_EQ(*store_.SyncAgencies({renamed, MakeAgency("b", v1::HEALTH)}), 1);
  EXPECT_THAT(Ids(*store_.ListAgencies()), ::testing::ElementsAre("a", "b"));
}

TEST_F(MysqlStoreTest, ConcurrentSyncsWriteEachRowOnce) {
  std::vector<v1::Agency> registry;
  for (int i = 0; i < 20; ++i) registry.push_back(MakeAgency("agency-" + std::to_string(i), v1::PARTNER));
  absl::StatusOr<int> a, b;
  std::thread other([&] { b = store_.SyncAgencies(registry); });
  a = store_.SyncAgencies(registry);
  other.join();
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(*a + *b, 20);
  EXPECT_EQ(db_.QueryString("SELECT COUNT(*) FROM agency"), "20");
}

TEST(MysqlStoreUnavailableTest, UnreachableDatabaseIsUnavailable) {
  ConnectionSettings nowhere;
  nowhere.host = "127.0.0.1";
  nowhere.port = 1;  // nothing listens there
  nowhere.user = "cre_hub";
  nowhere.schema = "cre_hub";
  nowhere.connect_timeout_seconds = 1;
  MysqlStore store(nowhere, 2, testing::TestCipher());
  EXPECT_EQ(store.Ping().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(store.ListAgencies().status().code(), absl::StatusCode::kUnavailable);
}

TEST(MysqlStoreUnmigratedTest, MissingTablesAreUnavailableNamingTheMigration) {
  TestDatabase db(TestDatabase::Migrate::kNo);
  MysqlStore store(db.settings(), 2, testing::TestCipher());
  absl::StatusOr<std::vector<v1::Agency>> listed = store.ListAgencies();
  EXPECT_EQ(listed.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(listed.status().message(), ::testing::HasSubstr("hubctl migrate"));
}

}  // namespace
}  // namespace cre::mysql
