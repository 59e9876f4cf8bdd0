// A case that grows for years, and acknowledgements that cannot fail each
// other: the MySQL store driven directly, on the real MariaDB.
//
// A case's assessments and events were one sealed BLOB of at most 65,535
// bytes: a long narrative, or the fourth long assessment, was refused
// INTERNAL, and a report accepted on a nearly full case could never be
// acknowledged. An acknowledgement group failed whole when one of its
// requests did.
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/proto_time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "store/mysql/mysql_store.h"
#include "store/mysql/sql_values.h"
#include "support/test_database.h"
#include "support/test_environment.h"

namespace cre::mysql {
namespace {

using ::cre::testing::TestDatabase;
using ::testing::HasSubstr;
using ::testing::SizeIs;

constexpr int kNarrativeBytes = 64 * 1024;  // the most a narrative may hold

v1::Agency Agency(const std::string& id, v1::AgencyRole role) {
  v1::Agency agency;
  agency.set_id(id);
  agency.set_display_name(id);
  agency.set_role(role);
  return agency;
}

// Routes to the agencies involved with the case, as case updates go.
absl::StatusOr<Routing> ToInvolved(const CaseView* case_view, const RepliedMessage*) {
  Routing routing;
  if (case_view != nullptr) routing.recipients = case_view->involved_agency_ids;
  return routing;
}

class CaseGrowthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(store_
                    .SyncAgencies({Agency("school", v1::EDUCATION), Agency("pru", v1::POLICE_REFERRAL_UNIT),
                                   Agency("csc", v1::CHILDRENS_SOCIAL_CARE)})
                    .ok());
  }

  Submission From(const std::string& sender, const std::string& key) {
    Submission s;
    s.sender_agency_id = sender;
    s.method = "test";
    s.idempotency_key = key;
    s.request_sha256 = key;
    s.accepted_at = absl::Now();
    s.opened_at = s.accepted_at;
    return s;
  }

  // A case opened by the school, with CSC involved.
  std::string OpenCase(const std::string& key = "open") {
    Submission s = From("school", key);
    v1::NewChild child;
    child.mutable_details()->set_given_name("Alex");
    child.mutable_child()->set_date_of_birth("2012-05-01");
    s.new_child = &child;
    s.message.set_kind(v1::MESSAGE_KIND_CONCERN);
    s.message.mutable_concern()->set_narrative("n");
    absl::StatusOr<Accepted> opened =
        store_.Accept(s, [](const CaseView*, const RepliedMessage*) -> absl::StatusOr<Routing> {
          Routing routing;
          routing.recipients = {"csc"};
          return routing;
        });
    EXPECT_TRUE(opened.ok()) << opened.status();
    return opened.ok() ? opened->receipt.case_id() : "";
  }

  absl::StatusOr<Accepted> Assess(const std::string& case_id, const std::string& key, size_t narrative_bytes) {
    Submission s = From("school", key);
    s.case_id = case_id;
    v1::RiskAssessment* assessment = s.record_append.add_risk_assessments();
    assessment->set_level(v1::RISK_LEVEL_MEDIUM);
    *assessment->mutable_assessed_at() = ToProtoTime(s.accepted_at);
    assessment->set_narrative(std::string(narrative_bytes, 'n'));
    s.message.set_kind(v1::MESSAGE_KIND_CASE_UPDATE);
    *s.message.mutable_case_update() = s.record_append;
    return store_.Accept(s, ToInvolved);
  }

  absl::StatusOr<Accepted> RecordEvents(const std::string& case_id, const std::string& key, int count) {
    Submission s = From("school", key);
    s.case_id = case_id;
    for (int i = 0; i < count; ++i) {
      v1::CaseEvent* event = s.record_append.add_events();
      event->set_kind(v1::EVENT_KIND_MISSING_EPISODE);
      *event->mutable_occurred_at() = ToProtoTime(s.accepted_at);
    }
    s.message.set_kind(v1::MESSAGE_KIND_CASE_UPDATE);
    *s.message.mutable_case_update() = s.record_append;
    return store_.Accept(s, ToInvolved);
  }

  // An Operation Liberty report on the case: the PRU's acknowledgement
  // completes its OPERATION_LIBERTY_REPORT_SENT event.
  absl::StatusOr<Accepted> Report(const std::string& case_id, const std::string& key) {
    Submission s = From("school", key);
    s.case_id = case_id;
    s.message.set_kind(v1::MESSAGE_KIND_OPERATION_LIBERTY_REPORT);
    s.message.mutable_operation_liberty_report()->set_narrative("a car outside the school");
    return store_.Accept(s, [](const CaseView*, const RepliedMessage*) -> absl::StatusOr<Routing> {
      Routing routing;
      routing.recipients = {"pru"};
      routing.event_kind = v1::EVENT_KIND_OPERATION_LIBERTY_REPORT_SENT;
      routing.acknowledged_by = "pru";
      return routing;
    });
  }

  int64_t ClaimOne(const std::string& recipient) {
    absl::StatusOr<std::vector<v1::RoutedMessage>> claimed =
        store_.ClaimDeliveries(recipient, recipient + "-stream", 10, DeliveryPolicy());
    EXPECT_TRUE(claimed.ok()) << claimed.status();
    EXPECT_THAT(*claimed, SizeIs(1));
    return claimed.ok() && !claimed->empty() ? claimed->front().delivery_id() : 0;
  }

  v1::CaseFile Read(const std::string& case_id) {
    absl::StatusOr<v1::GetCaseResponse> read = store_.ReadCase(case_id, "school", "");
    EXPECT_TRUE(read.ok()) << read.status();
    return read.ok() ? read->case_file() : v1::CaseFile();
  }

  std::string Count(const std::string& table) {
    return db_.QueryString(absl::StrCat("SELECT COUNT(*) FROM ", table));
  }

  TestDatabase db_;
  std::shared_ptr<const crypto::FieldCipher> cipher_ = testing::TestCipher();
  MysqlStore store_{db_.settings(), 4, cipher_};
};

TEST_F(CaseGrowthTest, ACaseHoldsManyNarrativesOfTheLargestSize) {
  const std::string case_id = OpenCase();
  // Twenty times what the single record could hold.
  for (int i = 0; i < 20; ++i) {
    absl::StatusOr<Accepted> assessed = Assess(case_id, absl::StrCat("a", i), kNarrativeBytes);
    ASSERT_TRUE(assessed.ok()) << "assessment " << i << ": " << assessed.status();
  }
  const v1::CaseFile file = Read(case_id);
  ASSERT_THAT(file.risk_assessments(), SizeIs(20));
  for (const v1::RiskAssessment& assessment : file.risk_assessments()) {
    EXPECT_EQ(assessment.narrative().size(), static_cast<size_t>(kNarrativeBytes));
  }
  EXPECT_EQ(Count("case_entry"), "20");
}

TEST_F(CaseGrowthTest, AReportOnALargeCaseCanBeAcknowledged) {
  const std::string case_id = OpenCase();
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(Assess(case_id, absl::StrCat("a", i), kNarrativeBytes).ok());
  ASSERT_TRUE(Report(case_id, "report").ok());
  const int64_t delivery = ClaimOne("pru");

  absl::StatusOr<AckOutcome> acked = store_.Acknowledge("pru", {delivery}, absl::Now());
  ASSERT_TRUE(acked.ok()) << acked.status();
  EXPECT_EQ(acked->acknowledged, 1);
  const v1::CaseFile file = Read(case_id);
  ASSERT_THAT(file.events(), SizeIs(1));
  EXPECT_EQ(file.events(0).kind(), v1::EVENT_KIND_OPERATION_LIBERTY_REPORT_SENT);
  EXPECT_TRUE(file.events(0).has_acknowledged_at()) << "the PRU's acknowledgement did not complete the event";
}

TEST_F(CaseGrowthTest, ACallerCannotTakeACasePastItsLimitButTheHubsOwnEventsStillGo) {
  const std::string case_id = OpenCase();
  for (int i = 0; i < kMaxCaseEntries / 100; ++i) {
    absl::StatusOr<Accepted> recorded = RecordEvents(case_id, absl::StrCat("e", i), 100);
    ASSERT_TRUE(recorded.ok()) << "batch " << i << ": " << recorded.status();
  }
  const std::string messages = Count("message");
  absl::StatusOr<Accepted> refused = RecordEvents(case_id, "one-more", 1);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(refused.status().message(), HasSubstr("case_id: case "));
  EXPECT_THAT(refused.status().message(), HasSubstr(absl::StrCat("the ", kMaxCaseEntries, " a case may hold")));
  EXPECT_EQ(Count("message"), messages);  // nothing written
  EXPECT_EQ(Count("case_entry"), absl::StrCat(kMaxCaseEntries));

  // A report on the full case is accepted, and its acknowledgement lands.
  ASSERT_TRUE(Report(case_id, "report").ok());
  ASSERT_TRUE(store_.Acknowledge("pru", {ClaimOne("pru")}, absl::Now()).ok());
  EXPECT_EQ(Count("case_entry"), absl::StrCat(kMaxCaseEntries + 1));
  EXPECT_EQ(db_.QueryString("SELECT COUNT(*) FROM case_entry WHERE acknowledged_at IS NOT NULL"), "1");
}

TEST_F(CaseGrowthTest, ACaseRecordedBeforeEntriesWereRowsIsMovedIntoRowsWhenWritten) {
  const std::string case_id = OpenCase();
  // As a hub before migration 0010 stored it: one sealed record, no rows;
  // a report whose acknowledgement is still to come.
  ASSERT_TRUE(Report(case_id, "report").ok());
  const int64_t delivery = ClaimOne("pru");
  const v1::CaseFile before = Read(case_id);
  ASSERT_THAT(before.events(), SizeIs(1));
  v1::CaseUpdate legacy;
  v1::RiskAssessment* old_assessment = legacy.add_risk_assessments();
  old_assessment->set_level(v1::RISK_LEVEL_LOW);
  old_assessment->set_narrative("assessed before the upgrade");
  *legacy.add_events() = before.events(0);
  absl::StatusOr<std::string> sealed = Sealed(legacy, *cipher_, kCaseRecord, case_id);
  ASSERT_TRUE(sealed.ok());
  db_.Execute("DELETE FROM case_entry");
  db_.Execute(absl::StrCat("UPDATE cre_case SET record = ", SqlBytes(*sealed)));

  // Read as it is.
  EXPECT_EQ(Read(case_id).risk_assessments(0).narrative(), "assessed before the upgrade");
  // The acknowledgement moves it into rows and completes the event.
  ASSERT_TRUE(store_.Acknowledge("pru", {delivery}, absl::Now()).ok());
  EXPECT_EQ(db_.QueryString("SELECT COUNT(*) FROM cre_case WHERE record IS NULL"), "1");
  EXPECT_EQ(Count("case_entry"), "2");
  // Later entries follow it.
  ASSERT_TRUE(Assess(case_id, "after", 10).ok());
  const v1::CaseFile after = Read(case_id);
  ASSERT_THAT(after.risk_assessments(), SizeIs(2));
  EXPECT_EQ(after.risk_assessments(0).narrative(), "assessed before the upgrade");
  ASSERT_THAT(after.events(), SizeIs(1));
  EXPECT_TRUE(after.events(0).has_acknowledged_at());
}

// Several events completed by one group of acknowledgements, on two cases,
// with a repeated acknowledgement among them (which takes the careful path):
// each event is completed once, and only the cases whose event this group
// completed are due for review at the group's instant.
TEST_F(CaseGrowthTest, AGroupOfAcknowledgementsCompletesTheEventsOfEachCase) {
  const std::string a = OpenCase("open-a"), b = OpenCase("open-b"), done = OpenCase("open-done");
  for (const std::string& case_id : {a, b, done}) ASSERT_TRUE(Report(case_id, "report-" + case_id).ok());
  absl::StatusOr<std::vector<v1::RoutedMessage>> claimed =
      store_.ClaimDeliveries("pru", "pru-stream", 10, DeliveryPolicy());
  ASSERT_TRUE(claimed.ok()) << claimed.status();
  ASSERT_THAT(*claimed, SizeIs(3));
  std::map<std::string, int64_t> delivery;  // case -> its report's delivery
  for (const v1::RoutedMessage& m : *claimed) delivery[m.case_id()] = m.delivery_id();
  const absl::Time first = absl::FromUnixSeconds(absl::ToUnixSeconds(absl::Now()));
  ASSERT_TRUE(store_.Acknowledge("pru", {delivery[done]}, first).ok());

  const absl::Time later = first + absl::Minutes(1);
  absl::StatusOr<std::vector<absl::StatusOr<AckOutcome>>> acked =
      store_.AcknowledgeAll({{"pru", {delivery[a], delivery[b]}}, {"pru", {delivery[done]}}}, later);
  ASSERT_TRUE(acked.ok()) << acked.status();
  for (const auto& outcome : *acked) ASSERT_TRUE(outcome.ok()) << outcome.status();
  for (const std::string& case_id : {a, b, done}) {
    const v1::CaseFile file = Read(case_id);
    ASSERT_THAT(file.events(), SizeIs(1)) << case_id;
    EXPECT_EQ(FromProtoTime(file.events(0).acknowledged_at()), case_id == done ? first : later) << case_id;
    EXPECT_EQ(db_.QueryString(absl::StrCat("SELECT CONCAT(next_deadline, ' ', schedule_sha256 IS NULL) FROM cre_case"
                                           " WHERE case_id = ",
                                           SqlBytes(case_id))),
              absl::StrCat(SqlTime(case_id == done ? first : later), " 1"))
        << case_id;
  }
  EXPECT_EQ(db_.QueryString("SELECT COUNT(*) FROM case_entry WHERE acknowledged_at IS NOT NULL"), "3");
}

TEST_F(CaseGrowthTest, OnePoisonedAcknowledgementLeavesTheOthersOfItsGroupUntouched) {
  const std::string case_id = OpenCase();
  ASSERT_TRUE(Report(case_id, "report").ok());
  const int64_t pru_delivery = ClaimOne("pru");
  const int64_t csc_delivery = ClaimOne("csc");  // the concern that opened the case
  // The PRU's acknowledgement cannot be written, whatever the hub does.
  db_.Execute(absl::StrCat("CREATE TRIGGER poisoned BEFORE UPDATE ON delivery FOR EACH ROW"
                           " IF OLD.delivery_id = ", pru_delivery,
                           " THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'poisoned'; END IF"));

  absl::StatusOr<std::vector<absl::StatusOr<AckOutcome>>> acked =
      store_.AcknowledgeAll({{"pru", {pru_delivery}}, {"csc", {csc_delivery}}}, absl::Now());
  ASSERT_TRUE(acked.ok()) << acked.status();
  ASSERT_THAT(*acked, SizeIs(2));
  EXPECT_FALSE((*acked)[0].ok());
  ASSERT_TRUE((*acked)[1].ok()) << (*acked)[1].status();
  EXPECT_EQ((*acked)[1]->acknowledged, 1);
  EXPECT_EQ(db_.QueryString(absl::StrCat("SELECT state FROM delivery WHERE delivery_id = ", csc_delivery)), "ACKED");
  EXPECT_EQ(db_.QueryString(absl::StrCat("SELECT state FROM delivery WHERE delivery_id = ", pru_delivery)), "LEASED");
}

}  // namespace
}  // namespace cre::mysql
