// Recording from inside a store transaction, so that a record is written
// exactly when what it records is committed; and sealing the records into
// the chain (migrations/0006_audit_journal.sql says why in two steps).
#ifndef CRE_HUB_STORE_MYSQL_MYSQL_AUDIT_H_
#define CRE_HUB_STORE_MYSQL_MYSQL_AUDIT_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "casework/audit_records.h"
#include "cppconn/connection.h"
#include "cre/v1/audit.pb.h"

namespace cre::mysql {

// Writes `records` to the audit journal in the caller's transaction (one
// statement). The sealer gives them their seq and hash after the commit.
absl::Status AppendAudit(sql::Connection& c, const std::vector<v1::AuditRecord>& records);
// AppendAudit and the commit, in one round trip where the server allows it
// (RunBatchAndCommit): the last thing a transaction body does. `first`: the
// body's own last statements (built as RunBatch requires), sent ahead in the
// same round trip.
absl::Status AppendAuditAndCommit(sql::Connection& c, const std::vector<v1::AuditRecord>& records,
                                  std::vector<std::string> first = {});
// Whether a record is an access to a child's data, which the access index
// (migration 0019) lists: a read of a case, a message about the child handed
// to an agency, a subject access export, a read of the access list itself.
bool IsRecordAccess(const v1::AuditRecord& record);
// The statements that index the accesses among sealed `records` (seq set)
// in audit_access, ignoring rows indexed already: a record naming a case
// under the case's child, one naming only a child under the child. Empty if
// none is an access. Built from ids as SqlBytes literals (RunBatch).
std::vector<std::string> AccessIndexStatements(const std::vector<v1::AuditRecord>& records);

// The statement AppendAudit sends, for a body that sends it in a batch of
// its own (RunBatch). `records` is not empty.
std::string JournalInsert(const std::vector<v1::AuditRecord>& records);

}  // namespace cre::mysql

#endif  // CRE_HUB_STORE_MYSQL_MYSQL_AUDIT_H_
