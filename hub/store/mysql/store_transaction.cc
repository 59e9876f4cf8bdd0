#include "store/mysql/store_transaction.h"

#include "store/mysql/sql_values.h"

namespace cre::mysql {
namespace {

// Set by CommittedInBatch for the body running on this thread. A body may
// run a transaction on another pool: each run keeps its own flag.
thread_local bool* committed_in_batch = nullptr;

}  // namespace

absl::Status RunStoreTransaction(ConnectionPool& pool, absl::string_view what,
                                 const std::function<absl::Status(sql::Connection&)>& body,
                                 const RetryPolicy& policy) {
  return RunTransaction(
      pool, what,
      [&](sql::Connection& c) -> absl::Status {
        bool committed = false;
        bool* const outer = committed_in_batch;
        committed_in_batch = &committed;
        absl::Status status;
        try {
          status = body(c);
        } catch (...) {
          committed_in_batch = outer;
          throw;
        }
        committed_in_batch = outer;
        if (!status.ok() || committed) return status;
        // Throws on a failed commit (1213 when another node's write won
        // certification): RunTransaction then runs the body again.
        RunBatch(c, {"COMMIT"}, nullptr);
        MarkCommitted(c);
        return status;
      },
      policy);
}

void CommittedInBatch(const sql::Connection& connection) {
  if (committed_in_batch != nullptr) *committed_in_batch = true;
  MarkCommitted(connection);
}

}  // namespace cre::mysql
