// A case inside the transaction that writes to it (MysqlStore's accepting
// and deadline transactions): opening or locking it, the case file as the
// casework sees it, and writing what the decision added (new entries, the
// case's schedule). One builder of the case file for every reader
// (BuildCaseFile), so that the accepting, the deadline and the reading paths
// cannot see a case differently.
#ifndef CRE_HUB_STORE_MYSQL_CASE_ROWS_H_
#define CRE_HUB_STORE_MYSQL_CASE_ROWS_H_

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "casework/case_decision.h"
#include "cppconn/connection.h"
#include "cppconn/resultset.h"
#include "crypto/blind_index.h"
#include "crypto/field_cipher.h"
#include "store/mysql/case_entries.h"
#include "store/mysql/sql_values.h"
#include "store/mysql/write_batch.h"
#include "store/store.h"

namespace cre::mysql {

// A case inside the transaction that writes to it: as the route sees it,
// and how much of it is stored already (the rest is new).
struct LoadedCase {
  CaseView view;
  StoredExtent stored;
  // The child's details as the case's recipients are handed them; loaded
  // only for a submission with streams to hand out to.
  absl::optional<v1::ChildDetails> child_details;
  // The involved agencies with a delivery of the case not yet acknowledged;
  // read, as child_details, for a submission with streams only.
  absl::optional<std::set<std::string>> outstanding;
  // What the transaction's writes count on from and compare with
  // (WriteBatch::AddCase).
  LockedCase locked;
  // The triggers whose follow-ups were performed on the case (hub_action),
  // read under its lock (every writer of hub_action holds it):
  // WriteFollowUps adds those it performs.
  std::set<std::string> performed;
};

// What the derived key of the child table's blind index (nhs_index) is
// derived for (KeyRing::DeriveKey): the field keys' purpose for it alone.
inline constexpr absl::string_view kNhsNumberIndexPurpose = "cre child nhs_number blind index v1";

// The child a new case was opened for.
struct OpenedChild {
  std::string child_id;
  // The hub held the child already: the same NHS number.
  bool known = false;
  // A concurrent submission inserted a child with the same NHS number
  // first: this transaction failed, and run again it finds that child.
  bool raced = false;
};

// The submission's new child's details as the hub keeps them: the NHS
// number as its ten digits. INVALID_ARGUMENT naming the field for a number
// the request checks should have refused.
absl::StatusOr<v1::ChildDetails> NewChildDetails(const Submission& s);

// Opening a case for a submission's new child, in the steps that a group of
// submissions takes together (mysql_accept.cc) and OpenCase takes alone:
// the child looked up by NHS number (ChildLookup: one query for a whole
// group), then the case opened, its rows (and the child's, for a child new
// to the hub) added to the transaction's writes. The child is the one the
// hub holds under the same NHS number, if any, never one found by name or
// date of birth.
class CaseOpening {
 public:
  // INVALID_ARGUMENT naming the field for an NHS number the request checks
  // should have refused.
  static absl::StatusOr<CaseOpening> Start(const Submission& s, const crypto::BlindIndex& nhs_index);

  // The child was found under an index of an older key than the active
  // one: Open uses that child, and ReindexStatement rewrites its index.
  bool FoundUnderOlderKey() const { return !found_child_id_.empty() && found_digest_ != indexes_.front().digest; }
  // The UPDATE that indexes the child found under the active key, if
  // FoundUnderOlderKey. It fails with a duplicate key if another child holds
  // the active index: two records of one child, made while hubs disagreed on
  // the active key. The case goes to the older; both stay as they are, for an
  // operator to merge.
  std::string ReindexStatement() const;
  bool has_nhs_number() const { return !indexes_.empty(); }

  // The case `case_id` opened, as the route sees it: for the child found,
  // or a new one (*child says which). Its rows go into `writes`
  // (WriteBatch::AddOpenedCase), to be written before everything else.
  absl::StatusOr<LoadedCase> Open(const std::string& case_id, const crypto::FieldCipher& k, WriteBatch* writes,
                                  OpenedChild* child) const;

 private:
  friend class ChildLookup;
  CaseOpening(const Submission& s, v1::ChildDetails details) : s_(&s), details_(std::move(details)) {}

  const Submission* s_;
  v1::ChildDetails details_;  // the NHS number as its ten digits
  // The number's index under each key of the ring, the active key's first;
  // none without a number.
  std::vector<crypto::BlindIndex::Entry> indexes_;
  // The oldest child under one of them (should a key rotation have let in
  // two), and the index it was found under; "" if none.
  std::string found_child_id_, found_digest_;
};

// Finds the children of CaseOpenings by their NHS numbers' indexes, in a
// batch (RunBatch) with other statements: one query for all of them.
//
// A plain read, not a locking one: a locking read of an index not there yet
// would take a gap lock, and two submissions about different new children
// whose indexes fall in the same gap would deadlock on their inserts. Two
// submissions racing with one new number are caught by the UNIQUE key
// instead: the second insert of the child fails (OpenedChild::raced; on
// Galera, certification fails, and the transaction runs again).
class ChildLookup {
 public:
  // `openings` have different NHS numbers.
  explicit ChildLookup(const std::vector<CaseOpening*>& openings);
  // Adds nothing if none of them has an NHS number.
  void AddStatements(std::vector<std::string>* statements);
  // False if statement `statement` is not this one.
  bool Row(size_t statement, sql::ResultSet& row);

 private:
  std::map<std::string, CaseOpening*> by_digest_;
  size_t statement_ = SIZE_MAX;
};

// Opens a case for the submission's new child (CaseOpening) at once, in
// two round trips: the lookup, then the child's and the case's rows. A race
// lost on the NHS number sets child->raced and fails with ABORTED: run the
// transaction again.
absl::StatusOr<LoadedCase> OpenCase(sql::Connection& c, const Submission& s, const std::string& case_id,
                                    const crypto::FieldCipher& k, const crypto::BlindIndex& nhs_index,
                                    OpenedChild* child);

// The child as case `case_id` knows them, from a row that selected the
// case's own copy (cre_case.child_details AS case_details, child_facts AS
// case_facts) and the child's row (child_id, details, facts). A case opened
// for a child the hub already held has its own copy, as its submission
// described the child: its agencies never see the names, address,
// reference or plan another case's agencies gave. Other cases have none,
// and read the child's row.
absl::StatusOr<v1::ChildDetails> CaseChildDetailsOf(sql::ResultSet& row, const std::string& case_id,
                                                    const crypto::FieldCipher& k);
absl::StatusOr<v1::Child> CaseChildFactsOf(sql::ResultSet& row, const std::string& case_id,
                                           const crypto::FieldCipher& k);

// The agencies involved with a case, in agency order: the query's text, for
// a batch (RunBatch), and the query run on its own. A locking read, so that
// it sees the latest committed involvements (a snapshot may predate the
// message that involved an agency) and they stay so until the caller
// commits: who may read a case is decided on them.
std::string InvolvedAgenciesQuery(const std::string& case_id);
absl::StatusOr<std::vector<std::string>> InvolvedAgencies(sql::Connection& c,
                                                          const std::string& case_id);

// The case file of the case `row` belongs to (its columns opened_at,
// case_facts, child_id and facts): the child's facts (CaseChildFactsOf), when the case opened, and its
// assessments and events, read as `mode` says (case_entries.h) after
// `legacy` (cre_case.record as stored, if any). Every path that reads a
// case builds it here, or, in a batch, from SetCaseFileHead and
// AddCaseEntry as this does.
absl::StatusOr<StoredExtent> BuildCaseFile(sql::Connection& c, sql::ResultSet& row, const std::string& case_id,
                                           const absl::optional<std::string>& legacy, EntryRead mode,
                                           const crypto::FieldCipher& k, v1::CaseFile* file);
// The case file's case id, child and opening, from such a row.
absl::Status SetCaseFileHead(sql::ResultSet& row, const std::string& case_id, const crypto::FieldCipher& k,
                             v1::CaseFile* file);

// Locks a case and reads it, in a batch (RunBatch) that may lock and read
// other cases too (a group of submissions, CaseLoads):
//
//   CaseLoad load(s, case_id, k);
//   CaseLoads loads({&load});
//   loads.AddStatements(&statements);
//   RunBatch(c, statements, [&](size_t i, sql::ResultSet& row) { if (!loads.Row(i, row)) ...; });
//   absl::StatusOr<LoadedCase> loaded = load.Finish(c);
//
// Finish returns the case with the submission's record appended (in
// memory: the caller writes the new entries once, after routing);
// NoSuchCase, or FAILED_PRECONDITION for a purged case (NoSuchCase to an
// agency not involved). A case recorded before migration 0010 is moved into
// rows there, under the lock. With s.streams, the child's details and the
// outstanding deliveries (LoadedCase) are read too.
class CaseLoad {
 public:
  CaseLoad(const Submission& s, std::string case_id, const crypto::FieldCipher& k);
  const std::string& case_id() const { return case_id_; }
  absl::StatusOr<LoadedCase> Finish(sql::Connection& c);

 private:
  friend class CaseLoads;
  // What a row of CaseLoads' statements is: the first three one statement
  // each, in this order; the rest share the fourth, which says which.
  enum class Part { kLock, kCase, kEntry, kInvolved, kPerformed, kOutstanding };
  void Take(Part part, sql::ResultSet& row);

  const Submission& s_;
  const std::string case_id_;
  const crypto::FieldCipher& k_;
  bool found_ = false;
  absl::optional<std::string> legacy_, purged_at_;
  absl::Status read_;
  LoadedCase loaded_;
};

// The statements that lock and read the cases of `loads` (each case once),
// one statement a table for all of them: the cases' rows are locked in
// the order of their ids (a range of the primary key), so two batches lock
// them in one order.
//
// A transaction that writes the cases it loads begins at READ COMMITTED
// (kReadCommittedNext, as its first statement): every writer of a case's
// entries, involvements, follow-ups and deliveries holds the case's row
// lock, so the reads' locks on gaps keep nobody out that the case lock does
// not; and under REPEATABLE READ they were the gaps where the next case's
// rows go. Ids lead with the time, so the case after one in key order is
// one opened just after it, often written to at the same time: two groups
// each locked the gap where the other inserted, and deadlocked (13 of 33
// deadlocks in 20 s at 500 case submissions a second).
class CaseLoads {
 public:
  explicit CaseLoads(const std::vector<CaseLoad*>& loads);
  void AddStatements(std::vector<std::string>* statements);
  // False if statement `statement` is not one of these.
  bool Row(size_t statement, sql::ResultSet& row);

 private:
  std::map<std::string, CaseLoad*> by_case_;
  size_t first_ = 0;
  size_t count_ = 0;
};

// A CaseLoad in one round trip that first runs `before` (the caller's own
// statements, built as RunBatch requires), whose rows go to `before_rows`.
// Those run even when the case is refused.
absl::StatusOr<LoadedCase> LoadCaseForUpdate(sql::Connection& c, const Submission& s, const std::string& case_id,
                                             const crypto::FieldCipher& k, const std::vector<std::string>& before = {},
                                             const BatchRows& before_rows = nullptr);

// Adds to `writes` what the transaction added to the case (the
// submission's entries, the events of its message and follow-ups) as new
// rows.
absl::Status WriteNewEntries(const LoadedCase& loaded, const crypto::FieldCipher& k, WriteBatch* writes);

void AppendEvent(CaseView& view, v1::EventKind kind, absl::Time at, const std::string& message_id);

// Adds to `writes` the case's open actions and next deadline, to replace
// those stored (if they differ).
absl::Status WriteSchedule(const std::string& case_id, const CaseSchedule& schedule, WriteBatch* writes);

}  // namespace cre::mysql

#endif  // CRE_HUB_STORE_MYSQL_CASE_ROWS_H_
