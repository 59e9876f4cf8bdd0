// What dead-lettering deliveries leaves, written in the transaction that
// sets them aside: every place that makes a delivery DEAD (an expired last
// lease, a stream ended on its last attempt, a case purged under the
// retention schedule) calls WriteDeadLetters once, so that each dead
// delivery has one DELIVERY_DEAD_LETTERED record and, unless the hub sent
// the message itself, one non-delivery report to the message's sender
// (casework/non_delivery.h): exactly once, since it commits or rolls back
// with the state change, whatever the number of hub processes.
//
// The report is a message of the hub's own, with one delivery, PENDING and
// due at once, to the sender: it is handed out like any delivery another
// process accepted (RecipientsWithDueDeliveries finds it on every hub
// process's next poll, and wakes the sender's streams there).
//
//   std::vector<DyingDelivery> dying = ...;  // read FOR UPDATE, about to be DEAD
//   CRE_ASSIGN_OR_RETURN(std::vector<v1::AuditRecord> records,
//                        WriteDeadLetters(c, dying, hub_envelope, *cipher_));
//   ... the UPDATE to DEAD, then AppendAudit(c, records) ...
#ifndef CRE_HUB_STORE_MYSQL_DEAD_LETTERS_H_
#define CRE_HUB_STORE_MYSQL_DEAD_LETTERS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "casework/non_delivery.h"
#include "cppconn/connection.h"
#include "cre/v1/audit.pb.h"
#include "cre/v1/governance.pb.h"
#include "crypto/field_cipher.h"

namespace cre::mysql {

// A delivery the caller's transaction is dead-lettering, read under its row
// lock.
struct DyingDelivery {
  int64_t delivery_id = 0;
  std::string message_id;
  std::string recipient_agency_id;
  int attempts = 0;
  DeadLetterCause cause = DeadLetterCause::kNotAcknowledged;
};

// Reads each dying delivery's message (its body before any purge in the
// same transaction: call this first), writes a non-delivery report for each
// one WantsNonDeliveryReport, and returns the audit records for the caller
// to append: DELIVERY_DEAD_LETTERED for each, NON_DELIVERY_REPORTED for
// each report. A body that cannot be opened (its key gone from the ring)
// does not stop the dead letter: the report is written without its trace.
absl::StatusOr<std::vector<v1::AuditRecord>> WriteDeadLetters(sql::Connection& c,
                                                              const std::vector<DyingDelivery>& dying,
                                                              const v1::Governance& hub_envelope,
                                                              const crypto::FieldCipher& k);

}  // namespace cre::mysql

#endif  // CRE_HUB_STORE_MYSQL_DEAD_LETTERS_H_
