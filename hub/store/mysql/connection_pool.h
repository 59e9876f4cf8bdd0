// A pool of Connector/C++ connections, and the transaction runner that every
// store method goes through.
//
// Connector/C++ allows one thread per connection at a time, so a connection
// is leased to one caller and comes back when the lease ends. Auto-reconnect
// is off: a reconnect in the middle of a transaction would silently drop the
// transaction's earlier statements. Instead, a lost connection is thrown away
// and the whole transaction runs again on a new one.
//
//   ConnectionPool pool(settings);
//   absl::Status status = RunTransaction(pool, "sync agencies",
//       [&](sql::Connection& c) -> absl::Status { ...; return absl::OkStatus(); });
#ifndef CRE_HUB_STORE_MYSQL_CONNECTION_POOL_H_
#define CRE_HUB_STORE_MYSQL_CONNECTION_POOL_H_

#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "cppconn/connection.h"
#include "cppconn/prepared_statement.h"

namespace cre::mysql {

class NodeSelector;

struct ConnectionSettings {
  std::string host = "127.0.0.1";
  int port = 3306;
  // A MariaDB Galera cluster instead: its nodes in order of preference
  // (node_selector.h); host and port are then not used.
  struct Endpoint {
    std::string host;
    int port = 3306;
  };
  std::vector<Endpoint> nodes;
  // On a cluster, the sessions' wsrep_sync_wait (0: off).
  int sync_wait = 0;
  std::string user;
  std::string password;
  // Empty: no default schema (used to create the schema itself).
  std::string schema;
  int connect_timeout_seconds = 5;
  // Bounds a statement stuck on a dead server, so a caller is answered.
  int read_write_timeout_seconds = 30;
};

// One new connection, with auto-reconnect off and autocommit on; on a
// cluster (settings.nodes), to the first good node of the list. (The pool
// turns autocommit off on its own connections: each statement there is part
// of a transaction that RunTransaction commits.)
absl::StatusOr<std::unique_ptr<sql::Connection>> Connect(const ConnectionSettings& settings);

// The statements prepared on one connection, kept as long as it lives.
// Preparing is a round trip to the server (COM_STMT_PREPARE) and the hub
// runs the same statements again and again, so each is prepared once per
// connection and then only executed. That includes multi-row statements,
// whose text changes with the row count: under a steady load the group
// sizes repeat, so the cache keeps the most recently used kMaxStatements
// and closes the least recently used beyond that (the server allows
// max_prepared_stmt_count in all: 16,382 by default).
class StatementCache {
 public:
  // The statement for `sql` on `connection`, prepared on first use. Null
  // when the cache is full of statements the running body has taken: the
  // caller then prepares one for its use alone. (A statement a body holds
  // is never closed under it.)
  sql::PreparedStatement* Get(sql::Connection& connection, const std::string& sql);

  // A new transaction body starts: what earlier bodies took may be closed.
  void StartBody() { ++body_; }

  size_t size() const { return statements_.size(); }

  static constexpr size_t kMaxStatements = 256;

 private:
  struct Entry {
    std::unique_ptr<sql::PreparedStatement> statement;
    std::list<std::string>::iterator recency;  // into recency_
    uint64_t body;                             // the last body that took it
  };
  absl::flat_hash_map<std::string, Entry> statements_;
  std::list<std::string> recency_;  // most recently used first
  uint64_t body_ = 0;
};

// A connection and its statements: they live and die together.
struct PooledConnection {
  std::unique_ptr<sql::Connection> connection;
  // The node selector's generation when it was opened: a connection to a
  // node the pool has moved away from is closed, not reused.
  uint64_t generation = 0;
  // Whether a batch may end with its transaction's COMMIT: not on a Galera
  // node (CommitsInBatch).
  bool commits_in_batch = false;
  StatementCache statements;  // declared after: closed before the connection
};

// The statement cache of the connection that RunTransaction lent to this
// thread for the body it is running, if that is `connection`; else null.
StatementCache* CachedStatementsFor(const sql::Connection& connection);

// Whether the body that RunTransaction lent `connection` to may commit with
// the last statement of a batch (RunBatchAndCommit, sql_values.h), saving
// the commit's round trip: on a server that does not replicate with Galera.
// A Galera node that lets another node's transaction abort this one in the
// middle of a batch (a brute-force abort) rolls it back at once, reports the
// abort as the failure of the statement it hit, and then runs the batch's
// remaining statements in a new transaction: a COMMIT among them commits
// those without the ones before (seen with MariaDB 10.11.19 and galera-4
// 26.4.23: a message and its delivery committed without their idempotency
// receipt). There the COMMIT waits until every result came back.
bool CommitsInBatch(const sql::Connection& connection);

class ConnectionPool {
 public:
  // At most `max_size` connections are open at once. Connections go to the
  // node `nodes` chooses (shared by the pools of one store, so that they
  // move together); null: a selector of the pool's own.
  ConnectionPool(ConnectionSettings settings, int max_size,
                 std::shared_ptr<NodeSelector> nodes = nullptr);
  ~ConnectionPool();

  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;

  // A connection leased to one caller. It returns to the pool when the lease
  // ends, unless Discard() was called (the connection is broken).
  class Lease {
   public:
    Lease(Lease&& other) noexcept;
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    sql::Connection& operator*() const { return *connection_->connection; }
    sql::Connection* operator->() const { return connection_->connection.get(); }
    StatementCache& statements() const { return connection_->statements; }
    PooledConnection& pooled() const { return *connection_; }
    void Discard() { connection_.reset(); }

   private:
    friend class ConnectionPool;
    Lease(ConnectionPool* pool, std::unique_ptr<PooledConnection> connection)
        : pool_(pool), connection_(std::move(connection)) {}
    ConnectionPool* pool_;
    std::unique_ptr<PooledConnection> connection_;
  };

  // An idle connection, a new one if fewer than max_size are open, or the
  // first one returned within `wait`. UNAVAILABLE if the database refuses a
  // new connection; RESOURCE_EXHAUSTED if none is free within `wait`.
  absl::StatusOr<Lease> Acquire(absl::Duration wait = absl::Seconds(10));

  const ConnectionSettings& settings() const { return settings_; }
  NodeSelector& nodes() const { return *nodes_; }

  // Closes every idle connection (after one was found dead: the server may
  // have restarted, and the others are dead too).
  void DropIdle();

  // Connections open now (idle or leased), leased now, and the most it
  // opens: for the metrics.
  struct Use {
    int open = 0;
    int leased = 0;
    int max = 0;
  };
  Use CurrentUse() const;

 private:
  void Release(std::unique_ptr<PooledConnection> connection);

  const ConnectionSettings settings_;
  const std::shared_ptr<NodeSelector> nodes_;
  const int max_size_;
  mutable absl::Mutex mu_;
  std::vector<std::unique_ptr<PooledConnection>> idle_ ABSL_GUARDED_BY(mu_);
  int open_ ABSL_GUARDED_BY(mu_) = 0;
};

// How RunTransaction retries.
struct RetryPolicy {
  int max_attempts = 6;
  // How long an attempt waits for a free connection.
  absl::Duration acquire_wait = absl::Seconds(10);
  absl::Duration initial_backoff = absl::Milliseconds(10);
  absl::Duration max_backoff = absl::Seconds(1);
};

// Runs `body` in one transaction and commits it. A deadlock (1213) or lock
// wait timeout (1205) rolls back and runs `body` again; a lost connection
// (2006, 2013, ...) replaces the connection and runs `body` again; each after
// a jittered exponential backoff, and counted by cause in
// TransactionRetries() (store/transaction_retries.h). `body` returning an error rolls back and
// returns that error without a retry. `body` may throw sql::SQLException;
// any other exception propagates, and the connection is thrown away.
// So `body` must have no effect outside the transaction, and must be safe to
// run again after a commit whose answer was lost with the connection (the
// commit may have happened): store methods use idempotency keys or upserts.
// `what` names the operation in error messages.
absl::Status RunTransaction(ConnectionPool& pool, absl::string_view what,
                            const std::function<absl::Status(sql::Connection&)>& body,
                            const RetryPolicy& policy = RetryPolicy());

}  // namespace cre::mysql

#endif  // CRE_HUB_STORE_MYSQL_CONNECTION_POOL_H_
