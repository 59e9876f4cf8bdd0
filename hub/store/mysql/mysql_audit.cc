#include "store/mysql/mysql_audit.h"

#include <memory>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "audit/audit_chain.h"
#include "common/proto_time.h"
#include "cppconn/prepared_statement.h"
#include "cppconn/resultset.h"
#include "store/mysql/mysql_store.h"
#include "store/mysql/sql_errors.h"
#include "store/mysql/sql_values.h"

namespace cre::mysql {
v1::AuditRecord AuditOf(v1::AuditEventKind kind, const std::string& actor, absl::Time at) {
  v1::AuditRecord record;
  record.set_kind(kind);
  record.set_actor_agency_id(actor);
  *record.mutable_at() = ToProtoTime(at);
  return record;
}

absl::Status AppendAudit(sql::Connection& c, std::vector<v1::AuditRecord> records) {
  if (records.empty()) return absl::OkStatus();
  auto head = Prepare(c, "SELECT seq, row_hash FROM audit_head WHERE id = 1 FOR UPDATE");
  std::unique_ptr<sql::ResultSet> row(head->executeQuery());
  if (!row->next()) {
    return absl::FailedPreconditionError("audit_head has no row: are the migrations applied?");
  }
  int64_t seq = row->getInt64("seq");
  std::string hash = row->getString("row_hash");

  auto insert = Prepare(c, "INSERT INTO audit_log (seq, record, prev_hash, row_hash) VALUES (?, ?, ?, ?)");
  for (v1::AuditRecord& record : records) {
    record.set_seq(++seq);
    const audit::StoredRow sealed = audit::SealRow(record, hash);
    std::istringstream bytes(sealed.record_bytes);
    insert->setInt64(1, sealed.seq);
    insert->setBlob(2, &bytes);
    insert->setString(3, sealed.prev_hash);
    insert->setString(4, sealed.row_hash);
    insert->executeUpdate();
    hash = sealed.row_hash;
  }
  auto update = Prepare(c, "UPDATE audit_head SET seq = ?, row_hash = ? WHERE id = 1");
  update->setInt64(1, seq);
  update->setString(2, hash);
  update->executeUpdate();
  return absl::OkStatus();
}

absl::Status MysqlStore::RecordAudit(std::vector<v1::AuditRecord> records) {
  return RunTransaction(pool_, "record audit", [&](sql::Connection& c) {
    return AppendAudit(c, records);  // a copy: the body may run again
  });
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

}  // namespace cre::mysql
