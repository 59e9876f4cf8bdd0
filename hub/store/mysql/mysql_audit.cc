#include "store/mysql/mysql_audit.h"

#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "audit/audit_chain.h"
#include "common/proto_time.h"
#include "common/status_macros.h"
#include "cppconn/prepared_statement.h"
#include "cppconn/resultset.h"
#include "cppconn/statement.h"
#include "store/mysql/mysql_store.h"
#include "store/mysql/sql_errors.h"
#include "store/mysql/sql_values.h"

namespace cre::mysql {

// One row, whatever the number of records (migration 0007 says why).
std::string JournalInsert(const std::vector<v1::AuditRecord>& records) {
  v1::AuditJournalEntry entry;
  for (const v1::AuditRecord& record : records) *entry.add_records() = record;
  return absl::StrCat("INSERT INTO audit_journal (entry, record_count) VALUES (", SqlBytes(entry.SerializeAsString()),
                      ", ", records.size(), ")");
}

namespace {

// The records of one journal row: an entry, or one record from before
// migration 0007.
absl::Status ReadJournalRow(sql::ResultSet& row, std::vector<v1::AuditRecord>* records) {
  if (row.isNull("entry")) {
    absl::StatusOr<v1::AuditRecord> record = ParseBlob<v1::AuditRecord>(row, "record");
    if (!record.ok()) return record.status();
    records->push_back(*std::move(record));
    return absl::OkStatus();
  }
  absl::StatusOr<v1::AuditJournalEntry> entry = ParseBlob<v1::AuditJournalEntry>(row, "entry");
  if (!entry.ok()) return entry.status();
  for (v1::AuditRecord& record : *entry->mutable_records()) records->push_back(std::move(record));
  return absl::OkStatus();
}

// A group acceptance (mysql_accept.cc) sends its rows and its records in one
// round trip, so it journals the hand-outs it made without their delivery
// ids, which the same statements were giving the delivery rows: the id is
// taken from the row, committed in the same transaction, before sealing.
bool LacksDeliveryId(const v1::AuditRecord& r) {
  return r.kind() == v1::AUDIT_EVENT_KIND_DELIVERY_HANDED_OUT && r.delivery_id() == 0 && !r.message_id().empty();
}

// The query for those ids: (message_id, recipient_agency_id, delivery_id)
// rows. Empty when no record lacks one.
std::string HandOutDeliveryIdsQuery(const std::vector<v1::AuditRecord>& records) {
  std::set<std::string> messages;
  for (const v1::AuditRecord& record : records) {
    if (LacksDeliveryId(record)) messages.insert(SqlBytes(record.message_id()));
  }
  if (messages.empty()) return "";
  // One index lookup per message, driven from the list: as `message_id IN
  // (...)` with a few hundred ids, the optimizer would read the whole index
  // when the table's statistics lag behind its growth.
  return absl::StrCat("WITH v(id) AS (VALUES (", absl::StrJoin(messages, "), ("),
                      ")) SELECT d.message_id, d.recipient_agency_id, d.delivery_id FROM v STRAIGHT_JOIN"
                      " delivery d FORCE INDEX (delivery_message_recipient) ON d.message_id = v.id");
}

}  // namespace

bool IsRecordAccess(const v1::AuditRecord& record) {
  switch (record.kind()) {
    case v1::AUDIT_EVENT_KIND_CASE_READ:
    case v1::AUDIT_EVENT_KIND_DELIVERY_HANDED_OUT:
    case v1::AUDIT_EVENT_KIND_SUBJECT_ACCESS_EXPORTED:
    case v1::AUDIT_EVENT_KIND_ACCESS_LOG_READ:
      return !record.case_id().empty() || !record.child_id().empty();
    default:
      return false;
  }
}

std::vector<std::string> AccessIndexStatements(const std::vector<v1::AuditRecord>& records) {
  std::vector<std::string> of_cases;
  std::vector<std::string> of_children;
  for (const v1::AuditRecord& record : records) {
    if (!IsRecordAccess(record)) continue;
    if (!record.case_id().empty()) {
      of_cases.push_back(absl::StrCat("SELECT ", record.seq(), " AS seq, ", SqlBytes(record.case_id()), " AS case_id"));
    } else {
      of_children.push_back(absl::StrCat("(", record.seq(), ", ", SqlBytes(record.child_id()), ", '')"));
    }
  }
  std::vector<std::string> statements;
  // The record names the case only; its child is the case's. A case id that
  // is no case (none should be recorded) is left out rather than failing
  // the seal.
  if (!of_cases.empty()) {
    statements.push_back(absl::StrCat(
        "INSERT IGNORE INTO audit_access (seq, child_id, case_id) SELECT v.seq, c.child_id, c.case_id FROM (",
        absl::StrJoin(of_cases, " UNION ALL "),
        // One primary key lookup per record, driven from the list (as
        // HandOutDeliveryIdsQuery's): the ids are bytes, the column text.
        ") v STRAIGHT_JOIN cre_case c FORCE INDEX (PRIMARY) ON c.case_id = v.case_id"));
  }
  if (!of_children.empty()) {
    statements.push_back(absl::StrCat("INSERT IGNORE INTO audit_access (seq, child_id, case_id) VALUES ",
                                      absl::StrJoin(of_children, ", ")));
  }
  return statements;
}

absl::Status AppendAudit(sql::Connection& c, const std::vector<v1::AuditRecord>& records) {
  if (records.empty()) return absl::OkStatus();
  RunBatch(c, {JournalInsert(records)}, nullptr);
  return absl::OkStatus();
}

absl::Status AppendAuditAndCommit(sql::Connection& c, const std::vector<v1::AuditRecord>& records,
                                  std::vector<std::string> first) {
  std::vector<std::string> statements = std::move(first);
  if (!records.empty()) statements.push_back(JournalInsert(records));
  RunBatchAndCommit(c, std::move(statements), nullptr);
  return absl::OkStatus();
}

absl::StatusOr<int> MysqlStore::SealAudit(int limit) {
  int sealed = 0;
  if (limit <= 0) return sealed;
  // Three round trips, whatever the batch: take the journal rows; read the
  // missing delivery ids and lock the head; write the chain and commit. (It
  // was seven, and the sealer runs up to 50 times a second.) The SQL text is
  // built from numbers and hex only: a prepared statement per batch size
  // would fill the statement cache.
  absl::Status status = RunTransaction(pool_, "seal audit", [&](sql::Connection& c) -> absl::Status {
    sealed = 0;
    // The journal's id (AUTO_INCREMENT) only names the rows this seal takes
    // and deletes; nothing is read into its order. A row's place in the
    // chain is the order it is sealed in, which is not the order of the
    // ids even on one server (a transaction that took a smaller id may
    // commit later, and is sealed later) and, on a Galera cluster, not
    // across nodes either (each gives out ids in its own steps). Each
    // record carries its own time, and the seq the chain gives it here.
    // Rows another sealer holds, and rows not committed yet, are skipped:
    // that sealer, or the next round, seals them. A row is sealed once
    // because the sealer that took it deletes it before releasing it. Rows
    // are taken whole until `limit` records are reached; the rows locked
    // beyond that are left for the next round.
    std::vector<int64_t> ids;
    std::vector<v1::AuditRecord> records;
    absl::Status read;
    RunBatch(c,
             {// No gap locks: the journal rows this takes must not stop
              // transactions from journalling new ones meanwhile.
              kReadCommittedNext,
              absl::StrCat("SELECT id, record, entry FROM audit_journal ORDER BY id LIMIT ", limit,
                           " FOR UPDATE SKIP LOCKED")},
             [&](size_t, sql::ResultSet& row) {
               if (!read.ok() || static_cast<int>(records.size()) >= limit) return;
               read = ReadJournalRow(row, &records);
               ids.push_back(row.getInt64("id"));
             });
    if (!read.ok()) return read;
    if (ids.empty()) return absl::OkStatus();

    // The chain's one serialization point, held from the end of this round
    // trip to the commit in the next, once per batch rather than for every
    // transaction.
    std::vector<std::string> reads;
    const std::string delivery_ids = HandOutDeliveryIdsQuery(records);
    if (!delivery_ids.empty()) reads.push_back(delivery_ids);
    reads.push_back("SELECT seq, row_hash FROM audit_head WHERE id = 1 FOR UPDATE");
    std::map<std::pair<std::string, std::string>, int64_t> handed_out;
    bool have_head = false;
    int64_t seq = 0;
    std::string hash;
    RunBatch(c, reads, [&](size_t statement, sql::ResultSet& row) {
      if (statement + 1 < reads.size()) {
        handed_out[{std::string(row.getString(1)), std::string(row.getString(2))}] = row.getInt64(3);
      } else {
        have_head = true;
        seq = row.getInt64("seq");
        hash = row.getString("row_hash");
      }
    });
    if (!have_head) return absl::FailedPreconditionError("audit_head has no row: are the migrations applied?");
    for (v1::AuditRecord& record : records) {
      if (!LacksDeliveryId(record)) continue;
      auto it = handed_out.find({record.message_id(), record.recipient_agency_id()});
      if (it != handed_out.end()) record.set_delivery_id(it->second);
    }

    const int64_t head_before = seq;
    std::string insert = "INSERT INTO audit_log (seq, record, prev_hash, row_hash) VALUES ";
    for (size_t i = 0; i < records.size(); ++i) {
      records[i].set_seq(++seq);
      const audit::StoredRow sealed_row = audit::SealRow(records[i], hash);
      absl::StrAppend(&insert, i == 0 ? "" : ", ", "(", sealed_row.seq, ", ",
                      SqlBytes(sealed_row.record_bytes), ", ", SqlBytes(sealed_row.prev_hash),
                      ", ", SqlBytes(sealed_row.row_hash), ")");
      hash = sealed_row.row_hash;
    }
    std::vector<std::string> writes = {insert};
    // The accesses among them are indexed here, so that the index never
    // lags the chain; the watermark moves with the chain only while the
    // catch-up of older rows (IndexAuditAccesses) has reached the head.
    for (std::string& index : AccessIndexStatements(records)) writes.push_back(std::move(index));
    writes.push_back(absl::StrCat("UPDATE audit_access_watermark SET indexed_through = ", seq,
                                  " WHERE id = 1 AND indexed_through = ", head_before));
    writes.push_back(absl::StrCat("DELETE FROM audit_journal WHERE id IN (", absl::StrJoin(ids, ", "), ")"));
    writes.push_back(
        absl::StrCat("UPDATE audit_head SET seq = ", seq, ", row_hash = ", SqlBytes(hash), " WHERE id = 1"));
    RunBatchAndCommit(c, std::move(writes), nullptr);
    sealed = static_cast<int>(records.size());
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return sealed;
}

absl::StatusOr<int64_t> MysqlStore::UnsealedAuditCount() {
  int64_t count = 0;
  absl::Status status = RunTransaction(pool_, "count the audit journal", [&](sql::Connection& c) {
    std::unique_ptr<sql::ResultSet> row(
        Prepare(c, "SELECT COALESCE(SUM(record_count), 0) FROM audit_journal")->executeQuery());
    count = row->next() ? row->getInt64(1) : 0;
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return count;
}

absl::Status MysqlStore::RecordAudit(std::vector<v1::AuditRecord> records) {
  return RunTransaction(pool_, "record audit", [&](sql::Connection& c) { return AppendAudit(c, records); });
}

absl::StatusOr<std::vector<audit::StoredRow>> MysqlStore::ReadAudit(int64_t from_seq, int limit) {
  std::vector<audit::StoredRow> rows;
  absl::Status status = RunTransaction(pool_, "read audit", [&](sql::Connection& c) {
    rows.clear();
    auto select = Prepare(c,
                          "SELECT seq, record, prev_hash, row_hash FROM audit_log"
                          " WHERE seq >= ? ORDER BY seq LIMIT ?");
    select->setInt64(1, from_seq);
    select->setInt(2, limit);
    std::unique_ptr<sql::ResultSet> result(select->executeQuery());
    while (result->next()) {
      rows.push_back({result->getInt64("seq"), result->getString("record"),
                      result->getString("prev_hash"), result->getString("row_hash")});
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return rows;
}

absl::StatusOr<audit::Anchor> MysqlStore::AuditHead() {
  audit::Anchor anchor;
  absl::Status status = RunTransaction(pool_, "read audit head", [&](sql::Connection& c) {
    std::unique_ptr<sql::ResultSet> row(
        Prepare(c, "SELECT seq, row_hash FROM audit_head WHERE id = 1")->executeQuery());
    if (!row->next()) return absl::FailedPreconditionError("audit_head has no row");
    anchor = {row->getInt64("seq"), row->getString("row_hash")};
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return anchor;
}

absl::Status MysqlStore::RecordAuditVerification(const AuditVerification& verification) {
  return RunTransaction(pool_, "record an audit verification", [&](sql::Connection& c) {
    auto replace = Prepare(c,
                           "REPLACE INTO audit_verification (id, verified_up_to, head_hash, verified_at, intact,"
                           " problem, verified_by) VALUES (1, ?, ?, ?, ?, ?, ?)");
    replace->setInt64(1, verification.verified_up_to);
    replace->setString(2, verification.head_hash);
    replace->setString(3, SqlTime(verification.verified_at));
    replace->setBoolean(4, verification.intact);
    replace->setString(5, verification.problem.substr(0, 500));
    replace->setString(6, verification.verified_by);
    replace->executeUpdate();
    return absl::OkStatus();
  });
}

absl::StatusOr<absl::optional<AuditVerification>> MysqlStore::LastAuditVerification() {
  absl::optional<AuditVerification> last;
  absl::Status status = RunTransaction(pool_, "read the last audit verification", [&](sql::Connection& c) -> absl::Status {
    last.reset();
    auto select = Prepare(c,
                          "SELECT verified_up_to, head_hash, verified_at, intact, problem, verified_by"
                          " FROM audit_verification WHERE id = 1");
    std::unique_ptr<sql::ResultSet> row(select->executeQuery());
    if (!row->next()) return absl::OkStatus();
    AuditVerification v;
    v.verified_up_to = row->getInt64("verified_up_to");
    v.head_hash = row->getString("head_hash");
    absl::StatusOr<absl::Time> at = TimeFromSql(row->getString("verified_at"));
    if (!at.ok()) return at.status();
    v.verified_at = *at;
    v.intact = row->getBoolean("intact");
    v.problem = row->getString("problem");
    v.verified_by = row->getString("verified_by");
    last = std::move(v);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return last;
}

}  // namespace cre::mysql
