// The repair for a table whose triggers failed to load on a Galera node.
//
// MariaDB 10.11 with galera-4 26.4, seen in the cluster conformance test
// (one run in five to seven of TheAuditChainNeverForks, which seals the audit
// chain from three nodes at once and so has hundreds of brute-force aborts):
// a node's cached copy of `audit_log` came to hold triggers that had failed
// to parse, and every statement on it from then on, from any connection of
// any client, failed with 1064 "Unknown trigger has an error in its body"
// (or "Trigger 'audit_journal_no_update' has an error in its body", when
// the parse got as far as the trigger's name), followed by 'Query was
// empty' or by a syntax error at some point of a stored definition that is
// itself sound (the .TRG files were identical on the three nodes, and a
// table opened afresh worked). It lasted until the table was opened afresh:
// 20 s of retries on new connections all failed, while FLUSH TABLES (which
// needs RELOAD, an administrator's privilege) or a metadata-only ALTER TABLE
// cured it. The parse is taken to have been cut short by a brute-force
// abort of the thread that was opening the table.
//
// So the transaction runner, after such an error, has the node open the
// tables with triggers afresh (an ALTER TABLE that sets their comment to
// what it is, which rebuilds nothing and which Galera runs on every node in
// total order) and then runs the transaction again.
#ifndef CRE_HUB_STORE_MYSQL_TRIGGER_REPAIR_H_
#define CRE_HUB_STORE_MYSQL_TRIGGER_REPAIR_H_

#include <array>

#include "absl/strings/string_view.h"
#include "cppconn/connection.h"

namespace cre::mysql {

// Every table the migrations give a trigger: audit_log's two (0004) and
// audit_journal's (0006), which keep the audit record append-only. A test
// (migrations_test) holds this list to information_schema.TRIGGERS.
inline constexpr std::array<const char*, 2> kTablesWithTriggers = {"audit_log", "audit_journal"};

// Makes the server behind `connection` open every table of
// kTablesWithTriggers afresh; `error` is the server's message, for the log.
// Throws sql::SQLException. Runs at most once a second in a process: a
// burst of transactions that all hit the broken table repairs it once, and
// the others' retries find it repaired.
void ReopenTablesWithTriggers(sql::Connection& connection, absl::string_view error);

}  // namespace cre::mysql

#endif  // CRE_HUB_STORE_MYSQL_TRIGGER_REPAIR_H_
