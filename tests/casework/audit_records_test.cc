// The audit vocabulary (casework/audit_records.h): what an accepted
// submission, a delivery leased on acceptance and a deadline review leave in
// the record, in order, with ids and kinds only.
#include "casework/audit_records.h"

#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cre {
namespace {

using ::testing::ElementsAre;
using ::testing::Not;
using ::testing::HasSubstr;

const absl::Time kAt = absl::FromUnixSeconds(1772442000);  // 2 March 2026 09:00 UTC

std::vector<v1::AuditEventKind> Kinds(const std::vector<v1::AuditRecord>& records) {
  std::vector<v1::AuditEventKind> kinds;
  for (const v1::AuditRecord& r : records) kinds.push_back(r.kind());
  return kinds;
}

TEST(AuditRecordsTest, AnAcceptedConcernOpeningACaseIsRecordedStepByStep) {
  v1::CaseUpdate appended;
  appended.add_risk_assessments()->set_level(v1::RISK_LEVEL_HIGH);
  appended.add_events()->set_kind(v1::EVENT_KIND_MISSING_EPISODE);
  AcceptedSubmission s;
  s.sender_agency_id = "derby-health";
  s.method = "SubmitConcern";
  s.accepted_at = kAt;
  s.opened_case = true;
  s.record_append = &appended;
  s.kind = v1::MESSAGE_KIND_CONCERN;
  v1::SubmitResponse receipt;
  receipt.set_case_id("case-1");
  receipt.set_message_id("message-1");
  v1::HubActionReceipt* iro = receipt.add_hub_actions();
  iro->set_message_id("message-2");
  iro->set_kind(v1::MESSAGE_KIND_NOTIFICATION);
  iro->set_notification_kind(v1::NOTIFICATION_KIND_IRO);
  iro->add_recipient_agency_ids("derby-iro");

  const std::vector<v1::AuditRecord> records = AuditOfAcceptance(s, {"derby-csc"}, receipt);
  EXPECT_THAT(Kinds(records),
              ElementsAre(v1::AUDIT_EVENT_KIND_CASE_OPENED, v1::AUDIT_EVENT_KIND_RISK_ASSESSMENT_RECORDED,
                          v1::AUDIT_EVENT_KIND_CASE_EVENT_RECORDED, v1::AUDIT_EVENT_KIND_MESSAGE_ACCEPTED,
                          v1::AUDIT_EVENT_KIND_HUB_ACTION_PERFORMED));
  for (const v1::AuditRecord& r : records) {
    EXPECT_EQ(r.actor_agency_id(), "derby-health");
    EXPECT_EQ(r.method(), "SubmitConcern");
    EXPECT_EQ(r.case_id(), "case-1");
    EXPECT_EQ(r.at().seconds(), 1772442000);
  }
  EXPECT_EQ(records[1].risk_level(), v1::RISK_LEVEL_HIGH);
  EXPECT_EQ(records[2].event_kind(), v1::EVENT_KIND_MISSING_EPISODE);
  EXPECT_EQ(records[3].detail(), "MESSAGE_KIND_CONCERN to [derby-csc]");
  EXPECT_EQ(records[4].message_id(), "message-2");
  EXPECT_EQ(records[4].detail(), "MESSAGE_KIND_NOTIFICATION NOTIFICATION_KIND_IRO to [derby-iro]");
}

TEST(AuditRecordsTest, TheCaseOpenedNamesItsChildAndWhetherTheHubHeldThemAlready) {
  AcceptedSubmission s;
  s.sender_agency_id = "derby-health";
  s.method = "SubmitConcern";
  s.accepted_at = kAt;
  s.opened_case = true;
  s.child_id = "child-1";
  s.kind = v1::MESSAGE_KIND_CONCERN;
  v1::SubmitResponse receipt;
  receipt.set_case_id("case-1");
  receipt.set_message_id("message-1");
  std::vector<v1::AuditRecord> records = AuditOfAcceptance(s, {"derby-csc"}, receipt);
  ASSERT_EQ(records[0].kind(), v1::AUDIT_EVENT_KIND_CASE_OPENED);
  EXPECT_EQ(records[0].child_id(), "child-1");
  EXPECT_EQ(records[0].detail(), "");
  // The child_id is the case opening's alone.
  EXPECT_EQ(records[1].child_id(), "");

  s.known_child = true;
  records = AuditOfAcceptance(s, {"derby-csc"}, receipt);
  EXPECT_EQ(records[0].child_id(), "child-1");
  EXPECT_EQ(records[0].detail(), "for a child the hub already held, matched by NHS number");
}

TEST(AuditRecordsTest, AResponseNamesTheMessageItAnswers) {
  AcceptedSubmission s;
  s.sender_agency_id = "derby-csc";
  s.method = "Respond";
  s.accepted_at = kAt;
  s.kind = v1::MESSAGE_KIND_RESPONSE;
  s.in_reply_to = "message-0";
  v1::SubmitResponse receipt;
  receipt.set_message_id("message-1");
  const std::vector<v1::AuditRecord> records = AuditOfAcceptance(s, {"derby-early-help"}, receipt);
  ASSERT_THAT(Kinds(records), ElementsAre(v1::AUDIT_EVENT_KIND_RESPONSE_SENT));
  EXPECT_EQ(records[0].detail(), "MESSAGE_KIND_RESPONSE to [derby-early-help] in reply to message-0");
}

TEST(AuditRecordsTest, AHandOutOnAcceptanceIsTheHubsFirstAttempt) {
  v1::RoutedMessage message;
  message.set_delivery_id(7);
  message.set_message_id("message-1");
  message.set_case_id("case-1");
  const v1::AuditRecord r = AuditOfHandOutOnAcceptance(message, "derby-pru", "hub-a/stream-3", kAt);
  EXPECT_EQ(r.kind(), v1::AUDIT_EVENT_KIND_DELIVERY_HANDED_OUT);
  EXPECT_EQ(r.actor_agency_id(), "");
  EXPECT_EQ(r.delivery_id(), 7);
  EXPECT_EQ(r.recipient_agency_id(), "derby-pru");
  EXPECT_EQ(r.detail(), "attempt 1, lease hub-a/stream-3, on acceptance");
}

TEST(AuditRecordsTest, EachAlertOfAReviewIsRecordedByTheHub) {
  v1::SubmitResponse alerts;
  for (const char* id : {"alert-1", "alert-2"}) {
    v1::HubActionReceipt* a = alerts.add_hub_actions();
    a->set_message_id(id);
    a->set_notification_kind(v1::NOTIFICATION_KIND_OVERDUE_ALERT);
    a->add_recipient_agency_ids("derby-cpm");
  }
  const std::vector<v1::AuditRecord> records = AuditOfAlerts("deadline watcher", "case-1", alerts, kAt);
  ASSERT_THAT(Kinds(records), ElementsAre(v1::AUDIT_EVENT_KIND_DEADLINE_ALERT_RAISED,
                                          v1::AUDIT_EVENT_KIND_DEADLINE_ALERT_RAISED));
  EXPECT_EQ(records[1].message_id(), "alert-2");
  EXPECT_EQ(records[1].detail(), "NOTIFICATION_KIND_OVERDUE_ALERT to [derby-cpm]");
  EXPECT_THAT(records[0].actor_agency_id(), Not(HasSubstr("derby")));
}

}  // namespace
}  // namespace cre
