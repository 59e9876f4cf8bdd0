// Retention on the real MariaDB: a purge empties a case's and its child's
// personal data and its messages' payloads, leaves a tombstone for each
// record in an audit chain that still verifies, respects a legal hold,
// writes nothing on a dry run, and, with two stores (two hub processes)
// purging at once, purges every record exactly once.
#include <map>
#include <memory>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "audit/audit_chain.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "service/retention_purger.h"
#include "store/audit_rows.h"
#include "store/mysql/mysql_store.h"
#include "store/store_conformance.h"
#include "support/fake_clock.h"
#include "support/test_database.h"
#include "support/test_environment.h"

namespace cre {
namespace {

using ::cre::testing::MakeAgency;
using ::cre::testing::TestDatabase;
using ::testing::HasSubstr;

constexpr char kNarrative[] = "seen near the canal with an older man";

v1::RetentionConfig Defaults() {
  v1::RetentionConfig config;
  EXPECT_TRUE(CompleteRetentionConfig(&config).ok());
  return config;
}

class RetentionStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(store_->SyncAgencies({MakeAgency("health", v1::HEALTH),
                                      MakeAgency("csc", v1::CHILDRENS_SOCIAL_CARE)})
                    .ok());
  }

  // A concern from health opening a case for a child with `plan`, born
  // 2 January 2013, with a risk assessment; routed to CSC, which
  // acknowledges it. Returns the case id.
  std::string OpenCase(const std::string& key, v1::OpenPlan plan, const std::string& nhs_number = "") {
    v1::NewChild child = testing::ExampleChild();
    child.mutable_child()->set_open_plan(plan);
    child.mutable_child()->set_looked_after(plan == v1::OPEN_PLAN_LOOKED_AFTER);
    child.mutable_details()->set_nhs_number(nhs_number);
    Submission s;
    s.sender_agency_id = "health";
    s.method = "SubmitConcern";
    s.idempotency_key = s.request_sha256 = key;
    s.message.set_kind(v1::MESSAGE_KIND_CONCERN);
    s.message.mutable_concern()->set_narrative(kNarrative);
    v1::RiskAssessment* assessment = s.record_append.add_risk_assessments();
    assessment->set_level(v1::RISK_LEVEL_MEDIUM);
    assessment->set_narrative(kNarrative);
    s.accepted_at = absl::Now();
    s.opened_at = s.accepted_at;
    s.new_child = &child;
    absl::StatusOr<Accepted> accepted = store_->Accept(s, ToCsc());
    EXPECT_TRUE(accepted.ok()) << accepted.status();
    if (!accepted.ok()) return "";
    AcknowledgeAll();
    return accepted->receipt.case_id();
  }

  static RouteFn ToCsc() {
    return [](const CaseView*, const RepliedMessage*) -> absl::StatusOr<Routing> {
      Routing routing;
      routing.recipients = {"csc"};
      return routing;
    };
  }

  void AcknowledgeAll() {
    absl::StatusOr<std::vector<v1::RoutedMessage>> claimed =
        store_->ClaimDeliveries("csc", "stream", 100, DeliveryPolicy());
    ASSERT_TRUE(claimed.ok()) << claimed.status();
    std::vector<int64_t> ids;
    for (const v1::RoutedMessage& m : *claimed) ids.push_back(m.delivery_id());
    if (!ids.empty()) {
      ASSERT_TRUE(store_->Acknowledge("csc", ids, absl::Now()).ok());
    }
  }

  // A purger whose clock reads `years` from now.
  std::unique_ptr<RetentionPurger> PurgerAt(int years, std::shared_ptr<Store> store = nullptr) {
    clock_.Set(AddYearsAndDays(absl::Now(), years, 0));
    return std::make_unique<RetentionPurger>(store ? store : store_, Defaults(), clock_, "hub", "");
  }

  // Seals the journal, then walks the whole chain: OK if it verifies.
  // `records` gets every sealed record.
  absl::Status SealAndVerify(std::vector<v1::AuditRecord>* records = nullptr) {
    while (true) {
      absl::StatusOr<int> sealed = store_->SealAudit(1000);
      if (!sealed.ok()) return sealed.status();
      if (*sealed == 0) break;
    }
    audit::ChainVerifier verifier;
    absl::Status walked = ForEachAuditRow(*store_, [&](const audit::StoredRow& row) {
      if (records != nullptr) {
        v1::AuditRecord record;
        record.ParseFromString(row.record_bytes);
        records->push_back(record);
      }
      return verifier.Add(row);
    });
    if (!walked.ok()) return walked;
    return verifier.Finish();
  }

  static std::vector<v1::AuditRecord> OfKind(const std::vector<v1::AuditRecord>& records, v1::AuditEventKind kind) {
    std::vector<v1::AuditRecord> out;
    for (const v1::AuditRecord& r : records) {
      if (r.kind() == kind) out.push_back(r);
    }
    return out;
  }

  static const RetentionClassReport& ClassOf(const RetentionReport& report, v1::RecordClass c) {
    for (const RetentionClassReport& r : report.classes) {
      if (r.record_class == c) return r;
    }
    static const RetentionClassReport none;
    return none;
  }

  TestDatabase db_;
  std::shared_ptr<mysql::MysqlStore> store_ =
      std::make_shared<mysql::MysqlStore>(db_.settings(), 4, testing::TestCipher());
  testing::FakeClock clock_;
};

TEST_F(RetentionStoreTest, APurgeLeavesTombstonesAndAChainThatVerifies) {
  const std::string case_id = OpenCase("cp", v1::OPEN_PLAN_CHILD_PROTECTION, "943 476 5919");
  ASSERT_FALSE(case_id.empty());
  const std::string child_id = db_.QueryString("SELECT child_id FROM child");
  const std::string message_id = db_.QueryString("SELECT message_id FROM message");
  ASSERT_TRUE(SealAndVerify().ok());

  // 34 years on: a child protection case is kept 35 years after the last
  // contact; the message payload (a year after delivery) is due.
  absl::StatusOr<RetentionReport> early = PurgerAt(34)->Run(true);
  ASSERT_TRUE(early.ok()) << early.status();
  EXPECT_EQ(ClassOf(*early, v1::RECORD_CLASS_CASE_CHILD_PROTECTION).kept, 1);
  EXPECT_EQ(ClassOf(*early, v1::RECORD_CLASS_CASE_CHILD_PROTECTION).purged, 0);
  EXPECT_EQ(ClassOf(*early, v1::RECORD_CLASS_MESSAGE_PAYLOAD).purged, 1);
  EXPECT_EQ(db_.QueryString("SELECT COUNT(*) FROM cre_case WHERE purged_at IS NULL"), "1");
  EXPECT_EQ(db_.QueryString("SELECT LENGTH(body) FROM message"), "0");
  // The case can still be read, its message shown as purged.
  absl::StatusOr<v1::GetCaseResponse> read = store_->ReadCase(case_id, "health", "");
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_FALSE(read->has_purged_at());
  EXPECT_EQ(read->child_details().family_name(), "Example");
  ASSERT_EQ(read->messages_size(), 1);
  EXPECT_TRUE(read->messages(0).has_purged_at());
  EXPECT_EQ(read->messages(0).kind(), v1::MESSAGE_KIND_CONCERN);
  EXPECT_FALSE(read->messages(0).has_concern());

  absl::StatusOr<RetentionReport> late = PurgerAt(36)->Run(true);
  ASSERT_TRUE(late.ok()) << late.status();
  EXPECT_EQ(ClassOf(*late, v1::RECORD_CLASS_CASE_CHILD_PROTECTION).purged, 1);
  EXPECT_EQ(ClassOf(*late, v1::RECORD_CLASS_CASE_CHILD_PROTECTION).purged_total, 1);
  EXPECT_EQ(ClassOf(*late, v1::RECORD_CLASS_MESSAGE_PAYLOAD).purged_total, 1);
  EXPECT_EQ(late->children_purged, 1);

  // Nothing personal is left: the child's details, facts and NHS number
  // index, the case's entries, the message body.
  EXPECT_EQ(db_.QueryString("SELECT CONCAT(LENGTH(details), ' ', LENGTH(facts), ' ', ISNULL(nhs_index)) FROM child"),
            "0 0 1");
  EXPECT_EQ(db_.QueryString("SELECT COUNT(*) FROM case_entry"), "0");
  EXPECT_EQ(db_.QueryString("SELECT purged_class FROM cre_case"), "RECORD_CLASS_CASE_CHILD_PROTECTION");
  EXPECT_EQ(db_.QueryString("SELECT COUNT(*) FROM case_action"), "0");
  const std::string case_sha = db_.QueryString("SELECT purged_sha256 FROM cre_case");
  const std::string child_sha = db_.QueryString("SELECT purged_sha256 FROM child");
  const std::string message_sha = db_.QueryString("SELECT purged_sha256 FROM message");
  EXPECT_EQ(case_sha.size(), 64u);

  // The chain verifies, with one tombstone per record: ids, class and
  // content hash only.
  std::vector<v1::AuditRecord> records;
  ASSERT_TRUE(SealAndVerify(&records).ok());
  const std::vector<v1::AuditRecord> tombstones = OfKind(records, v1::AUDIT_EVENT_KIND_RECORD_PURGED);
  ASSERT_EQ(tombstones.size(), 3u);
  std::map<std::string, std::string> detail_by_what;
  for (const v1::AuditRecord& t : tombstones) {
    EXPECT_EQ(t.actor_agency_id(), "hub");
    EXPECT_FALSE(absl::StrContains(t.detail(), "Example"));
    EXPECT_FALSE(absl::StrContains(t.detail(), "canal"));
    if (!t.message_id().empty()) detail_by_what["message"] = t.detail();
    else if (absl::StartsWith(t.detail(), "child record")) detail_by_what["child"] = t.detail();
    else detail_by_what["case"] = t.detail();
  }
  EXPECT_THAT(detail_by_what["case"], HasSubstr("class RECORD_CLASS_CASE_CHILD_PROTECTION"));
  EXPECT_THAT(detail_by_what["case"], HasSubstr("content sha256 " + case_sha));
  EXPECT_THAT(detail_by_what["child"], HasSubstr("content sha256 " + child_sha));
  EXPECT_THAT(detail_by_what["message"], HasSubstr("class RECORD_CLASS_MESSAGE_PAYLOAD"));
  EXPECT_THAT(detail_by_what["message"], HasSubstr("content sha256 " + message_sha));

  // GetCase says it was purged rather than failing.
  read = store_->ReadCase(case_id, "health", "");
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_TRUE(read->has_purged_at());
  EXPECT_FALSE(read->has_child_details());
  EXPECT_EQ(read->case_file().risk_assessments_size(), 0);
  EXPECT_EQ(read->case_file().case_id(), case_id);
  // Nothing can be added to it; an outsider still hears of no case.
  Submission more;
  more.sender_agency_id = "health";
  more.method = "RecordRiskAssessment";
  more.idempotency_key = more.request_sha256 = "more";
  more.case_id = case_id;
  more.message.set_kind(v1::MESSAGE_KIND_CASE_UPDATE);
  more.accepted_at = absl::Now();
  absl::StatusOr<Accepted> refused = store_->Accept(more, ToCsc());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(refused.status().message(), HasSubstr("was purged under the retention schedule"));
  ASSERT_TRUE(store_->SyncAgencies({MakeAgency("health", v1::HEALTH), MakeAgency("csc", v1::CHILDRENS_SOCIAL_CARE),
                                    MakeAgency("school", v1::EDUCATION)})
                  .ok());
  more.sender_agency_id = "school";
  EXPECT_EQ(store_->Accept(more, ToCsc()).status().code(), absl::StatusCode::kNotFound);

  // Run again: nothing more to purge, no second tombstone.
  absl::StatusOr<RetentionReport> again = PurgerAt(40)->Run(true);
  ASSERT_TRUE(again.ok()) << again.status();
  for (const RetentionClassReport& r : again->classes) EXPECT_EQ(r.purged, 0) << RecordClassName(r.record_class);
  records.clear();
  ASSERT_TRUE(SealAndVerify(&records).ok());
  EXPECT_EQ(OfKind(records, v1::AUDIT_EVENT_KIND_RECORD_PURGED).size(), 3u);
  (void)child_id;
  (void)message_id;
}

TEST_F(RetentionStoreTest, ALegalHoldStopsThePurgeUntilReleased) {
  const std::string held = OpenCase("held", v1::OPEN_PLAN_CHILD_IN_NEED);
  const std::string free = OpenCase("free", v1::OPEN_PLAN_CHILD_IN_NEED);
  v1::AuditRecord by;
  by.set_actor_agency_id("operator");
  by.set_method("hubctl retention hold");
  ASSERT_TRUE(store_->SetLegalHold(held, true, "litigation: claim 2026-17", absl::Now(), by).ok());
  EXPECT_EQ(store_->SetLegalHold(held, true, "again", absl::Now(), by).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(store_->SetLegalHold("00000000-0000-0000-0000-000000000000", true, "x", absl::Now(), by).code(),
            absl::StatusCode::kNotFound);

  // Born 2013: a child in need's case is due at 21, in 2034.
  absl::StatusOr<RetentionReport> report = PurgerAt(30)->Run(true);
  ASSERT_TRUE(report.ok()) << report.status();
  const RetentionClassReport& cin = ClassOf(*report, v1::RECORD_CLASS_CASE_CHILD_IN_NEED);
  EXPECT_EQ(cin.purged, 1);
  EXPECT_EQ(cin.kept, 1);
  EXPECT_EQ(cin.held, 1);
  // The held case keeps its message payload too.
  EXPECT_EQ(ClassOf(*report, v1::RECORD_CLASS_MESSAGE_PAYLOAD).held, 1);
  EXPECT_EQ(db_.QueryString(absl::StrCat("SELECT ISNULL(purged_at) FROM cre_case WHERE case_id = '", held, "'")), "1");
  EXPECT_EQ(db_.QueryString(absl::StrCat("SELECT ISNULL(purged_at) FROM cre_case WHERE case_id = '", free, "'")), "0");
  EXPECT_EQ(db_.QueryString(absl::StrCat("SELECT LENGTH(body) > 0 FROM message WHERE case_id = '", held, "'")), "1");
  // The purge itself refuses it, whoever asks.
  absl::StatusOr<Store::Purged> direct = store_->PurgeCase(
      held, clock_.Now(), [](const Store::RetentionCase&) { return Store::RetentionDecision{v1::RECORD_CLASS_CASE_CHILD_IN_NEED, absl::InfinitePast()}; },
      by);
  ASSERT_TRUE(direct.ok()) << direct.status();
  EXPECT_FALSE(direct->purged);
  EXPECT_EQ(direct->not_purged_because, Store::Purged::NotPurged::kHeld);
  absl::StatusOr<std::vector<Store::LegalHold>> holds = store_->ListLegalHolds();
  ASSERT_TRUE(holds.ok());
  ASSERT_EQ(holds->size(), 1u);
  EXPECT_EQ((*holds)[0].reason, "litigation: claim 2026-17");
  EXPECT_EQ((*holds)[0].held_by, "operator");

  by.set_method("hubctl retention release");
  ASSERT_TRUE(store_->SetLegalHold(held, false, "claim settled", absl::Now(), by).ok());
  report = PurgerAt(30)->Run(true);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(ClassOf(*report, v1::RECORD_CLASS_CASE_CHILD_IN_NEED).purged, 1);
  EXPECT_EQ(db_.QueryString("SELECT COUNT(*) FROM cre_case WHERE purged_at IS NULL"), "0");

  std::vector<v1::AuditRecord> records;
  ASSERT_TRUE(SealAndVerify(&records).ok());
  const std::vector<v1::AuditRecord> changes = OfKind(records, v1::AUDIT_EVENT_KIND_LEGAL_HOLD_CHANGED);
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_EQ(changes[0].detail(), "legal hold placed: litigation: claim 2026-17");
  EXPECT_EQ(changes[1].detail(), "legal hold released: claim settled");
  EXPECT_EQ(changes[1].case_id(), held);
}

TEST_F(RetentionStoreTest, ADryRunWritesNothing) {
  OpenCase("a", v1::OPEN_PLAN_EARLY_HELP);
  ASSERT_TRUE(SealAndVerify().ok());
  const std::string rows = db_.QueryString("SELECT COUNT(*) FROM audit_log");
  absl::StatusOr<RetentionReport> report = PurgerAt(30)->Run(false);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(ClassOf(*report, v1::RECORD_CLASS_CASE_EARLY_HELP).due, 1);
  EXPECT_EQ(ClassOf(*report, v1::RECORD_CLASS_MESSAGE_PAYLOAD).due, 1);
  EXPECT_EQ(ClassOf(*report, v1::RECORD_CLASS_CASE_EARLY_HELP).purged, 0);
  EXPECT_EQ(db_.QueryString("SELECT COUNT(*) FROM cre_case WHERE purged_at IS NULL"), "1");
  EXPECT_EQ(db_.QueryString("SELECT COUNT(*) FROM message WHERE purged_at IS NULL"), "1");
  ASSERT_TRUE(SealAndVerify().ok());
  EXPECT_EQ(db_.QueryString("SELECT COUNT(*) FROM audit_log"), rows);
  // The text and JSON reports name the class and its policy.
  EXPECT_THAT(RetentionReportText(*report), HasSubstr("case_early_help"));
  EXPECT_THAT(RetentionReportJson(*report), HasSubstr("\"class\":\"case_early_help\""));
}

TEST_F(RetentionStoreTest, AMessageIsKeptWhileADeliveryIsOutstanding) {
  Submission s;
  s.sender_agency_id = "health";
  s.method = "SubmitOperationLibertyReport";
  s.idempotency_key = s.request_sha256 = "report";
  s.message.set_kind(v1::MESSAGE_KIND_OPERATION_LIBERTY_REPORT);
  s.accepted_at = absl::Now();
  ASSERT_TRUE(store_->Accept(s, ToCsc()).ok());
  absl::StatusOr<RetentionReport> report = PurgerAt(5)->Run(true);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(ClassOf(*report, v1::RECORD_CLASS_MESSAGE_PAYLOAD).purged, 0);
  EXPECT_EQ(ClassOf(*report, v1::RECORD_CLASS_MESSAGE_PAYLOAD).kept, 1);
  AcknowledgeAll();
  report = PurgerAt(5)->Run(true);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(ClassOf(*report, v1::RECORD_CLASS_MESSAGE_PAYLOAD).purged, 1);
  ASSERT_TRUE(SealAndVerify().ok());
}

TEST_F(RetentionStoreTest, TheChildsOwnRowGoesWithTheirLastCase) {
  // One child (one NHS number), two cases: child in need, child protection.
  OpenCase("cin", v1::OPEN_PLAN_CHILD_IN_NEED, "9434765919");
  OpenCase("cp", v1::OPEN_PLAN_CHILD_PROTECTION, "9434765919");
  ASSERT_EQ(db_.QueryString("SELECT COUNT(*) FROM child"), "1");
  absl::StatusOr<RetentionReport> report = PurgerAt(30)->Run(true);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->children_purged, 0);
  EXPECT_EQ(db_.QueryString("SELECT LENGTH(details) > 0 FROM child"), "1");
  report = PurgerAt(36)->Run(true);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->children_purged, 1);
  EXPECT_EQ(db_.QueryString("SELECT LENGTH(details) FROM child"), "0");
  ASSERT_TRUE(SealAndVerify().ok());
}

TEST_F(RetentionStoreTest, TwoHubsPurgingAtOncePurgeEachRecordOnce) {
  constexpr int kCases = 24;
  std::vector<std::string> case_ids;
  for (int i = 0; i < kCases; ++i) {
    case_ids.push_back(OpenCase(absl::StrCat("case-", i), i % 2 ? v1::OPEN_PLAN_EARLY_HELP : v1::OPEN_PLAN_NONE));
  }
  // Two hub processes: two stores on the one database, two threads each.
  auto other = std::make_shared<mysql::MysqlStore>(db_.settings(), 4, testing::TestCipher());
  clock_.Set(AddYearsAndDays(absl::Now(), 30, 0));
  std::vector<std::unique_ptr<RetentionPurger>> purgers;
  for (int i = 0; i < 4; ++i) {
    purgers.push_back(std::make_unique<RetentionPurger>(i % 2 ? std::shared_ptr<Store>(other)
                                                              : std::shared_ptr<Store>(store_),
                                                        Defaults(), clock_, "hub", ""));
  }
  std::vector<absl::StatusOr<RetentionReport>> reports(purgers.size(), absl::UnknownError("not run"));
  std::vector<std::thread> threads;
  for (size_t i = 0; i < purgers.size(); ++i) {
    threads.emplace_back([&, i] { reports[i] = purgers[i]->Run(true); });
  }
  for (std::thread& t : threads) t.join();
  int64_t cases_purged = 0;
  int64_t messages_purged = 0;
  for (const absl::StatusOr<RetentionReport>& r : reports) {
    ASSERT_TRUE(r.ok()) << r.status();
    cases_purged += ClassOf(*r, v1::RECORD_CLASS_CASE_EARLY_HELP).purged + ClassOf(*r, v1::RECORD_CLASS_CASE_NO_PLAN).purged;
    messages_purged += ClassOf(*r, v1::RECORD_CLASS_MESSAGE_PAYLOAD).purged;
  }
  EXPECT_EQ(cases_purged, kCases);
  EXPECT_EQ(messages_purged, kCases);
  EXPECT_EQ(db_.QueryString("SELECT COUNT(*) FROM cre_case WHERE purged_at IS NULL"), "0");

  // One tombstone per record: each case, message and child once.
  std::vector<v1::AuditRecord> records;
  ASSERT_TRUE(SealAndVerify(&records).ok());
  std::map<std::string, int> per_record;
  for (const v1::AuditRecord& t : OfKind(records, v1::AUDIT_EVENT_KIND_RECORD_PURGED)) {
    const std::string what = !t.message_id().empty() ? "message " + t.message_id()
                             : absl::StartsWith(t.detail(), "child") ? "child " + t.child_id()
                                                                      : "case " + t.case_id();
    ++per_record[what];
  }
  EXPECT_EQ(per_record.size(), 3u * kCases);
  for (const auto& [what, n] : per_record) EXPECT_EQ(n, 1) << what;
  for (const std::string& id : case_ids) EXPECT_EQ(per_record["case " + id], 1) << id;
}

TEST_F(RetentionStoreTest, OneProcessSweepsInEachInterval) {
  auto other = std::make_shared<mysql::MysqlStore>(db_.settings(), 2, testing::TestCipher());
  absl::StatusOr<bool> first = store_->ClaimRetentionSweep("a", absl::Hours(1));
  absl::StatusOr<bool> second = other->ClaimRetentionSweep("b", absl::Hours(1));
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_TRUE(*first);
  EXPECT_FALSE(*second);
  EXPECT_TRUE(*other->ClaimRetentionSweep("b", absl::ZeroDuration()));
}

}  // namespace
}  // namespace cre
