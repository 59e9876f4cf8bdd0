#include "casework/audit_records.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/proto_time.h"

namespace cre {

v1::AuditRecord AuditOf(v1::AuditEventKind kind, const std::string& actor, absl::Time at) {
  v1::AuditRecord record;
  record.set_kind(kind);
  record.set_actor_agency_id(actor);
  *record.mutable_at() = ToProtoTime(at);
  return record;
}

std::vector<v1::AuditRecord> AuditOfAcceptance(const AcceptedSubmission& s,
                                               const std::vector<std::string>& recipients,
                                               const v1::SubmitResponse& receipt) {
  std::vector<v1::AuditRecord> records;
  auto add = [&](v1::AuditEventKind kind) -> v1::AuditRecord& {
    records.push_back(AuditOf(kind, s.sender_agency_id, s.accepted_at));
    records.back().set_method(s.method);
    records.back().set_case_id(receipt.case_id());
    return records.back();
  };
  if (s.opened_case) {
    v1::AuditRecord& opened = add(v1::AUDIT_EVENT_KIND_CASE_OPENED);
    opened.set_child_id(s.child_id);
    if (s.known_child) opened.set_detail("for a child the hub already held, matched by NHS number");
  }
  if (s.record_append != nullptr) {
    for (const v1::RiskAssessment& a : s.record_append->risk_assessments()) {
      add(v1::AUDIT_EVENT_KIND_RISK_ASSESSMENT_RECORDED).set_risk_level(a.level());
    }
    for (const v1::CaseEvent& e : s.record_append->events()) {
      add(v1::AUDIT_EVENT_KIND_CASE_EVENT_RECORDED).set_event_kind(e.kind());
    }
  }
  v1::AuditRecord& message = add(s.kind == v1::MESSAGE_KIND_RESPONSE ? v1::AUDIT_EVENT_KIND_RESPONSE_SENT
                                                                     : v1::AUDIT_EVENT_KIND_MESSAGE_ACCEPTED);
  message.set_message_id(receipt.message_id());
  message.set_detail(absl::StrCat(v1::MessageKind_Name(s.kind), " to [", absl::StrJoin(recipients, ", "), "]",
                                  s.in_reply_to.empty() ? "" : absl::StrCat(" in reply to ", s.in_reply_to)));
  for (const v1::HubActionReceipt& action : receipt.hub_actions()) {
    v1::AuditRecord& performed = add(v1::AUDIT_EVENT_KIND_HUB_ACTION_PERFORMED);
    performed.set_message_id(action.message_id());
    performed.set_detail(absl::StrCat(v1::MessageKind_Name(action.kind()), " ",
                                      v1::NotificationKind_Name(action.notification_kind()), " to [",
                                      absl::StrJoin(action.recipient_agency_ids(), ", "), "]"));
  }
  return records;
}

v1::AuditRecord AuditOfHandOutOnAcceptance(const v1::RoutedMessage& message, const std::string& recipient,
                                           const std::string& lease_owner, absl::Time at) {
  v1::AuditRecord record = AuditOf(v1::AUDIT_EVENT_KIND_DELIVERY_HANDED_OUT, "", at);
  record.set_delivery_id(message.delivery_id());
  record.set_message_id(message.message_id());
  record.set_case_id(message.case_id());
  record.set_recipient_agency_id(recipient);
  record.set_detail(absl::StrCat("attempt 1, lease ", lease_owner, ", on acceptance"));
  return record;
}

v1::AuditRecord AuditOfHandOut(const v1::RoutedMessage& message, const std::string& recipient,
                               const std::string& lease_owner, int attempt, absl::Time at) {
  v1::AuditRecord record = AuditOf(v1::AUDIT_EVENT_KIND_DELIVERY_HANDED_OUT, "", at);
  record.set_delivery_id(message.delivery_id());
  record.set_message_id(message.message_id());
  record.set_case_id(message.case_id());
  record.set_recipient_agency_id(recipient);
  record.set_detail(absl::StrCat("attempt ", attempt, ", lease ", lease_owner));
  return record;
}

v1::AuditRecord AuditOfAcknowledgement(const std::string& recipient, int64_t delivery_id, absl::Time at) {
  v1::AuditRecord record = AuditOf(v1::AUDIT_EVENT_KIND_DELIVERY_ACKNOWLEDGED, recipient, at);
  record.set_method("Acknowledge");
  record.set_delivery_id(delivery_id);
  return record;
}

std::vector<v1::AuditRecord> AuditOfAlerts(const std::string& method, const std::string& case_id,
                                           const v1::SubmitResponse& alerts, absl::Time at) {
  std::vector<v1::AuditRecord> records;
  for (const v1::HubActionReceipt& alert : alerts.hub_actions()) {
    records.push_back(AuditOf(v1::AUDIT_EVENT_KIND_DEADLINE_ALERT_RAISED, "", at));
    records.back().set_method(method);
    records.back().set_case_id(case_id);
    records.back().set_message_id(alert.message_id());
    records.back().set_detail(absl::StrCat(v1::NotificationKind_Name(alert.notification_kind()), " to [",
                                           absl::StrJoin(alert.recipient_agency_ids(), ", "), "]"));
  }
  return records;
}

}  // namespace cre
