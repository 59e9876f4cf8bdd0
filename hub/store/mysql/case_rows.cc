#include "store/mysql/case_rows.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "access/nhs_number.h"
#include "common/ids.h"
#include "common/proto_time.h"
#include "common/status_macros.h"
#include "cppconn/exception.h"
#include "cppconn/prepared_statement.h"
#include "store/mysql/sql_errors.h"

namespace cre::mysql {

absl::StatusOr<v1::ChildDetails> NewChildDetails(const Submission& s) {
  v1::ChildDetails details = s.new_child->details();
  if (details.nhs_number().empty()) return details;
  absl::StatusOr<std::string> digits = NormalizeNhsNumber(details.nhs_number());
  if (!digits.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("new_child.details.nhs_number: ", digits.status().message()));
  }
  details.set_nhs_number(*std::move(digits));
  return details;
}

absl::StatusOr<CaseOpening> CaseOpening::Start(const Submission& s, const crypto::BlindIndex& nhs_index) {
  CRE_ASSIGN_OR_RETURN(v1::ChildDetails details, NewChildDetails(s));
  CaseOpening opening(s, std::move(details));
  if (!opening.details_.nhs_number().empty()) {
    CRE_ASSIGN_OR_RETURN(opening.indexes_, nhs_index.All(opening.details_.nhs_number()));
  }
  return opening;
}

std::string CaseOpening::ReindexStatement() const {
  if (!FoundUnderOlderKey()) return "";
  const crypto::BlindIndex::Entry& active = indexes_.front();
  return absl::StrCat("UPDATE child SET nhs_index = ", SqlBytes(active.digest),
                      ", nhs_index_key_id = ", SqlBytes(active.key_id), " WHERE child_id = ", SqlBytes(found_child_id_));
}

absl::StatusOr<LoadedCase> CaseOpening::Open(const std::string& case_id, const crypto::FieldCipher& k,
                                             WriteBatch* writes, OpenedChild* child) const {
  const Submission& s = *s_;
  *child = OpenedChild();
  child->known = !found_child_id_.empty();
  child->child_id = child->known ? found_child_id_ : NewUuid();
  // The text holds only the hub's ids and instants, and sealed bytes and
  // digests, as SqlBytes and SQL literals.
  std::string child_row;
  if (!child->known) {
    CRE_ASSIGN_OR_RETURN(const std::string details, Sealed(details_, k, kChildDetails, child->child_id));
    CRE_ASSIGN_OR_RETURN(const std::string facts, Sealed(s.new_child->child(), k, kChildFacts, child->child_id));
    const bool indexed = !indexes_.empty();
    child_row = absl::StrCat("(", SqlBytes(child->child_id), ", ", SqlBytes(details), ", ", SqlBytes(facts), ", ",
                             indexed ? SqlBytes(indexes_.front().digest) : std::string("NULL"), ", ",
                             indexed ? SqlBytes(indexes_.front().key_id) : std::string("NULL"), ")");
  }
  // A case of a child the hub held already keeps its own copy of the
  // child, as this submission described them (CaseChildDetailsOf).
  std::string case_copy = "NULL, NULL";
  if (child->known) {
    CRE_ASSIGN_OR_RETURN(const std::string details, Sealed(details_, k, kCaseChildDetails, case_id));
    CRE_ASSIGN_OR_RETURN(const std::string facts, Sealed(s.new_child->child(), k, kCaseChildFacts, case_id));
    case_copy = absl::StrCat(SqlBytes(details), ", ", SqlBytes(facts));
  }
  writes->AddOpenedCase(std::move(child_row),
                        absl::StrCat("(", SqlBytes(case_id), ", ", SqlBytes(child->child_id), ", ",
                                     SqlTimeLiteral(s.opened_at), ", ", SqlBytes(s.sender_agency_id), ", ",
                                     case_copy, ")"));

  // Nothing of the case's record is stored yet: the submission's entries
  // are written with the rest of what the route adds (WriteNewEntries).
  LoadedCase opened;
  CaseView& view = opened.view;
  view.case_file.set_case_id(case_id);
  *view.case_file.mutable_child() = s.new_child->child();
  *view.case_file.mutable_opened_at() = ToProtoTime(s.opened_at);
  *view.case_file.mutable_risk_assessments() = s.record_append.risk_assessments();
  *view.case_file.mutable_events() = s.record_append.events();
  opened.child_details = details_;
  opened.outstanding.emplace();  // a new case has no deliveries yet
  return opened;
}

ChildLookup::ChildLookup(const std::vector<CaseOpening*>& openings) {
  for (CaseOpening* opening : openings) {
    for (const crypto::BlindIndex::Entry& index : opening->indexes_) by_digest_[index.digest] = opening;
  }
}

void ChildLookup::AddStatements(std::vector<std::string>* statements) {
  if (by_digest_.empty()) return;
  std::vector<std::string> digests;
  for (const auto& [digest, opening] : by_digest_) digests.push_back(digest);
  statement_ = statements->size();
  // Oldest first: should a key rotation have let in two children of one
  // number, the case goes to the older.
  statements->push_back(absl::StrCat("SELECT child_id, nhs_index FROM child WHERE nhs_index IN ",
                                     SqlBytesList(digests), " ORDER BY created_at, child_id"));
}

bool ChildLookup::Row(size_t statement, sql::ResultSet& row) {
  if (statement != statement_) return false;
  std::string digest = row.getString("nhs_index");
  auto found = by_digest_.find(digest);
  if (found == by_digest_.end() || !found->second->found_child_id_.empty()) return true;  // an older one came first
  found->second->found_child_id_ = row.getString("child_id");
  found->second->found_digest_ = std::move(digest);
  return true;
}

absl::StatusOr<LoadedCase> OpenCase(sql::Connection& c, const Submission& s, const std::string& case_id,
                                    const crypto::FieldCipher& k, const crypto::BlindIndex& nhs_index,
                                    OpenedChild* child) {
  CRE_ASSIGN_OR_RETURN(CaseOpening opening, CaseOpening::Start(s, nhs_index));
  std::vector<std::string> statements;
  ChildLookup lookup({&opening});
  lookup.AddStatements(&statements);
  if (!statements.empty()) RunBatch(c, statements, [&](size_t i, sql::ResultSet& row) { lookup.Row(i, row); });
  if (opening.FoundUnderOlderKey()) {
    try {
      RunBatch(c, {opening.ReindexStatement()}, nullptr);
    } catch (const sql::SQLException& e) {
      if (e.getErrorCode() != kErrDuplicateKey) throw;  // two records of one child: see ReindexStatement
    }
  }

  WriteBatch rows;
  CRE_ASSIGN_OR_RETURN(LoadedCase opened, opening.Open(case_id, k, &rows, child));
  size_t reached = 0;
  try {
    RunBatch(c, rows.Statements(), nullptr, &reached);
  } catch (const sql::SQLException& e) {
    // Only the NHS number's index can collide (child_id is a fresh random
    // UUID), in the child's INSERT, the first: a concurrent submission
    // about the same child committed first.
    if (e.getErrorCode() != kErrDuplicateKey || reached != 0 || child->known || !opening.has_nhs_number()) throw;
    child->raced = true;
    return absl::AbortedError(
        "new_child.details.nhs_number: a submission about the same child was being accepted at the same time; retry");
  }
  return opened;
}

absl::StatusOr<v1::ChildDetails> CaseChildDetailsOf(sql::ResultSet& row, const std::string& case_id,
                                                    const crypto::FieldCipher& k) {
  if (!row.isNull("case_details")) {
    return OpenSealed<v1::ChildDetails>(row, "case_details", k, kCaseChildDetails, case_id);
  }
  return OpenSealed<v1::ChildDetails>(row, "details", k, kChildDetails, row.getString("child_id"));
}

absl::StatusOr<v1::Child> CaseChildFactsOf(sql::ResultSet& row, const std::string& case_id,
                                           const crypto::FieldCipher& k) {
  if (!row.isNull("case_facts")) return OpenSealed<v1::Child>(row, "case_facts", k, kCaseChildFacts, case_id);
  return OpenSealed<v1::Child>(row, "facts", k, kChildFacts, row.getString("child_id"));
}

std::string InvolvedAgenciesQuery(const std::string& case_id) {
  return absl::StrCat("SELECT agency_id FROM involvement WHERE case_id = ", SqlBytes(case_id),
                      " ORDER BY agency_id LOCK IN SHARE MODE");
}

absl::StatusOr<std::vector<std::string>> InvolvedAgencies(sql::Connection& c,
                                                          const std::string& case_id) {
  std::vector<std::string> agencies;
  RunBatch(c, {InvolvedAgenciesQuery(case_id)},
           [&](size_t, sql::ResultSet& row) { agencies.push_back(row.getString(1)); });
  return agencies;
}

absl::Status SetCaseFileHead(sql::ResultSet& row, const std::string& case_id, const crypto::FieldCipher& k,
                             v1::CaseFile* file) {
  CRE_ASSIGN_OR_RETURN(v1::Child facts, CaseChildFactsOf(row, case_id, k));
  CRE_ASSIGN_OR_RETURN(const absl::Time opened_at, TimeFromSql(row.getString("opened_at")));
  file->set_case_id(case_id);
  *file->mutable_child() = std::move(facts);
  *file->mutable_opened_at() = ToProtoTime(opened_at);
  return absl::OkStatus();
}

absl::StatusOr<StoredExtent> BuildCaseFile(sql::Connection& c, sql::ResultSet& row, const std::string& case_id,
                                           const absl::optional<std::string>& legacy, EntryRead mode,
                                           const crypto::FieldCipher& k, v1::CaseFile* file) {
  CRE_RETURN_IF_ERROR(SetCaseFileHead(row, case_id, k, file));
  return ReadCaseEntries(c, case_id, legacy, k, mode, file);
}

CaseLoad::CaseLoad(const Submission& s, std::string case_id, const crypto::FieldCipher& k)
    : s_(s), case_id_(std::move(case_id)), k_(k) {
  // Read for a submission that may hand out only (CaseLoads).
  if (s_.streams != nullptr) loaded_.outstanding.emplace();
}

void CaseLoad::Take(Part part, sql::ResultSet& row) {
  CaseView& view = loaded_.view;
  switch (part) {
    case Part::kLock:
      loaded_.locked.message_seq = row.getInt64("message_seq");
      break;
    case Part::kCase:
      found_ = true;
      if (!row.isNull("purged_at")) purged_at_ = row.getString("purged_at");
      if (!row.isNull("record")) legacy_ = row.getString("record");
      if (!row.isNull("schedule_sha256")) loaded_.locked.schedule_sha256 = row.getString("schedule_sha256");
      if (purged_at_ || !read_.ok()) break;
      read_ = SetCaseFileHead(row, case_id_, k_, &view.case_file);
      // What every recipient of the case's messages is handed with them.
      if (read_.ok() && s_.streams != nullptr) {
        absl::StatusOr<v1::ChildDetails> details = CaseChildDetailsOf(row, case_id_, k_);
        if (details.ok()) {
          loaded_.child_details = *std::move(details);
        } else {
          read_ = details.status();
        }
      }
      break;
    case Part::kEntry:
      if (read_.ok()) read_ = AddCaseEntry(row, case_id_, k_, &view.case_file, &loaded_.stored);
      break;
    case Part::kInvolved:
      view.involved_agency_ids.push_back(row.getString("value"));
      loaded_.locked.involved.insert(view.involved_agency_ids.back());
      break;
    case Part::kPerformed:
      loaded_.performed.insert(row.getString("value"));
      break;
    case Part::kOutstanding:
      if (loaded_.outstanding) loaded_.outstanding->insert(row.getString("value"));
      break;
  }
}

CaseLoads::CaseLoads(const std::vector<CaseLoad*>& loads) {
  for (CaseLoad* load : loads) by_case_[load->case_id()] = load;
}

void CaseLoads::AddStatements(std::vector<std::string>* statements) {
  // The cases locked, their entries, involved agencies and performed
  // follow-ups (locking reads: the snapshot of this transaction may
  // predate the case lock). The text holds the case ids as SqlBytes literals only.
  //
  // The cases' rows alone are locked for writing: a group locks its cases
  // in the order of their ids, and two cases of one child in two groups
  // would deadlock on the child's row if it were locked with them. The
  // child's row is read with a shared lock (which sees the latest committed
  // row, and which another shared lock does not wait for).
  std::vector<std::string> case_ids, handing_out;
  for (const auto& [case_id, load] : by_case_) {
    case_ids.push_back(case_id);
    if (load->loaded_.outstanding) handing_out.push_back(case_id);
  }
  first_ = statements->size();
  count_ = 0;
  if (case_ids.empty()) return;
  const std::string in = absl::StrCat(" IN ", SqlBytesList(case_ids));
  statements->push_back(absl::StrCat("SELECT case_id, message_seq FROM cre_case WHERE case_id", in, " FOR UPDATE"));
  statements->push_back(absl::StrCat(
      "SELECT c.case_id, c.opened_at, c.record, c.child_details AS case_details, c.child_facts AS case_facts,"
      " c.purged_at, c.schedule_sha256, ch.child_id, ch.details, ch.facts"
      " FROM cre_case c JOIN child ch ON ch.child_id = c.child_id WHERE c.case_id",
      in, " LOCK IN SHARE MODE"));
  statements->push_back(CaseEntriesQuery(case_ids, EntryRead::kLatest));
  // The cases' involved agencies, performed follow-ups and, for submissions
  // that may hand out, which involved agencies have an earlier delivery of
  // the case outstanding (per-case order; InsertMessage): one statement,
  // rows of (part, case_id, value). Each statement of a batch is a result
  // the server sends, and the hub waits for, on its own.
  //
  // Every recipient of a case message is made involved in the transaction
  // that writes it, so an agency not involved has no outstanding delivery.
  std::string rest = absl::StrCat(
      "(SELECT ", static_cast<int>(CaseLoad::Part::kInvolved),
      " AS part, case_id, agency_id AS value FROM involvement WHERE case_id", in, " LOCK IN SHARE MODE)",
      " UNION ALL (SELECT ", static_cast<int>(CaseLoad::Part::kPerformed),
      ", case_id, trigger_key FROM hub_action WHERE case_id", in, " LOCK IN SHARE MODE)");
  if (!handing_out.empty()) {
    absl::StrAppend(
        &rest, " UNION ALL (SELECT DISTINCT ", static_cast<int>(CaseLoad::Part::kOutstanding),
        ", i.case_id, d.recipient_agency_id FROM involvement i STRAIGHT_JOIN delivery d FORCE INDEX"
        " (delivery_case_order) ON d.recipient_agency_id = i.agency_id AND d.order_key = i.case_id"
        " AND d.state IN ('PENDING', 'LEASED') WHERE i.case_id IN ",
        SqlBytesList(handing_out), " LOCK IN SHARE MODE)");
  }
  // The involved agencies in the order of their ids, as the case is read.
  absl::StrAppend(&rest, " ORDER BY part, case_id, value");
  statements->push_back(std::move(rest));
  count_ = 4;
}

bool CaseLoads::Row(size_t statement, sql::ResultSet& row) {
  if (statement < first_ || statement >= first_ + count_) return false;
  auto load = by_case_.find(row.getString("case_id"));
  if (load == by_case_.end()) return true;  // not asked for: cannot happen
  const size_t index = statement - first_;
  const auto part = static_cast<CaseLoad::Part>(index < 3 ? index : row.getInt("part"));
  load->second->Take(part, row);
  return true;
}

absl::StatusOr<LoadedCase> CaseLoad::Finish(sql::Connection& c) {
  CaseView& view = loaded_.view;
  if (!found_) return NoSuchCase(case_id_);
  if (purged_at_) {
    // To an agency not involved, as if there were no case (the route would
    // say so); to one involved, why nothing can be added.
    CRE_RETURN_IF_ERROR(MayRead(case_id_, view.involved_agency_ids, s_.sender_agency_id));
    return absl::FailedPreconditionError(absl::StrCat("case_id: case ", case_id_,
                                                      " was purged under the retention schedule on ",
                                                      purged_at_->substr(0, 10), "; nothing can be added to it"));
  }
  CRE_RETURN_IF_ERROR(read_);
  if (legacy_.has_value()) {
    // Recorded before 0010: moved into rows under the lock, and read back
    // from them (no rows were read above: a legacy case has none).
    view.case_file.clear_risk_assessments();
    view.case_file.clear_events();
    CRE_RETURN_IF_ERROR(MoveLegacyRecord(c, case_id_, *legacy_, k_).status());
    CRE_ASSIGN_OR_RETURN(loaded_.stored, ReadCaseEntries(c, case_id_, absl::nullopt, k_, EntryRead::kLatest,
                                                         &view.case_file));
  }
  view.case_file.mutable_risk_assessments()->MergeFrom(s_.record_append.risk_assessments());
  view.case_file.mutable_events()->MergeFrom(s_.record_append.events());
  return std::move(loaded_);
}

absl::StatusOr<LoadedCase> LoadCaseForUpdate(sql::Connection& c, const Submission& s, const std::string& case_id,
                                             const crypto::FieldCipher& k, const std::vector<std::string>& before,
                                             const BatchRows& before_rows) {
  std::vector<std::string> statements = before;
  CaseLoad load(s, case_id, k);
  CaseLoads loads({&load});
  loads.AddStatements(&statements);
  RunBatch(c, statements, [&](size_t statement, sql::ResultSet& row) {
    if (!loads.Row(statement, row)) before_rows(statement, row);
  });
  return load.Finish(c);
}

absl::Status WriteNewEntries(const LoadedCase& loaded, const crypto::FieldCipher& k, WriteBatch* writes) {
  std::vector<std::string> rows;
  CRE_RETURN_IF_ERROR(AppendCaseEntries(loaded.view.case_file, loaded.stored, k, &rows));
  writes->AddCaseEntries(std::move(rows));
  return absl::OkStatus();
}

void AppendEvent(CaseView& view, v1::EventKind kind, absl::Time at, const std::string& message_id) {
  v1::CaseEvent* event = view.case_file.add_events();
  event->set_kind(kind);
  *event->mutable_occurred_at() = ToProtoTime(at);
  event->set_message_id(message_id);
}

absl::Status WriteSchedule(const std::string& case_id, const CaseSchedule& schedule, WriteBatch* writes) {
  // The rows as text, which WriteBatch writes only if they differ from the
  // stored schedule (by its digest). The text holds only the hub's own ids,
  // enum names and instants, as SqlBytes and SQL literals.
  const std::string quoted_case = SqlBytes(case_id);
  std::vector<WriteBatch::ActionRow> rows;
  for (const OpenAction& action : schedule.open_actions) {
    const std::string rule = SqlBytes(action.rule_id);
    const std::string due_at = SqlTimeLiteral(action.due_at);
    rows.push_back({absl::StrCat("(", quoted_case, ", ", rule, ", ", due_at, ")"),
                    absl::StrCat("(", quoted_case, ", ", rule, ", ", SqlBytes(v1::ActionKind_Name(action.kind)), ", ",
                                 SqlBytes(v1::PractitionerRole_Name(action.owner)), ", ",
                                 SqlBytesOrNull(action.owner_agency_id), ", ", due_at, ", ", SqlBytes(action.due_date),
                                 ", ",
                                 action.chair == v1::PRACTITIONER_ROLE_UNSPECIFIED
                                     ? std::string("NULL")
                                     : SqlBytes(v1::PractitionerRole_Name(action.chair)),
                                 ")")});
  }
  return writes->ReplaceSchedule(case_id, std::move(rows), schedule.next_deadline);
}

}  // namespace cre::mysql
