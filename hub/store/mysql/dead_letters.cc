#include "store/mysql/dead_letters.h"

#include <map>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/status_macros.h"
#include "cppconn/prepared_statement.h"
#include "cppconn/resultset.h"
#include "spdlog/spdlog.h"
#include "store/mysql/message_rows.h"
#include "store/mysql/sql_values.h"

namespace cre::mysql {
namespace {

// The message of a dying delivery, as stored: its kind, sender and case
// from their columns, whether the hub sent it and its trace from its body.
absl::Status LoadMessage(sql::Connection& c, const crypto::FieldCipher& k, UndeliveredMessage* m) {
  auto select = Prepare(c,
                        "SELECT kind, sender_agency_id, case_id, body, purged_at FROM message"
                        " WHERE message_id = ?");
  select->setString(1, m->message_id);
  std::unique_ptr<sql::ResultSet> row(select->executeQuery());
  if (!row->next()) return absl::InternalError(absl::StrCat("delivery ", m->delivery_id, " has no message"));
  v1::MessageKind_Parse(std::string(row->getString("kind")), &m->kind);
  if (!row->isNull("sender_agency_id")) m->sender_agency_id = row->getString("sender_agency_id");
  if (!row->isNull("case_id")) m->case_id = row->getString("case_id");
  if (!row->isNull("purged_at")) return absl::OkStatus();  // the body is gone
  absl::StatusOr<v1::RoutedMessage> body = OpenSealed<v1::RoutedMessage>(*row, "body", k, kMessageBody, m->message_id);
  if (!body.ok()) {
    // The dead letter must not wait for a key: the delivery is set aside
    // all the same, and the report says what the columns say.
    spdlog::warn("dead letter of delivery {}: its message's body cannot be read ({}); reporting without it",
                 m->delivery_id, body.status().ToString());
    return absl::OkStatus();
  }
  m->body_known = true;
  m->sent_by_hub = body->sent_by_hub();
  m->traceparent = body->traceparent();
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<v1::AuditRecord>> WriteDeadLetters(sql::Connection& c,
                                                              const std::vector<DyingDelivery>& dying,
                                                              const v1::Governance& hub_envelope,
                                                              const crypto::FieldCipher& k) {
  std::vector<v1::AuditRecord> records;
  WriteBatch reports;  // the reports' writes, sent together
  const absl::Time now = absl::Now();
  for (const DyingDelivery& d : dying) {
    UndeliveredMessage undelivered;
    undelivered.delivery_id = d.delivery_id;
    undelivered.message_id = d.message_id;
    undelivered.recipient_agency_id = d.recipient_agency_id;
    undelivered.attempts = d.attempts;
    undelivered.cause = d.cause;
    CRE_RETURN_IF_ERROR(LoadMessage(c, k, &undelivered));
    records.push_back(AuditOfDeadLetter(undelivered, now));
    if (!WantsNonDeliveryReport(undelivered)) continue;
    // From the hub of its own accord (no sending agency, as an overdue
    // alert), to the sender only, on no case.
    Submission by_hub;
    by_hub.method = "dead letter";
    by_hub.accepted_at = now;
    CRE_ASSIGN_OR_RETURN(const std::string report_id,
                         InsertMessage(by_hub, NonDeliveryReportFor(undelivered, hub_envelope, now),
                                       /*case_id=*/"", {undelivered.sender_agency_id},
                                       /*event_acknowledged_by=*/"", k, /*hand_out=*/nullptr, &reports));
    records.push_back(AuditOfNonDeliveryReport(undelivered, report_id, now));
  }
  RunBatch(c, reports.Statements(), nullptr);
  return records;
}

}  // namespace cre::mysql
