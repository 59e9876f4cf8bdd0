#include "store/mysql/write_batch.h"


#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/ids.h"
#include "store/mysql/case_entries.h"
#include "store/mysql/message_rows.h"
#include "store/mysql/sql_values.h"

namespace cre::mysql {
namespace {

// `CASE case_id WHEN ... END` for the cases in `cases` that `has` picks,
// each given `value(counters)`; the column keeps its value for the others.
template <typename Cases, typename Has, typename Value>
std::string PerCase(const Cases& cases, const char* column, Has has, Value value) {
  std::string sql = absl::StrCat(column, " = CASE case_id");
  for (const auto& [case_id, counters] : cases) {
    if (has(counters)) absl::StrAppend(&sql, " WHEN ", SqlBytes(case_id), " THEN ", value(counters));
  }
  absl::StrAppend(&sql, " ELSE ", column, " END");
  return sql;
}

std::string NextDeadlineValue(absl::Time next_deadline) {
  return next_deadline == absl::InfiniteFuture() ? std::string("NULL") : SqlTimeLiteral(next_deadline);
}

}  // namespace

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

void WriteBatch::AddOpenedCase(std::string child_row, std::string case_row) {
  if (!child_row.empty()) children_.push_back(std::move(child_row));
  opened_cases_.push_back(std::move(case_row));
}

void WriteBatch::AddCase(const std::string& case_id, LockedCase found) {
  auto [counters, added] = cases_.try_emplace(case_id);
  if (added) counters->second.found = std::move(found);
}

absl::StatusOr<int64_t> WriteBatch::NextMessageSeq(const std::string& case_id) {
  auto found = cases_.find(case_id);
  if (found == cases_.end()) {
    return absl::InternalError(absl::StrCat("case ", case_id, ": a message written on a case not locked and loaded"));
  }
  found->second.counted = true;
  return ++found->second.found.message_seq;
}

void WriteBatch::AddMessage(std::string row) { messages_.push_back(std::move(row)); }

void WriteBatch::AddDeliveries(std::vector<DeliveryRow> rows) {
  for (DeliveryRow& row : rows) deliveries_.push_back(std::move(row));
}

void WriteBatch::Involve(const std::string& case_id, const std::vector<std::string>& agency_ids) {
  auto found = cases_.find(case_id);
  for (const std::string& agency_id : agency_ids) {
    if (found != cases_.end() && !found->second.found.involved.insert(agency_id).second) continue;
    involved_.insert({case_id, agency_id});
  }
}

void WriteBatch::AddHubAction(const std::string& case_id, const std::string& trigger_key,
                              const std::string& message_id) {
  hub_actions_.push_back(
      absl::StrCat("(", SqlBytes(case_id), ", ", SqlBytes(trigger_key), ", ", SqlBytes(message_id), ")"));
}

void WriteBatch::AddCaseEntries(std::vector<std::string> rows) {
  for (std::string& row : rows) case_entries_.push_back(std::move(row));
}

absl::Status WriteBatch::ReplaceSchedule(const std::string& case_id, std::vector<ActionRow> actions,
                                         absl::Time next_deadline) {
  auto found = cases_.find(case_id);
  if (found == cases_.end()) {
    return absl::InternalError(absl::StrCat("case ", case_id, ": a schedule written on a case not locked and loaded"));
  }
  CaseCounters& counters = found->second;
  std::string digest = Sha256Hex(absl::StrCat(
      NextDeadlineValue(next_deadline), "\n",
      absl::StrJoin(actions, "\n", [](std::string* out, const ActionRow& row) { out->append(row.values); })));
  if (digest == counters.found.schedule_sha256) return absl::OkStatus();
  counters.found.schedule_sha256 = std::move(digest);
  counters.scheduled = true;
  counters.next_deadline = next_deadline;
  schedules_[case_id] = std::move(actions);
  return absl::OkStatus();
}

void WriteBatch::Merge(WriteBatch other) {
  for (std::string& row : other.children_) children_.push_back(std::move(row));
  for (std::string& row : other.opened_cases_) opened_cases_.push_back(std::move(row));
  cases_.merge(other.cases_);
  for (std::string& row : other.messages_) messages_.push_back(std::move(row));
  for (DeliveryRow& row : other.deliveries_) deliveries_.push_back(std::move(row));
  involved_.merge(other.involved_);
  for (std::string& row : other.hub_actions_) hub_actions_.push_back(std::move(row));
  for (std::string& row : other.case_entries_) case_entries_.push_back(std::move(row));
  schedules_.merge(other.schedules_);
}

std::vector<std::string> WriteBatch::Statements() const {
  // The text holds only SqlBytes literals, the hub's integers, instants
  // and enum names, and the rows' own text (made the same way).
  std::vector<std::string> statements;
  if (!children_.empty()) {
    statements.push_back(absl::StrCat("INSERT INTO child (child_id, details, facts, nhs_index, nhs_index_key_id) VALUES ",
                                      absl::StrJoin(children_, ", ")));
  }
  if (!opened_cases_.empty()) {
    statements.push_back(absl::StrCat(
        "INSERT INTO cre_case (case_id, child_id, opened_at, opened_by, child_details, child_facts) VALUES ",
        absl::StrJoin(opened_cases_, ", ")));
  }
  if (!messages_.empty()) statements.push_back(MessageInsert(messages_));

  // The cases whose row changes: a message counted, or a schedule.
  std::vector<std::string> changed, scheduled;
  bool any_counted = false;
  for (const auto& [case_id, counters] : cases_) {
    if (counters.counted || counters.scheduled) changed.push_back(case_id);
    if (counters.scheduled) scheduled.push_back(case_id);
    any_counted = any_counted || counters.counted;
  }
  if (!changed.empty()) {
    std::vector<std::string> sets;
    if (any_counted) {
      sets.push_back(PerCase(
          cases_, "message_seq", [](const CaseCounters& c) { return c.counted; },
          [](const CaseCounters& c) { return absl::StrCat(c.found.message_seq); }));
    }
    if (!scheduled.empty()) {
      sets.push_back(PerCase(
          cases_, "next_deadline", [](const CaseCounters& c) { return c.scheduled; },
          [](const CaseCounters& c) { return NextDeadlineValue(c.next_deadline); }));
      sets.push_back(PerCase(
          cases_, "schedule_sha256", [](const CaseCounters& c) { return c.scheduled; },
          [](const CaseCounters& c) { return SqlBytes(c.found.schedule_sha256); }));
    }
    statements.push_back(absl::StrCat("UPDATE cre_case SET ", absl::StrJoin(sets, ", "), " WHERE case_id IN ",
                                      SqlBytesList(changed)));
  }

  if (!involved_.empty()) {
    std::vector<std::string> rows;
    rows.reserve(involved_.size());
    for (const auto& [case_id, agency_id] : involved_) {
      rows.push_back(absl::StrCat("(", SqlBytes(case_id), ", ", SqlBytes(agency_id), ")"));
    }
    statements.push_back(absl::StrCat("INSERT INTO involvement (case_id, agency_id) VALUES ",
                                      absl::StrJoin(rows, ", "), " ON DUPLICATE KEY UPDATE agency_id = agency_id"));
  }
  if (!deliveries_.empty()) statements.push_back(DeliveryInsert(deliveries_));
  if (!hub_actions_.empty()) {
    statements.push_back(absl::StrCat("INSERT INTO hub_action (case_id, trigger_key, message_id) VALUES ",
                                      absl::StrJoin(hub_actions_, ", ")));
  }

  if (!scheduled.empty()) {
    // Only the actions no longer open are deleted, and those still open are
    // written over themselves: one that stays as it was (most, when a case
    // moves on a step) costs a key lookup, not a delete and an insert in the
    // table's five indexes and the purge of the deleted row.
    std::vector<std::string> keys, values;
    for (const auto& [case_id, rows] : schedules_) {
      for (const ActionRow& row : rows) {
        keys.push_back(row.key);
        values.push_back(row.values);
      }
    }
    statements.push_back(absl::StrCat(
        "DELETE FROM case_action WHERE case_id IN ", SqlBytesList(scheduled),
        keys.empty() ? "" : absl::StrCat(" AND (case_id, rule_id, due_at) NOT IN (", absl::StrJoin(keys, ", "), ")")));
    if (!values.empty()) {
      statements.push_back(absl::StrCat(
          "INSERT INTO case_action (case_id, rule_id, action_kind, owner_role, owner_agency_id, due_at, due_date,"
          " chair_role) VALUES ",
          absl::StrJoin(values, ", "),
          " ON DUPLICATE KEY UPDATE action_kind = VALUES(action_kind), owner_role = VALUES(owner_role),"
          " owner_agency_id = VALUES(owner_agency_id), due_date = VALUES(due_date), chair_role = VALUES(chair_role)"));
    }
  }
  if (!case_entries_.empty()) statements.push_back(CaseEntryInsert(case_entries_));
  return statements;
}

}  // namespace cre::mysql
