// The transaction runner against the real MariaDB: what survives a body
// that throws, a body that fails, and connections that die under it.
#include "store/mysql/connection_pool.h"

#include <set>
#include <stdexcept>
#include <thread>

#include "absl/strings/str_cat.h"
#include "cppconn/resultset.h"
#include "cppconn/statement.h"
#include "gtest/gtest.h"
#include "store/mysql/sql_values.h"
#include "support/test_database.h"

namespace cre::mysql {
namespace {

using ::cre::testing::TestDatabase;

absl::Status Insert(sql::Connection& c, int value) {
  std::unique_ptr<sql::Statement>(c.createStatement())
      ->execute(absl::StrCat("INSERT INTO t (v) VALUES (", value, ")"));
  return absl::OkStatus();
}

class ConnectionPoolTest : public ::testing::Test {
 protected:
  void SetUp() override { db_.Execute("CREATE TABLE t (v INT) ENGINE=InnoDB"); }
  std::string Count() { return db_.QueryString("SELECT COUNT(*) FROM t"); }

  TestDatabase db_{TestDatabase::Migrate::kNo};
};

TEST_F(ConnectionPoolTest, CommitsTheBody) {
  ConnectionPool pool(db_.settings(), 1);
  ASSERT_TRUE(RunTransaction(pool, "insert", [](sql::Connection& c) { return Insert(c, 1); }).ok());
  EXPECT_EQ(Count(), "1");
}

TEST_F(ConnectionPoolTest, BodyErrorRollsBackAndIsReturnedWithoutRetry) {
  ConnectionPool pool(db_.settings(), 1);
  int runs = 0;
  absl::Status status = RunTransaction(pool, "insert", [&](sql::Connection& c) {
    ++runs;
    Insert(c, 1).IgnoreError();
    return absl::InvalidArgumentError("no");
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(runs, 1);
  EXPECT_EQ(Count(), "0");
}

TEST_F(ConnectionPoolTest, ThrowingBodyLeavesNothingForTheNextTransactionToCommit) {
  // One connection: the next transaction gets the same pool slot.
  ConnectionPool pool(db_.settings(), 1);
  EXPECT_THROW(RunTransaction(pool, "insert",
                              [](sql::Connection& c) -> absl::Status {
                                Insert(c, 1).IgnoreError();
                                throw std::runtime_error("bug in the body");
                              })
                   .IgnoreError(),
               std::runtime_error);
  ASSERT_TRUE(RunTransaction(pool, "nothing", [](sql::Connection&) { return absl::OkStatus(); }).ok());
  EXPECT_EQ(Count(), "0");
}

TEST_F(ConnectionPoolTest, SqlErrorsOtherThanConflictsAreNotRetried) {
  ConnectionPool pool(db_.settings(), 1);
  int runs = 0;
  absl::Status status = RunTransaction(pool, "bad sql", [&](sql::Connection& c) {
    ++runs;
    std::unique_ptr<sql::Statement>(c.createStatement())->execute("SELECT * FROM no_such_table");
    return absl::OkStatus();
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);  // a missing table: not migrated
  EXPECT_EQ(runs, 1);
}

// Multi-row statements make many texts: the cache keeps the most recently
// used, and never closes one that the running body holds.
TEST_F(ConnectionPoolTest, StatementCacheIsBoundedAndNeverClosesAStatementInUse) {
  constexpr size_t kMax = StatementCache::kMaxStatements;
  ConnectionPool pool(db_.settings(), 1);
  auto text = [](size_t i) { return absl::StrCat("SELECT ", i, " + ?"); };
  auto value = [](Statement& statement, int argument) {
    statement->setInt(1, argument);
    std::unique_ptr<sql::ResultSet> row(statement->executeQuery());
    return row->next() ? row->getInt(1) : -1;
  };
  // One body takes more than the cache holds: each works, and the first is
  // still open at the end.
  ASSERT_TRUE(RunTransaction(pool, "many", [&](sql::Connection& c) {
                Statement first = Prepare(c, text(0));
                for (size_t i = 1; i < kMax + 10; ++i) {
                  Statement next = Prepare(c, text(i));
                  EXPECT_EQ(value(next, 1), static_cast<int>(i) + 1);
                }
                EXPECT_EQ(value(first, 5), 5);
                EXPECT_EQ(CachedStatementsFor(c)->size(), kMax);
                return absl::OkStatus();
              }).ok());
  // Later bodies: new texts replace the least recently used.
  ASSERT_TRUE(RunTransaction(pool, "more", [&](sql::Connection& c) {
                for (size_t i = 1000; i < 1000 + kMax / 2; ++i) {
                  Statement next = Prepare(c, text(i));
                  EXPECT_EQ(value(next, 2), static_cast<int>(i) + 2);
                }
                Statement again = Prepare(c, text(0));
                EXPECT_EQ(value(again, 3), 3);
                EXPECT_EQ(CachedStatementsFor(c)->size(), kMax);
                return absl::OkStatus();
              }).ok());
}

// A batch runs its statements in one round trip: rows come back per
// statement, a failing statement throws like a prepared one (and the
// transaction is rolled back), and on one server a batch ends with the
// commit.
TEST_F(ConnectionPoolTest, BatchesReturnRowsPerStatementFailAsOneAndMayCommit) {
  ConnectionPool pool(db_.settings(), 1);
  std::vector<std::string> seen;
  bool in_batch = false;
  ASSERT_TRUE(RunTransaction(pool, "batch", [&](sql::Connection& c) {
                in_batch = CommitsInBatch(c);
                RunBatchAndCommit(
                    c,
                    {"INSERT INTO t (v) VALUES (1), (2)", "SELECT v FROM t ORDER BY v",
                     absl::StrCat("SELECT ", SqlBytes(std::string("it's \0 \xff", 8)), " = X'69742773200020ff'")},
                    [&](size_t statement, sql::ResultSet& row) {
                      seen.push_back(absl::StrCat(statement, ":", std::string(row.getString(1))));
                    });
                return absl::OkStatus();
              }).ok());
  EXPECT_TRUE(in_batch);
  EXPECT_EQ(seen, (std::vector<std::string>{"1:1", "1:2", "2:1"}));
  EXPECT_EQ(Count(), "2");

  size_t reached = 99;
  absl::Status failed = RunTransaction(pool, "failing batch", [&](sql::Connection& c) {
    RunBatch(c, {"INSERT INTO t (v) VALUES (3)", "INSERT INTO no_such_table VALUES (4)", "INSERT INTO t (v) VALUES (5)"},
             nullptr, &reached);
    return absl::OkStatus();
  });
  EXPECT_FALSE(failed.ok());
  EXPECT_EQ(reached, 1u);
  EXPECT_EQ(Count(), "2");  // the first statement was rolled back with the rest
}

TEST_F(ConnectionPoolTest, KilledConnectionsCostOneAttemptNotOneEach) {
  constexpr int kConnections = 4;
  ConnectionPool pool(db_.settings(), kConnections);
  // Open kConnections connections at once and learn their ids.
  std::set<std::string> ids;
  absl::Mutex mu;
  std::vector<std::thread> threads;
  for (int i = 0; i < kConnections; ++i) {
    threads.emplace_back([&] {
      RunTransaction(pool, "id", [&](sql::Connection& c) {
        std::unique_ptr<sql::ResultSet> row(
            std::unique_ptr<sql::Statement>(c.createStatement())->executeQuery("SELECT CONNECTION_ID(), SLEEP(0.2)"));
        row->next();
        absl::MutexLock lock(&mu);
        ids.insert(row->getString(1));
        return absl::OkStatus();
      }).IgnoreError();
    });
  }
  for (std::thread& t : threads) t.join();
  ASSERT_EQ(ids.size(), static_cast<size_t>(kConnections));
  for (const std::string& id : ids) db_.Execute("KILL CONNECTION " + id);  // as a server restart would

  RetryPolicy two_attempts;
  two_attempts.max_attempts = 2;
  two_attempts.initial_backoff = absl::Milliseconds(1);
  int runs = 0;
  absl::Status status = RunTransaction(
      pool, "insert", [&](sql::Connection& c) { ++runs; return Insert(c, 7); }, two_attempts);
  EXPECT_TRUE(status.ok()) << status;
  EXPECT_EQ(Count(), "1");
}

}  // namespace
}  // namespace cre::mysql
