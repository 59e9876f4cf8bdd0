// Appending to the audit chain from inside a store transaction, so that a
// record is written exactly when what it records is committed.
#ifndef CRE_HUB_STORE_MYSQL_MYSQL_AUDIT_H_
#define CRE_HUB_STORE_MYSQL_MYSQL_AUDIT_H_

#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "cppconn/connection.h"
#include "cre/v1/audit.pb.h"

namespace cre::mysql {

// Appends `records` to the chain: locks the head row (the chain's one
// serialization point, taken last in every transaction so it joins no
// lock cycle), gives each record the next seq and `at` if unset, and writes
// the sealed rows and the new head.
absl::Status AppendAudit(sql::Connection& c, std::vector<v1::AuditRecord> records);

// A record of `kind` at `at`, by `actor` (an agency id, or "" for the hub).
v1::AuditRecord AuditOf(v1::AuditEventKind kind, const std::string& actor, absl::Time at);

}  // namespace cre::mysql

#endif  // CRE_HUB_STORE_MYSQL_MYSQL_AUDIT_H_
