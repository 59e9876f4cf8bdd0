#include "store/mysql/case_rows.h"

#include "common/ids.h"
#include "common/proto_time.h"
#include "common/status_macros.h"
#include "cppconn/prepared_statement.h"

namespace cre::mysql {

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

absl::StatusOr<StoredExtent> BuildCaseFile(sql::Connection& c, sql::ResultSet& row, const std::string& case_id,
                                           const absl::optional<std::string>& legacy, EntryRead mode,
                                           const crypto::FieldCipher& k, v1::CaseFile* file) {
  const std::string child_id = row.getString("child_id");
  absl::StatusOr<v1::Child> facts = OpenSealed<v1::Child>(row, "facts", k, kChildFacts, child_id);
  if (!facts.ok()) return facts.status();
  absl::StatusOr<absl::Time> opened_at = TimeFromSql(row.getString("opened_at"));
  if (!opened_at.ok()) return opened_at.status();
  file->set_case_id(case_id);
  *file->mutable_child() = *std::move(facts);
  *file->mutable_opened_at() = ToProtoTime(*opened_at);
  return ReadCaseEntries(c, case_id, legacy, k, mode, file);
}

absl::StatusOr<LoadedCase> LoadCaseForUpdate(sql::Connection& c, const Submission& s,
                                             const std::string& case_id, const crypto::FieldCipher& k) {
  auto select = Prepare(c,
                        "SELECT c.opened_at, c.record, ch.child_id, ch.facts FROM cre_case c"
                        " JOIN child ch ON ch.child_id = c.child_id WHERE c.case_id = ? FOR UPDATE");
  select->setString(1, case_id);
  std::unique_ptr<sql::ResultSet> row(select->executeQuery());
  if (!row->next()) return NoSuchCase(case_id);
  LoadedCase loaded;
  absl::optional<std::string> legacy;
  if (!row->isNull("record")) legacy = row->getString("record");
  if (legacy.has_value()) {
    // Moved into rows under the lock, and read back from them below.
    CRE_RETURN_IF_ERROR(MoveLegacyRecord(c, case_id, *legacy, k).status());
  }
  CaseView& view = loaded.view;
  CRE_ASSIGN_OR_RETURN(loaded.stored,
                       BuildCaseFile(c, *row, case_id, absl::nullopt, EntryRead::kLatest, k, &view.case_file));
  view.case_file.mutable_risk_assessments()->MergeFrom(s.record_append.risk_assessments());
  view.case_file.mutable_events()->MergeFrom(s.record_append.events());
  absl::StatusOr<std::vector<std::string>> involved = InvolvedAgencies(c, case_id);
  if (!involved.ok()) return involved.status();
  view.involved_agency_ids = *std::move(involved);
  return loaded;
}

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

absl::Status WriteNewEntries(sql::Connection& c, const LoadedCase& loaded, const crypto::FieldCipher& k) {
  return AppendCaseEntries(c, loaded.view.case_file, loaded.stored, k);
}

void AppendEvent(CaseView& view, v1::EventKind kind, absl::Time at, const std::string& message_id) {
  v1::CaseEvent* event = view.case_file.add_events();
  event->set_kind(kind);
  *event->mutable_occurred_at() = ToProtoTime(at);
  event->set_message_id(message_id);
}

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

}  // namespace cre::mysql
