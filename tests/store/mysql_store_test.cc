// The MySQL store against the real MariaDB that the test fixture starts:
// what shows in its tables, and an unreachable or unmigrated database. The
// behaviour any store must have is the conformance suite's
// (store_conformance.cc).
#include "store/mysql/mysql_store.h"

#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
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

// --- The child's NHS number, as the tables hold it ----------------------------

// A report from `sender` opening a case for the example child with
// `nhs_number`, routed to nobody.
absl::StatusOr<std::string> OpenCaseFor(Store& store, const std::string& sender, const std::string& key,
                                        const std::string& nhs_number) {
  v1::NewChild child = testing::ExampleChild();
  child.mutable_details()->set_nhs_number(nhs_number);
  Submission s;
  s.sender_agency_id = sender;
  s.method = "SubmitConcern";
  s.idempotency_key = key;
  s.request_sha256 = key;
  s.message.set_kind(v1::MESSAGE_KIND_OPERATION_LIBERTY_REPORT);
  s.accepted_at = absl::Now();
  s.opened_at = s.accepted_at;
  s.new_child = &child;
  absl::StatusOr<Accepted> accepted =
      store.Accept(s, [](const CaseView*, const RepliedMessage*) -> absl::StatusOr<Routing> { return Routing(); });
  if (!accepted.ok()) return accepted.status();
  return accepted->receipt.case_id();
}

// Rows of `table` whose `column` holds `text` as plain bytes.
std::string RowsHolding(const TestDatabase& db, const std::string& table, const std::string& column,
                        const std::string& text) {
  return db.QueryString(absl::StrCat("SELECT COUNT(*) FROM ", table, " WHERE INSTR(", column, ", CAST('", text,
                                     "' AS BINARY)) > 0"));
}

TEST_F(MysqlStoreTest, OneChildForOneNhsNumberFoundByItsBlindIndexNeverInClear) {
  ASSERT_TRUE(store_.SyncAgencies({MakeAgency("health", v1::HEALTH), MakeAgency("school", v1::EDUCATION)}).ok());
  absl::StatusOr<std::string> first = OpenCaseFor(store_, "health", "a", "943 476 5919");
  absl::StatusOr<std::string> second = OpenCaseFor(store_, "school", "b", "9434765919");
  absl::StatusOr<std::string> unnumbered = OpenCaseFor(store_, "school", "c", "");
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(second.ok()) << second.status();
  ASSERT_TRUE(unnumbered.ok()) << unnumbered.status();

  EXPECT_EQ(db_.QueryString("SELECT COUNT(*) FROM child"), "2");
  EXPECT_EQ(db_.QueryString("SELECT COUNT(*) FROM cre_case"), "3");
  EXPECT_EQ(db_.QueryString(absl::StrCat("SELECT COUNT(DISTINCT child_id) FROM cre_case WHERE case_id IN ('",
                                         *first, "', '", *second, "')")),
            "1");
  // The index: 32 bytes under the active key; NULL without a number.
  EXPECT_EQ(db_.QueryString("SELECT CONCAT(LENGTH(nhs_index), ' ', nhs_index_key_id) FROM child"
                            " WHERE nhs_index IS NOT NULL"),
            absl::StrCat("32 ", testing::TestCipher()->ActiveKeyId()));
  EXPECT_EQ(db_.QueryString("SELECT COUNT(*) FROM child WHERE nhs_index IS NULL AND nhs_index_key_id IS NULL"), "1");
  // Neither the index nor any sealed value holds the number, spaced or not.
  for (const char* number : {"9434765919", "943 476 5919"}) {
    EXPECT_EQ(RowsHolding(db_, "child", "nhs_index", number), "0");
    EXPECT_EQ(RowsHolding(db_, "child", "details", number), "0");
    EXPECT_EQ(RowsHolding(db_, "cre_case", "child_details", number), "0");
  }
  // Nor is it a plain hash of the number, which anyone could compute.
  EXPECT_EQ(db_.QueryString("SELECT COUNT(*) FROM child WHERE nhs_index = UNHEX(SHA2('9434765919', 256))"), "0");
  // The later case keeps the child as its submission described them; the
  // first reads the child's row.
  EXPECT_EQ(db_.QueryString(absl::StrCat("SELECT CONCAT(child_details IS NULL, child_facts IS NULL) FROM cre_case"
                                         " WHERE case_id = '", *first, "'")),
            "11");
  EXPECT_EQ(db_.QueryString(absl::StrCat("SELECT CONCAT(child_details IS NULL, child_facts IS NULL) FROM cre_case"
                                         " WHERE case_id = '", *second, "'")),
            "00");
}

TEST_F(MysqlStoreTest, ACasesCopyOfItsChildCannotBeMovedToAnotherCase) {
  ASSERT_TRUE(store_.SyncAgencies({MakeAgency("health", v1::HEALTH)}).ok());
  ASSERT_TRUE(OpenCaseFor(store_, "health", "a", "9434765919").ok());
  absl::StatusOr<std::string> second = OpenCaseFor(store_, "health", "b", "9434765919");
  absl::StatusOr<std::string> third = OpenCaseFor(store_, "health", "c", "9434765919");
  ASSERT_TRUE(second.ok() && third.ok());
  db_.Execute(absl::StrCat("UPDATE cre_case a JOIN cre_case b ON a.case_id = '", *second, "' AND b.case_id = '",
                           *third, "' SET a.child_details = b.child_details"));
  absl::StatusOr<v1::GetCaseResponse> read = store_.ReadCase(*second, "health", "");
  EXPECT_EQ(read.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(read.status().message(), ::testing::HasSubstr("cre_case.child_details of"));
  EXPECT_TRUE(store_.ReadCase(*third, "health", "").ok());
}

// After the active field key changes, a child indexed under the old key is
// still found while that key is in the ring, and is indexed under the new
// key as the store meets them.
TEST_F(MysqlStoreTest, AChildIndexedUnderAnOlderKeyIsFoundAndReindexed) {
  auto cipher = [](const std::string& text) {
    absl::StatusOr<crypto::KeyRing> ring = crypto::KeyRing::Parse(text, "test");
    EXPECT_TRUE(ring.ok()) << ring.status();
    return std::make_shared<const crypto::FieldCipher>(*std::move(ring));
  };
  const std::string old_key = "key kOld 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n";
  const std::string new_key = "key kNew f0e0d0c0b0a090807060504030201000f1e1d1c1b1a191817161514131211101\n";
  MysqlStore before(db_.settings(), 2, cipher(old_key + "active kOld\n"));
  MysqlStore during(db_.settings(), 2, cipher(old_key + new_key + "active kNew\n"));
  MysqlStore after(db_.settings(), 2, cipher(new_key + "active kNew\n"));
  ASSERT_TRUE(before.SyncAgencies({MakeAgency("health", v1::HEALTH)}).ok());

  ASSERT_TRUE(OpenCaseFor(before, "health", "a", "9434765919").ok());
  EXPECT_EQ(db_.QueryString("SELECT nhs_index_key_id FROM child"), "kOld");
  ASSERT_TRUE(OpenCaseFor(during, "health", "b", "9434765919").ok());
  EXPECT_EQ(db_.QueryString("SELECT CONCAT(COUNT(*), ' ', MAX(nhs_index_key_id)) FROM child"), "1 kNew");
  ASSERT_TRUE(OpenCaseFor(after, "health", "c", "9434765919").ok());
  EXPECT_EQ(db_.QueryString("SELECT COUNT(*) FROM child"), "1");
  EXPECT_EQ(db_.QueryString("SELECT COUNT(*) FROM cre_case"), "3");
}

// --- Open actions, as the console's Due and overdue list reads them ----------

// The Due and overdue list's first page, and any later one, reads about as
// many rows as it shows, whichever filter it has: the rows of the team or
// role asked for, in order, from an index (migrations 0005 and 0014), never
// every open action to sort or filter them. Counted with the server's own
// per-table counters, as the delivery store's test does.
TEST_F(MysqlStoreTest, APageOfOpenActionsReadsRowsInProportionToThePageNotToTheActions) {
  ASSERT_EQ(db_.QueryString("SELECT @@userstat"), "1")
      << "the test MariaDB counts no rows per table: start it with scripts/mariadb.sh start --table-statistics";
  ASSERT_TRUE(store_.SyncAgencies({MakeAgency("sender", v1::HEALTH), MakeAgency("pru", v1::POLICE_REFERRAL_UNIT)})
                  .ok());
  // 20 cases of 160 open actions. Due first: 70 a social worker's at the
  // PRU and 70 a lead practitioner's at "sender"; due after them all: 10 a
  // lead practitioner's at the PRU and 10 an IRO's at "sender". The late
  // ones of a role, or of a role at a team, are behind 2,800 others.
  const absl::Time now = absl::FromUnixSeconds(absl::ToUnixSeconds(absl::Now()));
  for (int c = 0; c < 20; ++c) {
    CaseSchedule schedule;
    for (int i = 0; i < 160; ++i) {
      OpenAction a;
      a.rule_id = absl::StrCat("rule.", i);
      a.kind = v1::CRE_MEETING;
      a.owner = i < 70    ? v1::PRACTITIONER_ROLE_SOCIAL_WORKER
                : i < 150 ? v1::PRACTITIONER_ROLE_LEAD_PRACTITIONER
                          : v1::PRACTITIONER_ROLE_IRO;
      a.owner_agency_id = i < 70 || (i >= 140 && i < 150) ? "pru" : "sender";
      a.chair = v1::PRACTITIONER_ROLE_CPM;
      a.due_at = now + absl::Minutes(i < 140 ? c * 140 + i : 100000 + c * 20 + (i - 140));
      a.due_date = "2030-01-01";
      schedule.open_actions.push_back(a);
    }
    v1::NewChild child = testing::ExampleChild();
    Submission s;
    s.sender_agency_id = "sender";
    s.method = "SubmitConcern";
    s.idempotency_key = s.request_sha256 = absl::StrCat("case-", c);
    s.new_child = &child;
    s.message.set_kind(v1::MESSAGE_KIND_OPERATION_LIBERTY_REPORT);
    s.message.mutable_operation_liberty_report()->set_narrative("n");
    s.accepted_at = s.opened_at = now;
    absl::StatusOr<Accepted> opened =
        store_.Accept(s, [&schedule](const CaseView*, const RepliedMessage*) -> absl::StatusOr<Routing> {
          Routing routing;
          routing.schedule = schedule;
          return routing;
        });
    ASSERT_TRUE(opened.ok()) << opened.status();
  }
  ASSERT_EQ(db_.QueryString("SELECT COUNT(*) FROM case_action"), "3200");
  db_.Execute("ANALYZE TABLE case_action");

  const auto rows_read = [&] {
    return std::stoll(db_.QueryString("SELECT IFNULL(SUM(rows_read), 0) FROM information_schema.TABLE_STATISTICS"
                                      " WHERE table_schema = DATABASE() AND table_name = 'case_action'"));
  };
  // Each row shown is read from the index and then from the table; a plan
  // that scanned or sorted the actions would read thousands.
  constexpr int kPage = 50;
  constexpr int64_t kMostRows = 2 * (kPage + 1) + 10;
  auto page_reads = [&](const OpenActionFilter& filter, const std::string& token, std::string* next) {
    const int64_t before = rows_read();
    absl::StatusOr<ActionPage> page = store_.ListOpenActions(filter, kPage, token);
    const int64_t read = rows_read() - before;
    EXPECT_TRUE(page.ok()) << page.status();
    if (!page.ok()) return read;
    EXPECT_EQ(page->actions.size(), static_cast<size_t>(kPage));
    for (const auto& [case_id, action] : page->actions) {
      if (filter.owner_role != v1::PRACTITIONER_ROLE_UNSPECIFIED) {
        EXPECT_EQ(action.owner, filter.owner_role);
      }
      if (!filter.owner_agency_id.empty()) {
        EXPECT_EQ(action.owner_agency_id, filter.owner_agency_id);
      }
    }
    if (next != nullptr) *next = page->next_page_token;
    return read;
  };
  auto owned_by = [](v1::PractitionerRole role, const std::string& agency_id) {
    OpenActionFilter filter;
    filter.owner_role = role;
    filter.owner_agency_id = agency_id;
    return filter;
  };
  const OpenActionFilter filters[] = {
      owned_by(v1::PRACTITIONER_ROLE_UNSPECIFIED, ""),
      owned_by(v1::PRACTITIONER_ROLE_IRO, ""),  // 200 behind 2,800
      owned_by(v1::PRACTITIONER_ROLE_LEAD_PRACTITIONER, "pru"),  // 200 behind 1,400 of the role, 1,400 of the team
      owned_by(v1::PRACTITIONER_ROLE_IRO, "sender"),
      owned_by(v1::PRACTITIONER_ROLE_SOCIAL_WORKER, "pru"),
      owned_by(v1::PRACTITIONER_ROLE_UNSPECIFIED, "sender"),
  };
  for (const OpenActionFilter& filter : filters) {
    const std::string name = absl::StrCat(v1::PractitionerRole_Name(filter.owner_role), " at \"",
                                          filter.owner_agency_id, "\"");
    std::string token;
    EXPECT_LE(page_reads(filter, "", &token), kMostRows) << "the first page of " << name;
    ASSERT_FALSE(token.empty()) << name;
    // Later pages start from their token's place, not from the first row.
    ASSERT_LE(page_reads(filter, token, &token), kMostRows) << "the second page of " << name;
    EXPECT_LE(page_reads(filter, token, nullptr), kMostRows) << "the third page of " << name;
  }
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
