// MysqlStore: deadlines: claiming the cases whose next deadline has passed
// and writing what the casework's review decided, and the managers' pages
// of open actions.
#include <algorithm>
#include <iterator>
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
#include "casework/audit_records.h"
#include "common/ids.h"
#include "common/proto_time.h"
#include "common/status_macros.h"
#include "cppconn/exception.h"
#include "cppconn/prepared_statement.h"
#include "cppconn/resultset.h"
#include "spdlog/spdlog.h"
#include "store/mysql/case_entries.h"
#include "store/mysql/case_rows.h"
#include "store/mysql/message_rows.h"
#include "store/mysql/mysql_audit.h"
#include "store/mysql/mysql_store.h"
#include "store/mysql/sql_errors.h"
#include "store/mysql/sql_values.h"

namespace cre::mysql {

// How long a case whose review failed waits before the next attempt.
constexpr absl::Duration kFailedReviewRetry = absl::Minutes(15);

absl::StatusOr<int> MysqlStore::ReviewDueCases(absl::Time now, int limit, const ReviewFn& review,
                                               StreamOffer* streams, std::vector<HandedOut>* handed_out) {
  if (limit <= 0) return 0;
  Submission by_hub;  // no sending agency: the hub acts of its own accord
  by_hub.method = "deadline watcher";
  by_hub.accepted_at = now;
  // With streams, the cases are read with their outstanding deliveries (per-
  // case order) and an alert to a stream with room is leased to it here:
  // the claim that would lease it later, its scan and its transaction, are
  // not needed (docs/benchmarks.md, "Alerts handed out by the review").
  by_hub.streams = handed_out != nullptr ? streams : nullptr;
  // What the transaction being tried leased; given back if it fails.
  std::vector<HandedOut> leased;
  auto give_back = [&] {
    for (const HandedOut& out : leased) by_hub.streams->Unreserve(out.lease_owner);
    leased.clear();
  };
  // Claimed (locked) cases: loaded in one round trip, a statement a table
  // (CaseLoads), each reviewed, and what the reviews decided added to
  // `writes` and their audit records to `records`, which the caller's
  // transaction sends with its commit.
  auto review_cases = [&](sql::Connection& c, const std::vector<std::string>& case_ids, WriteBatch* writes,
                          std::vector<v1::AuditRecord>* records) -> absl::Status {
    std::vector<std::unique_ptr<CaseLoad>> loads;
    std::vector<CaseLoad*> each;
    for (const std::string& case_id : case_ids) {
      loads.push_back(std::make_unique<CaseLoad>(by_hub, case_id, *cipher_));
      each.push_back(loads.back().get());
    }
    CaseLoads all(each);
    std::vector<std::string> statements;
    all.AddStatements(&statements);
    RunBatch(c, statements, [&](size_t statement, sql::ResultSet& row) { all.Row(statement, row); });
    for (const std::unique_ptr<CaseLoad>& load : loads) {
      const std::string& case_id = load->case_id();
      CRE_ASSIGN_OR_RETURN(LoadedCase loaded, load->Finish(c));
      writes->AddCase(case_id, loaded.locked);
      CRE_ASSIGN_OR_RETURN(Routing routing, review(loaded.view));
      v1::SubmitResponse performed;
      HandOutState hand_out;
      hand_out.streams = by_hub.streams;
      hand_out.ForCase(loaded);
      absl::Status followed =
          WriteFollowUps(by_hub, routing.follow_ups, loaded, *cipher_, &hand_out, &performed, writes);
      AppendAuditOfHandOuts(hand_out.handed_out, now, records);
      std::move(hand_out.handed_out.begin(), hand_out.handed_out.end(), std::back_inserter(leased));
      CRE_RETURN_IF_ERROR(followed);
      CRE_RETURN_IF_ERROR(WriteNewEntries(loaded, *cipher_, writes));
      // Without a schedule the case would be claimed again at once.
      CRE_RETURN_IF_ERROR(WriteSchedule(case_id, routing.schedule ? *routing.schedule : CaseSchedule(), writes));
      std::vector<v1::AuditRecord> alerts = AuditOfAlerts(by_hub.method, case_id, performed, now);
      records->insert(records->end(), alerts.begin(), alerts.end());
    }
    return absl::OkStatus();
  };
  // A batch's writes, one statement a table, and its journal's row, with
  // the commit; the leases it made then go to `handed_out`.
  auto commit = [&](sql::Connection& c, const WriteBatch& writes, const std::vector<v1::AuditRecord>& records) {
    std::vector<std::string> statements = writes.Statements();
    if (!records.empty()) statements.push_back(JournalInsert(records));
    const DeliveryIds ids = CommitWrites(c, std::move(statements));
    if (leased.empty()) return;
    SetDeliveryIds(ids, &leased);
    std::move(leased.begin(), leased.end(), std::back_inserter(*handed_out));
    leased.clear();
  };

  // The batch: up to `limit` cases in one transaction, one commit (a
  // backlog's cost is mostly per transaction: the claim, the commit's log
  // flush). SKIP LOCKED sends another process's watcher to other cases; on
  // Galera, where row locks are not replicated, two nodes may take the same
  // case, and the loser's whole batch fails certification (1213) and is
  // run again by RunTransaction, claiming afresh.
  std::vector<std::string> claimed;
  absl::Status batch = RunTransaction(pool_, "review due cases", [&](sql::Connection& c) -> absl::Status {
    claimed.clear();  // an earlier attempt's cases are not this one's
    give_back();      // nor its leases
    // READ COMMITTED: the claim's locking read takes no gap locks, only the
    // cases it returns. Under REPEATABLE READ it locked the gaps of the
    // next_deadline index it scanned, and each case's new schedule moves the
    // case within that index (a case with nothing pending goes to NULL, its
    // start): two watchers' batches deadlocked there (1213), round after
    // round. Every read of the review is a locking one, which reads the
    // latest committed rows at either level.
    RunBatch(c, {kReadCommittedNext}, nullptr);
    auto claim = Prepare(c,
                         "SELECT case_id FROM cre_case WHERE next_deadline <= ?"
                         " ORDER BY next_deadline LIMIT ? FOR UPDATE SKIP LOCKED");
    claim->setString(1, SqlTime(now));
    claim->setInt(2, limit);
    std::unique_ptr<sql::ResultSet> rows(claim->executeQuery());
    while (rows->next()) claimed.push_back(rows->getString("case_id"));
    WriteBatch writes;
    std::vector<v1::AuditRecord> records;
    if (!claimed.empty()) CRE_RETURN_IF_ERROR(review_cases(c, claimed, &writes, &records));
    commit(c, writes, records);
    return absl::OkStatus();
  });
  if (batch.ok()) return static_cast<int>(claimed.size());
  give_back();
  if (claimed.empty()) return batch;  // the database, not a case
  spdlog::warn("deadlines: a batch of {} case(s) failed ({}); reviewing them one by one", claimed.size(),
               batch.ToString());

  // One case that cannot be reviewed (a value sealed under a key no longer
  // in the ring, say) must not stop the others' alerts: the batch is rolled
  // back and its cases are reviewed again one a transaction, each claimed
  // afresh (another process may have reviewed it meanwhile), and the one
  // that fails is put back, to be looked at again later.
  int reviewed = 0;
  for (const std::string& case_id : claimed) {
    bool found = false;
    absl::Status status = RunTransaction(pool_, "review due case", [&](sql::Connection& c) -> absl::Status {
      found = false;
      give_back();
      auto claim = Prepare(c,
                           "SELECT case_id FROM cre_case WHERE case_id = ? AND next_deadline <= ?"
                           " FOR UPDATE SKIP LOCKED");
      claim->setString(1, case_id);
      claim->setString(2, SqlTime(now));
      std::unique_ptr<sql::ResultSet> row(claim->executeQuery());
      if (!row->next()) return absl::OkStatus();  // reviewed, or being reviewed, elsewhere
      found = true;
      WriteBatch writes;
      std::vector<v1::AuditRecord> records;
      CRE_RETURN_IF_ERROR(review_cases(c, {case_id}, &writes, &records));
      commit(c, writes, records);
      return absl::OkStatus();
    });
    if (status.ok()) {
      if (found) ++reviewed;
      continue;
    }
    give_back();
    if (!found) return status;  // the database, not the case
    spdlog::error("deadlines: case {} could not be reviewed: {}; retrying it in {}", case_id, status.ToString(),
                  absl::FormatDuration(kFailedReviewRetry));
    absl::Status deferred = RunTransaction(pool_, "defer case review", [&](sql::Connection& c) {
      // Not the schedule's deadline: its digest goes (migrations/0023).
      auto defer = Prepare(c, "UPDATE cre_case SET next_deadline = ?, schedule_sha256 = NULL WHERE case_id = ?");
      defer->setString(1, SqlTime(now + kFailedReviewRetry));
      defer->setString(2, case_id);
      defer->executeUpdate();
      return absl::OkStatus();
    });
    if (!deferred.ok()) return deferred;
  }
  return reviewed;
}

namespace {

// The columns of kActionColumns of one case_action row.
absl::Status ReadOpenAction(sql::ResultSet& rows, OpenAction* action) {
  action->rule_id = rows.getString("rule_id");
  v1::ActionKind_Parse(std::string(rows.getString("action_kind")), &action->kind);
  v1::PractitionerRole_Parse(std::string(rows.getString("owner_role")), &action->owner);
  if (!rows.isNull("owner_agency_id")) action->owner_agency_id = rows.getString("owner_agency_id");
  // NULL: no chair, or not known since the case's last evaluation.
  if (!rows.isNull("chair_role")) {
    v1::PractitionerRole_Parse(std::string(rows.getString("chair_role")), &action->chair);
  }
  CRE_ASSIGN_OR_RETURN(action->due_at, TimeFromSql(rows.getString("due_at")));
  action->due_date = rows.getString("due_date");
  return absl::OkStatus();
}

constexpr char kActionColumns[] =
    "case_id, rule_id, action_kind, owner_role, owner_agency_id, due_at, due_date, chair_role";

}  // namespace

absl::StatusOr<ActionPage> MysqlStore::ListOpenActions(const OpenActionFilter& filter, int page_size,
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
  // Only the filters given are in the statement, each an equality, so the
  // optimizer sees which index gives the rows in order: case_action_owner
  // (owner_agency_id, due_at) for a team, case_action_owner_role (owner_role,
  // due_at) for a role, case_action_owner_team_role for both,
  // case_action_due otherwise (migrations 0005, 0014). "due_at >= cursor"
  // repeats the row comparison's first column as a range the index can
  // start a later page at.
  std::string sql = absl::StrCat("SELECT ", kActionColumns, " FROM case_action WHERE due_at < ? AND due_at >= ?");
  if (!filter.owner_agency_id.empty()) sql += " AND owner_agency_id = ?";
  if (filter.owner_role != v1::PRACTITIONER_ROLE_UNSPECIFIED) sql += " AND owner_role = ?";
  sql += " AND (due_at, case_id, rule_id) > (?, ?, ?) ORDER BY due_at, case_id, rule_id LIMIT ?";
  ActionPage page;
  absl::Status status = RunTransaction(pool_, "list open actions", [&](sql::Connection& c) -> absl::Status {
    page = ActionPage();
    auto select = Prepare(c, sql);
    int param = 0;
    // "No bound" must still be a date the server can compare.
    select->setString(++param,
                      filter.due_before == absl::InfiniteFuture() ? "9999-12-31 23:59:59" : SqlTime(filter.due_before));
    select->setString(++param, after_due);
    if (!filter.owner_agency_id.empty()) select->setString(++param, filter.owner_agency_id);
    if (filter.owner_role != v1::PRACTITIONER_ROLE_UNSPECIFIED) {
      select->setString(++param, v1::PractitionerRole_Name(filter.owner_role));
    }
    select->setString(++param, after_due);
    select->setString(++param, after_case);
    select->setString(++param, after_rule);
    select->setInt(++param, page_size + 1);  // one more: is there a next page?
    std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
    std::string last_key;
    while (rows->next()) {
      if (static_cast<int>(page.actions.size()) == page_size) {
        page.next_page_token = absl::WebSafeBase64Escape(last_key);
        break;
      }
      OpenAction action;
      CRE_RETURN_IF_ERROR(ReadOpenAction(*rows, &action));
      const std::string due = rows->getString("due_at");
      const std::string case_id = rows->getString("case_id");
      last_key = absl::StrCat(due, "|", case_id, "|", action.rule_id);
      page.actions.emplace_back(case_id, std::move(action));
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return page;
}

absl::StatusOr<std::vector<OverdueByOwner>> MysqlStore::OverdueActionsByOwner(absl::Time now, int per_owner) {
  std::vector<OverdueByOwner> owners;
  absl::Status status = RunTransaction(pool_, "overdue actions by owner", [&](sql::Connection& c) -> absl::Status {
    owners.clear();
    // The count reads the index case_action_owner_team_role (owner_agency_id,
    // owner_role, due_at) alone, never the rows.
    auto count = Prepare(c,
                         "SELECT owner_agency_id, owner_role, COUNT(*) AS overdue FROM case_action"
                         " WHERE due_at < ? GROUP BY owner_agency_id, owner_role"
                         " ORDER BY owner_agency_id, owner_role");
    count->setString(1, SqlTime(now));
    std::unique_ptr<sql::ResultSet> rows(count->executeQuery());
    while (rows->next()) {
      OverdueByOwner owner;
      if (!rows->isNull("owner_agency_id")) owner.owner_agency_id = rows->getString("owner_agency_id");
      v1::PractitionerRole_Parse(std::string(rows->getString("owner_role")), &owner.owner_role);
      owner.overdue = rows->getInt64("overdue");
      owners.push_back(std::move(owner));
    }
    // Each owner's earliest, from the same index in order; "<=>" matches
    // the actions of no agency (NULL) too.
    auto earliest = Prepare(c, absl::StrCat("SELECT ", kActionColumns,
                                            " FROM case_action WHERE owner_agency_id <=> ? AND owner_role = ?"
                                            " AND due_at < ? ORDER BY due_at, case_id, rule_id LIMIT ?"));
    for (OverdueByOwner& owner : owners) {
      if (owner.owner_agency_id.empty()) {
        earliest->setNull(1, 0);
      } else {
        earliest->setString(1, owner.owner_agency_id);
      }
      earliest->setString(2, v1::PractitionerRole_Name(owner.owner_role));
      earliest->setString(3, SqlTime(now));
      earliest->setInt(4, per_owner);
      std::unique_ptr<sql::ResultSet> actions(earliest->executeQuery());
      while (actions->next()) {
        OpenAction action;
        CRE_RETURN_IF_ERROR(ReadOpenAction(*actions, &action));
        owner.earliest.emplace_back(actions->getString("case_id"), std::move(action));
      }
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return owners;
}

}  // namespace cre::mysql
