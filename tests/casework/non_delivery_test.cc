// Non-delivery reports (casework/non_delivery.h): who is told, what the
// report says and carries, and the records it leaves. No database: the
// store's side is tests/store/store_conformance.cc.
#include "casework/non_delivery.h"

#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace cre {
namespace {

UndeliveredMessage SendersReport() {
  UndeliveredMessage m;
  m.delivery_id = 42;
  m.recipient_agency_id = "derby-pru";
  m.attempts = 10;
  m.message_id = "2f0f3d5e-9c55-4a43-9d3c-0a1a0c9d2b61";
  m.kind = v1::MESSAGE_KIND_CONCERN;
  m.sender_agency_id = "derby-school-ashgrove";
  m.case_id = "5b0c0e7e-8a38-4c0e-9a0b-7a0d6e3f9b11";
  m.body_known = true;
  m.traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  return m;
}

TEST(NonDeliveryTest, TheReasonSaysWhyInWords) {
  EXPECT_EQ(DeadLetterReason(DeadLetterCause::kNotAcknowledged, 10), "not acknowledged after 10 attempts");
  EXPECT_EQ(DeadLetterReason(DeadLetterCause::kNotAcknowledged, 1), "not acknowledged after 1 attempt");
  EXPECT_EQ(DeadLetterReason(DeadLetterCause::kStreamEnded, 3),
            "the recipient's stream ended after the last attempt (3 attempts, none acknowledged)");
  EXPECT_EQ(DeadLetterReason(DeadLetterCause::kCasePurged, 0),
            "its case was purged under the retention schedule before it was acknowledged");
}

TEST(NonDeliveryTest, OnlyAnAgencysOwnMessagesAreReported) {
  EXPECT_TRUE(WantsNonDeliveryReport(SendersReport()));
  UndeliveredMessage follow_up = SendersReport();  // sent on the agency's behalf
  follow_up.sent_by_hub = true;
  EXPECT_FALSE(WantsNonDeliveryReport(follow_up));
  UndeliveredMessage alert = SendersReport();  // of the hub's own accord
  alert.sender_agency_id = "";
  EXPECT_FALSE(WantsNonDeliveryReport(alert));
  UndeliveredMessage report = SendersReport();  // no report about a report
  report.kind = v1::MESSAGE_KIND_NON_DELIVERY_REPORT;
  report.sender_agency_id = "derby-pru";
  EXPECT_FALSE(WantsNonDeliveryReport(report));
  UndeliveredMessage unread = SendersReport();  // the body could not be read
  unread.body_known = false;
  unread.sent_by_hub = true;
  EXPECT_TRUE(WantsNonDeliveryReport(unread));
}

TEST(NonDeliveryTest, TheReportNamesTheMessageAndCarriesNothingOfTheChild) {
  v1::Governance hub_envelope;
  hub_envelope.set_sharing_agreement_id("derby-cre-isa-2026");
  const absl::Time now = absl::FromUnixSeconds(1796468421);
  const v1::RoutedMessage report = NonDeliveryReportFor(SendersReport(), hub_envelope, now);
  EXPECT_EQ(report.kind(), v1::MESSAGE_KIND_NON_DELIVERY_REPORT);
  EXPECT_TRUE(report.sent_by_hub());
  EXPECT_EQ(report.governance().sharing_agreement_id(), "derby-cre-isa-2026");
  EXPECT_EQ(report.traceparent(), SendersReport().traceparent);
  EXPECT_EQ(report.case_id(), "") << "on no case: per-case order must not hold it back";
  EXPECT_FALSE(report.has_child_details());
  const v1::NonDeliveryReport& body = report.non_delivery_report();
  EXPECT_EQ(body.undelivered_message_id(), "2f0f3d5e-9c55-4a43-9d3c-0a1a0c9d2b61");
  EXPECT_EQ(body.undelivered_kind(), v1::MESSAGE_KIND_CONCERN);
  EXPECT_EQ(body.case_id(), "5b0c0e7e-8a38-4c0e-9a0b-7a0d6e3f9b11");
  EXPECT_EQ(body.recipient_agency_id(), "derby-pru");
  EXPECT_EQ(body.undelivered_delivery_id(), 42);
  EXPECT_EQ(body.attempts(), 10);
  EXPECT_EQ(body.dead_lettered_at().seconds(), 1796468421);
  EXPECT_EQ(body.reason(), "not acknowledged after 10 attempts");
}

TEST(NonDeliveryTest, TheRecordsNameTheDeliveryAndTheReport) {
  const absl::Time now = absl::FromUnixSeconds(1796468421);
  const v1::AuditRecord dead = AuditOfDeadLetter(SendersReport(), now);
  EXPECT_EQ(dead.kind(), v1::AUDIT_EVENT_KIND_DELIVERY_DEAD_LETTERED);
  EXPECT_EQ(dead.delivery_id(), 42);
  EXPECT_EQ(dead.recipient_agency_id(), "derby-pru");
  EXPECT_EQ(dead.detail(), "not acknowledged after 10 attempts");
  const v1::AuditRecord reported = AuditOfNonDeliveryReport(SendersReport(), "report-id", now);
  EXPECT_EQ(reported.kind(), v1::AUDIT_EVENT_KIND_NON_DELIVERY_REPORTED);
  EXPECT_EQ(reported.message_id(), "report-id");
  EXPECT_EQ(reported.delivery_id(), 42);
  EXPECT_EQ(reported.recipient_agency_id(), "derby-school-ashgrove");
  EXPECT_EQ(reported.detail(),
            "to derby-school-ashgrove: its MESSAGE_KIND_CONCERN 2f0f3d5e-9c55-4a43-9d3c-0a1a0c9d2b61 to derby-pru"
            " was dead-lettered: not acknowledged after 10 attempts");
}

}  // namespace
}  // namespace cre
