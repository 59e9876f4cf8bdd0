// MysqlStore: reading a case for an agency involved with it: the case file,
// and the messages the reader sent or received.
#include <algorithm>
#include <memory>
#include <map>
#include <set>
#include <tuple>

#include "absl/cleanup/cleanup.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
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
#include "store/mysql/case_rows.h"
#include "store/mysql/message_rows.h"
#include "store/mysql/mysql_audit.h"
#include "store/mysql/mysql_store.h"
#include "store/mysql/sql_errors.h"
#include "store/mysql/sql_values.h"

namespace cre::mysql {

namespace {

// One message of a case as its reader may see it, from a row of ReadCase's
// message query.
absl::StatusOr<v1::RoutedMessage> CaseMessage(sql::ResultSet& row, const std::string& case_id,
                                              const crypto::FieldCipher& k) {
  if (row.isNull("purged_at")) {
    return OpenSealed<v1::RoutedMessage>(row, "body", k, kMessageBody, row.getString("message_id"));
  }
  // Its payload was purged under the retention schedule: its ids, kind,
  // sender and times stay.
  v1::RoutedMessage purged;
  purged.set_message_id(row.getString("message_id"));
  v1::MessageKind kind = v1::MESSAGE_KIND_UNSPECIFIED;
  v1::MessageKind_Parse(std::string(row.getString("kind")), &kind);
  purged.set_kind(kind);
  if (!row.isNull("sender_agency_id")) purged.set_sender_agency_id(row.getString("sender_agency_id"));
  if (!row.isNull("in_reply_to")) purged.set_in_reply_to(row.getString("in_reply_to"));
  purged.set_case_id(case_id);
  CRE_ASSIGN_OR_RETURN(const absl::Time accepted_at, TimeFromSql(row.getString("accepted_at")));
  CRE_ASSIGN_OR_RETURN(const absl::Time purged_at, TimeFromSql(row.getString("purged_at")));
  *purged.mutable_accepted_at() = ToProtoTime(accepted_at);
  *purged.mutable_purged_at() = ToProtoTime(purged_at);
  return purged;
}

absl::StatusOr<v1::CaseReader> CaseReaderOf(sql::ResultSet& row) {
  v1::CaseReader reader;
  reader.set_agency_id(row.getString("reader_agency_id"));
  reader.set_staff_id(row.getString("staff_id"));
  CRE_ASSIGN_OR_RETURN(const absl::Time first, TimeFromSql(row.getString("first_read_at")));
  CRE_ASSIGN_OR_RETURN(const absl::Time last, TimeFromSql(row.getString("last_read_at")));
  *reader.mutable_first_read_at() = ToProtoTime(first);
  *reader.mutable_last_read_at() = ToProtoTime(last);
  reader.set_reads(row.getInt("read_count"));
  return reader;
}

// `readers` (as read before this read, in the transaction's snapshot) with
// this read counted, as the case_reader row it writes will say, in the order
// GetCase lists them: the most recent reads first, then by agency and member
// of staff. (Should the same member of staff read the case twice at once,
// each answer counts the reads its own snapshot saw: the row counts both.)
void AddRead(const std::string& agency_id, const std::string& staff_id, absl::Time at,
             google::protobuf::RepeatedPtrField<v1::CaseReader>* readers) {
  auto it = std::find_if(readers->begin(), readers->end(), [&](const v1::CaseReader& r) {
    return r.agency_id() == agency_id && r.staff_id() == staff_id;
  });
  // As the column keeps it (DATETIME(6)): to the microsecond.
  const google::protobuf::Timestamp when = ToProtoTime(absl::FromUnixMicros(absl::ToUnixMicros(at)));
  const bool first = it == readers->end();  // before Add, which moves end()
  v1::CaseReader* read = first ? readers->Add() : &*it;
  if (first) {
    read->set_agency_id(agency_id);
    read->set_staff_id(staff_id);
    *read->mutable_first_read_at() = when;
  }
  *read->mutable_last_read_at() = when;
  read->set_reads(read->reads() + 1);
  std::sort(readers->begin(), readers->end(), [](const v1::CaseReader& a, const v1::CaseReader& b) {
    const absl::Time a_at = FromProtoTime(a.last_read_at()), b_at = FromProtoTime(b.last_read_at());
    return std::tie(b_at, a.agency_id(), a.staff_id()) < std::tie(a_at, b.agency_id(), b.staff_id());
  });
}

}  // namespace

// Two round trips: everything read (the case and its child, who is
// involved, the entries, the messages the reader sent or received, who has
// read it) in one, from one snapshot; then, once the reader may read it,
// the read recorded (case_reader, the audit record) with the commit. Each
// statement of a batch is a result the caller waits for on its own (docs/
// benchmarks.md, "Where the hub's waits are"), so the reads are one
// statement a table and the writes ask nothing back.
absl::StatusOr<v1::GetCaseResponse> MysqlStore::ReadCase(const std::string& case_id,
                                                         const std::string& reader_agency_id,
                                                         const std::string& reader_staff_id) {
  v1::GetCaseResponse response;
  absl::Status status = RunTransaction(pool_, "read case", [&](sql::Connection& c) -> absl::Status {
    response.Clear();
    const std::string id = SqlBytes(case_id);
    const std::string reader = SqlBytes(reader_agency_id);
    enum Statement { kCase, kInvolved, kEntries, kReceived, kMessages, kReaders };
    const std::vector<std::string> reads = {
        absl::StrCat("SELECT c.opened_at, c.record, c.child_facts AS case_facts, c.child_details AS case_details,"
                     " c.purged_at, ch.child_id, ch.facts, ch.details FROM cre_case c"
                     " JOIN child ch ON ch.child_id = c.child_id WHERE c.case_id = ",
                     id),
        InvolvedAgenciesQuery(case_id),
        CaseEntriesQuery({case_id}, EntryRead::kSnapshot),
        // The case's messages the reader received, then all the case's
        // messages, each from the pages that hold the case's together
        // (migrations/0024); the reader is given only what it sent or
        // received (below).
        absl::StrCat("SELECT d.message_id FROM delivery d WHERE d.recipient_agency_id = ", reader,
                     " AND d.order_key = ", id),
        absl::StrCat("SELECT m.message_id, m.body, m.purged_at, m.kind, m.sender_agency_id, m.in_reply_to,"
                     " m.accepted_at FROM message m WHERE m.case_key = ", id, " AND m.case_id = ", id,
                     " ORDER BY m.accepted_at, m.message_id"),
        absl::StrCat("SELECT reader_agency_id, staff_id, first_read_at, last_read_at, read_count FROM case_reader"
                     " WHERE case_id = ", id)};
    bool found = false;
    absl::optional<std::string> legacy, purged_at, opened_at;
    std::vector<std::string> involved;
    absl::flat_hash_set<std::string> received;
    v1::CaseFile entries;  // the entries' rows, for a case without a legacy record
    StoredExtent stored;
    absl::Status read;  // the first row that would not open
    auto keep = [&read](absl::Status status) {
      if (read.ok()) read = std::move(status);
    };
    RunBatch(c, reads, [&](size_t statement, sql::ResultSet& row) {
      switch (statement) {
        case kCase:
          found = true;
          if (!row.isNull("record")) legacy = row.getString("record");
          if (!row.isNull("purged_at")) {
            purged_at = row.getString("purged_at");
            opened_at = row.getString("opened_at");
            break;
          }
          keep(SetCaseFileHead(row, case_id, *cipher_, response.mutable_case_file()));
          if (absl::StatusOr<v1::ChildDetails> details = CaseChildDetailsOf(row, case_id, *cipher_); details.ok()) {
            *response.mutable_child_details() = *std::move(details);
          } else {
            keep(details.status());
          }
          break;
        case kInvolved:
          involved.push_back(row.getString("agency_id"));
          break;
        case kEntries:
          if (read.ok()) read = AddCaseEntry(row, case_id, *cipher_, &entries, &stored);
          break;
        case kReceived:
          received.insert(std::string(row.getString("message_id")));
          break;
        case kMessages:
          // Only what the reader sent or received: a school does not see
          // police intelligence that was not shared with it. The others
          // are not opened.
          if (std::string(row.getString("sender_agency_id")) != reader_agency_id &&
              received.count(std::string(row.getString("message_id"))) == 0) {
            break;
          }
          if (absl::StatusOr<v1::RoutedMessage> message = CaseMessage(row, case_id, *cipher_); message.ok()) {
            *response.add_messages() = *std::move(message);
          } else {
            keep(message.status());
          }
          break;
        case kReaders:
          if (absl::StatusOr<v1::CaseReader> r = CaseReaderOf(row); r.ok()) {
            *response.add_readers() = *std::move(r);
          } else {
            keep(r.status());
          }
          break;
      }
    });
    if (!found) return NoSuchCase(case_id);
    CRE_RETURN_IF_ERROR(MayRead(case_id, involved, reader_agency_id));
    CRE_RETURN_IF_ERROR(read);
    response.set_case_id(case_id);
    v1::CaseFile* file = response.mutable_case_file();
    if (purged_at) {
      // Purged under the retention schedule: what is left is the case's
      // ids and times, and when it was purged.
      CRE_ASSIGN_OR_RETURN(const absl::Time purged, TimeFromSql(*purged_at));
      CRE_ASSIGN_OR_RETURN(const absl::Time opened, TimeFromSql(*opened_at));
      *response.mutable_purged_at() = ToProtoTime(purged);
      file->set_case_id(case_id);
      *file->mutable_opened_at() = ToProtoTime(opened);
    } else if (legacy) {
      // Recorded before migration 0010: the record's entries come first
      // (ReadCaseEntries reads the rows again after them; such cases are
      // few, and moved into rows at their next write).
      CRE_RETURN_IF_ERROR(ReadCaseEntries(c, case_id, legacy, *cipher_, EntryRead::kSnapshot, file).status());
    } else {
      file->mutable_risk_assessments()->Swap(entries.mutable_risk_assessments());
      file->mutable_events()->Swap(entries.mutable_events());
    }
    for (std::string& agency : involved) response.add_involved_agency_ids(std::move(agency));

    const absl::Time read_at = absl::Now();
    v1::AuditRecord audit = AuditOf(v1::AUDIT_EVENT_KIND_CASE_READ, reader_agency_id, read_at);
    audit.set_method("GetCase");
    audit.set_case_id(case_id);
    audit.set_staff_id(reader_staff_id);
    AddRead(reader_agency_id, reader_staff_id, read_at, response.mutable_readers());
    const std::string at = SqlTimeLiteral(read_at);
    RunBatchAndCommit(
        c, {absl::StrCat("INSERT INTO case_reader (case_id, reader_agency_id, staff_id, first_read_at, last_read_at)"
                         " VALUES (", id, ", ", reader, ", ", SqlBytes(reader_staff_id), ", ", at, ", ", at,
                         ") ON DUPLICATE KEY UPDATE last_read_at = VALUES(last_read_at), read_count = read_count + 1"),
            JournalInsert({audit})},
        nullptr);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return response;
}

}  // namespace cre::mysql
