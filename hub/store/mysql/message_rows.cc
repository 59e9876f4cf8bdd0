#include "store/mysql/message_rows.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/ids.h"
#include "common/proto_time.h"
#include "common/status_macros.h"
#include "cppconn/prepared_statement.h"
#include "store/mysql/case_rows.h"
#include "store/mysql/mysql_audit.h"
#include "store/mysql/sql_values.h"

namespace cre::mysql {
namespace {

// The session variable that holds the position, in its case, of the case
// message being written (set and read in the same transaction, by one
// InsertMessage).
constexpr char kOrderSeq[] = "@cre_order_seq";

// Whether `recipient` has a delivery of `order_key` not yet acknowledged: a
// later one must wait for it (per-case order). A locking read, so that it
// sees what committed after this transaction's snapshot.
bool EarlierOutstanding(sql::Connection& c, const std::string& recipient, const std::string& order_key) {
  auto select = Prepare(c,
                        "SELECT 1 FROM delivery FORCE INDEX (delivery_case_order) WHERE recipient_agency_id = ? AND order_key = ?"
                        " AND state IN ('PENDING', 'LEASED') LIMIT 1 LOCK IN SHARE MODE");
  select->setString(1, recipient);
  select->setString(2, order_key);
  return std::unique_ptr<sql::ResultSet>(select->executeQuery())->next();
}

absl::StatusOr<v1::ChildDetails> CaseChildDetails(sql::Connection& c, const Submission& s,
                                                  const std::string& case_id, const crypto::FieldCipher& k) {
  if (s.new_child != nullptr) return NewChildDetails(s);
  auto select = Prepare(c,
                        "SELECT c.child_details AS case_details, ch.child_id, ch.details FROM cre_case c"
                        " JOIN child ch ON ch.child_id = c.child_id WHERE c.case_id = ?");
  select->setString(1, case_id);
  std::unique_ptr<sql::ResultSet> row(select->executeQuery());
  if (!row->next()) return NoSuchCase(case_id);
  return CaseChildDetailsOf(*row, case_id, k);
}

// Writes `rows` in one statement, and returns their ids (RETURNING: no
// second statement to read them back).
DeliveryIds InsertDeliveries(sql::Connection& c, const std::vector<DeliveryRow>& rows) {
  DeliveryIds ids;
  if (rows.empty()) return ids;
  RunBatch(c, {DeliveryInsert(rows)}, [&](size_t, sql::ResultSet& row) { AddDeliveryId(row, &ids); });
  return ids;
}

// A follow-up is performed once per (case, trigger): false if it already was.
bool AlreadyPerformed(sql::Connection& c, const std::string& case_id, const std::string& trigger_key) {
  // A locking read: this transaction's snapshot may predate the case lock
  // (a response reads the replied message first), and a plain read would
  // miss an action another transaction performed meanwhile.
  auto select = Prepare(c, "SELECT 1 FROM hub_action WHERE case_id = ? AND trigger_key = ? FOR UPDATE");
  select->setString(1, case_id);
  select->setString(2, trigger_key);
  return std::unique_ptr<sql::ResultSet>(select->executeQuery())->next();
}

void RecordPerformed(sql::Connection& c, const std::string& case_id, const std::string& trigger_key,
                     const std::string& message_id) {
  auto insert = Prepare(c, "INSERT INTO hub_action (case_id, trigger_key, message_id) VALUES (?, ?, ?)");
  insert->setString(1, case_id);
  insert->setString(2, trigger_key);
  insert->setString(3, message_id);
  insert->executeUpdate();
}

}  // namespace

std::vector<std::string> Deduplicated(std::vector<std::string> ids) {
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

std::string DeliveryInsert(const std::vector<DeliveryRow>& rows) {
  std::vector<std::string> values;
  values.reserve(rows.size());
  for (const DeliveryRow& row : rows) {
    const bool leased = !row.lease_owner.empty();
    // A PENDING delivery has no lease: a NULL interval makes lease_until NULL.
    values.push_back(absl::StrCat(
        "(", SqlBytes(row.message_id), ", ", SqlBytes(row.recipient), ", ", SqlBytes(row.order_key), ", ",
        row.order_seq, ", NOW(6), ", leased ? "'LEASED'" : "'PENDING'", ", ", SqlBytesOrNull(row.lease_owner), ", ",
        leased ? 1 : 0, ", NOW(6) + INTERVAL ",
        leased ? absl::StrCat(absl::ToInt64Microseconds(row.lease)) : std::string("NULL"), " MICROSECOND)"));
  }
  return absl::StrCat(
      "INSERT INTO delivery (message_id, recipient_agency_id, order_key, order_seq, next_attempt_at, state,"
      " lease_owner, attempts, lease_until) VALUES ",
      absl::StrJoin(values, ", "), " RETURNING delivery_id, message_id, recipient_agency_id");
}

void AddDeliveryId(sql::ResultSet& row, DeliveryIds* ids) {
  (*ids)[{row.getString("message_id"), row.getString("recipient_agency_id")}] = row.getInt64("delivery_id");
}

std::string MessageRow(const v1::RoutedMessage& body, absl::Time accepted_at, const std::string& sealed_body,
                       const std::string& event_acknowledged_by, const PurgedColumns* purged) {
  // Alerts the hub sends of its own accord have no sending agency.
  return absl::StrCat("(", SqlBytes(body.message_id()), ", ", SqlBytes(v1::MessageKind_Name(body.kind())), ", ",
                      SqlBytesOrNull(body.sender_agency_id()), ", ", SqlBytesOrNull(body.case_id()), ", ",
                      SqlBytesOrNull(body.in_reply_to()), ", ", SqlTimeLiteral(accepted_at), ", ",
                      SqlBytes(sealed_body), ", ", SqlBytesOrNull(event_acknowledged_by), ", ",
                      purged != nullptr ? SqlTimeLiteral(purged->purged_at) : std::string("NULL"), ", ",
                      purged != nullptr ? SqlBytes(purged->sha256) : std::string("NULL"), ")");
}

// The first answer to `s`'s key, kept for its retries (ReplayIfSeen).
std::string ReceiptRow(const Submission& s, const v1::SubmitResponse& receipt) {
  return absl::StrCat("(", SqlBytes(s.sender_agency_id), ", ", SqlBytes(s.idempotency_key), ", ",
                      SqlBytes(s.method), ", ", SqlBytes(s.request_sha256), ", ",
                      SqlBytes(receipt.SerializeAsString()), ")");
}

std::string ReceiptInsert(const std::vector<std::string>& rows) {
  return absl::StrCat(
      "INSERT INTO idempotency (agency_id, idempotency_key, method, request_sha256, response) VALUES ",
      absl::StrJoin(rows, ", "));
}

std::string MessageInsert(const std::vector<std::string>& rows) {
  return absl::StrCat(
      "INSERT INTO message (message_id, kind, sender_agency_id, case_id, in_reply_to, accepted_at, body,"
      " event_acknowledged_by, purged_at, purged_sha256) VALUES ",
      absl::StrJoin(rows, ", "));
}

absl::StatusOr<std::string> InsertMessage(sql::Connection& c, const Submission& s,
                                          v1::RoutedMessage body, const std::string& case_id,
                                          const std::vector<std::string>& recipients,
                                          const std::string& event_acknowledged_by,
                                          const crypto::FieldCipher& k,
                                          HandOutState* hand_out) {
  const std::string message_id = NewUuid();
  body.set_message_id(message_id);
  body.set_sender_agency_id(s.sender_agency_id);
  *body.mutable_accepted_at() = ToProtoTime(s.accepted_at);
  body.set_case_id(case_id);
  CRE_ASSIGN_OR_RETURN(const std::string sealed, Sealed(body, k, kMessageBody, message_id));
  std::vector<std::string> statements = {MessageInsert({MessageRow(body, s.accepted_at, sealed, event_acknowledged_by)})};
  if (!case_id.empty()) {
    // The message's position in its case, counted by the case under the
    // row lock this transaction holds, for its deliveries' order
    // (kOrderSeq): never the order of their AUTO_INCREMENT ids, which on a
    // Galera cluster each node gives out in its own steps.
    statements.push_back(absl::StrCat("UPDATE cre_case SET message_seq = (", kOrderSeq,
                                      " := message_seq + 1) WHERE case_id = ", SqlBytes(case_id)));
  }
  RunBatch(c, statements, nullptr);
  if (!case_id.empty()) {
    std::vector<std::string> involved = recipients;
    if (!s.sender_agency_id.empty()) involved.push_back(s.sender_agency_id);
    Involve(c, case_id, Deduplicated(std::move(involved)));
  }
  if (recipients.empty()) return message_id;

  // Which deliveries a stream of this process takes now.
  const std::string order_key = case_id.empty() ? message_id : case_id;
  std::vector<std::string> lease_owners(recipients.size());
  bool any_leased = false;
  for (size_t i = 0; hand_out != nullptr && hand_out->streams != nullptr && i < recipients.size(); ++i) {
    std::string owner = hand_out->streams->Reserve(recipients[i]);
    if (owner.empty()) continue;
    // A message without a case has nothing before it. One with an earlier
    // message outstanding waits PENDING: the slot goes back at once.
    if (!case_id.empty() && EarlierOutstanding(c, recipients[i], order_key)) {
      hand_out->streams->Unreserve(owner);
      continue;
    }
    lease_owners[i] = std::move(owner);
    any_leased = true;
  }

  const absl::Duration lease = any_leased ? hand_out->streams->lease() : absl::ZeroDuration();
  std::vector<DeliveryRow> rows;
  for (size_t i = 0; i < recipients.size(); ++i) {
    rows.push_back({message_id, recipients[i], order_key, lease_owners[i], lease, case_id.empty() ? "0" : kOrderSeq});
  }
  const DeliveryIds ids = InsertDeliveries(c, rows);

  if (hand_out != nullptr) {
    for (size_t i = 0; i < recipients.size(); ++i) {
      if (lease_owners[i].empty()) hand_out->pending_recipients.push_back(recipients[i]);
    }
  }
  if (any_leased) {
    if (!case_id.empty() && !hand_out->child_details) {
      CRE_ASSIGN_OR_RETURN(hand_out->child_details, CaseChildDetails(c, s, case_id, k));
    }
    for (size_t i = 0; i < recipients.size(); ++i) {
      if (lease_owners[i].empty()) continue;
      HandedOut out{recipients[i], lease_owners[i], body};
      out.message.set_delivery_id(ids.at({message_id, recipients[i]}));
      if (!case_id.empty()) *out.message.mutable_child_details() = *hand_out->child_details;
      hand_out->handed_out.push_back(std::move(out));
    }
  }
  return message_id;
}

absl::Status WriteFollowUps(sql::Connection& c, const Submission& s, const std::vector<FollowUp>& follow_ups,
                            CaseView& case_view, const crypto::FieldCipher& k, HandOutState* hand_out,
                            v1::SubmitResponse* response) {
  const std::string& case_id = case_view.case_file.case_id();
  for (const FollowUp& follow_up : follow_ups) {
    if (AlreadyPerformed(c, case_id, follow_up.trigger_key)) continue;
    v1::RoutedMessage hub_body = follow_up.message;
    hub_body.set_sent_by_hub(true);
    // Part of the submission's handling: its trace (none for a deadline
    // review's alerts, which no call asked for).
    hub_body.set_traceparent(s.message.traceparent());
    const std::vector<std::string> to = Deduplicated(follow_up.recipients);
    Submission on_behalf = s;  // the trigger's time; the sender the hub acts for
    on_behalf.sender_agency_id = follow_up.on_behalf_of;
    CRE_ASSIGN_OR_RETURN(const std::string hub_message_id,
                         InsertMessage(c, on_behalf, hub_body, case_id, to, follow_up.acknowledged_by, k,
                                       hand_out));
    RecordPerformed(c, case_id, follow_up.trigger_key, hub_message_id);
    if (follow_up.event_kind != v1::EVENT_KIND_UNSPECIFIED) {
      AppendEvent(case_view, follow_up.event_kind, s.accepted_at, hub_message_id);
    }
    v1::HubActionReceipt* receipt = response->add_hub_actions();
    receipt->set_message_id(hub_message_id);
    receipt->set_kind(hub_body.kind());
    receipt->set_notification_kind(hub_body.notification().kind());
    for (const std::string& recipient : to) receipt->add_recipient_agency_ids(recipient);
  }
  return absl::OkStatus();
}


}  // namespace cre::mysql
