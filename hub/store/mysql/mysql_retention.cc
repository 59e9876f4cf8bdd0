// MysqlStore: retention (docs/data-protection.md, "Retention"): the records
// a sweep looks at, purging a case or a message payload once under its row
// lock, legal holds, and the counts the status reports.
#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "casework/audit_records.h"
#include "common/ids.h"
#include "common/proto_time.h"
#include "common/status_macros.h"
#include "cppconn/prepared_statement.h"
#include "cppconn/resultset.h"
#include "google/protobuf/util/time_util.h"
#include "store/mysql/case_rows.h"
#include "store/mysql/dead_letters.h"
#include "store/mysql/mysql_audit.h"
#include "store/mysql/mysql_store.h"
#include "store/mysql/purge_rows.h"
#include "store/mysql/sql_errors.h"
#include "store/mysql/sql_values.h"

namespace cre::mysql {

namespace {

// The content a tombstone stands for, as stored (sealed): each part
// length-prefixed, so that no two sets of parts hash alike. Hashed sealed,
// not opened: a hash of an opened date of birth or NHS number could be
// found again by trying every value.
class ContentHash {
 public:
  void Add(sql::ResultSet& row, const char* column) {
    if (row.isNull(column)) {
      bytes_ += "-;";
      return;
    }
    AddBytes(std::string(row.getString(column)));
  }
  void AddBytes(absl::string_view value) { absl::StrAppend(&bytes_, value.size(), ":", value, ";"); }
  std::string Hex() const { return Sha256Hex(bytes_); }

 private:
  std::string bytes_;
};

absl::StatusOr<absl::Time> TimeColumn(sql::ResultSet& row, const char* column) {
  if (row.isNull(column)) return absl::InfinitePast();
  return TimeFromSql(row.getString(column));
}

std::string RfcTime(absl::Time t) { return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone()); }

// The tombstone of one purged record: ids, class and hash only.
v1::AuditRecord Tombstone(const v1::AuditRecord& purged_by, v1::RecordClass record_class,
                          const std::string& content_sha256, absl::Time due_at, const std::string& what) {
  v1::AuditRecord record = purged_by;
  record.set_kind(v1::AUDIT_EVENT_KIND_RECORD_PURGED);
  *record.mutable_at() = ToProtoTime(absl::Now());
  record.set_detail(absl::StrCat(what, "; class ", v1::RecordClass_Name(record_class), "; content sha256 ",
                                 content_sha256,
                                 due_at == absl::InfiniteFuture() || due_at == absl::InfinitePast()
                                     ? std::string()
                                     : absl::StrCat("; due ", RfcTime(due_at))));
  return record;
}

}  // namespace

std::string PayloadContentSha256(absl::string_view sealed_body) {
  ContentHash hash;
  hash.AddBytes(sealed_body);
  return hash.Hex();
}

v1::AuditRecord PayloadTombstone(const v1::AuditRecord& purged_by, const std::string& message_id,
                                 const std::string& case_id, const std::string& content_sha256, absl::Time due_at,
                                 const std::string& what) {
  v1::AuditRecord record = Tombstone(purged_by, v1::RECORD_CLASS_MESSAGE_PAYLOAD, content_sha256, due_at, what);
  record.set_message_id(message_id);
  record.set_case_id(case_id);
  return record;
}

namespace {

// Empties message `message_id`'s payload (the caller holds its row lock
// and has read its body as `body_row`), and returns its tombstone.
v1::AuditRecord PurgeMessageRow(sql::Connection& c, sql::ResultSet& body_row, const std::string& message_id,
                                const std::string& case_id, absl::Time now, absl::Time due_at,
                                const v1::AuditRecord& purged_by, const std::string& what,
                                std::string* content_sha256 = nullptr) {
  const std::string sha = PayloadContentSha256(std::string(body_row.getString("body")));
  if (content_sha256 != nullptr) *content_sha256 = sha;
  auto purge = Prepare(c, "UPDATE message SET body = '', purged_at = ?, purged_sha256 = ? WHERE message_id = ?");
  purge->setString(1, SqlTime(now));
  purge->setString(2, sha);
  purge->setString(3, message_id);
  purge->executeUpdate();
  return PayloadTombstone(purged_by, message_id, case_id, sha, due_at, what);
}

bool Held(sql::Connection& c, const std::string& case_id) {
  // Locking: a hold placed by a transaction not committed yet is waited for.
  auto held = Prepare(c, "SELECT 1 FROM legal_hold WHERE case_id = ? LOCK IN SHARE MODE");
  held->setString(1, case_id);
  std::unique_ptr<sql::ResultSet> row(held->executeQuery());
  return row->next();
}

}  // namespace

absl::StatusOr<std::vector<Store::RetentionCase>> MysqlStore::RetentionCases(const std::string& after_case_id,
                                                                             int limit) {
  std::vector<RetentionCase> cases;
  absl::Status status = RunTransaction(pool_, "retention cases", [&](sql::Connection& c) -> absl::Status {
    cases.clear();
    auto select = Prepare(c,
                          "SELECT c.case_id, c.opened_at, c.child_facts AS case_facts, ch.child_id, ch.facts,"
                          " (SELECT MAX(m.accepted_at) FROM message m WHERE m.case_key = c.case_id AND m.case_id = c.case_id) AS last_message,"
                          " EXISTS (SELECT 1 FROM legal_hold h WHERE h.case_id = c.case_id) AS held"
                          " FROM cre_case c JOIN child ch ON ch.child_id = c.child_id"
                          " WHERE c.purged_at IS NULL AND c.case_id > ? ORDER BY c.case_id LIMIT ?");
    select->setString(1, after_case_id);
    select->setInt(2, limit);
    std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
    while (rows->next()) {
      RetentionCase rc;
      rc.case_id = rows->getString("case_id");
      rc.child_id = rows->getString("child_id");
      CRE_ASSIGN_OR_RETURN(rc.facts, CaseChildFactsOf(*rows, rc.case_id, *cipher_));
      CRE_ASSIGN_OR_RETURN(rc.opened_at, TimeFromSql(rows->getString("opened_at")));
      CRE_ASSIGN_OR_RETURN(const absl::Time last_message, TimeColumn(*rows, "last_message"));
      rc.last_contact = std::max(rc.opened_at, last_message);
      rc.held = rows->getBoolean("held");
      cases.push_back(std::move(rc));
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return cases;
}

absl::StatusOr<std::vector<Store::RetentionMessage>> MysqlStore::RetentionMessages(
    const std::string& after_message_id, int limit) {
  std::vector<RetentionMessage> messages;
  absl::Status status = RunTransaction(pool_, "retention messages", [&](sql::Connection& c) -> absl::Status {
    messages.clear();
    // A dead-lettered delivery's next_attempt_at is when it was set aside
    // (or its backoff's end, a little later): settled then.
    auto select = Prepare(c,
                          "SELECT m.message_id, m.case_id, m.accepted_at,"
                          " (SELECT COUNT(*) FROM delivery d WHERE d.message_id = m.message_id"
                          "   AND d.state IN ('PENDING', 'LEASED')) AS unsettled,"
                          " (SELECT MAX(COALESCE(d.acked_at, d.next_attempt_at)) FROM delivery d"
                          "   WHERE d.message_id = m.message_id) AS settled,"
                          " EXISTS (SELECT 1 FROM legal_hold h WHERE h.case_id = m.case_id) AS held"
                          " FROM message m WHERE m.purged_at IS NULL AND m.message_id > ?"
                          " ORDER BY m.message_id LIMIT ?");
    select->setString(1, after_message_id);
    select->setInt(2, limit);
    std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
    while (rows->next()) {
      RetentionMessage rm;
      rm.message_id = rows->getString("message_id");
      if (!rows->isNull("case_id")) rm.case_id = rows->getString("case_id");
      CRE_ASSIGN_OR_RETURN(rm.accepted_at, TimeFromSql(rows->getString("accepted_at")));
      CRE_ASSIGN_OR_RETURN(const absl::Time settled, TimeColumn(*rows, "settled"));
      rm.settled_at = rows->getInt64("unsettled") > 0 ? absl::InfiniteFuture() : std::max(rm.accepted_at, settled);
      rm.held = rows->getBoolean("held");
      messages.push_back(std::move(rm));
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return messages;
}

absl::StatusOr<Store::Purged> MysqlStore::PurgeCase(const std::string& case_id, absl::Time now,
                                                    const CaseRetentionFn& decide,
                                                    const v1::AuditRecord& purged_by) {
  Purged purged;
  absl::Status status = RunTransaction(pool_, "purge case", [&](sql::Connection& c) -> absl::Status {
    purged = Purged();
    // The child first, then the case: purges of one child's cases queue on
    // the child's row, so the last of them sees the others purged and
    // purges the child's own row.
    auto child_of = Prepare(c, "SELECT child_id FROM cre_case WHERE case_id = ?");
    child_of->setString(1, case_id);
    std::unique_ptr<sql::ResultSet> child_row(child_of->executeQuery());
    if (!child_row->next()) return NoSuchCase(case_id);
    const std::string child_id = child_row->getString("child_id");
    auto lock_child = Prepare(c, "SELECT child_id FROM child WHERE child_id = ? FOR UPDATE");
    lock_child->setString(1, child_id);
    std::unique_ptr<sql::ResultSet> locked(lock_child->executeQuery());

    auto select = Prepare(c,
                          "SELECT c.opened_at, c.record, c.child_details AS case_details, c.child_facts AS case_facts,"
                          " c.purged_at, ch.child_id, ch.facts FROM cre_case c"
                          " JOIN child ch ON ch.child_id = c.child_id WHERE c.case_id = ? FOR UPDATE");
    select->setString(1, case_id);
    std::unique_ptr<sql::ResultSet> row(select->executeQuery());
    if (!row->next()) return NoSuchCase(case_id);
    if (!row->isNull("purged_at")) {
      purged.not_purged_because = Purged::NotPurged::kPurgedAlready;
      return absl::OkStatus();
    }
    if (Held(c, case_id)) {
      purged.not_purged_because = Purged::NotPurged::kHeld;
      return absl::OkStatus();
    }
    RetentionCase rc;
    rc.case_id = case_id;
    rc.child_id = child_id;
    CRE_ASSIGN_OR_RETURN(rc.facts, CaseChildFactsOf(*row, case_id, *cipher_));
    CRE_ASSIGN_OR_RETURN(rc.opened_at, TimeFromSql(row->getString("opened_at")));
    auto last = Prepare(c, "SELECT MAX(accepted_at) AS last_message FROM message WHERE case_key = ? AND case_id = ?"
                           " LOCK IN SHARE MODE");
    last->setString(1, case_id);
    last->setString(2, case_id);
    std::unique_ptr<sql::ResultSet> last_row(last->executeQuery());
    last_row->next();
    CRE_ASSIGN_OR_RETURN(const absl::Time last_message, TimeColumn(*last_row, "last_message"));
    rc.last_contact = std::max(rc.opened_at, last_message);
    const RetentionDecision decision = decide(rc);
    purged.record_class = decision.record_class;
    if (decision.due_at > now) {
      purged.not_purged_because = Purged::NotPurged::kNotDue;
      return absl::OkStatus();
    }

    ContentHash hash;
    hash.Add(*row, "case_details");
    hash.Add(*row, "case_facts");
    hash.Add(*row, "record");
    auto entries = Prepare(c, "SELECT body FROM case_entry WHERE case_id = ? ORDER BY seq FOR UPDATE");
    entries->setString(1, case_id);
    std::unique_ptr<sql::ResultSet> entry_rows(entries->executeQuery());
    while (entry_rows->next()) hash.Add(*entry_rows, "body");
    purged.content_sha256 = hash.Hex();

    auto clear_entries = Prepare(c, "DELETE FROM case_entry WHERE case_id = ?");
    clear_entries->setString(1, case_id);
    clear_entries->executeUpdate();
    auto clear_actions = Prepare(c, "DELETE FROM case_action WHERE case_id = ?");
    clear_actions->setString(1, case_id);
    clear_actions->executeUpdate();
    auto clear_case = Prepare(c,
                              "UPDATE cre_case SET child_details = NULL, child_facts = NULL, record = NULL,"
                              " next_deadline = NULL, schedule_sha256 = NULL, purged_at = ?, purged_class = ?,"
                              " purged_sha256 = ?"
                              " WHERE case_id = ?");
    clear_case->setString(1, SqlTime(now));
    clear_case->setString(2, v1::RecordClass_Name(decision.record_class));
    clear_case->setString(3, purged.content_sha256);
    clear_case->setString(4, case_id);
    clear_case->executeUpdate();

    std::vector<v1::AuditRecord> records;
    v1::AuditRecord tombstone =
        Tombstone(purged_by, decision.record_class, purged.content_sha256, decision.due_at, "case record");
    tombstone.set_case_id(case_id);
    tombstone.set_child_id(child_id);
    records.push_back(std::move(tombstone));

    // Its deliveries not settled are set aside (and never requeued: their
    // payloads go): each sender told by a report, written while the bodies
    // can still say which messages the hub sent itself.
    std::vector<DyingDelivery> dying;
    {
      auto unsettled = Prepare(c,
                               "SELECT d.delivery_id, d.message_id, d.recipient_agency_id, d.attempts FROM delivery d"
                               " JOIN message m ON m.message_id = d.message_id"
                               " WHERE m.case_id = ? AND d.state IN ('PENDING', 'LEASED')"
                               " ORDER BY d.delivery_id FOR UPDATE");
      unsettled->setString(1, case_id);
      std::unique_ptr<sql::ResultSet> rows(unsettled->executeQuery());
      while (rows->next()) {
        dying.push_back({rows->getInt64("delivery_id"), rows->getString("message_id"),
                         rows->getString("recipient_agency_id"), rows->getInt("attempts"),
                         DeadLetterCause::kCasePurged});
      }
    }
    CRE_ASSIGN_OR_RETURN(std::vector<v1::AuditRecord> dead_letters,
                         WriteDeadLetters(c, dying, hub_envelope_, *cipher_));

    // Its messages' payloads go with it; nothing is delivered from it
    // after.
    auto messages = Prepare(c,
                            "SELECT message_id, body FROM message WHERE case_key = ? AND case_id = ? AND purged_at IS NULL"
                            " ORDER BY accepted_at, message_id FOR UPDATE");
    messages->setString(1, case_id);
    messages->setString(2, case_id);
    std::unique_ptr<sql::ResultSet> message_rows(messages->executeQuery());
    std::vector<std::string> message_ids;
    while (message_rows->next()) {
      const std::string message_id = message_rows->getString("message_id");
      records.push_back(PurgeMessageRow(c, *message_rows, message_id, case_id, now, absl::InfiniteFuture(),
                                        purged_by, "message payload, with its case"));
      message_ids.push_back(message_id);
    }
    purged.messages = static_cast<int>(message_ids.size());
    auto set_aside = Prepare(c,
                             "UPDATE delivery d JOIN message m ON m.message_id = d.message_id"
                             " SET d.state = 'DEAD', d.lease_owner = NULL, d.lease_until = NULL"
                             " WHERE m.case_id = ? AND d.state IN ('PENDING', 'LEASED')");
    set_aside->setString(1, case_id);
    set_aside->executeUpdate();

    // The child's own row, once none of their cases is kept (a locking
    // read: another case's purge committed since this snapshot counts).
    auto kept = Prepare(c,
                        "SELECT COUNT(*) AS kept FROM cre_case WHERE child_id = ? AND purged_at IS NULL"
                        " LOCK IN SHARE MODE");
    kept->setString(1, child_id);
    std::unique_ptr<sql::ResultSet> kept_row(kept->executeQuery());
    kept_row->next();
    if (kept_row->getInt64("kept") == 0) {
      auto child = Prepare(c, "SELECT details, facts, purged_at FROM child WHERE child_id = ? FOR UPDATE");
      child->setString(1, child_id);
      std::unique_ptr<sql::ResultSet> child_content(child->executeQuery());
      if (child_content->next() && child_content->isNull("purged_at")) {
        ContentHash child_hash;
        child_hash.Add(*child_content, "details");
        child_hash.Add(*child_content, "facts");
        const std::string sha = child_hash.Hex();
        auto purge_child = Prepare(c,
                                   "UPDATE child SET details = '', facts = '', nhs_index = NULL,"
                                   " nhs_index_key_id = NULL, purged_at = ?, purged_sha256 = ? WHERE child_id = ?");
        purge_child->setString(1, SqlTime(now));
        purge_child->setString(2, sha);
        purge_child->setString(3, child_id);
        purge_child->executeUpdate();
        v1::AuditRecord child_tombstone = Tombstone(purged_by, decision.record_class, sha, absl::InfiniteFuture(),
                                                    "child record: none of the child's cases is kept");
        child_tombstone.set_child_id(child_id);
        child_tombstone.set_case_id(case_id);
        records.push_back(std::move(child_tombstone));
        purged.child = true;
      }
    }
    records.insert(records.end(), dead_letters.begin(), dead_letters.end());
    purged.purged = true;
    return AppendAudit(c, records);
  });
  if (!status.ok()) return status;
  return purged;
}

absl::StatusOr<Store::Purged> MysqlStore::PurgeMessage(const std::string& message_id, absl::Time now,
                                                       const MessageRetentionFn& decide,
                                                       const v1::AuditRecord& purged_by) {
  Purged purged;
  absl::Status status = RunTransaction(pool_, "purge message", [&](sql::Connection& c) -> absl::Status {
    purged = Purged();
    purged.record_class = v1::RECORD_CLASS_MESSAGE_PAYLOAD;
    auto select = Prepare(c,
                          "SELECT message_id, case_id, accepted_at, purged_at, body FROM message"
                          " WHERE message_id = ? FOR UPDATE");
    select->setString(1, message_id);
    std::unique_ptr<sql::ResultSet> row(select->executeQuery());
    if (!row->next()) return absl::NotFoundError(absl::StrCat("message_id: no message ", message_id));
    if (!row->isNull("purged_at")) {
      purged.not_purged_because = Purged::NotPurged::kPurgedAlready;
      return absl::OkStatus();
    }
    RetentionMessage rm;
    rm.message_id = message_id;
    if (!row->isNull("case_id")) rm.case_id = row->getString("case_id");
    if (!rm.case_id.empty() && Held(c, rm.case_id)) {
      purged.not_purged_because = Purged::NotPurged::kHeld;
      return absl::OkStatus();
    }
    CRE_ASSIGN_OR_RETURN(rm.accepted_at, TimeFromSql(row->getString("accepted_at")));
    // Locked, so that no requeue makes one due again while this decides.
    auto deliveries = Prepare(c,
                              "SELECT state, COALESCE(acked_at, next_attempt_at) AS settled FROM delivery"
                              " WHERE message_id = ? FOR UPDATE");
    deliveries->setString(1, message_id);
    std::unique_ptr<sql::ResultSet> delivery_rows(deliveries->executeQuery());
    rm.settled_at = rm.accepted_at;
    while (delivery_rows->next()) {
      const std::string state = delivery_rows->getString("state");
      if (state == "PENDING" || state == "LEASED") {
        rm.settled_at = absl::InfiniteFuture();
        break;
      }
      CRE_ASSIGN_OR_RETURN(const absl::Time settled, TimeColumn(*delivery_rows, "settled"));
      rm.settled_at = std::max(rm.settled_at, settled);
    }
    const RetentionDecision decision = decide(rm);
    if (rm.settled_at == absl::InfiniteFuture() || decision.due_at > now) {
      purged.not_purged_because = Purged::NotPurged::kNotDue;
      return absl::OkStatus();
    }
    v1::AuditRecord tombstone = PurgeMessageRow(c, *row, message_id, rm.case_id, now, decision.due_at, purged_by,
                                                "message payload", &purged.content_sha256);
    purged.purged = true;
    return AppendAudit(c, {tombstone});
  });
  if (!status.ok()) return status;
  return purged;
}

absl::Status MysqlStore::SetLegalHold(const std::string& case_id, bool hold, const std::string& reason,
                                      absl::Time now, const v1::AuditRecord& changed_by) {
  return RunTransaction(pool_, "legal hold", [&](sql::Connection& c) -> absl::Status {
    // The case's row lock: a purge of the case, which takes it first, is
    // over (and the case purged) or has not begun.
    auto select = Prepare(c, "SELECT purged_at FROM cre_case WHERE case_id = ? FOR UPDATE");
    select->setString(1, case_id);
    std::unique_ptr<sql::ResultSet> row(select->executeQuery());
    if (!row->next()) return NoSuchCase(case_id);
    auto existing = Prepare(c, "SELECT held_by FROM legal_hold WHERE case_id = ? FOR UPDATE");
    existing->setString(1, case_id);
    std::unique_ptr<sql::ResultSet> held(existing->executeQuery());
    const bool is_held = held->next();
    if (hold) {
      if (!row->isNull("purged_at")) {
        return absl::FailedPreconditionError(
            absl::StrCat("case ", case_id, " was purged under the retention schedule; there is nothing to hold"));
      }
      if (is_held) return absl::FailedPreconditionError(absl::StrCat("case ", case_id, " is held already"));
      auto insert = Prepare(c, "INSERT INTO legal_hold (case_id, held_by, held_at, reason) VALUES (?, ?, ?, ?)");
      insert->setString(1, case_id);
      insert->setString(2, changed_by.staff_id().empty() ? changed_by.actor_agency_id() : changed_by.staff_id());
      insert->setString(3, SqlTime(now));
      insert->setString(4, reason);
      insert->executeUpdate();
    } else {
      if (!is_held) return absl::FailedPreconditionError(absl::StrCat("case ", case_id, " is not held"));
      auto remove = Prepare(c, "DELETE FROM legal_hold WHERE case_id = ?");
      remove->setString(1, case_id);
      remove->executeUpdate();
    }
    v1::AuditRecord record = changed_by;
    record.set_kind(v1::AUDIT_EVENT_KIND_LEGAL_HOLD_CHANGED);
    *record.mutable_at() = ToProtoTime(absl::Now());
    record.set_case_id(case_id);
    record.set_detail(absl::StrCat(hold ? "legal hold placed: " : "legal hold released: ", reason));
    return AppendAudit(c, {record});
  });
}

absl::StatusOr<std::vector<Store::LegalHold>> MysqlStore::ListLegalHolds() {
  std::vector<LegalHold> holds;
  absl::Status status = RunTransaction(pool_, "list legal holds", [&](sql::Connection& c) -> absl::Status {
    holds.clear();
    auto select = Prepare(c, "SELECT case_id, held_by, held_at, reason FROM legal_hold ORDER BY held_at, case_id");
    std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
    while (rows->next()) {
      LegalHold h;
      h.case_id = rows->getString("case_id");
      h.held_by = rows->getString("held_by");
      CRE_ASSIGN_OR_RETURN(h.held_at, TimeFromSql(rows->getString("held_at")));
      h.reason = rows->getString("reason");
      holds.push_back(std::move(h));
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return holds;
}

absl::StatusOr<std::map<v1::RecordClass, int64_t>> MysqlStore::PurgedCounts() {
  std::map<v1::RecordClass, int64_t> counts;
  absl::Status status = RunTransaction(pool_, "purged counts", [&](sql::Connection& c) -> absl::Status {
    counts.clear();
    auto cases = Prepare(c,
                         "SELECT purged_class, COUNT(*) AS n FROM cre_case WHERE purged_at IS NOT NULL"
                         " GROUP BY purged_class");
    std::unique_ptr<sql::ResultSet> rows(cases->executeQuery());
    while (rows->next()) {
      v1::RecordClass record_class = v1::RECORD_CLASS_UNSPECIFIED;
      v1::RecordClass_Parse(std::string(rows->getString("purged_class")), &record_class);
      counts[record_class] += rows->getInt64("n");
    }
    auto messages = Prepare(c, "SELECT COUNT(*) AS n FROM message WHERE purged_at IS NOT NULL");
    std::unique_ptr<sql::ResultSet> message_rows(messages->executeQuery());
    if (message_rows->next() && message_rows->getInt64("n") > 0) {
      counts[v1::RECORD_CLASS_MESSAGE_PAYLOAD] = message_rows->getInt64("n");
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return counts;
}

absl::StatusOr<bool> MysqlStore::ClaimRetentionSweep(const std::string& by, absl::Duration every) {
  bool claimed = false;
  absl::Status status = RunTransaction(pool_, "claim retention sweep", [&](sql::Connection& c) -> absl::Status {
    auto claim = Prepare(c,
                         "UPDATE retention_sweep SET started_at = NOW(6), started_by = ?"
                         " WHERE id = 1 AND started_at <= NOW(6) - INTERVAL ? MICROSECOND");
    claim->setString(1, by);
    claim->setInt64(2, absl::ToInt64Microseconds(every));
    claimed = claim->executeUpdate() == 1;
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return claimed;
}

}  // namespace cre::mysql
