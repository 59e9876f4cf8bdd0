// MysqlStore: who looked at a child's record (the access index of
// migration 0019, over the audit chain), and everything the hub holds about
// a child for a subject access export.
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "access/case_access.h"
#include "common/proto_time.h"
#include "common/status_macros.h"
#include "cppconn/prepared_statement.h"
#include "cppconn/resultset.h"
#include "store/mysql/case_entries.h"
#include "store/mysql/case_rows.h"
#include "store/mysql/mysql_audit.h"
#include "store/mysql/mysql_store.h"
#include "store/mysql/sql_errors.h"
#include "store/mysql/sql_values.h"

namespace cre::mysql {
namespace {

// Whose accesses a list is of.
struct Subject {
  std::string child_id;
  // Empty: every case of the child.
  std::string case_id;
  std::vector<std::string> case_ids;  // the child's cases, or the one case
};

absl::StatusOr<Subject> FindSubject(sql::Connection& c, const v1::ListRecordAccessesRequest& request) {
  Subject subject;
  if (request.subject_case() == v1::ListRecordAccessesRequest::kCaseId) {
    auto select = Prepare(c, "SELECT child_id FROM cre_case WHERE case_id = ?");
    select->setString(1, request.case_id());
    std::unique_ptr<sql::ResultSet> row(select->executeQuery());
    if (!row->next()) return absl::NotFoundError(absl::StrCat("case_id: no case ", request.case_id()));
    subject.child_id = row->getString("child_id");
    subject.case_id = request.case_id();
    subject.case_ids.push_back(request.case_id());
    return subject;
  }
  auto child = Prepare(c, "SELECT child_id FROM child WHERE child_id = ?");
  child->setString(1, request.child_id());
  std::unique_ptr<sql::ResultSet> row(child->executeQuery());
  if (!row->next()) return absl::NotFoundError(absl::StrCat("child_id: no child ", request.child_id()));
  subject.child_id = request.child_id();
  auto cases = Prepare(c, "SELECT case_id FROM cre_case WHERE child_id = ? ORDER BY opened_at, case_id");
  cases->setString(1, subject.child_id);
  std::unique_ptr<sql::ResultSet> rows(cases->executeQuery());
  while (rows->next()) subject.case_ids.push_back(rows->getString("case_id"));
  return subject;
}

v1::RecordAccess AccessOf(const v1::AuditRecord& record) {
  v1::RecordAccess access;
  access.set_seq(record.seq());
  *access.mutable_at() = record.at();
  access.set_agency_id(record.actor_agency_id());
  access.set_staff_id(record.staff_id());
  access.set_kind(record.kind());
  access.set_method(record.method());
  access.set_case_id(record.case_id());
  access.set_recipient_agency_id(record.recipient_agency_id());
  access.set_message_id(record.message_id());
  return access;
}

// Up to `limit` accesses of `subject` older than `before_seq` (0: any),
// newest first; *more says whether there are older ones.
absl::StatusOr<std::vector<v1::RecordAccess>> ReadAccesses(sql::Connection& c, const Subject& subject, int limit,
                                                           int64_t before_seq, bool* more) {
  const int64_t before = before_seq > 0 ? before_seq : INT64_MAX;
  // A case's list holds what concerned the child as a whole too (a subject
  // access export): the case's child's data was disclosed with it. The
  // child's index is forced: with a short range of seq to go, the optimizer
  // would otherwise walk the primary key backwards through every child's
  // accesses.
  auto select = Prepare(c, subject.case_id.empty()
                               ? "SELECT a.seq, l.record FROM audit_access a FORCE INDEX (audit_access_child)"
                                 " JOIN audit_log l ON l.seq = a.seq"
                                 " WHERE a.child_id = ? AND a.seq < ? ORDER BY a.seq DESC LIMIT ?"
                               : "SELECT a.seq, l.record FROM audit_access a FORCE INDEX (audit_access_child)"
                                 " JOIN audit_log l ON l.seq = a.seq"
                                 " WHERE a.child_id = ? AND a.seq < ? AND a.case_id IN (?, '')"
                                 " ORDER BY a.seq DESC LIMIT ?");
  int p = 0;
  select->setString(++p, subject.child_id);
  select->setInt64(++p, before);
  if (!subject.case_id.empty()) select->setString(++p, subject.case_id);
  select->setInt(++p, limit + 1);
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  std::vector<v1::RecordAccess> accesses;
  *more = false;
  while (rows->next()) {
    if (static_cast<int>(accesses.size()) == limit) {
      *more = true;
      break;
    }
    CRE_ASSIGN_OR_RETURN(v1::AuditRecord record, ParseBlob<v1::AuditRecord>(*rows, "record"));
    accesses.push_back(AccessOf(record));
  }
  return accesses;
}

// Whether every sealed row is indexed.
bool IndexComplete(sql::Connection& c) {
  std::unique_ptr<sql::ResultSet> row(
      Prepare(c,
              "SELECT (SELECT indexed_through FROM audit_access_watermark WHERE id = 1) >="
              " (SELECT seq FROM audit_head WHERE id = 1)")
          ->executeQuery());
  return row->next() && !row->isNull(1) && row->getBoolean(1);
}

}  // namespace

absl::StatusOr<bool> MysqlStore::IndexAuditAccesses(int limit) {
  bool caught_up = false;
  absl::Status status = RunTransaction(pool_, "index audit accesses", [&](sql::Connection& c) -> absl::Status {
    caught_up = false;
    int64_t watermark = 0;
    int64_t head = 0;
    std::vector<v1::AuditRecord> records;
    absl::Status read;
    // The watermark's lock makes one catch-up at a time; a sealer waits for
    // it only to move it on. READ COMMITTED: no gap locks on audit_access,
    // where sealers insert meanwhile.
    RunBatch(c,
             {kReadCommittedNext,
              "SELECT indexed_through FROM audit_access_watermark WHERE id = 1 FOR UPDATE"},
             [&](size_t, sql::ResultSet& row) { watermark = row.getInt64(1); });
    RunBatch(c,
             {"SELECT seq FROM audit_head WHERE id = 1",
              absl::StrCat("SELECT seq, record FROM audit_log WHERE seq > ", watermark, " ORDER BY seq LIMIT ",
                           limit)},
             [&](size_t statement, sql::ResultSet& row) {
               if (statement == 0) {
                 head = row.getInt64(1);
                 return;
               }
               if (!read.ok()) return;
               absl::StatusOr<v1::AuditRecord> record = ParseBlob<v1::AuditRecord>(row, "record");
               if (!record.ok()) {
                 read = absl::DataLossError(
                     absl::StrCat("audit row ", row.getInt64("seq"), ": ", record.status().message()));
                 return;
               }
               // The row's seq, not the record's: the row is what is indexed.
               record->set_seq(row.getInt64("seq"));
               records.push_back(*std::move(record));
             });
    if (!read.ok()) return read;
    if (records.empty()) {
      caught_up = watermark >= head;
      return absl::OkStatus();
    }
    std::vector<std::string> writes = AccessIndexStatements(records);
    writes.push_back(absl::StrCat("UPDATE audit_access_watermark SET indexed_through = ", records.back().seq(),
                                  " WHERE id = 1"));
    RunBatchAndCommit(c, std::move(writes), nullptr);
    caught_up = records.back().seq() >= head;
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return caught_up;
}

absl::StatusOr<v1::ListRecordAccessesResponse> MysqlStore::ListRecordAccesses(
    const v1::ListRecordAccessesRequest& request, int limit, const v1::AuditRecord& read_by) {
  v1::ListRecordAccessesResponse response;
  absl::Status status = RunTransaction(pool_, "list record accesses", [&](sql::Connection& c) -> absl::Status {
    response.Clear();
    CRE_ASSIGN_OR_RETURN(const Subject subject, FindSubject(c, request));
    bool more = false;
    CRE_ASSIGN_OR_RETURN(std::vector<v1::RecordAccess> accesses,
                         ReadAccesses(c, subject, limit, request.before_seq(), &more));
    response.set_child_id(subject.child_id);
    for (const std::string& case_id : subject.case_ids) response.add_case_ids(case_id);
    for (v1::RecordAccess& access : accesses) *response.add_accesses() = std::move(access);
    if (more) response.set_next_before_seq(response.accesses(response.accesses_size() - 1).seq());
    response.set_complete(IndexComplete(c));

    v1::AuditRecord read = read_by;
    read.set_kind(v1::AUDIT_EVENT_KIND_ACCESS_LOG_READ);
    if (subject.case_id.empty()) {
      read.set_child_id(subject.child_id);
    } else {
      read.set_case_id(subject.case_id);
    }
    return AppendAudit(c, {read});
  });
  if (!status.ok()) return status;
  return response;
}

absl::StatusOr<std::string> MysqlStore::FindChildByNhsNumber(const std::string& nhs_number) {
  if (!nhs_index_.ok()) return nhs_index_.status();
  CRE_ASSIGN_OR_RETURN(const std::vector<crypto::BlindIndex::Entry> indexes, nhs_index_->All(nhs_number));
  std::string child_id;
  absl::Status status = RunTransaction(pool_, "find a child by NHS number", [&](sql::Connection& c) -> absl::Status {
    std::string sql = "SELECT child_id FROM child WHERE nhs_index IN (?";
    for (size_t i = 1; i < indexes.size(); ++i) sql += ", ?";
    // Two rows of one child (a key rotation's race): the older, as intake does.
    sql += ") ORDER BY created_at, child_id LIMIT 1";
    auto select = Prepare(c, sql);
    for (size_t i = 0; i < indexes.size(); ++i) select->setString(static_cast<int>(i + 1), indexes[i].digest);
    std::unique_ptr<sql::ResultSet> row(select->executeQuery());
    if (!row->next()) return absl::NotFoundError("nhs_number: the hub holds no child with this NHS number");
    child_id = row->getString("child_id");
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return child_id;
}

absl::StatusOr<ChildExport> MysqlStore::ExportChild(const std::string& child_id,
                                                    const v1::AuditRecord& exported_by) {
  ChildExport out;
  absl::Status status = RunTransaction(pool_, "export a child", [&](sql::Connection& c) -> absl::Status {
    out = ChildExport();
    auto child = Prepare(c, "SELECT child_id, details, facts FROM child WHERE child_id = ?");
    child->setString(1, child_id);
    std::unique_ptr<sql::ResultSet> child_row(child->executeQuery());
    if (!child_row->next()) return absl::NotFoundError(absl::StrCat("child_id: no child ", child_id));
    out.child_id = child_id;
    CRE_ASSIGN_OR_RETURN(out.details, OpenSealed<v1::ChildDetails>(*child_row, "details", *cipher_, kChildDetails, child_id));
    CRE_ASSIGN_OR_RETURN(out.facts, OpenSealed<v1::Child>(*child_row, "facts", *cipher_, kChildFacts, child_id));

    std::vector<std::string> case_ids;
    {
      auto cases = Prepare(c, "SELECT case_id FROM cre_case WHERE child_id = ? ORDER BY opened_at, case_id");
      cases->setString(1, child_id);
      std::unique_ptr<sql::ResultSet> rows(cases->executeQuery());
      while (rows->next()) case_ids.push_back(rows->getString("case_id"));
    }
    for (const std::string& case_id : case_ids) {
      v1::GetCaseResponse& exported = out.cases.emplace_back();
      auto select = Prepare(c,
                            "SELECT c.opened_at, c.record, c.child_facts AS case_facts, c.child_details AS case_details,"
                            " ch.child_id, ch.facts, ch.details FROM cre_case c"
                            " JOIN child ch ON ch.child_id = c.child_id WHERE c.case_id = ?");
      select->setString(1, case_id);
      std::unique_ptr<sql::ResultSet> row(select->executeQuery());
      if (!row->next()) return NoSuchCase(case_id);
      absl::optional<std::string> legacy;
      if (!row->isNull("record")) legacy = row->getString("record");
      exported.set_case_id(case_id);
      CRE_RETURN_IF_ERROR(
          BuildCaseFile(c, *row, case_id, legacy, EntryRead::kSnapshot, *cipher_, exported.mutable_case_file())
              .status());
      CRE_ASSIGN_OR_RETURN(*exported.mutable_child_details(), CaseChildDetailsOf(*row, case_id, *cipher_));
      CRE_ASSIGN_OR_RETURN(std::vector<std::string> involved, InvolvedAgencies(c, case_id));
      for (std::string& agency : involved) exported.add_involved_agency_ids(std::move(agency));
      // Every message about the case, whoever sent or received it.
      auto messages = Prepare(c,
                              "SELECT message_id, body FROM message WHERE case_key = ? AND case_id = ?"
                              " ORDER BY accepted_at, message_id");
      messages->setString(1, case_id);
      messages->setString(2, case_id);
      std::unique_ptr<sql::ResultSet> rows(messages->executeQuery());
      while (rows->next()) {
        CRE_ASSIGN_OR_RETURN(*exported.add_messages(),
                             OpenSealed<v1::RoutedMessage>(*rows, "body", *cipher_, kMessageBody,
                                                           rows->getString("message_id")));
      }
      auto readers = Prepare(c,
                             "SELECT reader_agency_id, staff_id, first_read_at, last_read_at, read_count"
                             " FROM case_reader WHERE case_id = ? ORDER BY last_read_at DESC, reader_agency_id, staff_id");
      readers->setString(1, case_id);
      std::unique_ptr<sql::ResultSet> reader_rows(readers->executeQuery());
      while (reader_rows->next()) {
        v1::CaseReader* r = exported.add_readers();
        r->set_agency_id(reader_rows->getString("reader_agency_id"));
        r->set_staff_id(reader_rows->getString("staff_id"));
        CRE_ASSIGN_OR_RETURN(const absl::Time first, TimeFromSql(reader_rows->getString("first_read_at")));
        CRE_ASSIGN_OR_RETURN(const absl::Time last, TimeFromSql(reader_rows->getString("last_read_at")));
        *r->mutable_first_read_at() = ToProtoTime(first);
        *r->mutable_last_read_at() = ToProtoTime(last);
        r->set_reads(reader_rows->getInt("read_count"));
      }
    }

    Subject subject;
    subject.child_id = child_id;
    subject.case_ids = case_ids;
    // The whole log: a subject access request is owed all of it.
    bool more = false;
    int64_t before = 0;
    do {
      CRE_ASSIGN_OR_RETURN(std::vector<v1::RecordAccess> page, ReadAccesses(c, subject, 1000, before, &more));
      if (page.empty()) break;
      before = page.back().seq();
      for (v1::RecordAccess& access : page) out.accesses.push_back(std::move(access));
    } while (more);
    out.accesses_complete = IndexComplete(c);

    v1::AuditRecord exported = exported_by;
    exported.set_kind(v1::AUDIT_EVENT_KIND_SUBJECT_ACCESS_EXPORTED);
    exported.set_child_id(child_id);
    exported.set_detail(case_ids.empty() ? "cases: none" : absl::StrCat("cases: ", absl::StrJoin(case_ids, ", ")));
    return AppendAudit(c, {exported});
  });
  if (!status.ok()) return status;
  return out;
}

}  // namespace cre::mysql
