// The one place where a MySQL/MariaDB error becomes an absl::Status.
//
// Connector/C++ throws sql::SQLException; the store catches it at its
// boundary and converts it here, so that the codes callers see follow one
// rule: conflicts that a retry of the transaction may resolve are ABORTED,
// a lost or refused connection is UNAVAILABLE, and so is a schema that is
// not there (not migrated), a duplicate key is ALREADY_EXISTS.
#ifndef CRE_HUB_STORE_MYSQL_SQL_ERRORS_H_
#define CRE_HUB_STORE_MYSQL_SQL_ERRORS_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "cppconn/exception.h"

namespace cre::mysql {

// Server error numbers the store acts on.
inline constexpr int kErrLockWaitTimeout = 1205;
inline constexpr int kErrDeadlock = 1213;
// ER_CHECKREAD, "Record has changed since last read": with MariaDB's
// innodb_snapshot_isolation on (the default from 11.6; off in the 10.11 this
// project runs), a locking read of a row newer than the transaction's
// snapshot fails with it, as a claim racing a submission does.
inline constexpr int kErrCheckRead = 1020;
inline constexpr int kErrDuplicateKey = 1062;

// The transaction lost a conflict; running it again may succeed.
bool IsRetryableConflict(int error_code);
// The connection is unusable; replace it, then retry the transaction.
bool IsConnectionLost(int error_code);
// A table's triggers failed to load on the node (1064 "Unknown trigger has
// an error in its body", or "Trigger 'name' has ..."): the node's cached
// table stays so until it is opened afresh, which the transaction runner
// has done before it retries (trigger_repair.h says when this happens and
// why).
bool IsBrokenTriggerLoad(int error_code, absl::string_view message);

// `what` says what the store was doing, e.g. "sync agencies".
absl::Status StatusFromSqlError(int error_code, absl::string_view message,
                                absl::string_view what);
absl::Status StatusFromSqlException(const sql::SQLException& e, absl::string_view what);

}  // namespace cre::mysql

#endif  // CRE_HUB_STORE_MYSQL_SQL_ERRORS_H_
