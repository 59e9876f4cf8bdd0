// A message and its deliveries, written in the transaction that accepts it
// (MysqlStore's accepting and deadline transactions): the rows as SQL text
// for the single and the group path, a delivery leased at once to a stream
// of this process when per-case order allows, and the hub's own follow-ups,
// each written once per case and trigger.
#ifndef CRE_HUB_STORE_MYSQL_MESSAGE_ROWS_H_
#define CRE_HUB_STORE_MYSQL_MESSAGE_ROWS_H_

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "casework/case_decision.h"
#include "cppconn/connection.h"
#include "cppconn/resultset.h"
#include "cre/v1/audit.pb.h"
#include "crypto/field_cipher.h"
#include "store/mysql/case_rows.h"
#include "store/mysql/write_batch.h"
#include "store/store.h"

namespace cre::mysql {

std::vector<std::string> Deduplicated(std::vector<std::string> ids);

// Deliveries leased, in the accepting transaction, to streams of the
// accepting process (Submission::streams).
struct HandOutState {
  StreamOffer* streams = nullptr;
  // The case's child, as every recipient of a case message receives it:
  // set (ForCase) before a case message is written.
  absl::optional<v1::ChildDetails> child_details;
  // Their delivery ids are set once the writes have run (SetDeliveryIds).
  std::vector<HandedOut> handed_out;
  std::vector<std::string> pending_recipients;
  // The recipients of the case's messages written in this transaction: an
  // earlier delivery to them is outstanding, though not yet in the
  // database (the writes go at the end).
  std::set<std::string> written_to;
  // The agencies with an earlier delivery of the case outstanding, read
  // with the case (LoadedCase::outstanding): set (ForCase) before a case
  // message is handed out.
  const std::set<std::string>* outstanding = nullptr;

  // Takes from `loaded`, which must outlive this, what handing out its
  // case's messages needs: its child and its outstanding deliveries.
  void ForCase(const LoadedCase& loaded) {
    child_details = loaded.child_details;
    if (loaded.outstanding) outstanding = &*loaded.outstanding;
  }
};

// The key a message's rows go by: its case, or the message itself when it is
// on no case. message.case_key (migrations/0024) and delivery.order_key are
// both this, which is how GetCase finds a case's messages and the reader's
// deliveries of them by the case alone.
const std::string& CaseKey(const v1::RoutedMessage& body);

// The rows of a message and of a receipt, as SQL text, for the single path
// and the group path alike; the SQL is made of SqlBytes() and the hub's own
// text. `body` has its id, sender, case and reply already set; `sealed_body`
// is the body as stored (Sealed()).
// A message written already purged (a bulk loader's history: purge_rows.h)
// has `purged` set: its sealed_body is then "".
struct PurgedColumns {
  absl::Time purged_at;
  std::string sha256;
};
std::string MessageRow(const v1::RoutedMessage& body, absl::Time accepted_at, const std::string& sealed_body,
                       const std::string& event_acknowledged_by, const PurgedColumns* purged = nullptr);

std::string MessageInsert(const std::vector<std::string>& rows);

// The idempotency row that keeps `receipt`, the first answer to `s`'s key,
// for its retries; and the INSERT of such rows (not empty).
std::string ReceiptRow(const Submission& s, const v1::SubmitResponse& receipt);
std::string ReceiptInsert(const std::vector<std::string>& rows);

// Adds to `writes` one message and its deliveries, for the caller's last
// round trip; returns the message's id. A message on a case is counted by
// it (the case added to `writes` first: WriteBatch::AddCase). With
// `hand_out`, a delivery to a recipient one of its streams can take is
// written LEASED to that stream, unless per-case order makes it wait.
absl::StatusOr<std::string> InsertMessage(const Submission& s, v1::RoutedMessage body, const std::string& case_id,
                                          const std::vector<std::string>& recipients,
                                          const std::string& event_acknowledged_by,
                                          const crypto::FieldCipher& k,
                                          HandOutState* hand_out, WriteBatch* writes);

// Adds to `writes` the follow-ups not performed on the case before (once
// per case and trigger: LoadedCase::performed), each with its case event
// (appended to the case's view, for the caller to store); adds a receipt
// for each to `response`.
absl::Status WriteFollowUps(const Submission& s, const std::vector<FollowUp>& follow_ups, LoadedCase& loaded,
                            const crypto::FieldCipher& k, HandOutState* hand_out, v1::SubmitResponse* response,
                            WriteBatch* writes);

// Runs `statements` and commits (RunBatchAndCommit: the body's last), and
// returns the ids of the deliveries they wrote. A failing statement
// throws sql::SQLException, with `*reached` (if given) its index in
// `statements`.
DeliveryIds CommitWrites(sql::Connection& c, std::vector<std::string> statements, size_t* reached = nullptr);
// Gives each delivery handed out its id, from what CommitWrites returned.
void SetDeliveryIds(const DeliveryIds& ids, std::vector<HandedOut>* handed_out);

// Appends to `records` the journal's record of each hand-out, made `at`.
// They go in before the writes give the deliveries their ids, which the
// sealer adds (mysql_audit.cc).
void AppendAuditOfHandOuts(const std::vector<HandedOut>& handed_out, absl::Time at,
                           std::vector<v1::AuditRecord>* records);

}  // namespace cre::mysql

#endif  // CRE_HUB_STORE_MYSQL_MESSAGE_ROWS_H_
