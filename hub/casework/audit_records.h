// The audit vocabulary of casework: which records an accepted submission,
// a delivery leased on acceptance and a deadline review leave in the hub's
// record (docs/audit.md). Ids and kinds only, never a child's personal
// data. Pure: the store journals what these return, in the transaction
// that wrote what they describe.
//
//   std::vector<v1::AuditRecord> records = AuditOfAcceptance(accepted, recipients, receipt);
#ifndef CRE_HUB_CASEWORK_AUDIT_RECORDS_H_
#define CRE_HUB_CASEWORK_AUDIT_RECORDS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "cre/v1/audit.pb.h"
#include "cre/v1/case_file.pb.h"
#include "cre/v1/referrals.pb.h"
#include "cre/v1/routed_message.pb.h"

namespace cre {

// A record of `kind` at `at`, by `actor` (an agency id, or "" for the hub).
v1::AuditRecord AuditOf(v1::AuditEventKind kind, const std::string& actor, absl::Time at);

// What the record needs to know of an accepted submission.
struct AcceptedSubmission {
  std::string sender_agency_id;
  std::string method;
  absl::Time accepted_at;
  bool opened_case = false;
  // With opened_case: the child the case was opened for, and whether the
  // hub held that child already (the same NHS number).
  std::string child_id;
  bool known_child = false;
  const v1::CaseUpdate* record_append = nullptr;  // what it recorded on the case; may be null
  v1::MessageKind kind = v1::MESSAGE_KIND_UNSPECIFIED;
  std::string in_reply_to;
};

// The case opened, each decision recorded on it, the message and its
// recipients, and what the hub sent itself (receipt.hub_actions()).
std::vector<v1::AuditRecord> AuditOfAcceptance(const AcceptedSubmission& s,
                                               const std::vector<std::string>& recipients,
                                               const v1::SubmitResponse& receipt);

// A delivery leased to a stream of the accepting process in the accepting
// transaction (its first attempt).
v1::AuditRecord AuditOfHandOutOnAcceptance(const v1::RoutedMessage& message, const std::string& recipient,
                                           const std::string& lease_owner, absl::Time at);

// A delivery leased to a stream by a claim: attempt `attempt` (1 for the
// first), to `lease_owner`. `message` carries its delivery_id.
v1::AuditRecord AuditOfHandOut(const v1::RoutedMessage& message, const std::string& recipient,
                               const std::string& lease_owner, int attempt, absl::Time at);

// Delivery `delivery_id` acknowledged by its recipient.
v1::AuditRecord AuditOfAcknowledgement(const std::string& recipient, int64_t delivery_id, absl::Time at);

// The overdue alerts a deadline review of `case_id` sent (`alerts`, as the
// store answers what it sent), by the hub itself.
std::vector<v1::AuditRecord> AuditOfAlerts(const std::string& method, const std::string& case_id,
                                           const v1::SubmitResponse& alerts, absl::Time at);

}  // namespace cre

#endif  // CRE_HUB_CASEWORK_AUDIT_RECORDS_H_
