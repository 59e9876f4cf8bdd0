// The store conformance suite (store_conformance.h) on one MariaDB: each
// test gets a throwaway migrated schema, and "another process" is another
// MysqlStore, with its own connection pool, on the same schema.
#include <memory>

#include "gmock/gmock.h"

#include "store/mysql/mysql_store.h"
#include "store/store_conformance.h"
#include "support/test_database.h"
#include "support/test_environment.h"

namespace cre::testing {
namespace {

class MariaDbStore : public StoreUnderTest {
 public:
  Store& store() override { return store_; }
  std::unique_ptr<Store> OpenAnother() override {
    return std::make_unique<mysql::MysqlStore>(db_.settings(), 4, TestCipher());
  }

 private:
  TestDatabase db_;
  mysql::MysqlStore store_{db_.settings(), 4, TestCipher()};
};

INSTANTIATE_TEST_SUITE_P(MariaDb, StoreConformanceTest,
                         ::testing::Values(StoreTopology{
                             "MariaDb", [] { return std::unique_ptr<StoreUnderTest>(new MariaDbStore()); }}),
                         TopologyName);

// Every cross-process case of the suite relies on this: what one store
// writes, "another process" (OpenAnother) reads. A topology whose second
// store saw a database of its own would pass those cases without testing
// anything.
TEST(MariaDbTopologyTest, AnotherProcessSeesWhatTheFirstWrote) {
  MariaDbStore topology;
  ASSERT_TRUE(topology.store().SyncAgencies({MakeAgency("pru", v1::POLICE_REFERRAL_UNIT)}).ok());
  std::unique_ptr<Store> other = topology.OpenAnother();
  absl::StatusOr<std::vector<v1::Agency>> seen = other->ListAgencies();
  ASSERT_TRUE(seen.ok()) << seen.status();
  EXPECT_THAT(Ids(*seen), ::testing::ElementsAre("pru"));
}

}  // namespace
}  // namespace cre::testing
