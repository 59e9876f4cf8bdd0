#include "store/mysql/sql_errors.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace cre::mysql {

bool IsRetryableConflict(int error_code) {
  return error_code == kErrDeadlock || error_code == kErrLockWaitTimeout || error_code == kErrCheckRead;
}

bool IsConnectionLost(int error_code) {
  switch (error_code) {
    // ER_UNKNOWN_COM_ERROR: what a Galera node answers when it cannot take
    // transactions ("WSREP has not yet prepared node for application use":
    // it left the primary component, or is still joining). The hub never
    // sends a command the server does not know, so it means that here.
    case 1047:
    case 1053:  // ER_SERVER_SHUTDOWN
    case 1927:  // ER_CONNECTION_KILLED (MariaDB)
    case 2002:  // CR_CONNECTION_ERROR (socket)
    case 2003:  // CR_CONN_HOST_ERROR
    case 2006:  // CR_SERVER_GONE_ERROR
    case 2013:  // CR_SERVER_LOST
    case 2055:  // CR_SERVER_LOST_EXTENDED
      return true;
    default:
      return false;
  }
}

bool IsBrokenTriggerLoad(int error_code, absl::string_view message) {
  // Both of the server's texts for it: "Unknown trigger has an error in its
  // body" when the parse failed before the trigger's name, "Trigger 'name'
  // has an error in its body" after it.
  return error_code == 1064 &&
         (absl::StartsWith(message, "Unknown trigger ") || absl::StartsWith(message, "Trigger '")) &&
         absl::StrContains(message, " has an error in its body");
}

absl::Status StatusFromSqlError(int error_code, absl::string_view message,
                                absl::string_view what) {
  const std::string text = absl::StrCat(what, ": database error ", error_code, ": ", message);
  if (IsRetryableConflict(error_code)) return absl::AbortedError(text);
  if (IsConnectionLost(error_code)) return absl::UnavailableError(text);
  switch (error_code) {
    case kErrDuplicateKey:
      return absl::AlreadyExistsError(text);
    case 1049:  // ER_BAD_DB_ERROR: the schema does not exist
    case 1146:  // ER_NO_SUCH_TABLE: migrations not applied
    case 1054:  // ER_BAD_FIELD_ERROR: migrations behind the code
      // The hub's database is not ready, which is never the caller's
      // fault: UNAVAILABLE, so that an agency keeps its submission and
      // tries again (an adapter moves a refusal such as FAILED_PRECONDITION
      // out of its spool for good).
      return absl::UnavailableError(
          absl::StrCat(text, " (are the migrations applied? run hubctl migrate)"));
    default:
      // Access denied, syntax errors and the like are the hub's own fault or
      // its operator's, never the caller's: INTERNAL, with the detail logged.
      return absl::InternalError(text);
  }
}

absl::Status StatusFromSqlException(const sql::SQLException& e, absl::string_view what) {
  return StatusFromSqlError(e.getErrorCode(), e.what(), what);
}

}  // namespace cre::mysql
