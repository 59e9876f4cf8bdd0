// MysqlStore: accepting submissions (the transactional outbox) and reading
// cases.
#include <algorithm>
#include <memory>
#include <map>
#include <set>
#include <tuple>

#include "absl/cleanup/cleanup.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/ids.h"
#include "common/proto_time.h"
#include "common/status_macros.h"
#include "cppconn/exception.h"
#include "cppconn/prepared_statement.h"
#include "cppconn/resultset.h"
#include "spdlog/spdlog.h"
#include "store/mysql/case_entries.h"
#include "store/mysql/mysql_audit.h"
#include "store/mysql/mysql_store.h"
#include "store/mysql/sql_errors.h"
#include "store/mysql/sql_values.h"

namespace cre::mysql {
namespace {

// The first answer to this key, if there was one: the same answer for the
// same request, ALREADY_EXISTS for another request under the same key.
//
// A plain read, not a locking one: a locking read of a key not there yet
// takes a gap lock, and two submissions of one agency whose keys fall in the
// same gap would deadlock on their inserts. Two calls racing with the same
// key are caught by the key's uniqueness instead (see kConcurrentKey).
absl::StatusOr<bool> ReplayIfSeen(sql::Connection& c, const Submission& s,
                                  v1::SubmitResponse* response) {
  auto select = Prepare(c,
                        "SELECT method, request_sha256, response FROM idempotency"
                        " WHERE agency_id = ? AND idempotency_key = ?");
  select->setString(1, s.sender_agency_id);
  select->setString(2, s.idempotency_key);
  std::unique_ptr<sql::ResultSet> row(select->executeQuery());
  if (!row->next()) return false;
  if (row->getString("method") != s.method || row->getString("request_sha256") != s.request_sha256) {
    return absl::AlreadyExistsError(absl::StrCat(
        "idempotency_key: \"", s.idempotency_key,
        "\" was already used for a different request; use a new key for a new request"));
  }
  absl::StatusOr<v1::SubmitResponse> first = ParseBlob<v1::SubmitResponse>(*row, "response");
  if (!first.ok()) return first.status();
  *response = *std::move(first);
  return true;
}

absl::StatusOr<RepliedMessage> FindRepliedMessage(sql::Connection& c, const Submission& s,
                                                  std::string* case_id, const crypto::FieldCipher& k) {
  auto select = Prepare(c,
                        "SELECT m.sender_agency_id, m.kind, m.case_id, m.body FROM message m"
                        " JOIN delivery d ON d.message_id = m.message_id"
                        " WHERE m.message_id = ? AND d.recipient_agency_id = ?");
  select->setString(1, s.in_reply_to);
  select->setString(2, s.sender_agency_id);
  std::unique_ptr<sql::ResultSet> row(select->executeQuery());
  if (!row->next()) {
    // Whether the message exists at all is not the caller's business.
    return absl::NotFoundError(
        absl::StrCat("message_id: no message ", s.in_reply_to, " was delivered to you"));
  }
  RepliedMessage replied;
  replied.message_id = s.in_reply_to;
  replied.sender_agency_id = row->getString("sender_agency_id");
  v1::MessageKind_Parse(std::string(row->getString("kind")), &replied.kind);
  if (!row->isNull("case_id")) *case_id = row->getString("case_id");
  absl::StatusOr<v1::RoutedMessage> body =
      OpenSealed<v1::RoutedMessage>(*row, "body", k, kMessageBody, s.in_reply_to);
  if (!body.ok()) return body.status();
  replied.message = *std::move(body);
  return replied;
}

// A case inside the transaction that writes to it: as the route sees it,
// and how much of it is stored already (the rest is new).
struct LoadedCase {
  CaseView view;
  StoredExtent stored;
};

// Creates the child and its case; returns the case as the route sees it.
absl::StatusOr<LoadedCase> OpenCase(sql::Connection& c, const Submission& s, const std::string& case_id,
                                  BlobParams& blobs, const crypto::FieldCipher& k) {
  const std::string child_id = NewUuid();
  auto child = Prepare(c, "INSERT INTO child (child_id, details, facts) VALUES (?, ?, ?)");
  child->setString(1, child_id);
  CRE_RETURN_IF_ERROR(blobs.SetSealed(*child, 2, s.new_child->details(), k, kChildDetails, child_id));
  CRE_RETURN_IF_ERROR(blobs.SetSealed(*child, 3, s.new_child->child(), k, kChildFacts, child_id));
  child->executeUpdate();

  auto open = Prepare(c,
                      "INSERT INTO cre_case (case_id, child_id, opened_at, opened_by) VALUES (?, ?, ?, ?)");
  open->setString(1, case_id);
  open->setString(2, child_id);
  open->setString(3, SqlTime(s.opened_at));
  open->setString(4, s.sender_agency_id);
  open->executeUpdate();

  // Nothing stored yet: the submission's entries are written with the rest
  // of what the route adds (WriteNewEntries).
  LoadedCase opened;
  CaseView& view = opened.view;
  view.case_file.set_case_id(case_id);
  *view.case_file.mutable_child() = s.new_child->child();
  *view.case_file.mutable_opened_at() = ToProtoTime(s.opened_at);
  *view.case_file.mutable_risk_assessments() = s.record_append.risk_assessments();
  *view.case_file.mutable_events() = s.record_append.events();
  return opened;
}

absl::StatusOr<std::vector<std::string>> InvolvedAgencies(sql::Connection& c,
                                                          const std::string& case_id) {
  // Locking, for the same reason as AlreadyPerformed.
  auto select = Prepare(c,
                        "SELECT agency_id FROM involvement WHERE case_id = ? ORDER BY agency_id LOCK IN SHARE MODE");
  select->setString(1, case_id);
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  std::vector<std::string> agencies;
  while (rows->next()) agencies.push_back(rows->getString(1));
  return agencies;
}

// Locks the case and returns it with the submission's record appended (in
// memory: the caller writes the new entries once, after routing). A case
// recorded before migration 0010 is moved into rows here, under the lock.
absl::StatusOr<LoadedCase> LoadCaseForUpdate(sql::Connection& c, const Submission& s,
                                             const std::string& case_id, const crypto::FieldCipher& k) {
  auto select = Prepare(c,
                        "SELECT c.opened_at, c.record, ch.child_id, ch.facts FROM cre_case c"
                        " JOIN child ch ON ch.child_id = c.child_id WHERE c.case_id = ? FOR UPDATE");
  select->setString(1, case_id);
  std::unique_ptr<sql::ResultSet> row(select->executeQuery());
  if (!row->next()) return NoSuchCase(case_id);
  const std::string child_id = row->getString("child_id");
  absl::StatusOr<v1::Child> facts = OpenSealed<v1::Child>(*row, "facts", k, kChildFacts, child_id);
  absl::StatusOr<absl::Time> opened_at = TimeFromSql(row->getString("opened_at"));
  if (!facts.ok()) return facts.status();
  if (!opened_at.ok()) return opened_at.status();
  LoadedCase loaded;
  if (!row->isNull("record")) {
    CRE_ASSIGN_OR_RETURN(loaded.stored, MoveLegacyRecord(c, case_id, row->getString("record"), k));
  }

  CaseView& view = loaded.view;
  view.case_file.set_case_id(case_id);
  *view.case_file.mutable_child() = *std::move(facts);
  *view.case_file.mutable_opened_at() = ToProtoTime(*opened_at);
  CRE_ASSIGN_OR_RETURN(loaded.stored, ReadCaseEntries(c, case_id, absl::nullopt, k, EntryRead::kLatest, &view.case_file));
  view.case_file.mutable_risk_assessments()->MergeFrom(s.record_append.risk_assessments());
  view.case_file.mutable_events()->MergeFrom(s.record_append.events());
  absl::StatusOr<std::vector<std::string>> involved = InvolvedAgencies(c, case_id);
  if (!involved.ok()) return involved.status();
  view.involved_agency_ids = *std::move(involved);
  return loaded;
}

// Makes `agency_ids` involved with the case (one statement).
void Involve(sql::Connection& c, const std::string& case_id, const std::vector<std::string>& agency_ids) {
  if (agency_ids.empty()) return;
  std::string sql = "INSERT INTO involvement (case_id, agency_id) VALUES (?, ?)";
  for (size_t i = 1; i < agency_ids.size(); ++i) sql += ", (?, ?)";
  sql += " ON DUPLICATE KEY UPDATE agency_id = agency_id";
  auto insert = Prepare(c, sql);
  for (size_t i = 0; i < agency_ids.size(); ++i) {
    insert->setString(static_cast<int>(2 * i + 1), case_id);
    insert->setString(static_cast<int>(2 * i + 2), agency_ids[i]);
  }
  insert->executeUpdate();
}

// Writes what the transaction added to the case (the submission's entries,
// the events of its message and follow-ups) as new rows.
absl::Status WriteNewEntries(sql::Connection& c, const LoadedCase& loaded, const crypto::FieldCipher& k) {
  return AppendCaseEntries(c, loaded.view.case_file, loaded.stored, k);
}

// How many entries the case holds with this submission's: a caller may not
// take a case past kMaxCaseEntries (the hub's own events may, so that
// nothing accepted is stopped by it).
absl::Status CheckCaseSize(const LoadedCase& loaded, const Submission& s) {
  const int appended = s.record_append.risk_assessments_size() + s.record_append.events_size();
  const int stored = loaded.stored.risk_assessments + loaded.stored.events;
  if (appended == 0 || stored + appended <= kMaxCaseEntries) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      "case_id: case ", loaded.view.case_file.case_id(), " holds ", stored, " assessments and events; ",
      appended, " more would pass the ", kMaxCaseEntries, " a case may hold: close it and open a new case"));
}

std::vector<std::string> Deduplicated(std::vector<std::string> ids) {
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

// Deliveries leased, in the accepting transaction, to streams of the
// accepting process (Submission::streams).
struct HandOutState {
  StreamOffer* streams = nullptr;
  // The case's child, as every recipient of a case message receives it;
  // loaded once, when a case message is first handed out.
  absl::optional<v1::ChildDetails> child_details;
  std::vector<HandedOut> handed_out;
  std::vector<std::string> pending_recipients;
};

// Whether `recipient` has a delivery of `order_key` not yet acknowledged: a
// later one must wait for it (per-case order). A locking read, so that it
// sees what committed after this transaction's snapshot.
bool EarlierOutstanding(sql::Connection& c, const std::string& recipient, const std::string& order_key) {
  auto select = Prepare(c,
                        "SELECT 1 FROM delivery FORCE INDEX (delivery_order) WHERE recipient_agency_id = ? AND order_key = ?"
                        " AND state IN ('PENDING', 'LEASED') LIMIT 1 LOCK IN SHARE MODE");
  select->setString(1, recipient);
  select->setString(2, order_key);
  return std::unique_ptr<sql::ResultSet>(select->executeQuery())->next();
}

absl::StatusOr<v1::ChildDetails> CaseChildDetails(sql::Connection& c, const Submission& s,
                                                  const std::string& case_id, const crypto::FieldCipher& k) {
  if (s.new_child != nullptr) return s.new_child->details();
  auto select = Prepare(c,
                        "SELECT ch.child_id, ch.details FROM cre_case c JOIN child ch ON ch.child_id = c.child_id"
                        " WHERE c.case_id = ?");
  select->setString(1, case_id);
  std::unique_ptr<sql::ResultSet> row(select->executeQuery());
  if (!row->next()) return NoSuchCase(case_id);
  return OpenSealed<v1::ChildDetails>(*row, "details", k, kChildDetails, row->getString("child_id"));
}

// One delivery row to write: PENDING, or LEASED to lease_owner for `lease`.
struct DeliveryRow {
  const std::string& message_id;
  const std::string& recipient;
  const std::string& order_key;
  const std::string& lease_owner;  // "": PENDING
  absl::Duration lease;
};

// The id of each delivery row written, by (message, recipient).
using DeliveryIds = std::map<std::pair<std::string, std::string>, int64_t>;

// The INSERT of `rows` (not empty), returning each delivery's id with its
// message and recipient (read them with AddDeliveryId).
std::string DeliveryInsert(const std::vector<DeliveryRow>& rows) {
  std::vector<std::string> values;
  values.reserve(rows.size());
  for (const DeliveryRow& row : rows) {
    const bool leased = !row.lease_owner.empty();
    // A PENDING delivery has no lease: a NULL interval makes lease_until NULL.
    values.push_back(absl::StrCat(
        "(", SqlBytes(row.message_id), ", ", SqlBytes(row.recipient), ", ", SqlBytes(row.order_key),
        ", NOW(6), ", leased ? "'LEASED'" : "'PENDING'", ", ", SqlBytesOrNull(row.lease_owner), ", ",
        leased ? 1 : 0, ", NOW(6) + INTERVAL ",
        leased ? absl::StrCat(absl::ToInt64Microseconds(row.lease)) : std::string("NULL"), " MICROSECOND)"));
  }
  return absl::StrCat(
      "INSERT INTO delivery (message_id, recipient_agency_id, order_key, next_attempt_at, state,"
      " lease_owner, attempts, lease_until) VALUES ",
      absl::StrJoin(values, ", "), " RETURNING delivery_id, message_id, recipient_agency_id");
}

// One row that DeliveryInsert returned.
void AddDeliveryId(sql::ResultSet& row, DeliveryIds* ids) {
  (*ids)[{row.getString("message_id"), row.getString("recipient_agency_id")}] = row.getInt64("delivery_id");
}

// Writes `rows` in one statement, and returns their ids (RETURNING: no
// second statement to read them back).
DeliveryIds InsertDeliveries(sql::Connection& c, const std::vector<DeliveryRow>& rows) {
  DeliveryIds ids;
  if (rows.empty()) return ids;
  RunBatch(c, {DeliveryInsert(rows)}, [&](size_t, sql::ResultSet& row) { AddDeliveryId(row, &ids); });
  return ids;
}

// The rows of a message and of a receipt, as SQL text, for the single path
// and the group path alike; the SQL is made of SqlBytes() and the hub's own
// text. `body` has its id, sender, case and reply already set; `sealed_body`
// is the body as stored (Sealed()).
std::string MessageRow(const v1::RoutedMessage& body, absl::Time accepted_at, const std::string& sealed_body,
                       const std::string& event_acknowledged_by) {
  // Alerts the hub sends of its own accord have no sending agency.
  return absl::StrCat("(", SqlBytes(body.message_id()), ", ", SqlBytes(v1::MessageKind_Name(body.kind())), ", ",
                      SqlBytesOrNull(body.sender_agency_id()), ", ", SqlBytesOrNull(body.case_id()), ", ",
                      SqlBytesOrNull(body.in_reply_to()), ", ", SqlTimeLiteral(accepted_at), ", ",
                      SqlBytes(sealed_body), ", ", SqlBytesOrNull(event_acknowledged_by), ")");
}

std::string MessageInsert(const std::vector<std::string>& rows) {
  return absl::StrCat(
      "INSERT INTO message (message_id, kind, sender_agency_id, case_id, in_reply_to, accepted_at, body,"
      " event_acknowledged_by) VALUES ",
      absl::StrJoin(rows, ", "));
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

// Writes one message and its deliveries (one statement for all of them);
// returns the message's id. With `hand_out`, a delivery to a recipient one of
// its streams can take is written LEASED to that stream.
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
  RunBatch(c, {MessageInsert({MessageRow(body, s.accepted_at, sealed, event_acknowledged_by)})}, nullptr);
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
    rows.push_back({message_id, recipients[i], order_key, lease_owners[i], lease});
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


void AppendEvent(CaseView& view, v1::EventKind kind, absl::Time at, const std::string& message_id) {
  v1::CaseEvent* event = view.case_file.add_events();
  event->set_kind(kind);
  *event->mutable_occurred_at() = ToProtoTime(at);
  event->set_message_id(message_id);
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

// What the record says of an accepted submission: the case opened, the
// decisions recorded on it, the message and its recipients, and what the
// hub sent itself. Ids and kinds only: never a child's personal data.
std::vector<v1::AuditRecord> AuditOfAcceptance(const Submission& s,
                                               const std::vector<std::string>& recipients,
                                               const v1::SubmitResponse& receipt) {
  std::vector<v1::AuditRecord> records;
  auto add = [&](v1::AuditEventKind kind) -> v1::AuditRecord& {
    records.push_back(AuditOf(kind, s.sender_agency_id, s.accepted_at));
    records.back().set_method(s.method);
    records.back().set_case_id(receipt.case_id());
    return records.back();
  };
  if (s.new_child != nullptr) add(v1::AUDIT_EVENT_KIND_CASE_OPENED);
  for (const v1::RiskAssessment& a : s.record_append.risk_assessments()) {
    add(v1::AUDIT_EVENT_KIND_RISK_ASSESSMENT_RECORDED).set_risk_level(a.level());
  }
  for (const v1::CaseEvent& e : s.record_append.events()) {
    add(v1::AUDIT_EVENT_KIND_CASE_EVENT_RECORDED).set_event_kind(e.kind());
  }
  v1::AuditRecord& message = add(s.message.kind() == v1::MESSAGE_KIND_RESPONSE
                                     ? v1::AUDIT_EVENT_KIND_RESPONSE_SENT
                                     : v1::AUDIT_EVENT_KIND_MESSAGE_ACCEPTED);
  message.set_message_id(receipt.message_id());
  message.set_detail(absl::StrCat(v1::MessageKind_Name(s.message.kind()), " to [",
                                  absl::StrJoin(recipients, ", "), "]",
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

// Writes the follow-ups not performed before (once per case and trigger),
// each with its case event (appended to `case_view`, for the caller to
// store); adds a receipt for each to `response`.
absl::Status WriteFollowUps(sql::Connection& c, const Submission& s, const std::vector<FollowUp>& follow_ups,
                            CaseView& case_view, const crypto::FieldCipher& k, HandOutState* hand_out,
                            v1::SubmitResponse* response) {
  const std::string& case_id = case_view.case_file.case_id();
  for (const FollowUp& follow_up : follow_ups) {
    if (AlreadyPerformed(c, case_id, follow_up.trigger_key)) continue;
    v1::RoutedMessage hub_body = follow_up.message;
    hub_body.set_sent_by_hub(true);
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

// Replaces the case's open actions and next deadline.
void WriteSchedule(sql::Connection& c, const std::string& case_id, const CaseSchedule& schedule) {
  auto clear = Prepare(c, "DELETE FROM case_action WHERE case_id = ?");
  clear->setString(1, case_id);
  clear->executeUpdate();
  auto insert = Prepare(c,
                        "INSERT INTO case_action (case_id, rule_id, action_kind, owner_role,"
                        " owner_agency_id, due_at, due_date) VALUES (?, ?, ?, ?, ?, ?, ?)"
                        " ON DUPLICATE KEY UPDATE action_kind = VALUES(action_kind)");
  for (const OpenAction& action : schedule.open_actions) {
    insert->setString(1, case_id);
    insert->setString(2, action.rule_id);
    insert->setString(3, v1::ActionKind_Name(action.kind));
    insert->setString(4, v1::PractitionerRole_Name(action.owner));
    if (action.owner_agency_id.empty()) insert->setNull(5, 0); else insert->setString(5, action.owner_agency_id);
    insert->setString(6, SqlTime(action.due_at));
    insert->setString(7, action.due_date);
    insert->executeUpdate();
  }
  auto next = Prepare(c, "UPDATE cre_case SET next_deadline = ? WHERE case_id = ?");
  if (schedule.next_deadline == absl::InfiniteFuture()) {
    next->setNull(1, 0);
  } else {
    next->setString(1, SqlTime(schedule.next_deadline));
  }
  next->setString(2, case_id);
  next->executeUpdate();
}

// The record of a delivery leased to a stream in its accepting transaction.
v1::AuditRecord AuditOfHandOut(const HandedOut& out, absl::Time at) {
  v1::AuditRecord record = AuditOf(v1::AUDIT_EVENT_KIND_DELIVERY_HANDED_OUT, "", at);
  record.set_delivery_id(out.message.delivery_id());
  record.set_message_id(out.message.message_id());
  record.set_case_id(out.message.case_id());
  record.set_recipient_agency_id(out.recipient_agency_id);
  record.set_detail(absl::StrCat("attempt 1, lease ", out.lease_owner, ", on acceptance"));
  return record;
}

// What AcceptInTransaction answers when a concurrent call with the same
// idempotency key committed first: Accept runs again and replays its receipt.
constexpr char kConcurrentKey[] =
    "idempotency_key: another call with the same key was being accepted at the same time; retry";

bool IsDuplicateKey(const sql::SQLException& e) { return e.getErrorCode() == kErrDuplicateKey; }

// The body of Accept, inside its transaction.
absl::Status AcceptInTransaction(sql::Connection& c, const Submission& s, const RouteFn& route,
                                 const crypto::FieldCipher& k, Accepted* accepted) {
  v1::SubmitResponse* response = &accepted->receipt;
  absl::StatusOr<bool> seen = ReplayIfSeen(c, s, response);
  if (!seen.ok()) return seen.status();
  if (*seen) return absl::OkStatus();

  BlobParams blobs;
  HandOutState hand_out;
  hand_out.streams = s.streams;
  std::string case_id = s.case_id;
  absl::optional<RepliedMessage> replied;
  if (!s.in_reply_to.empty()) {
    absl::StatusOr<RepliedMessage> found = FindRepliedMessage(c, s, &case_id, k);
    if (!found.ok()) return found.status();
    replied = *std::move(found);
  }
  // The case is locked from here to the commit: submissions to one case
  // (from any hub process) take turns, so a trigger is seen once.
  absl::optional<LoadedCase> loaded;
  if (s.new_child != nullptr) {
    case_id = NewUuid();
    absl::StatusOr<LoadedCase> opened = OpenCase(c, s, case_id, blobs, k);
    if (!opened.ok()) return opened.status();
    loaded = *std::move(opened);
  } else if (!case_id.empty()) {
    absl::StatusOr<LoadedCase> found = LoadCaseForUpdate(c, s, case_id, k);
    if (!found.ok()) return found.status();
    loaded = *std::move(found);
  }
  CaseView* case_view = loaded ? &loaded->view : nullptr;

  // The route decides first whether the caller may write to the case at
  // all: nothing below may tell an outsider anything about it.
  absl::StatusOr<Routing> routing = route(case_view, replied ? &*replied : nullptr);
  if (!routing.ok()) return routing.status();
  if (loaded) CRE_RETURN_IF_ERROR(CheckCaseSize(*loaded, s));
  const std::vector<std::string> recipients = Deduplicated(routing->recipients);

  v1::RoutedMessage body = s.message;
  body.set_in_reply_to(s.in_reply_to);
  CRE_ASSIGN_OR_RETURN(const std::string message_id,
                       InsertMessage(c, s, body, case_id, recipients, routing->acknowledged_by, k,
                                     &hand_out));
  if (case_view != nullptr) {
    if (routing->event_kind != v1::EVENT_KIND_UNSPECIFIED) {
      AppendEvent(*case_view, routing->event_kind, s.accepted_at, message_id);
    }
    CRE_RETURN_IF_ERROR(WriteFollowUps(c, s, routing->follow_ups, *case_view, k, &hand_out, response));
    if (routing->schedule) WriteSchedule(c, case_id, *routing->schedule);
    CRE_RETURN_IF_ERROR(WriteNewEntries(c, *loaded, k));
  }

  response->set_message_id(message_id);
  response->set_case_id(case_id);
  for (const std::string& recipient : recipients) response->add_recipient_agency_ids(recipient);
  *response->mutable_accepted_at() = ToProtoTime(s.accepted_at);

  try {
    RunBatch(c, {ReceiptInsert({ReceiptRow(s, *response)})}, nullptr);
  } catch (const sql::SQLException& e) {
    if (!IsDuplicateKey(e)) throw;
    return absl::AbortedError(kConcurrentKey);
  }

  std::vector<v1::AuditRecord> records = AuditOfAcceptance(s, recipients, *response);
  for (const HandedOut& out : hand_out.handed_out) {
    records.push_back(AuditOfHandOut(out, s.accepted_at));
  }
  CRE_RETURN_IF_ERROR(AppendAudit(c, records));
  accepted->handed_out = std::move(hand_out.handed_out);
  accepted->pending_recipients = Deduplicated(std::move(hand_out.pending_recipients));
  return absl::OkStatus();
}

// One accepted member of a group, between its statements.
struct GroupMember {
  size_t index;  // in the batch
  std::vector<std::string> recipients;
  std::vector<std::string> lease_owners;  // per recipient; "" unless handed out
  Routing routing;
  v1::RoutedMessage body;  // as stored
  Accepted accepted;
};

// The body of the group transaction for batch[group[...]]: what
// AcceptInTransaction writes for a submission without a case, for the whole
// group in one round trip: one batch of multi-row statements (receipts,
// messages, deliveries, the audit records) ending in the commit. Fills
// (*results)[i] for each member; an error return means the group as a whole
// failed, and the caller then accepts each alone.
//
// The receipts go first, and a key seen before fails the batch there: that
// member is a retry (or reuses its key), which the single path answers by
// replaying the receipt or refusing. Retries are rare, so the group does not
// read the keys first.
absl::Status AcceptGroupInTransaction(sql::Connection& c, const std::vector<Store::SubmissionAndRoute>& batch,
                                      const std::vector<size_t>& group, const crypto::FieldCipher& k,
                                      std::vector<absl::StatusOr<Accepted>>* results) {
  // 1. Route each (pure: no case) and reserve its streams. If the group
  // fails, the members are accepted again, alone: what this run reserved
  // is given back unless it succeeds.
  std::vector<GroupMember> members;
  bool succeeded = false;
  absl::Cleanup give_back = [&] {
    if (succeeded) return;
    for (const GroupMember& m : members) {
      StreamOffer* streams = batch[m.index].submission->streams;
      for (const std::string& owner : m.lease_owners) {
        if (!owner.empty()) streams->Unreserve(owner);
      }
    }
  };
  for (size_t index : group) {
    const Submission& s = *batch[index].submission;
    absl::StatusOr<Routing> routing = (*batch[index].route)(nullptr, nullptr);
    if (!routing.ok()) {
      (*results)[index] = routing.status();
      continue;
    }
    GroupMember m;
    m.index = index;
    m.recipients = Deduplicated(routing->recipients);
    m.routing = *std::move(routing);
    m.body = s.message;
    m.body.set_message_id(NewUuid());
    m.body.set_sender_agency_id(s.sender_agency_id);
    *m.body.mutable_accepted_at() = ToProtoTime(s.accepted_at);
    m.lease_owners.resize(m.recipients.size());
    for (size_t r = 0; s.streams != nullptr && r < m.recipients.size(); ++r) {
      m.lease_owners[r] = s.streams->Reserve(m.recipients[r]);  // no case: nothing before it
    }
    v1::SubmitResponse& receipt = m.accepted.receipt;
    receipt.set_message_id(m.body.message_id());
    for (const std::string& recipient : m.recipients) receipt.add_recipient_agency_ids(recipient);
    *receipt.mutable_accepted_at() = ToProtoTime(s.accepted_at);
    members.push_back(std::move(m));
  }
  if (members.empty()) return absl::OkStatus();

  // 2. Receipts, messages and deliveries; with 3, one round trip in all.
  std::vector<std::string> rows;
  for (const GroupMember& m : members) rows.push_back(ReceiptRow(*batch[m.index].submission, m.accepted.receipt));
  std::vector<std::string> statements;
  statements.push_back(ReceiptInsert(rows));
  rows.clear();
  for (const GroupMember& m : members) {
    const Submission& s = *batch[m.index].submission;
    CRE_ASSIGN_OR_RETURN(std::string body, Sealed(m.body, k, kMessageBody, m.body.message_id()));
    rows.push_back(MessageRow(m.body, s.accepted_at, body, m.routing.acknowledged_by));
  }
  statements.push_back(MessageInsert(rows));
  std::vector<DeliveryRow> deliveries;
  for (const GroupMember& m : members) {
    const Submission& s = *batch[m.index].submission;
    const absl::Duration lease = s.streams != nullptr ? s.streams->lease() : absl::ZeroDuration();
    for (size_t r = 0; r < m.recipients.size(); ++r) {
      // No case: each message is its own order.
      deliveries.push_back({m.body.message_id(), m.recipients[r], m.body.message_id(), m.lease_owners[r], lease});
    }
  }
  if (!deliveries.empty()) statements.push_back(DeliveryInsert(deliveries));

  // 3. The audit records and the commit, in the same round trip. The
  // hand-outs are journalled without their delivery ids, which the INSERT
  // above is only now giving: the sealer adds them (mysql_audit.cc), and
  // step 4 adds them to what the streams are handed.
  std::vector<v1::AuditRecord> records;
  for (GroupMember& member : members) {
    const Submission& s = *batch[member.index].submission;
    std::vector<v1::AuditRecord> own = AuditOfAcceptance(s, member.recipients, member.accepted.receipt);
    records.insert(records.end(), own.begin(), own.end());
    for (size_t r = 0; r < member.recipients.size(); ++r) {
      if (member.lease_owners[r].empty()) {
        member.accepted.pending_recipients.push_back(member.recipients[r]);
        continue;
      }
      member.accepted.handed_out.push_back({member.recipients[r], member.lease_owners[r], member.body});
      records.push_back(AuditOfHandOut(member.accepted.handed_out.back(), s.accepted_at));
    }
  }
  statements.push_back(JournalInsert(records));
  statements.push_back("COMMIT");
  DeliveryIds delivery_ids;
  size_t reached = 0;
  try {
    RunBatch(c, statements, [&](size_t, sql::ResultSet& row) { AddDeliveryId(row, &delivery_ids); }, &reached);
  } catch (const sql::SQLException& e) {
    // A key seen before, or in use by a call being accepted right now. (The
    // server runs none of a batch's statements after one that fails, so
    // nothing was committed.)
    if (reached == 0 && IsDuplicateKey(e)) return absl::AbortedError(kConcurrentKey);
    throw;
  }
  MarkCommitted(c);
  succeeded = true;  // committed: the reservations are the streams' now

  // 4. What each member is answered: its hand-outs now with their ids.
  for (GroupMember& member : members) {
    for (HandedOut& out : member.accepted.handed_out) {
      out.message.set_delivery_id(delivery_ids.at({out.message.message_id(), out.recipient_agency_id}));
    }
  }
  for (GroupMember& member : members) (*results)[member.index] = std::move(member.accepted);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Accepted> MysqlStore::Accept(const Submission& submission, const RouteFn& route) {
  Accepted accepted;
  absl::Status status;
  // Twice at most: a call that lost a race on its key is a retry, and runs
  // again to be answered with the winner's receipt.
  for (int run = 0; run < 2; ++run) {
    status = RunTransaction(pool_, submission.method, [&](sql::Connection& c) {
      accepted = Accepted();  // the body may run more than once
      return AcceptInTransaction(c, submission, route, *cipher_, &accepted);
    });
    if (!(status.code() == absl::StatusCode::kAborted && status.message() == kConcurrentKey)) break;
  }
  if (!status.ok()) return status;
  return accepted;
}

std::vector<absl::StatusOr<Accepted>> MysqlStore::AcceptAll(const std::vector<SubmissionAndRoute>& batch) {
  std::vector<absl::StatusOr<Accepted>> results(batch.size(), absl::UnknownError("not accepted"));
  std::vector<size_t> group, alone;
  std::set<std::pair<std::string, std::string>> keys;
  for (size_t i = 0; i < batch.size(); ++i) {
    const Submission& s = *batch[i].submission;
    // A key twice in one group would collide with itself: the repeat goes
    // alone, after the group, and is answered as a retry.
    if (TouchesNoCase(s) && keys.insert({s.sender_agency_id, s.idempotency_key}).second) {
      group.push_back(i);
    } else {
      alone.push_back(i);
    }
  }
  // A group of one too: one round trip, where Accept takes six.
  if (!group.empty()) {
    absl::Status status = RunTransaction(pool_, "accept group", [&](sql::Connection& c) {
      for (size_t i : group) results[i] = absl::UnknownError("not accepted");  // the body may run again
      return AcceptGroupInTransaction(c, batch, group, *cipher_, &results);
    });
    // The group failed as a whole (a key raced, the database went away):
    // each member on its own, so that each gets its own answer.
    if (!status.ok()) alone.insert(alone.begin(), group.begin(), group.end());
  }
  for (size_t i : alone) results[i] = Accept(*batch[i].submission, *batch[i].route);
  return results;
}

absl::StatusOr<v1::GetCaseResponse> MysqlStore::ReadCase(const std::string& case_id,
                                                         const std::string& reader_agency_id) {
  v1::GetCaseResponse response;
  absl::Status status = RunTransaction(pool_, "read case", [&](sql::Connection& c) -> absl::Status {
    response.Clear();
    auto select = Prepare(c,
                          "SELECT c.opened_at, c.record, ch.child_id, ch.facts, ch.details FROM cre_case c"
                          " JOIN child ch ON ch.child_id = c.child_id WHERE c.case_id = ?");
    select->setString(1, case_id);
    std::unique_ptr<sql::ResultSet> row(select->executeQuery());
    if (!row->next()) return NoSuchCase(case_id);
    absl::StatusOr<std::vector<std::string>> involved = InvolvedAgencies(c, case_id);
    if (!involved.ok()) return involved.status();
    // An agency not involved learns nothing, not even that the case exists.
    if (std::find(involved->begin(), involved->end(), reader_agency_id) == involved->end()) {
      return NoSuchCase(case_id);
    }
    const std::string child_id = row->getString("child_id");
    absl::StatusOr<v1::Child> facts = OpenSealed<v1::Child>(*row, "facts", *cipher_, kChildFacts, child_id);
    absl::StatusOr<v1::ChildDetails> details =
        OpenSealed<v1::ChildDetails>(*row, "details", *cipher_, kChildDetails, child_id);
    absl::StatusOr<absl::Time> opened_at = TimeFromSql(row->getString("opened_at"));
    for (const absl::Status& s : {facts.status(), details.status(), opened_at.status()}) {
      if (!s.ok()) return s;
    }
    absl::optional<std::string> legacy;
    if (!row->isNull("record")) legacy = row->getString("record");
    response.set_case_id(case_id);
    *response.mutable_child_details() = *std::move(details);
    v1::CaseFile* file = response.mutable_case_file();
    file->set_case_id(case_id);
    *file->mutable_child() = *std::move(facts);
    *file->mutable_opened_at() = ToProtoTime(*opened_at);
    CRE_RETURN_IF_ERROR(ReadCaseEntries(c, case_id, legacy, *cipher_, EntryRead::kSnapshot, file).status());
    for (std::string& agency : *involved) response.add_involved_agency_ids(std::move(agency));

    // Only what the reader sent or received: a school does not see police
    // intelligence that was not shared with it.
    auto messages = Prepare(c,
                            "SELECT m.message_id, m.body FROM message m WHERE m.case_id = ? AND"
                            " (m.sender_agency_id = ? OR EXISTS (SELECT 1 FROM delivery d"
                            "  WHERE d.message_id = m.message_id AND d.recipient_agency_id = ?))"
                            " ORDER BY m.accepted_at, m.message_id");
    messages->setString(1, case_id);
    messages->setString(2, reader_agency_id);
    messages->setString(3, reader_agency_id);
    std::unique_ptr<sql::ResultSet> rows(messages->executeQuery());
    while (rows->next()) {
      absl::StatusOr<v1::RoutedMessage> message = OpenSealed<v1::RoutedMessage>(
          *rows, "body", *cipher_, kMessageBody, rows->getString("message_id"));
      if (!message.ok()) return message.status();
      *response.add_messages() = *std::move(message);
    }
    v1::AuditRecord read = AuditOf(v1::AUDIT_EVENT_KIND_CASE_READ, reader_agency_id, absl::Now());
    read.set_method("GetCase");
    read.set_case_id(case_id);
    return AppendAudit(c, {read});
  });
  if (!status.ok()) return status;
  return response;
}

}  // namespace cre::mysql

namespace cre::mysql {

// How long a case whose review failed waits before the next attempt.
constexpr absl::Duration kFailedReviewRetry = absl::Minutes(15);

absl::StatusOr<int> MysqlStore::ReviewDueCases(absl::Time now, int limit, const ReviewFn& review) {
  int reviewed = 0;
  for (; reviewed < limit; ++reviewed) {
    bool found = false;
    std::string claimed;
    // One case a transaction: a slow case holds no other case's lock, and
    // SKIP LOCKED sends another process's watcher to the next case.
    absl::Status status = RunTransaction(pool_, "review due case", [&](sql::Connection& c) -> absl::Status {
      found = false;
      claimed.clear();  // an earlier attempt's case is not this one's
      auto claim = Prepare(c,
                           "SELECT case_id FROM cre_case WHERE next_deadline <= ?"
                           " ORDER BY next_deadline LIMIT 1 FOR UPDATE SKIP LOCKED");
      claim->setString(1, SqlTime(now));
      std::unique_ptr<sql::ResultSet> row(claim->executeQuery());
      if (!row->next()) return absl::OkStatus();
      found = true;
      const std::string case_id = row->getString("case_id");
      claimed = case_id;
      Submission by_hub;  // no sending agency: the hub acts of its own accord
      by_hub.method = "deadline watcher";
      by_hub.accepted_at = now;
      CRE_ASSIGN_OR_RETURN(LoadedCase loaded, LoadCaseForUpdate(c, by_hub, case_id, *cipher_));
      CRE_ASSIGN_OR_RETURN(Routing routing, review(loaded.view));
      v1::SubmitResponse performed;
      CRE_RETURN_IF_ERROR(WriteFollowUps(c, by_hub, routing.follow_ups, loaded.view, *cipher_,
                                         /*hand_out=*/nullptr, &performed));
      CRE_RETURN_IF_ERROR(WriteNewEntries(c, loaded, *cipher_));
      // Without a schedule the case would be claimed again at once.
      WriteSchedule(c, case_id, routing.schedule ? *routing.schedule : CaseSchedule());
      std::vector<v1::AuditRecord> records;
      for (const v1::HubActionReceipt& alert : performed.hub_actions()) {
        records.push_back(AuditOf(v1::AUDIT_EVENT_KIND_DEADLINE_ALERT_RAISED, "", now));
        records.back().set_method(by_hub.method);
        records.back().set_case_id(case_id);
        records.back().set_message_id(alert.message_id());
        records.back().set_detail(absl::StrCat(v1::NotificationKind_Name(alert.notification_kind()), " to [",
                                               absl::StrJoin(alert.recipient_agency_ids(), ", "), "]"));
      }
      return AppendAudit(c, std::move(records));
    });
    if (!status.ok() && claimed.empty()) return status;  // the database, not a case
    if (!status.ok()) {
      // One case that cannot be reviewed (a value sealed under a key no
      // longer in the ring, say) must not stop every other case's alerts:
      // it is put back, and looked at again later.
      spdlog::error("deadlines: case {} could not be reviewed: {}; retrying it in {}", claimed,
                    status.ToString(), absl::FormatDuration(kFailedReviewRetry));
      absl::Status deferred = RunTransaction(pool_, "defer case review", [&](sql::Connection& c) {
        auto defer = Prepare(c, "UPDATE cre_case SET next_deadline = ? WHERE case_id = ?");
        defer->setString(1, SqlTime(now + kFailedReviewRetry));
        defer->setString(2, claimed);
        defer->executeUpdate();
        return absl::OkStatus();
      });
      if (!deferred.ok()) return deferred;
      continue;
    }
    if (!found) break;
  }
  return reviewed;
}

absl::StatusOr<ActionPage> MysqlStore::ListOpenActions(const std::string& owner_agency_id,
                                                       absl::Time due_before, int page_size,
                                                       const std::string& page_token) {
  // Keyset paging on (due_at, case_id, rule_id): stable while cases change.
  std::string after_due = "1970-01-01 00:00:00", after_case, after_rule;
  if (!page_token.empty()) {
    std::string decoded;
    std::vector<std::string> parts;
    if (absl::WebSafeBase64Unescape(page_token, &decoded)) parts = absl::StrSplit(decoded, '|');
    // Each part is checked: a token is the client's to send back, and could
    // be anything; a rule id is ASCII, as its column is.
    if (parts.size() != 3 || !TimeFromSql(parts[0]).ok() || !IsUuid(parts[1]) || parts[2].empty() ||
        parts[2].size() > 80 || !IsAsciiToken(parts[2])) {
      return absl::InvalidArgumentError("page_token: not a token this hub issued");
    }
    after_due = parts[0];
    after_case = parts[1];
    after_rule = parts[2];
  }
  ActionPage page;
  absl::Status status = RunTransaction(pool_, "list open actions", [&](sql::Connection& c) -> absl::Status {
    page = ActionPage();
    auto select = Prepare(c,
                          "SELECT case_id, rule_id, action_kind, owner_role, owner_agency_id, due_at, due_date"
                          " FROM case_action WHERE due_at < ? AND (? = '' OR owner_agency_id = ?)"
                          " AND (due_at, case_id, rule_id) > (?, ?, ?)"
                          " ORDER BY due_at, case_id, rule_id LIMIT ?");
    // "No bound" must still be a date the server can compare.
    select->setString(1, due_before == absl::InfiniteFuture() ? "9999-12-31 23:59:59" : SqlTime(due_before));
    select->setString(2, owner_agency_id);
    select->setString(3, owner_agency_id);
    select->setString(4, after_due);
    select->setString(5, after_case);
    select->setString(6, after_rule);
    select->setInt(7, page_size + 1);  // one more: is there a next page?
    std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
    std::string last_key;
    while (rows->next()) {
      if (static_cast<int>(page.actions.size()) == page_size) {
        page.next_page_token = absl::WebSafeBase64Escape(last_key);
        break;
      }
      OpenAction action;
      action.rule_id = rows->getString("rule_id");
      v1::ActionKind_Parse(std::string(rows->getString("action_kind")), &action.kind);
      v1::PractitionerRole_Parse(std::string(rows->getString("owner_role")), &action.owner);
      if (!rows->isNull("owner_agency_id")) action.owner_agency_id = rows->getString("owner_agency_id");
      const std::string due = rows->getString("due_at");
      CRE_ASSIGN_OR_RETURN(action.due_at, TimeFromSql(due));
      action.due_date = rows->getString("due_date");
      const std::string case_id = rows->getString("case_id");
      last_key = absl::StrCat(due, "|", case_id, "|", action.rule_id);
      page.actions.emplace_back(case_id, std::move(action));
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return page;
}

}  // namespace cre::mysql
