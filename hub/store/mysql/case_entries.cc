#include "store/mysql/case_entries.h"

#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/proto_time.h"
#include "common/status_macros.h"
#include "cppconn/prepared_statement.h"
#include "cppconn/resultset.h"
#include "store/mysql/sql_values.h"

namespace cre::mysql {
namespace {

constexpr SealedColumn kCaseEntryBody{"case_entry", "body"};

// The row id a sealed entry is bound to: its case and place in it, so that
// an entry cannot be moved to another case or reordered unnoticed.
std::string EntryRowId(const std::string& case_id, int seq) { return absl::StrCat(case_id, "/", seq); }

template <typename Message>
absl::StatusOr<Message> OpenEntry(const std::string& sealed, const crypto::FieldCipher& k,
                                  const std::string& case_id, int seq) {
  Message message;
  const std::string row_id = EntryRowId(case_id, seq);
  absl::Status opened = k.DecryptMessage(
      sealed, crypto::FieldCipher::RowBinding(kCaseEntryBody.table, row_id, kCaseEntryBody.column), &message);
  if (!opened.ok()) {
    return absl::Status(opened.code(), absl::StrCat("case_entry.body of ", row_id, ": ", opened.message()));
  }
  return message;
}

// Adds the assessments [from_assessment, end) and events [from_event, end)
// of `file`, as rows from seq first_seq on, to `rows`; returns the last seq
// written.
absl::StatusOr<int> EntryRows(const v1::CaseFile& file, int from_assessment, int from_event, int first_seq,
                              const crypto::FieldCipher& k, std::vector<std::string>* rows) {
  const std::string& case_id = file.case_id();
  int seq = first_seq - 1;
  for (int i = from_assessment; i < file.risk_assessments_size(); ++i) {
    CRE_ASSIGN_OR_RETURN(std::string row,
                         CaseEntryRow(case_id, ++seq, file.risk_assessments(i), "RISK_ASSESSMENT", nullptr, k));
    rows->push_back(std::move(row));
  }
  for (int i = from_event; i < file.events_size(); ++i) {
    CRE_ASSIGN_OR_RETURN(std::string row, CaseEntryRow(case_id, ++seq, file.events(i), "EVENT", &file.events(i), k));
    rows->push_back(std::move(row));
  }
  return seq;
}

absl::StatusOr<v1::CaseUpdate> OpenLegacyRecord(const std::string& sealed, const crypto::FieldCipher& k,
                                                const std::string& case_id) {
  v1::CaseUpdate record;
  absl::Status opened =
      k.DecryptMessage(sealed, crypto::FieldCipher::RowBinding(kCaseRecord.table, case_id, kCaseRecord.column),
                       &record);
  if (!opened.ok()) {
    return absl::Status(opened.code(), absl::StrCat("cre_case.record of ", case_id, ": ", opened.message()));
  }
  return record;
}

}  // namespace

absl::StatusOr<std::string> CaseEntryRow(const std::string& case_id, int seq, const google::protobuf::Message& body,
                                         const char* kind, const v1::CaseEvent* event, const crypto::FieldCipher& k) {
  CRE_ASSIGN_OR_RETURN(const std::string sealed, Sealed(body, k, kCaseEntryBody, EntryRowId(case_id, seq)));
  std::string message_id = "NULL", acknowledged_at = "NULL";
  if (event != nullptr && !event->message_id().empty()) message_id = SqlBytes(event->message_id());
  if (event != nullptr && event->has_acknowledged_at()) {
    acknowledged_at = SqlTimeLiteral(FromProtoTime(event->acknowledged_at()));
  }
  return absl::StrCat("(", SqlBytes(case_id), ", ", seq, ", '", kind, "', ", message_id, ", ", acknowledged_at,
                      ", ", SqlBytes(sealed), ")");
}

std::string CaseEntryInsert(const std::vector<std::string>& rows) {
  return absl::StrCat("INSERT INTO case_entry (case_id, seq, entry_kind, message_id, acknowledged_at, body) VALUES ",
                      absl::StrJoin(rows, ", "));
}

std::string CaseEntriesQuery(const std::vector<std::string>& case_ids, EntryRead read) {
  // Shared locks for kLatest: the writers of the case are kept out by its
  // row lock already. (They also lock the gap after the case's last entry,
  // where only a new case whose id sorts just after it would insert: it
  // waits for this transaction's commit, milliseconds.)
  return absl::StrCat("SELECT case_id, seq, entry_kind, acknowledged_at, body FROM case_entry WHERE case_id IN ",
                      SqlBytesList(case_ids), " ORDER BY case_id, seq",
                      read == EntryRead::kLatest ? " LOCK IN SHARE MODE" : "");
}

absl::Status AddCaseEntry(sql::ResultSet& row, const std::string& case_id, const crypto::FieldCipher& k,
                          v1::CaseFile* file, StoredExtent* stored) {
  const int seq = row.getInt("seq");
  const std::string sealed = row.getString("body");
  stored->last_seq = seq;
  if (row.getString("entry_kind") == "RISK_ASSESSMENT") {
    CRE_ASSIGN_OR_RETURN(*file->add_risk_assessments(), OpenEntry<v1::RiskAssessment>(sealed, k, case_id, seq));
    ++stored->risk_assessments;
    return absl::OkStatus();
  }
  CRE_ASSIGN_OR_RETURN(v1::CaseEvent event, OpenEntry<v1::CaseEvent>(sealed, k, case_id, seq));
  if (!row.isNull("acknowledged_at")) {
    CRE_ASSIGN_OR_RETURN(const absl::Time at, TimeFromSql(row.getString("acknowledged_at")));
    *event.mutable_acknowledged_at() = ToProtoTime(at);
  }
  *file->add_events() = std::move(event);
  ++stored->events;
  return absl::OkStatus();
}

absl::StatusOr<StoredExtent> ReadCaseEntries(sql::Connection& c, const std::string& case_id,
                                             const absl::optional<std::string>& legacy_record,
                                             const crypto::FieldCipher& k, EntryRead read, v1::CaseFile* file) {
  StoredExtent stored;
  if (legacy_record) {
    CRE_ASSIGN_OR_RETURN(v1::CaseUpdate record, OpenLegacyRecord(*legacy_record, k, case_id));
    stored.legacy = true;
    stored.risk_assessments = record.risk_assessments_size();
    stored.events = record.events_size();
    file->mutable_risk_assessments()->MergeFrom(record.risk_assessments());
    file->mutable_events()->MergeFrom(record.events());
  }
  absl::Status added;
  RunBatch(c, {CaseEntriesQuery({case_id}, read)}, [&](size_t, sql::ResultSet& row) {
    if (added.ok()) added = AddCaseEntry(row, case_id, k, file, &stored);
  });
  if (!added.ok()) return added;
  return stored;
}

absl::StatusOr<StoredExtent> MoveLegacyRecord(sql::Connection& c, const std::string& case_id,
                                              const std::string& legacy_record, const crypto::FieldCipher& k) {
  v1::CaseFile file;
  file.set_case_id(case_id);
  CRE_ASSIGN_OR_RETURN(StoredExtent stored, ReadCaseEntries(c, case_id, legacy_record, k, EntryRead::kLatest, &file));
  // Written before 0010, the case has no rows yet: its record becomes rows
  // 1..n, assessments first, as the record listed them.
  std::vector<std::string> rows;
  CRE_ASSIGN_OR_RETURN(stored.last_seq, EntryRows(file, 0, 0, 1, k, &rows));
  std::vector<std::string> writes;
  if (!rows.empty()) writes.push_back(CaseEntryInsert(rows));
  writes.push_back(absl::StrCat("UPDATE cre_case SET record = NULL WHERE case_id = ", SqlBytes(case_id)));
  RunBatch(c, writes, nullptr);
  stored.legacy = false;
  return stored;
}

absl::Status AppendCaseEntries(const v1::CaseFile& file, const StoredExtent& stored, const crypto::FieldCipher& k,
                               std::vector<std::string>* rows) {
  if (stored.legacy) return absl::InternalError("case entries appended to a record not yet moved into rows");
  return EntryRows(file, stored.risk_assessments, stored.events, stored.last_seq + 1, k, rows).status();
}

absl::StatusOr<bool> CompleteCaseEvent(sql::Connection& c, const std::string& case_id,
                                       const std::string& message_id, absl::Time at,
                                       const crypto::FieldCipher& k) {
  // The case's row lock, as every writer of its entries takes it.
  auto select = Prepare(c, "SELECT record FROM cre_case WHERE case_id = ? FOR UPDATE");
  select->setString(1, case_id);
  std::unique_ptr<sql::ResultSet> row(select->executeQuery());
  if (!row->next()) return false;
  if (!row->isNull("record")) {
    absl::StatusOr<StoredExtent> moved = MoveLegacyRecord(c, case_id, row->getString("record"), k);
    if (!moved.ok()) return moved.status();
  }
  auto update = Prepare(c,
                        "UPDATE case_entry SET acknowledged_at = ? WHERE case_id = ? AND message_id = ?"
                        " AND entry_kind = 'EVENT' AND acknowledged_at IS NULL");
  update->setString(1, SqlTime(at));
  update->setString(2, case_id);
  update->setString(3, message_id);
  return update->executeUpdate() > 0;
}

}  // namespace cre::mysql
