// Non-delivery reports: what the hub tells a message's sender when a
// delivery of its message is dead-lettered (issue 27), and the records
// that leave in the audit chain. Pure: the store writes what these return,
// in the transaction that sets the delivery aside (store/mysql/dead_letters.h),
// so that each dead-lettered delivery has exactly one report, never lost.
//
//   UndeliveredMessage undelivered{...};   // read under the delivery's lock
//   if (WantsNonDeliveryReport(undelivered)) {
//     v1::RoutedMessage report = NonDeliveryReportFor(undelivered, hub_envelope, now);
//     ... insert it, addressed to undelivered.sender_agency_id ...
//   }
#ifndef CRE_HUB_CASEWORK_NON_DELIVERY_H_
#define CRE_HUB_CASEWORK_NON_DELIVERY_H_

#include <cstdint>
#include <string>

#include "absl/time/time.h"
#include "cre/v1/audit.pb.h"
#include "cre/v1/governance.pb.h"
#include "cre/v1/routed_message.pb.h"

namespace cre {

// Why a delivery was set aside (the report says it in words).
enum class DeadLetterCause {
  // Its last lease ran out unacknowledged (ExpireLeases).
  kNotAcknowledged,
  // The stream holding its last attempt ended before an acknowledgement
  // (ReleaseLeases).
  kStreamEnded,
  // Its case was purged under the retention schedule, with the delivery
  // still outstanding (PurgeCase).
  kCasePurged,
};

// A delivery being dead-lettered, and its message as stored.
struct UndeliveredMessage {
  int64_t delivery_id = 0;
  std::string recipient_agency_id;
  int attempts = 0;
  DeadLetterCause cause = DeadLetterCause::kNotAcknowledged;
  std::string message_id;
  v1::MessageKind kind = v1::MESSAGE_KIND_UNSPECIFIED;
  // "" for what the hub sent of its own accord.
  std::string sender_agency_id;
  std::string case_id;  // "" for none
  // From the message's body: whether the hub sent it, and its trace.
  // body_known is false when the body could not be read (purged already).
  bool body_known = false;
  bool sent_by_hub = false;
  std::string traceparent;
};

// "not acknowledged after 10 attempts", "the recipient's stream ended after
// the last attempt (3 attempts)", "its case was purged under the retention
// schedule".
std::string DeadLetterReason(DeadLetterCause cause, int attempts);

// Whether the sender is told: not for what the hub sent itself (overdue
// alerts, follow-ups, non-delivery reports: those are for the hub's
// operators, and a report about a report would never end), and not when
// there is no sender to tell.
bool WantsNonDeliveryReport(const UndeliveredMessage& undelivered);

// The report, sent by the hub to undelivered.sender_agency_id, on no case
// (the case id is in the body: routed_message.proto says why), with the
// hub's governance envelope and the undelivered message's trace. The store
// gives it its ids and time.
v1::RoutedMessage NonDeliveryReportFor(const UndeliveredMessage& undelivered, const v1::Governance& hub_envelope,
                                       absl::Time now);

// DELIVERY_DEAD_LETTERED for the delivery, with the reason.
v1::AuditRecord AuditOfDeadLetter(const UndeliveredMessage& undelivered, absl::Time at);
// NON_DELIVERY_REPORTED: the report `report_message_id`, to the sender,
// about the delivery.
v1::AuditRecord AuditOfNonDeliveryReport(const UndeliveredMessage& undelivered,
                                         const std::string& report_message_id, absl::Time at);

}  // namespace cre

#endif  // CRE_HUB_CASEWORK_NON_DELIVERY_H_
