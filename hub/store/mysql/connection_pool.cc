#include "store/mysql/connection_pool.h"

#include <algorithm>
#include <random>

#include "absl/strings/str_cat.h"
#include "cppconn/driver.h"
#include "cppconn/exception.h"
#include "cppconn/resultset.h"
#include "cppconn/statement.h"
#include "spdlog/spdlog.h"
#include "store/mysql/node_selector.h"
#include "store/mysql/sql_errors.h"
#include "store/mysql/sql_values.h"
#include "store/mysql/trigger_repair.h"
#include "store/transaction_retries.h"

namespace cre::mysql {
namespace {

// get_driver_instance() is not thread-safe on its first call; a function
// static makes that first call happen once.
sql::Driver* Driver() {
  static sql::Driver* const driver = get_driver_instance();
  return driver;
}

absl::Duration Jittered(absl::Duration backoff) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::uniform_real_distribution<double> factor(0.5, 1.5);
  return backoff * factor(rng);
}

}  // namespace

sql::PreparedStatement* StatementCache::Get(sql::Connection& connection, const std::string& sql) {
  auto it = statements_.find(sql);
  if (it != statements_.end()) {
    recency_.splice(recency_.begin(), recency_, it->second.recency);
    it->second.body = body_;
    return it->second.statement.get();
  }
  if (statements_.size() >= kMaxStatements) {
    auto oldest = statements_.find(recency_.back());
    if (oldest->second.body == body_) return nullptr;
    statements_.erase(oldest);  // closes it on the server
    recency_.pop_back();
  }
  std::unique_ptr<sql::PreparedStatement> statement(connection.prepareStatement(sql));
  recency_.push_front(sql);
  Entry entry{std::move(statement), recency_.begin(), body_};
  return statements_.emplace(sql, std::move(entry)).first->second.statement.get();
}

namespace {

// What RunTransaction lent to the body running on this thread. A body runs
// on the thread that called RunTransaction, start to finish.
struct ActiveConnection {
  const sql::Connection* connection = nullptr;
  StatementCache* statements = nullptr;
  bool commits_in_batch = false;
  bool* committed = nullptr;  // set by MarkCommitted
};
thread_local ActiveConnection active;

// Sets `active` for one body, and restores what was there (a body may run
// a transaction on another pool).
class ActiveScope {
 public:
  ActiveScope(PooledConnection& pooled, bool* committed) : saved_(active) {
    active = {pooled.connection.get(), &pooled.statements, pooled.commits_in_batch, committed};
  }
  ~ActiveScope() { active = saved_; }

 private:
  ActiveConnection saved_;
};

}  // namespace

StatementCache* CachedStatementsFor(const sql::Connection& connection) {
  return active.connection == &connection ? active.statements : nullptr;
}

bool CommitsInBatch(const sql::Connection& connection) {
  return active.connection == &connection && active.commits_in_batch;
}

namespace {

// Tells RunTransaction that the body running on this thread has committed
// its transaction itself, with the last statement of a batch: the body must
// run nothing after it, and return OK. Only where CommitsInBatch; private to
// RunBatchAndCommit, so that no body can commit in a batch on a Galera node.
void MarkCommitted(const sql::Connection& connection) {
  if (active.connection == &connection) *active.committed = true;
}

// Whether `connection`'s server replicates with Galera (wsrep_on, which a
// server built without wsrep does not have).
bool IsGaleraNode(sql::Connection& connection) {
  std::unique_ptr<sql::ResultSet> rows(std::unique_ptr<sql::Statement>(connection.createStatement())
                                           ->executeQuery("SHOW SESSION VARIABLES LIKE 'wsrep_on'"));
  return rows->next() && rows->getString(2) == "ON";
}

}  // namespace

// Declared in sql_values.h, with RunBatch; defined here, beside the only
// thing that may call MarkCommitted.
void RunBatchAndCommit(sql::Connection& c, std::vector<std::string> statements, const BatchRows& rows,
                       size_t* reached) {
  const bool in_batch = CommitsInBatch(c);
  if (in_batch) statements.push_back("COMMIT");
  RunBatch(c, statements, rows, reached);
  if (in_batch) MarkCommitted(c);
}

absl::StatusOr<std::unique_ptr<sql::Connection>> Connect(const ConnectionSettings& s) {
  if (!s.nodes.empty()) {
    // A cluster: the first good node of the list, as a pool would choose.
    uint64_t generation = 0;
    return NodeSelector(s).Connect(s, &generation);
  }
  sql::ConnectOptionsMap options;
  options["hostName"] = sql::SQLString(absl::StrCat("tcp://", s.host, ":", s.port));
  options["userName"] = sql::SQLString(s.user);
  options["password"] = sql::SQLString(s.password);
  if (!s.schema.empty()) options["schema"] = sql::SQLString(s.schema);
  options["OPT_RECONNECT"] = false;
  options["OPT_CONNECT_TIMEOUT"] = s.connect_timeout_seconds;
  options["OPT_READ_TIMEOUT"] = s.read_write_timeout_seconds;
  options["OPT_WRITE_TIMEOUT"] = s.read_write_timeout_seconds;
  options["OPT_CHARSET_NAME"] = sql::SQLString("utf8mb4");
  // For RunBatch (sql_values.h): a transaction's independent statements in
  // one round trip. No SQL text here is built from a caller's text.
  options["CLIENT_MULTI_STATEMENTS"] = true;
  try {
    std::unique_ptr<sql::Connection> connection(Driver()->connect(options));
    connection->setAutoCommit(true);
    // Every TIMESTAMP the hub reads or writes is UTC, whatever the server's
    // own time zone.
    std::unique_ptr<sql::Statement>(connection->createStatement())
        ->execute("SET time_zone = '+00:00'");
    return connection;
  } catch (const sql::SQLException& e) {
    absl::Status status = StatusFromSqlException(
        e, absl::StrCat("connect to ", s.host, ":", s.port, " as ", s.user));
    // Whatever the server said, the caller cannot use the database now.
    if (status.code() == absl::StatusCode::kInternal) {
      return absl::UnavailableError(status.message());
    }
    return status;
  }
}

ConnectionPool::ConnectionPool(ConnectionSettings settings, int max_size,
                               std::shared_ptr<NodeSelector> nodes)
    : settings_(std::move(settings)),
      nodes_(nodes != nullptr ? std::move(nodes) : std::make_shared<NodeSelector>(settings_)),
      max_size_(std::max(1, max_size)) {}

ConnectionPool::~ConnectionPool() {
  absl::MutexLock lock(&mu_);
  idle_.clear();
}

ConnectionPool::Lease::Lease(Lease&& other) noexcept
    : pool_(other.pool_), connection_(std::move(other.connection_)) {
  other.pool_ = nullptr;  // The moved-from lease owns nothing to give back.
}

ConnectionPool::Lease::~Lease() {
  if (pool_ != nullptr) pool_->Release(std::move(connection_));
}

absl::StatusOr<ConnectionPool::Lease> ConnectionPool::Acquire(absl::Duration wait) {
  const uint64_t generation = nodes_->Current().generation;
  std::vector<std::unique_ptr<PooledConnection>> stale;  // closed outside the lock
  {
    absl::MutexLock lock(&mu_);
    // Connections to a node the pool has moved away from.
    for (auto& connection : idle_) {
      if (connection->generation != generation) stale.push_back(std::move(connection));
    }
    idle_.erase(std::remove(idle_.begin(), idle_.end(), nullptr), idle_.end());
    open_ -= static_cast<int>(stale.size());
    auto can_proceed = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return !idle_.empty() || open_ < max_size_;
    };
    if (!mu_.AwaitWithTimeout(absl::Condition(&can_proceed), wait)) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "all ", max_size_, " database connections busy for ", absl::FormatDuration(wait)));
    }
    if (!idle_.empty()) {
      std::unique_ptr<PooledConnection> connection = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(connection));
    }
    ++open_;  // Reserve the slot; connect outside the lock.
  }
  auto pooled = std::make_unique<PooledConnection>();
  absl::StatusOr<std::unique_ptr<sql::Connection>> connection = nodes_->Connect(settings_, &pooled->generation);
  if (!connection.ok()) {
    absl::MutexLock lock(&mu_);
    --open_;
    return connection.status();
  }
  pooled->connection = *std::move(connection);
  // A pooled connection only ever runs RunTransaction's transactions: off
  // for good, rather than off and on again around each one (two round trips).
  try {
    pooled->connection->setAutoCommit(false);
    // A configured cluster's nodes were each checked to be Galera nodes
    // (CheckGaleraNode) before the pool used them; one host may still be
    // one, or a proxy in front of some, and is asked.
    pooled->commits_in_batch = settings_.nodes.empty() && !IsGaleraNode(*pooled->connection);
  } catch (const sql::SQLException& e) {
    absl::MutexLock lock(&mu_);
    --open_;
    return absl::UnavailableError(StatusFromSqlException(e, "set up a new connection").message());
  }
  return Lease(this, std::move(pooled));
}

void ConnectionPool::Release(std::unique_ptr<PooledConnection> connection) {
  const bool stale = connection != nullptr && connection->generation != nodes_->Current().generation;
  if (stale) connection.reset();  // to a node left behind: closed outside the lock
  absl::MutexLock lock(&mu_);
  if (connection == nullptr) {
    --open_;  // Discarded: its slot is free for a new connection.
    return;
  }
  idle_.push_back(std::move(connection));
}

namespace {

// What to do after a statement failed with `e`, once the connection has been
// dealt with: retry the whole transaction, or give up with the status.
bool ShouldRetry(const sql::SQLException& e) {
  return IsConnectionLost(e.getErrorCode()) || IsRetryableConflict(e.getErrorCode()) ||
         IsBrokenTriggerLoad(e.getErrorCode(), e.what());
}

// Why a statement's failure `e` is retried (ShouldRetry), for the count of
// retries. A deadlock reported by the COMMIT itself is, on a Galera
// cluster, a lost certification (the header of RunTransaction's commit).
RetryCause CauseOf(const sql::SQLException& e, bool at_commit) {
  if (IsConnectionLost(e.getErrorCode())) return RetryCause::kConnectionLost;
  switch (e.getErrorCode()) {
    case kErrDeadlock:
      return at_commit ? RetryCause::kCertification : RetryCause::kDeadlock;
    case kErrLockWaitTimeout:
      return RetryCause::kLockWaitTimeout;
    default:
      return IsBrokenTriggerLoad(e.getErrorCode(), e.what()) ? RetryCause::kBrokenTrigger : RetryCause::kOther;
  }
}

// A connection that failed: after a lost connection it is thrown away, and so
// is every idle one (after a server restart they are all dead; finding that
// out one attempt at a time would use up the retries). Otherwise it is rolled
// back for reuse, or thrown away if even that fails. After triggers that
// failed to load, the node is made to load them again (trigger_repair.h).
void AfterFailure(ConnectionPool& pool, ConnectionPool::Lease& lease, const sql::SQLException& e) {
  if (IsConnectionLost(e.getErrorCode())) {
    lease.Discard();
    pool.DropIdle();
    return;
  }
  const bool broken_trigger = IsBrokenTriggerLoad(e.getErrorCode(), e.what());
  try {
    lease->rollback();
    if (broken_trigger) ReopenTablesWithTriggers(*lease, e.what());
  } catch (const sql::SQLException& failed) {
    if (broken_trigger) {
      spdlog::warn("database: the audit tables could not be reopened: {} ({}); the retry will tell",
                   failed.what(), failed.getErrorCode());
    }
    lease.Discard();
  }
}

}  // namespace

ConnectionPool::Use ConnectionPool::CurrentUse() const {
  absl::MutexLock lock(&mu_);
  return Use{open_, open_ - static_cast<int>(idle_.size()), max_size_};
}

void ConnectionPool::DropIdle() {
  std::vector<std::unique_ptr<PooledConnection>> dropped;
  {
    absl::MutexLock lock(&mu_);
    open_ -= static_cast<int>(idle_.size());
    dropped.swap(idle_);
  }
  // Closed outside the lock: closing may wait on the network.
}

absl::Status RunTransaction(ConnectionPool& pool, absl::string_view what,
                            const std::function<absl::Status(sql::Connection&)>& body,
                            const RetryPolicy& policy) {
  absl::Duration backoff = policy.initial_backoff;
  absl::Status last;
  // Why the attempt before failed, counted when this one runs.
  RetryCause cause = RetryCause::kOther;
  for (int attempt = 1; attempt <= policy.max_attempts; ++attempt) {
    if (attempt > 1) {
      TransactionRetries().Count(cause);
      absl::SleepFor(Jittered(backoff));
      backoff = std::min(backoff * 2, policy.max_backoff);
    }
    absl::StatusOr<ConnectionPool::Lease> lease = pool.Acquire(policy.acquire_wait);
    if (!lease.ok()) {
      last = lease.status();
      cause = RetryCause::kConnectionLost;
      if (last.code() == absl::StatusCode::kUnavailable) continue;
      return last;
    }
    sql::Connection& connection = **lease;

    // 1. The body. Anything but a database error leaves the transaction in
    // an unknown state: the connection must never serve anyone again.
    absl::Status outcome;
    bool committed = false;
    try {
      lease->statements().StartBody();
      ActiveScope scope(lease->pooled(), &committed);
      outcome = body(connection);
    } catch (const sql::SQLException& e) {
      last = StatusFromSqlException(e, what);
      cause = CauseOf(e, /*at_commit=*/false);
      AfterFailure(pool, *lease, e);
      if (ShouldRetry(e)) continue;
      return last;
    } catch (...) {
      lease->Discard();
      throw;
    }

    // 2. Commit what the body did, or roll back after its error. A body
    // error is returned as it is, never retried.
    try {
      if (committed) {
        // The body committed in its last batch: nothing is left to undo.
      } else if (outcome.ok()) {
        // A COMMIT statement, not Connection::commit(): Connector/C++ 1.1's
        // commit() drops the server's answer, so a commit that failed came
        // back as if it had succeeded. On one server a commit hardly ever
        // fails; on a Galera cluster a transaction that loses certification
        // to another node's fails exactly here, with 1213, its work rolled
        // back, and must run again like any deadlock.
        std::unique_ptr<sql::Statement>(connection.createStatement())->execute("COMMIT");
      } else {
        connection.rollback();
      }
    } catch (const sql::SQLException& e) {
      if (!outcome.ok()) {
        lease->Discard();  // the transaction dies with the connection
        return outcome;
      }
      last = StatusFromSqlException(e, what);
      cause = CauseOf(e, /*at_commit=*/true);
      AfterFailure(pool, *lease, e);
      // A commit whose answer was lost may have happened: the header says
      // why retrying is safe.
      if (ShouldRetry(e)) continue;
      return last;
    }
    return outcome;
  }
  return last;
}

}  // namespace cre::mysql
