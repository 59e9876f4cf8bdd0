// What an accepting or reviewing transaction writes, gathered by table and
// sent as one statement per table with its commit: a group of 32 submissions
// on 32 cases writes its 32 messages in one INSERT, their deliveries in
// another, and the 32 cases' counters in one UPDATE. MariaDB's cost of a
// submission was mostly per statement (parsing, planning, answering each:
// docs/benchmarks.md, "The case path in groups"), not per row.
#ifndef CRE_HUB_STORE_MYSQL_WRITE_BATCH_H_
#define CRE_HUB_STORE_MYSQL_WRITE_BATCH_H_

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "cppconn/resultset.h"

namespace cre::mysql {

// One delivery row to write: PENDING, or LEASED to lease_owner for `lease`.
struct DeliveryRow {
  std::string message_id;
  std::string recipient;
  std::string order_key;
  std::string lease_owner;  // "": PENDING
  absl::Duration lease;
  // The message's position in its case (migrations/0020): counted by the
  // case under its row lock (WriteBatch::NextMessageSeq); 0 for a message
  // on no case, which is its own order.
  int64_t order_seq = 0;
};

// The id of each delivery row written, by (message, recipient).
using DeliveryIds = std::map<std::pair<std::string, std::string>, int64_t>;

// The INSERT of `rows` (not empty), returning each delivery's id with its
// message and recipient (read them with AddDeliveryId).
std::string DeliveryInsert(const std::vector<DeliveryRow>& rows);

// One row that DeliveryInsert returned.
void AddDeliveryId(sql::ResultSet& row, DeliveryIds* ids);

// A case as the transaction found it under its lock: what its writes count
// on from, and compare with to write only what changed.
struct LockedCase {
  // How many messages the case has had (cre_case.message_seq).
  int64_t message_seq = 0;
  // The agencies involved with it.
  std::set<std::string> involved;
  // The digest of its stored schedule (cre_case.schedule_sha256; migration
  // 0023), "" if it has none.
  std::string schedule_sha256;
};

class WriteBatch {
 public:
  // A case opened by this transaction: its row, and its child's if the
  // child is new ("" if not); written first (CaseOpening::Open makes them).
  void AddOpenedCase(std::string child_row, std::string case_row);
  // A case this transaction holds locked, as it found it.
  void AddCase(const std::string& case_id, LockedCase found);
  // The position of the case's next message (its deliveries' order_seq);
  // the case's count is written with the rest. INTERNAL for a case not
  // added.
  absl::StatusOr<int64_t> NextMessageSeq(const std::string& case_id);

  // A message's row (MessageRow).
  void AddMessage(std::string row);
  void AddDeliveries(std::vector<DeliveryRow> rows);
  // Makes `agency_ids` involved with the case (added first): those not
  // involved already.
  void Involve(const std::string& case_id, const std::vector<std::string>& agency_ids);
  // That the follow-up for (case, trigger) was performed, by `message_id`.
  void AddHubAction(const std::string& case_id, const std::string& trigger_key, const std::string& message_id);
  // Case entries' rows (CaseEntryRow).
  void AddCaseEntries(std::vector<std::string> rows);
  // A row of case_action, as SQL: its key, (case_id, rule_id, due_at), and
  // its values in the INSERT's column order (case_rows.cc's WriteSchedule).
  struct ActionRow {
    std::string key;
    std::string values;
  };
  // The case's open actions replace those stored; and its next deadline
  // (absl::InfiniteFuture(): none). Nothing is written if they are the
  // schedule stored (by its digest). INTERNAL for a case not added.
  absl::Status ReplaceSchedule(const std::string& case_id, std::vector<ActionRow> actions, absl::Time next_deadline);

  // Adds what `other` writes; the two hold different cases (a group's
  // members' batches, each on its own case).
  void Merge(WriteBatch other);

  // The statements, one a table, in an order the tables' keys accept (a
  // child before its case, a case before its messages, a message before the
  // hub action naming it; a case's actions no longer open deleted
  // before the open ones are written). The delivery INSERT returns rows
  // (AddDeliveryId); no other statement does.
  std::vector<std::string> Statements() const;

 private:
  struct CaseCounters {
    LockedCase found;
    bool counted = false;  // a message was written on it
    bool scheduled = false;  // its schedule is rewritten
    absl::Time next_deadline = absl::InfiniteFuture();
  };
  std::vector<std::string> children_, opened_cases_;
  std::map<std::string, CaseCounters> cases_;
  std::vector<std::string> messages_;
  std::vector<DeliveryRow> deliveries_;
  std::set<std::pair<std::string, std::string>> involved_;
  std::vector<std::string> hub_actions_;
  std::vector<std::string> case_entries_;
  std::map<std::string, std::vector<ActionRow>> schedules_;
};

}  // namespace cre::mysql

#endif  // CRE_HUB_STORE_MYSQL_WRITE_BATCH_H_
