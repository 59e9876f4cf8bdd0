// RunTransaction (connection_pool.h) as every store method runs it: with
// the commit sent as a COMMIT statement, whose failure is reported.
//
// Connector/C++ 1.1's Connection::commit() drops the server's answer: a
// commit that failed comes back as if it had succeeded. On one server a
// commit hardly ever fails, but on a Galera cluster a transaction that
// loses certification to another node's fails exactly there, with 1213,
// and its work is rolled back: the store would answer a submission with a
// receipt for a message that was never stored, or count rows it never
// wrote. A COMMIT statement throws its error like any other statement, so
// RunTransaction rolls back and runs the body again.
//
//   return RunStoreTransaction(pool_, "sync agencies", [&](sql::Connection& c) { ...; return absl::OkStatus(); });
#ifndef CRE_HUB_STORE_MYSQL_STORE_TRANSACTION_H_
#define CRE_HUB_STORE_MYSQL_STORE_TRANSACTION_H_

#include <functional>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "cppconn/connection.h"
#include "store/mysql/connection_pool.h"

namespace cre::mysql {

// RunTransaction, committing with a COMMIT statement after `body` returns
// OK, unless `body` committed in its last batch (CommittedInBatch).
absl::Status RunStoreTransaction(ConnectionPool& pool, absl::string_view what,
                                 const std::function<absl::Status(sql::Connection&)>& body,
                                 const RetryPolicy& policy = RetryPolicy());

// MarkCommitted, for a body run by RunStoreTransaction: the body committed
// with the last statement of a batch (which reports a failed commit as
// RunBatch reports any statement's), and runs nothing after it.
void CommittedInBatch(const sql::Connection& connection);

}  // namespace cre::mysql

#endif  // CRE_HUB_STORE_MYSQL_STORE_TRANSACTION_H_
