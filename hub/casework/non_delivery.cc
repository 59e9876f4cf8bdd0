#include "casework/non_delivery.h"

#include "absl/strings/str_cat.h"
#include "casework/audit_records.h"
#include "common/proto_time.h"

namespace cre {

std::string DeadLetterReason(DeadLetterCause cause, int attempts) {
  const std::string tries = absl::StrCat(attempts, attempts == 1 ? " attempt" : " attempts");
  switch (cause) {
    case DeadLetterCause::kNotAcknowledged:
      return absl::StrCat("not acknowledged after ", tries);
    case DeadLetterCause::kStreamEnded:
      return absl::StrCat("the recipient's stream ended after the last attempt (", tries, ", none acknowledged)");
    case DeadLetterCause::kCasePurged:
      return "its case was purged under the retention schedule before it was acknowledged";
  }
  return "not delivered";
}

bool WantsNonDeliveryReport(const UndeliveredMessage& undelivered) {
  if (undelivered.sender_agency_id.empty()) return false;  // the hub's own alert
  if (undelivered.kind == v1::MESSAGE_KIND_NON_DELIVERY_REPORT) return false;
  // A follow-up names the agency the hub acted for as its sender: only the
  // body says the hub sent it. A body that cannot be read is the sender's
  // own message as far as the store can tell (follow-ups and reports are
  // never purged while a delivery is outstanding but with their case,
  // which reads the bodies before purging them).
  return !(undelivered.body_known && undelivered.sent_by_hub);
}

v1::RoutedMessage NonDeliveryReportFor(const UndeliveredMessage& undelivered, const v1::Governance& hub_envelope,
                                       absl::Time now) {
  v1::RoutedMessage report;
  report.set_kind(v1::MESSAGE_KIND_NON_DELIVERY_REPORT);
  report.set_sent_by_hub(true);
  *report.mutable_governance() = hub_envelope;
  report.set_traceparent(undelivered.traceparent);
  v1::NonDeliveryReport* body = report.mutable_non_delivery_report();
  body->set_undelivered_message_id(undelivered.message_id);
  body->set_undelivered_kind(undelivered.kind);
  body->set_case_id(undelivered.case_id);
  body->set_recipient_agency_id(undelivered.recipient_agency_id);
  body->set_undelivered_delivery_id(undelivered.delivery_id);
  body->set_attempts(undelivered.attempts);
  *body->mutable_dead_lettered_at() = ToProtoTime(now);
  body->set_reason(DeadLetterReason(undelivered.cause, undelivered.attempts));
  return report;
}

v1::AuditRecord AuditOfDeadLetter(const UndeliveredMessage& undelivered, absl::Time at) {
  v1::AuditRecord record = AuditOf(v1::AUDIT_EVENT_KIND_DELIVERY_DEAD_LETTERED, "", at);
  record.set_delivery_id(undelivered.delivery_id);
  record.set_message_id(undelivered.message_id);
  record.set_recipient_agency_id(undelivered.recipient_agency_id);
  record.set_detail(DeadLetterReason(undelivered.cause, undelivered.attempts));
  return record;
}

v1::AuditRecord AuditOfNonDeliveryReport(const UndeliveredMessage& undelivered,
                                         const std::string& report_message_id, absl::Time at) {
  v1::AuditRecord record = AuditOf(v1::AUDIT_EVENT_KIND_NON_DELIVERY_REPORTED, "", at);
  record.set_message_id(report_message_id);
  record.set_delivery_id(undelivered.delivery_id);
  record.set_recipient_agency_id(undelivered.sender_agency_id);
  record.set_detail(absl::StrCat("to ", undelivered.sender_agency_id, ": its ",
                                 v1::MessageKind_Name(undelivered.kind), " ", undelivered.message_id, " to ",
                                 undelivered.recipient_agency_id, " was dead-lettered: ",
                                 DeadLetterReason(undelivered.cause, undelivered.attempts)));
  return record;
}

}  // namespace cre
