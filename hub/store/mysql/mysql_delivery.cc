// MysqlStore: handing deliveries out to subscriber streams, at least once.
//
// A delivery is claimed with SELECT ... FOR UPDATE SKIP LOCKED, so that
// streams on several hub processes never lease the same row, then leased
// with an UPDATE in the same transaction. Lease times come from the
// database's clock, the one clock every hub process shares.
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/proto_time.h"
#include "common/status_macros.h"
#include "cppconn/prepared_statement.h"
#include "cppconn/resultset.h"
#include "cppconn/statement.h"
#include "spdlog/spdlog.h"
#include "store/mysql/case_entries.h"
#include "store/mysql/case_rows.h"
#include "store/mysql/dead_letters.h"
#include "store/mysql/mysql_audit.h"
#include "store/mysql/mysql_store.h"
#include "store/mysql/sql_values.h"

namespace cre::mysql {
namespace {

int64_t Micros(absl::Duration d) { return absl::ToInt64Microseconds(d); }

// Due deliveries of `recipient`, longest due first, skipping any whose case
// has an earlier delivery to the same recipient still outstanding (per-case
// order: earlier by the message's position in its case, order_seq, then by
// id among one message's and its follow-ups', which one transaction wrote
// on one node; migrations/0020), and any row another transaction is
// claiming right now. Both
// indexes are named, and the order is delivery_claim's own (recipient,
// state, next_attempt_at, then the primary key), so that a claim reads about
// as many rows as it returns however many deliveries wait: ordered by
// delivery_id instead, it read and sorted every due delivery of the agency
// each time, and when the table's statistics lagged behind its growth the
// per-case check went through delivery_claim too, reading all of the
// agency's outstanding deliveries for each one (docs/benchmarks.md has the
// measurement).
// The select list, kClaimable, the recipient, kClaimOrder, the limit, the
// locking clause. kClaimable: the deliveries a claim may take now (due, and
// none of the same case before them outstanding), of d.recipient_agency_id.
constexpr char kClaimable[] =
    " FROM delivery d FORCE INDEX (delivery_claim)"
    " WHERE d.state = 'PENDING' AND d.next_attempt_at <= NOW(6)"
    "   AND NOT EXISTS (SELECT 1 FROM delivery e FORCE INDEX (delivery_case_order)"
    "     WHERE e.recipient_agency_id = d.recipient_agency_id AND e.order_key = d.order_key"
    "       AND e.state IN ('PENDING', 'LEASED') AND e.order_seq <= d.order_seq"
    "       AND (e.order_seq < d.order_seq OR e.delivery_id < d.delivery_id))"
    "   AND d.recipient_agency_id = ";
constexpr char kClaimOrder[] = " ORDER BY d.next_attempt_at, d.delivery_id LIMIT ";

// The message as each recipient receives it, for the ids that follow. The
// child's details travel with case messages: every recipient of one is
// involved with the case.
constexpr char kLoadSql[] =
    "SELECT d.delivery_id, m.message_id, m.body, c.case_id, c.child_details AS case_details, ch.child_id,"
    " ch.details FROM delivery d"
    " JOIN message m ON m.message_id = d.message_id"
    " LEFT JOIN cre_case c ON c.case_id = m.case_id"
    " LEFT JOIN child ch ON ch.child_id = c.child_id"
    " WHERE d.delivery_id";

// A lease that ended without an ack: due again after a backoff that doubles
// with each attempt, or dead after max_attempts; the WHERE is the caller's.
constexpr char kExpireSql[] =
    "UPDATE delivery FORCE INDEX (PRIMARY) SET state = IF(attempts >= ?, 'DEAD', 'PENDING'),"
    " lease_owner = NULL, lease_until = NULL,"
    " next_attempt_at = NOW(6) + INTERVAL LEAST(? << LEAST(GREATEST(attempts - 1, 0), 30), ?)"
    " MICROSECOND";

// A stream's leases, found among its agency's leased deliveries (the
// agency's open windows) by delivery_claim; lease_owner has no index of its
// own (migrations/0009), which every hand-out and acknowledgement would
// have to keep up.
constexpr char kLeasedToSql[] =
    "SELECT delivery_id, attempts FROM delivery FORCE INDEX (delivery_claim)"
    " WHERE recipient_agency_id = ? AND state = 'LEASED' AND lease_owner = ?";

// The deliveries of `recipient` leased to the stream `lease_owner`, in the
// caller's transaction; with `last_attempts`, also those of them on their
// last attempt under `max_attempts` (a lease's attempts do not change while
// it is this stream's).
std::vector<int64_t> LeasedToInTransaction(sql::Connection& c, const std::string& recipient,
                                           const std::string& lease_owner, int max_attempts = 0,
                                           std::vector<int64_t>* last_attempts = nullptr) {
  auto select = Prepare(c, kLeasedToSql);
  select->setString(1, recipient);
  select->setString(2, lease_owner);
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  std::vector<int64_t> leased;
  while (rows->next()) {
    leased.push_back(rows->getInt64(1));
    if (last_attempts != nullptr && rows->getInt(2) >= max_attempts) last_attempts->push_back(leased.back());
  }
  return leased;
}

absl::Status AuditRequeue(sql::Connection& c, int requeued, const std::vector<int64_t>& ids,
                          const v1::AuditRecord& requeued_by) {
  if (requeued == 0) return absl::OkStatus();
  v1::AuditRecord record = requeued_by;
  record.set_kind(v1::AUDIT_EVENT_KIND_DELIVERY_REQUEUED);
  if (!record.has_at()) *record.mutable_at() = AuditOf(record.kind(), "", absl::Now()).at();
  const std::string which = ids.empty() ? absl::StrCat("all ", requeued, " dead deliveries")
                                        : absl::StrCat(requeued, " of [", absl::StrJoin(ids, ", "), "]");
  record.set_detail(requeued_by.detail().empty() ? which : absl::StrCat(which, ": ", requeued_by.detail()));
  return AppendAudit(c, {record});
}

}  // namespace

absl::StatusOr<std::vector<v1::RoutedMessage>> MysqlStore::ClaimDeliveries(
    const std::string& recipient, const std::string& lease_owner, int limit,
    const DeliveryPolicy& policy) {
  std::vector<v1::RoutedMessage> messages;
  if (limit <= 0) return messages;
  // The deliveries an earlier run of the body tried to lease and lost: on a
  // Galera cluster, most often to a claim on another node, which took the
  // same rows (SKIP LOCKED skips only this node's locks) and won
  // certification. The run after it skips them, as SKIP LOCKED would have:
  // claiming them again would lose again to that node's lease, not applied
  // here yet, while its streams take the next ones.
  std::vector<int64_t> lost;
  // More runs than other transactions get: on a cluster a claim races the
  // other nodes' claims for the same first rows, and each run it loses
  // moves on past them.
  RetryPolicy policy_for_claims;
  policy_for_claims.max_attempts = 12;
  absl::Status status = RunTransaction(pool_, "claim deliveries", [&](sql::Connection& c) -> absl::Status {
    messages.clear();
    std::vector<int64_t> ids;
    // Attempts so far, as the locking read sees them: the snapshot's version
    // of a row may be older.
    std::map<int64_t, int> attempts;
    // READ COMMITTED: the claim's locking read takes no gap locks, only
    // the rows it returns. Under REPEATABLE READ it locked the gaps of
    // delivery_claim too, where each new delivery of the recipient is
    // inserted: on a Galera cluster, every submission another node
    // committed meanwhile had its rows applied through those gaps, and the
    // applier, which always wins, aborted the claim (1213), round after
    // round while submissions flowed; on one server they only waited. The
    // SQL is made of SqlBytes() and an integer.
    RunBatch(c,
             {kReadCommittedNext,
              absl::StrCat("SELECT d.delivery_id, d.attempts", kClaimable, SqlBytes(recipient),
                           lost.empty() ? "" : absl::StrCat(" AND d.delivery_id NOT IN (", absl::StrJoin(lost, ", "), ")"),
                           kClaimOrder, limit, " FOR UPDATE SKIP LOCKED")},
             [&](size_t, sql::ResultSet& row) {
               ids.push_back(row.getInt64(1));
               attempts[ids.back()] = row.getInt(2);
             });
    if (ids.empty()) return absl::OkStatus();
    // Until the commit says otherwise, these are lost if the body fails.
    lost.insert(lost.end(), ids.begin(), ids.end());
    // The messages first, then the leases of those loaded, the audit records
    // and the commit in one batch: three round trips in all, however many
    // are claimed. The SQL is made of integers and SqlBytes().
    //
    // The locking read above sees the latest committed deliveries, and the
    // load, at READ COMMITTED, a snapshot taken after it: every delivery
    // locked here has its message, committed with it. Should a delivery's
    // message not be loaded all the same, the delivery is left as it is,
    // due, for the next claim, rather than failing this one (it did fail,
    // "delivery N vanished", while the load read an older snapshot).
    // Per-case order holds: a case's deliveries are inserted under its row
    // lock (CaseLoads), so their order_seq rises in commit order,
    // and a later one is never in the snapshot while an earlier one is not.
    const std::string in = absl::StrCat(" IN (", absl::StrJoin(ids, ", "), ")");
    std::map<int64_t, v1::RoutedMessage> loaded;
    absl::Status opened;
    RunBatch(c, {absl::StrCat(kLoadSql, in)}, [&](size_t, sql::ResultSet& row) {
      if (!opened.ok()) return;
      absl::StatusOr<v1::RoutedMessage> message = OpenSealed<v1::RoutedMessage>(
          row, "body", *cipher_, kMessageBody, row.getString("message_id"));
      if (!message.ok()) {
        opened = message.status();
        return;
      }
      message->set_delivery_id(row.getInt64("delivery_id"));
      message->set_redelivery_count(attempts.at(message->delivery_id()));
      if (!row.isNull("child_id")) {
        absl::StatusOr<v1::ChildDetails> details = CaseChildDetailsOf(row, row.getString("case_id"), *cipher_);
        if (!details.ok()) {
          opened = details.status();
          return;
        }
        *message->mutable_child_details() = *std::move(details);
      }
      loaded[message->delivery_id()] = *std::move(message);
    });
    if (!opened.ok()) return opened;
    for (int64_t id : ids) {  // in the claim's order
      auto it = loaded.find(id);
      if (it == loaded.end()) continue;  // see above
      messages.push_back(std::move(it->second));
    }
    if (messages.empty()) return absl::OkStatus();
    std::vector<v1::AuditRecord> records;
    for (const v1::RoutedMessage& m : messages) {
      records.push_back(AuditOfHandOut(m, recipient, lease_owner, m.redelivery_count() + 1, absl::Now()));
    }
    const std::string lease = absl::StrCat(
        "UPDATE delivery FORCE INDEX (PRIMARY) SET state = 'LEASED', lease_owner = ", SqlBytes(lease_owner),
        ", attempts = attempts + 1, lease_until = NOW(6) + INTERVAL ", Micros(policy.lease),
        " MICROSECOND WHERE delivery_id IN (",
        absl::StrJoin(messages, ", ",
                      [](std::string* out, const v1::RoutedMessage& m) { absl::StrAppend(out, m.delivery_id()); }),
        ")");
    return AppendAuditAndCommit(c, records, {lease});
  }, policy_for_claims);
  if (!status.ok()) return status;
  return messages;
}

absl::StatusOr<AckOutcome> MysqlStore::Acknowledge(const std::string& recipient,
                                                   const std::vector<int64_t>& delivery_ids, absl::Time now) {
  absl::StatusOr<std::vector<absl::StatusOr<AckOutcome>>> all = AcknowledgeAll({{recipient, delivery_ids}}, now);
  if (!all.ok()) return all.status();
  return std::move(all->front());
}

namespace {

// Which of `recipients` has deliveries a claim may take now: one row per
// such recipient. Not a delivery that waits behind an earlier one of its
// case still outstanding: counted, it made every acknowledgement of the
// agency wake its streams, whose claims then found nothing (docs/
// benchmarks.md, "Acknowledgements that wake streams for nothing"). It is
// claimable once that earlier one is acknowledged, which this query, run in
// that acknowledgement's transaction, then sees.
std::string MoreDueQuery(const std::set<std::string>& recipients) {
  std::vector<std::string> due;
  for (const std::string& recipient : recipients) {
    due.push_back(absl::StrCat("(SELECT d.recipient_agency_id", kClaimable, SqlBytes(recipient), " LIMIT 1)"));
  }
  return absl::StrJoin(due, " UNION ALL ");
}

// One DELIVERY_ACKNOWLEDGED record per delivery acknowledged now (not
// `acked_before`), counted for the request that named it first, in the
// outcome of each request that was not refused.
std::vector<v1::AuditRecord> AckRecords(const std::vector<Store::AckRequest>& requests,
                                        const std::function<bool(int64_t)>& acked_before,
                                        std::vector<absl::StatusOr<AckOutcome>>* results) {
  std::vector<v1::AuditRecord> records;
  std::set<int64_t> counted;
  for (size_t r = 0; r < requests.size(); ++r) {
    if (!(*results)[r].ok()) continue;
    for (int64_t id : requests[r].delivery_ids) {
      if (acked_before(id) || !counted.insert(id).second) continue;
      ++(*results)[r]->acknowledged;
      records.push_back(AuditOfAcknowledgement(requests[r].recipient, id, absl::Now()));
    }
  }
  return records;
}

// Tells each request that was not refused whether its agency has more due
// (`more_due`: what MoreDueQuery returned).
void NoteMoreDue(const std::vector<Store::AckRequest>& requests, const std::set<std::string>& more_due,
                 std::vector<absl::StatusOr<AckOutcome>>* results) {
  for (size_t r = 0; r < requests.size(); ++r) {
    if ((*results)[r].ok()) (*results)[r]->more_due = more_due.count(requests[r].recipient) > 0;
  }
}

// ER_SIGNAL_EXCEPTION: what SIGNAL SQLSTATE '45000' raises.
constexpr int kErrSignal = 1644;

// The common case, in one round trip (with the commit where
// RunBatchAndCommit allows): every delivery is named by its own recipient
// only, none was acknowledged before, and none completes a case event. The
// batch checks that itself, right after its UPDATE (which changes only
// deliveries that the agency naming them owns): if the UPDATE changed fewer
// rows than there are deliveries, or one of them completes a case event, it
// SIGNALs, and the server runs nothing after that (neither the journal
// INSERT nor the COMMIT). Then the transaction is rolled back and this
// returns false, for the careful path. True: written (and committed, or
// committed by RunTransaction once the body returns), `results` filled.
// `ids` and `recipients`: every delivery and agency the requests name, as
// AcknowledgeAll collected them.
bool AcknowledgeInOneRoundTrip(sql::Connection& c, const std::vector<Store::AckRequest>& requests,
                               const std::set<int64_t>& ids, const std::set<std::string>& recipients,
                               std::vector<absl::StatusOr<AckOutcome>>* results) {
  std::map<int64_t, std::string> owner;  // delivery -> the agency that names it
  std::map<std::string, std::set<int64_t>> by_recipient;
  for (const Store::AckRequest& request : requests) {
    for (int64_t id : request.delivery_ids) {
      auto [it, inserted] = owner.emplace(id, request.recipient);
      if (!inserted && it->second != request.recipient) return false;  // one of them is refused
      by_recipient[request.recipient].insert(id);
    }
  }
  std::vector<std::string> owned;
  for (const auto& [recipient, its] : by_recipient) {
    owned.push_back(absl::StrCat("(recipient_agency_id = ", SqlBytes(recipient), " AND delivery_id IN (",
                                 absl::StrJoin(its, ", "), "))"));
  }
  const std::string in = absl::StrCat(" IN (", absl::StrJoin(ids, ", "), ")");
  std::vector<v1::AuditRecord> records = AckRecords(requests, [](int64_t) { return false; }, results);
  std::vector<std::string> statements = {
      // Locks the rows in key order, as the careful path does. FORCE INDEX
      // here and below: the ids are known, but the optimizer may prefer a
      // range on (recipient, state), which reads every delivery a busy
      // agency holds, or on message (case_id), which reads every case's.
      absl::StrCat("UPDATE delivery FORCE INDEX (PRIMARY) SET state = 'ACKED', acked_at = NOW(6),"
                   " lease_owner = NULL, lease_until = NULL WHERE delivery_id", in, " AND state <> 'ACKED' AND (",
                   absl::StrJoin(owned, " OR "), ")"),
      absl::StrCat("BEGIN NOT ATOMIC IF ROW_COUNT() <> ", ids.size(),
                   " OR EXISTS (SELECT 1 FROM delivery d FORCE INDEX (PRIMARY) STRAIGHT_JOIN message m"
                   " ON m.message_id = d.message_id"
                   " WHERE d.delivery_id", in, " AND m.case_id IS NOT NULL"
                   " AND m.event_acknowledged_by = d.recipient_agency_id)"
                   " THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'acknowledge: not the common case'; END IF; END"),
      MoreDueQuery(recipients),
      JournalInsert(records)};
  std::set<std::string> more_due;
  size_t reached = 0;
  try {
    RunBatchAndCommit(
        c, std::move(statements), [&](size_t, sql::ResultSet& row) { more_due.insert(row.getString(1)); }, &reached);
  } catch (const sql::SQLException& e) {
    if (reached != 1 || e.getErrorCode() != kErrSignal) throw;
    std::unique_ptr<sql::Statement>(c.createStatement())->execute("ROLLBACK");
    results->assign(requests.size(), AckOutcome());
    return false;
  }
  NoteMoreDue(requests, more_due, results);
  return true;
}

}  // namespace

absl::StatusOr<std::vector<absl::StatusOr<AckOutcome>>> MysqlStore::AcknowledgeAll(
    const std::vector<AckRequest>& requests, absl::Time now) {
  absl::StatusOr<std::vector<absl::StatusOr<AckOutcome>>> together = AcknowledgeTogether(requests, now);
  // Without a database no request can go ahead alone either.
  if (together.ok() || requests.size() == 1 || together.status().code() == absl::StatusCode::kUnavailable) {
    return together;
  }
  // One request's fault must not fail the others of its group: each is
  // tried again alone, as AcceptAll does with submissions, and only the one
  // at fault fails.
  spdlog::warn("acknowledge: a group of {} failed ({}); acknowledging each alone", requests.size(),
               together.status().ToString());
  std::vector<absl::StatusOr<AckOutcome>> results;
  results.reserve(requests.size());
  for (const AckRequest& request : requests) {
    absl::StatusOr<std::vector<absl::StatusOr<AckOutcome>>> alone = AcknowledgeTogether({request}, now);
    results.push_back(alone.ok() ? std::move(alone->front()) : absl::StatusOr<AckOutcome>(alone.status()));
  }
  return results;
}

absl::StatusOr<std::vector<absl::StatusOr<AckOutcome>>> MysqlStore::AcknowledgeTogether(
    const std::vector<AckRequest>& requests, absl::Time now) {
  std::vector<absl::StatusOr<AckOutcome>> results;
  absl::Status status = RunTransaction(pool_, "acknowledge", [&](sql::Connection& c) -> absl::Status {
    results.assign(requests.size(), AckOutcome());
    std::set<int64_t> ids;
    std::set<std::string> recipients;
    for (const AckRequest& request : requests) {
      ids.insert(request.delivery_ids.begin(), request.delivery_ids.end());
      recipients.insert(request.recipient);
    }
    if (ids.empty()) return absl::OkStatus();
    if (AcknowledgeInOneRoundTrip(c, requests, ids, recipients, &results)) return absl::OkStatus();

    // The careful path: a repeated acknowledgement, a call naming another
    // agency's delivery, a case event to complete. The SQL is made of
    // integers, the hub's own text and SqlBytes().
    //
    // First, without locks, the case events these acknowledgements may
    // complete (an IRO told, say), and their cases are locked, in the order
    // of their ids as a case group locks them: a submission on a case locks
    // the case and then reads its deliveries, so an acknowledgement that
    // updated a delivery and then locked its case (to complete its event) waited
    // for the one waiting for it (29 of 34 deadlocks in 10 s at saturation,
    // from innodb_print_all_deadlocks). Which event a delivery's message
    // carries never changes; the read is the transaction's snapshot, which
    // the batch below would read them from too.
    std::map<int64_t, std::pair<std::string, std::string>> may_complete;  // delivery -> (case, message)
    RunBatch(c,
             {absl::StrCat("SELECT d.delivery_id, m.message_id, m.case_id FROM delivery d FORCE INDEX (PRIMARY)"
                           " STRAIGHT_JOIN message m ON m.message_id = d.message_id WHERE d.delivery_id IN (",
                           absl::StrJoin(ids, ", "), ") AND d.state <> 'ACKED' AND m.case_id IS NOT NULL",
                           " AND m.event_acknowledged_by = d.recipient_agency_id")},
             [&](size_t, sql::ResultSet& row) {
               may_complete[row.getInt64(1)] = {row.getString(3), row.getString(2)};
             });
    std::set<std::string> event_cases, event_messages;
    for (const auto& [id, event] : may_complete) {
      event_cases.insert(event.first);
      event_messages.insert(event.second);
    }
    // With the cases locked, which of their events are still to complete
    // (every writer of a case's entries holds its lock, so this stays true
    // until the commit), and which cases still keep a pre-0010 record, whose
    // events CompleteCaseEvent completes one at a time (moving the record
    // into rows first).
    std::set<std::pair<std::string, std::string>> open_events;  // (case, message)
    std::set<std::string> legacy_cases;
    if (!event_cases.empty()) {
      const std::string cases = SqlBytesList({event_cases.begin(), event_cases.end()});
      RunBatch(c,
               {absl::StrCat("SELECT case_id, record IS NOT NULL FROM cre_case WHERE case_id IN ", cases,
                             " ORDER BY case_id FOR UPDATE"),
                absl::StrCat("SELECT case_id, message_id FROM case_entry WHERE case_id IN ", cases,
                             " AND message_id IN ", SqlBytesList({event_messages.begin(), event_messages.end()}),
                             " AND entry_kind = 'EVENT' AND acknowledged_at IS NULL FOR UPDATE")},
               [&](size_t statement, sql::ResultSet& row) {
                 if (statement == 0 && row.getBoolean(2)) legacy_cases.insert(row.getString(1));
                 if (statement == 1) open_events.emplace(row.getString(1), row.getString(2));
               });
    }
    // Then one round trip, optimistic: every request is taken to be its
    // agency's own.
    //   0. whose each delivery is, and whether it was acknowledged already,
    //      locking the rows in key order (so two groups never lock the same
    //      rows in opposite orders);
    //   1. the acknowledgement itself;
    //   2. which of the agencies has more due, for its streams to claim.
    // A request naming a delivery that is not its agency's is refused whole:
    // then the batch is undone to the savepoint and run again without it.
    struct Row {
      std::string recipient;
      bool acked;
    };
    std::map<int64_t, Row> rows;
    std::set<std::string> more_due;
    for (bool first_round = true;; first_round = false) {
      rows.clear();
      more_due.clear();
      const std::string in = absl::StrCat(" IN (", absl::StrJoin(ids, ", "), ")");
      std::vector<std::string> statements;
      if (first_round) statements.push_back("SAVEPOINT acks");
      const size_t base = statements.size();  // statement 0 of the list above
      statements.push_back(absl::StrCat("SELECT delivery_id, recipient_agency_id, state FROM delivery WHERE delivery_id",
                                        in, " ORDER BY delivery_id FOR UPDATE"));
      statements.push_back(absl::StrCat("UPDATE delivery FORCE INDEX (PRIMARY) SET state = 'ACKED', acked_at = NOW(6),"
                                        " lease_owner = NULL, lease_until = NULL"
                                        " WHERE state <> 'ACKED' AND delivery_id", in));
      statements.push_back(MoreDueQuery(recipients));
      RunBatch(c, statements, [&](size_t statement, sql::ResultSet& row) {
        if (statement == base) {
          rows[row.getInt64(1)] = {row.getString(2), row.getString(3) == "ACKED"};
        } else if (statement == base + 2) {
          more_due.insert(row.getString(1));
        }
      });
      // Each request on its own: all its deliveries are its agency's, or it
      // is refused whole.
      bool refused = false;
      for (size_t r = 0; r < requests.size(); ++r) {
        const AckRequest& request = requests[r];
        if (!results[r].ok()) continue;  // refused in an earlier round
        for (size_t i = 0; i < request.delivery_ids.size(); ++i) {
          auto row = rows.find(request.delivery_ids[i]);
          if (row == rows.end() || row->second.recipient != request.recipient) {
            results[r] = absl::NotFoundError(absl::StrCat("delivery_ids[", i, "]: no delivery ",
                                                          request.delivery_ids[i], " is addressed to you"));
            break;
          }
        }
        refused = refused || !results[r].ok();
      }
      if (!refused) break;
      // What the refused requests named is acknowledged only if a request
      // that was not refused names it too.
      std::set<int64_t> accepted;
      for (size_t r = 0; r < requests.size(); ++r) {
        if (results[r].ok()) accepted.insert(requests[r].delivery_ids.begin(), requests[r].delivery_ids.end());
      }
      std::unique_ptr<sql::Statement>(c.createStatement())->execute("ROLLBACK TO SAVEPOINT acks");
      ids = std::move(accepted);
      if (ids.empty()) return absl::OkStatus();
    }

    std::vector<v1::AuditRecord> records = AckRecords(requests, [&](int64_t id) { return rows[id].acked; }, &results);
    NoteMoreDue(requests, more_due, &results);
    // The case events of the deliveries acknowledged (a refused request's
    // are not, unless another request names them too), completed in one
    // statement sent with the journal and the commit (a pre-0010 case's
    // here, one at a time), and their cases marked in another. next_deadline = now
    // on their cases: the deadline watcher re-evaluates each on its next
    // round, so managers' lists drop the action it completed; the hub's now,
    // not the database's, as the watcher compares it with the hub's clock.
    // The stored schedule is no longer the one its digest describes
    // (migrations/0023): the review writes it whole.
    std::set<std::pair<std::string, std::string>> completing;
    std::set<std::string> completing_cases;
    for (const auto& [id, event] : may_complete) {
      if (ids.count(id) == 0) continue;
      if (legacy_cases.count(event.first) > 0) {
        CRE_ASSIGN_OR_RETURN(const bool completed, CompleteCaseEvent(c, event.first, event.second, now, *cipher_));
        if (completed) completing_cases.insert(event.first);
      } else if (open_events.count(event) > 0) {
        completing.insert(event);
        completing_cases.insert(event.first);
      }
    }
    std::vector<std::string> first;
    const std::string cases = SqlBytesList({completing_cases.begin(), completing_cases.end()});
    if (!completing.empty()) {
      std::vector<std::string> pairs;
      for (const auto& [case_id, message_id] : completing) {
        pairs.push_back(absl::StrCat("(", SqlBytes(case_id), ", ", SqlBytes(message_id), ")"));
      }
      // The cases' ids (a pre-0010 case's among them does no harm: the
      // pairs name the events) lead the primary key's range.
      first.push_back(absl::StrCat("UPDATE case_entry SET acknowledged_at = ", SqlTimeLiteral(now),
                                   " WHERE case_id IN ", cases, " AND (case_id, message_id) IN (",
                                   absl::StrJoin(pairs, ", "),
                                   ") AND entry_kind = 'EVENT' AND acknowledged_at IS NULL"));
    }
    if (!completing_cases.empty()) {
      first.push_back(absl::StrCat("UPDATE cre_case SET next_deadline = ", SqlTimeLiteral(now),
                                   ", schedule_sha256 = NULL WHERE case_id IN ", cases));
    }
    return AppendAuditAndCommit(c, records, std::move(first));
  });
  if (!status.ok()) return status;
  return results;
}

absl::StatusOr<int> MysqlStore::ReleaseLeases(const std::string& recipient, const std::string& lease_owner,
                                              const DeliveryPolicy& policy) {
  int released = 0;
  absl::Status status = RunTransaction(pool_, "release leases", [&](sql::Connection& c) {
    released = 0;
    // The stream's leases are read without locks, at READ COMMITTED (the
    // latest commit, no snapshot), then updated by their keys. An UPDATE
    // that scanned delivery_claim would lock every lease of the agency's
    // other streams, and the gaps between them, until this commit: their
    // acknowledgements and hand-outs would wait for a stream that ended.
    RunBatch(c, {kReadCommittedNext}, nullptr);
    std::vector<int64_t> last;
    const std::vector<int64_t> ids = LeasedToInTransaction(c, recipient, lease_owner, policy.max_attempts, &last);
    if (ids.empty()) return absl::OkStatus();
    // Those on their last attempt, locked by their keys, each dead-lettered
    // with its record and its sender's report in this transaction (one
    // acknowledged since the read is no longer LEASED, and is left out).
    std::vector<DyingDelivery> dying;
    if (!last.empty()) {
      RunBatch(c,
               {absl::StrCat("SELECT delivery_id, message_id, attempts FROM delivery FORCE INDEX (PRIMARY)"
                             " WHERE delivery_id IN (",
                             absl::StrJoin(last, ", "), ") AND state = 'LEASED' AND lease_owner = ",
                             SqlBytes(lease_owner), " AND attempts >= ", policy.max_attempts, " FOR UPDATE")},
               [&](size_t, sql::ResultSet& row) {
                 dying.push_back({row.getInt64("delivery_id"), row.getString("message_id"), recipient,
                                  row.getInt("attempts"), DeadLetterCause::kStreamEnded});
               });
    }
    CRE_ASSIGN_OR_RETURN(std::vector<v1::AuditRecord> records,
                         WriteDeadLetters(c, dying, hub_envelope_, *cipher_));
    // Each still leased to this stream: one may have been acknowledged
    // since the read.
    released = std::unique_ptr<sql::Statement>(c.createStatement())
                   ->executeUpdate(absl::StrCat(
                       "UPDATE delivery FORCE INDEX (PRIMARY) SET state = IF(attempts >= ", policy.max_attempts,
                       ", 'DEAD', 'PENDING'), lease_owner = NULL, lease_until = NULL, next_attempt_at = NOW(6)"
                       " WHERE delivery_id IN (",
                       absl::StrJoin(ids, ", "), ") AND state = 'LEASED' AND lease_owner = ", SqlBytes(lease_owner)));
    if (released == 0) return absl::OkStatus();
    const int retried = released - static_cast<int>(dying.size());
    if (retried > 0) {
      records.push_back(AuditOf(v1::AUDIT_EVENT_KIND_DELIVERY_RELEASED, "", absl::Now()));
      records.back().set_detail(absl::StrCat(retried, " deliveries of ended stream ", lease_owner));
    }
    return AppendAudit(c, records);
  });
  if (!status.ok()) return status;
  return released;
}

absl::StatusOr<std::vector<int64_t>> MysqlStore::LeasedTo(const std::string& recipient,
                                                          const std::string& lease_owner) {
  std::vector<int64_t> leased;
  absl::Status status = RunTransaction(pool_, "find leased deliveries", [&](sql::Connection& c) {
    leased = LeasedToInTransaction(c, recipient, lease_owner);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return leased;
}

absl::StatusOr<int> MysqlStore::ExpireLeases(const DeliveryPolicy& policy) {
  int expired = 0;
  absl::Status status = RunTransaction(pool_, "expire leases", [&](sql::Connection& c) {
    expired = 0;  // the body may run again
    // The leases that ran out are found without locks, at READ COMMITTED,
    // then locked and updated by their keys. A locking scan of
    // delivery_lease locked the first live lease past the range too, at
    // either isolation level: the oldest outstanding lease, the one most
    // likely being acknowledged at that moment, whose acknowledgement holds
    // the row and then moves its entry out of LEASED; the two deadlocked,
    // one of them retried (27 of 30 deadlocks in 20 s at 500 case
    // submissions a second, from innodb_print_all_deadlocks). Most polls
    // find nothing, and now lock nothing.
    //
    // One instant for every statement, the database's (leases are on its
    // clock): a lease running out between two of them would be dead-lettered
    // by the UPDATE without the record the SELECT writes for each.
    std::string expire_before;
    RunBatch(c, {kReadCommittedNext, "SELECT NOW(6)"},
             [&](size_t statement, sql::ResultSet& row) { if (statement == 1) expire_before = row.getString(1); });
    std::vector<int64_t> ran_out;
    {
      auto find = Prepare(c, "SELECT delivery_id FROM delivery WHERE state = 'LEASED' AND lease_until < ? LIMIT 10000");
      find->setString(1, expire_before);
      std::unique_ptr<sql::ResultSet> rows(find->executeQuery());
      while (rows->next()) ran_out.push_back(rows->getInt64(1));
    }
    if (ran_out.empty()) return absl::OkStatus();
    // Each still leased and run out once locked (one may have been
    // acknowledged since the read, and is left out).
    const std::string still = absl::StrCat(" WHERE delivery_id IN (", absl::StrJoin(ran_out, ", "),
                                           ") AND state = 'LEASED' AND lease_until < ?");
    // The deliveries about to be dead-lettered, each recorded by id, with
    // its sender's report.
    std::vector<DyingDelivery> dying;
    {
      auto select = Prepare(c, absl::StrCat("SELECT delivery_id, message_id, recipient_agency_id, attempts FROM delivery"
                                            " FORCE INDEX (PRIMARY)", still, " AND attempts >= ? FOR UPDATE"));
      select->setString(1, expire_before);
      select->setInt(2, policy.max_attempts);
      std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
      while (rows->next()) {
        dying.push_back({rows->getInt64("delivery_id"), rows->getString("message_id"),
                         rows->getString("recipient_agency_id"), rows->getInt("attempts"),
                         DeadLetterCause::kNotAcknowledged});
      }
    }
    CRE_ASSIGN_OR_RETURN(std::vector<v1::AuditRecord> records, WriteDeadLetters(c, dying, hub_envelope_, *cipher_));
    auto expire = Prepare(c, absl::StrCat(kExpireSql, still));
    expire->setInt(1, policy.max_attempts);
    expire->setInt64(2, Micros(policy.initial_backoff));
    expire->setInt64(3, Micros(policy.max_backoff));
    expire->setString(4, expire_before);
    expired = expire->executeUpdate();
    const int retried = expired - static_cast<int>(dying.size());
    if (retried > 0) {
      records.push_back(AuditOf(v1::AUDIT_EVENT_KIND_DELIVERY_RELEASED, "", absl::Now()));
      records.back().set_detail(absl::StrCat(retried, " leases expired unacknowledged; due again after a backoff"));
    }
    return AppendAudit(c, std::move(records));
  });
  if (!status.ok()) return status;
  return expired;
}

absl::StatusOr<std::vector<std::string>> MysqlStore::RecipientsWithDueDeliveries() {
  std::vector<std::string> recipients;
  absl::Status status = RunTransaction(pool_, "find due deliveries", [&](sql::Connection& c) {
    recipients.clear();
    // One index lookup per agency. (SELECT DISTINCT over delivery read the
    // whole of delivery_claim, every delivery ever made, on each poll; an
    // EXISTS becomes a semi-join that does the same.)
    auto select = Prepare(c,
                          "SELECT a.id FROM agency a WHERE (SELECT 1 FROM delivery d FORCE INDEX (delivery_claim)"
                          " WHERE d.recipient_agency_id = a.id AND d.state = 'PENDING'"
                          " AND d.next_attempt_at <= NOW(6) LIMIT 1) IS NOT NULL");
    std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
    while (rows->next()) recipients.push_back(rows->getString(1));
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return recipients;
}

absl::StatusOr<std::vector<DeadDelivery>> MysqlStore::ListDeadDeliveries(int limit) {
  std::vector<DeadDelivery> dead;
  absl::Status status = RunTransaction(pool_, "list dead deliveries", [&](sql::Connection& c) -> absl::Status {
    dead.clear();
    auto select = Prepare(c,
                          "SELECT d.delivery_id, d.message_id, d.recipient_agency_id, m.kind,"
                          " d.attempts, d.created_at FROM delivery d"
                          // The dead ones only, not the primary key in order.
                          " FORCE INDEX (delivery_lease)"
                          " JOIN message m ON m.message_id = d.message_id"
                          // By id: a listing that stays put from one look to
                          // the next, not an order of when they died.
                          " WHERE d.state = 'DEAD' ORDER BY d.delivery_id LIMIT ?");
    select->setInt(1, limit);
    std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
    while (rows->next()) {
      DeadDelivery d;
      d.delivery_id = rows->getInt64("delivery_id");
      d.message_id = rows->getString("message_id");
      d.recipient_agency_id = rows->getString("recipient_agency_id");
      v1::MessageKind_Parse(std::string(rows->getString("kind")), &d.kind);
      d.attempts = rows->getInt("attempts");
      absl::StatusOr<absl::Time> created = TimeFromSql(rows->getString("created_at"));
      if (!created.ok()) return created.status();
      d.created_at = *created;
      dead.push_back(std::move(d));
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return dead;
}

absl::StatusOr<int> MysqlStore::RequeueDeadDeliveries(const std::vector<int64_t>& ids,
                                                      const v1::AuditRecord& requeued_by) {
  int requeued = 0;
  absl::Status status = RunTransaction(pool_, "requeue dead deliveries", [&](sql::Connection& c) {
    requeued = 0;
    constexpr char kRequeue[] =
        "UPDATE delivery SET state = 'PENDING', attempts = 0, next_attempt_at = NOW(6)"
        " WHERE state = 'DEAD' AND NOT EXISTS (SELECT 1 FROM message m"
        "  WHERE m.message_id = delivery.message_id AND m.purged_at IS NOT NULL)";
    if (ids.empty()) {
      requeued = Prepare(c, kRequeue)->executeUpdate();
      return AuditRequeue(c, requeued, ids, requeued_by);
    }
    auto one = Prepare(c, (std::string(kRequeue) + " AND delivery_id = ?").c_str());
    for (int64_t id : ids) {
      one->setInt64(1, id);
      requeued += one->executeUpdate();
    }
    return AuditRequeue(c, requeued, ids, requeued_by);
  });
  if (!status.ok()) return status;
  return requeued;
}

absl::StatusOr<std::vector<AgencyDeliveries>> MysqlStore::DeliveriesByAgency() {
  std::vector<AgencyDeliveries> agencies;
  absl::Status status = RunTransaction(pool_, "deliveries by agency", [&](sql::Connection& c) -> absl::Status {
    agencies.clear();
    // The rows not yet acknowledged only, by the lease index: acknowledged
    // rows, nearly all of them, are never read.
    auto select = Prepare(c,
                          "SELECT recipient_agency_id, SUM(state = 'PENDING') AS pending,"
                          " SUM(state = 'LEASED') AS leased, SUM(state = 'DEAD') AS dead,"
                          " MIN(created_at) AS oldest FROM delivery FORCE INDEX (delivery_lease)"
                          " WHERE state IN ('PENDING', 'LEASED', 'DEAD')"
                          " GROUP BY recipient_agency_id ORDER BY recipient_agency_id");
    std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
    while (rows->next()) {
      AgencyDeliveries a;
      a.agency_id = rows->getString("recipient_agency_id");
      a.pending = rows->getInt64("pending");
      a.leased = rows->getInt64("leased");
      a.dead = rows->getInt64("dead");
      absl::StatusOr<absl::Time> oldest = TimeFromSql(rows->getString("oldest"));
      if (!oldest.ok()) return oldest.status();
      a.oldest_undelivered = *oldest;
      agencies.push_back(std::move(a));
    }
    // And whether each agency is there to take them: what the hub processes
    // report (mysql_presence.cc), the streams of the reports that still
    // count. A few rows per agency; every one is read.
    auto presence = Prepare(c,
                            "SELECT agency_id, SUM(IF(live_until > NOW(6), open_streams, 0)) AS open_streams,"
                            " MAX(last_seen) AS last_seen, MAX(cert_not_after) AS cert_not_after"
                            " FROM agency_presence GROUP BY agency_id"
                            " ORDER BY agency_id");
    std::unique_ptr<sql::ResultSet> seen(presence->executeQuery());
    // Both lists are in agency order: merged, an agency seen with nothing
    // waiting gets a row of its own.
    std::vector<AgencyDeliveries> merged;
    auto waiting = agencies.begin();
    while (seen->next()) {
      const std::string agency_id = seen->getString("agency_id");
      for (; waiting != agencies.end() && waiting->agency_id < agency_id; ++waiting) merged.push_back(*waiting);
      AgencyDeliveries a;
      if (waiting != agencies.end() && waiting->agency_id == agency_id) {
        a = *waiting++;
      } else {
        a.agency_id = agency_id;
      }
      a.open_streams = seen->getInt64("open_streams");
      CRE_ASSIGN_OR_RETURN(a.last_seen, TimeFromSql(seen->getString("last_seen")));
      if (!seen->isNull("cert_not_after")) {
        CRE_ASSIGN_OR_RETURN(a.cert_not_after, TimeFromSql(seen->getString("cert_not_after")));
      }
      merged.push_back(std::move(a));
    }
    merged.insert(merged.end(), waiting, agencies.end());
    agencies = std::move(merged);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return agencies;
}

}  // namespace cre::mysql
