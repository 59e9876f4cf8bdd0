// Which node of the test Galera cluster a store writes through
// (store/mysql/node_selector.h): the first good node of its list; the next
// one when that node cannot be reached or stops being Synced; back to the
// first when it is good again. A node is made "not good" without harming
// the other tests that share the cluster: wsrep_desync takes it out of the
// Synced state while it goes on serving.
#include "store/mysql/node_selector.h"

#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "cppconn/resultset.h"
#include "cppconn/statement.h"
#include "gmock/gmock.h"
#include "store/mysql/connection_pool.h"
#include "store/mysql/migrations.h"
#include "store/mysql/mysql_store.h"
#include "support/test_database.h"
#include "support/test_environment.h"

namespace cre::mysql {
namespace {

using ::cre::testing::TestDatabase;
using ::testing::HasSubstr;

// A loopback port where nothing listens: a node whose machine is gone.
constexpr int kNobodyPort = 1;

class NodeSelectionTest : public ::testing::Test {
 protected:
  // The schema's settings with these nodes in this order (cluster indexes,
  // or -1 for a node that cannot be reached).
  ConnectionSettings WithNodes(const std::vector<int>& order) const {
    ConnectionSettings settings = db_.NodeSettings(0);
    for (int node : order) {
      settings.nodes.push_back(
          {"127.0.0.1", node < 0 ? kNobodyPort : cre::testing::TestClusterNodeSettings(node).port});
    }
    settings.connect_timeout_seconds = 2;
    return settings;
  }

  static int PortOf(int node) { return cre::testing::TestClusterNodeSettings(node).port; }

  // What the pool's connection says of itself.
  static std::string Query(ConnectionPool& pool, const std::string& query) {
    std::string value;
    absl::Status status = RunTransaction(pool, "query", [&](sql::Connection& c) {
      std::unique_ptr<sql::ResultSet> rows(
          std::unique_ptr<sql::Statement>(c.createStatement())->executeQuery(query));
      value = rows->next() ? std::string(rows->getString(1)) : "";
      return absl::OkStatus();
    });
    EXPECT_TRUE(status.ok()) << status;
    return value;
  }

  // wsrep_desync on node `node` (as the cluster's administrator, over its
  // socket: the hub's account may not).
  static void Desync(int node, bool on) {
    const std::string command = absl::StrCat(
        "mariadb --no-defaults --socket=", cre::testing::TestClusterDir(), "/node", node + 1,
        "/mysqld.sock -u root -e 'SET GLOBAL wsrep_desync = ", on ? "ON" : "OFF", "'");
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
  }

  TestDatabase db_{TestDatabase::Migrate::kYes, TestDatabase::Server::kCluster};
};

TEST_F(NodeSelectionTest, WritesThroughTheFirstNodeOfItsListAndNamesIt) {
  ConnectionPool pool(WithNodes({1, 0, 2}), 2);
  EXPECT_EQ(Query(pool, "SELECT @@port"), std::to_string(PortOf(1)));
  EXPECT_EQ(pool.nodes().Describe(), absl::StrCat("127.0.0.1:", PortOf(1), " (node 1 of 3)"));
  EXPECT_TRUE(pool.nodes().is_cluster());
}

TEST_F(NodeSelectionTest, ANodeThatCannotBeReachedIsPassedOver) {
  ConnectionPool pool(WithNodes({-1, 2, 0}), 2);
  EXPECT_EQ(Query(pool, "SELECT @@port"), std::to_string(PortOf(2)));
  EXPECT_THAT(pool.nodes().Describe(), HasSubstr("(node 2 of 3)"));
}

// hubctl migrate and the migrations at start-up connect once, not through a
// pool: to the first good node all the same.
TEST_F(NodeSelectionTest, OneOffConnectionsAndMigrationsGoToTheFirstGoodNode) {
  absl::StatusOr<std::unique_ptr<sql::Connection>> connection = Connect(WithNodes({-1, 2, 0}));
  ASSERT_TRUE(connection.ok()) << connection.status();
  std::unique_ptr<sql::ResultSet> port(
      std::unique_ptr<sql::Statement>((*connection)->createStatement())->executeQuery("SELECT @@port"));
  ASSERT_TRUE(port->next());
  EXPECT_EQ(port->getInt(1), PortOf(2));

  absl::StatusOr<std::vector<Migration>> migrations = ParseMigrations(EmbeddedMigrationFiles());
  ASSERT_TRUE(migrations.ok()) << migrations.status();
  absl::StatusOr<int> applied = ApplyMigrations(WithNodes({-1, 2, 0}), *migrations);
  ASSERT_TRUE(applied.ok()) << applied.status();
  EXPECT_EQ(*applied, 0);  // all applied already, through node 1
}

TEST_F(NodeSelectionTest, WithNoGoodNodeTheErrorNamesEachNodesTrouble) {
  ConnectionSettings settings = WithNodes({});
  settings.nodes = {{"127.0.0.1", kNobodyPort}, {"127.0.0.1", kNobodyPort + 1}};
  ConnectionPool pool(settings, 1);
  absl::StatusOr<ConnectionPool::Lease> lease = pool.Acquire(absl::Seconds(1));
  ASSERT_FALSE(lease.ok());
  EXPECT_EQ(lease.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(lease.status().message(), HasSubstr("no database node is good"));
  EXPECT_THAT(lease.status().message(), HasSubstr(absl::StrCat("127.0.0.1:", kNobodyPort + 1)));
}

TEST_F(NodeSelectionTest, SessionsGetTheConfiguredSyncWait) {
  ConnectionSettings settings = WithNodes({0, 1, 2});
  settings.sync_wait = 1;
  ConnectionPool waiting(settings, 1);
  EXPECT_EQ(Query(waiting, "SELECT @@wsrep_sync_wait"), "1");
  ConnectionPool plain(WithNodes({0, 1, 2}), 1);
  EXPECT_EQ(Query(plain, "SELECT @@wsrep_sync_wait"), "0");
}

// A node that another node's transaction may abort in the middle of a
// batch runs the rest of the batch in a new transaction: a batch there
// never carries its COMMIT (CommitsInBatch).
TEST_F(NodeSelectionTest, OnAClusterNodeABatchLeavesItsCommitToTheTransaction) {
  ConnectionPool pool(WithNodes({0, 1, 2}), 1);
  bool in_batch = true;
  ASSERT_TRUE(RunTransaction(pool, "ask", [&](sql::Connection& c) {
                in_batch = CommitsInBatch(c);
                return absl::OkStatus();
              }).ok());
  EXPECT_FALSE(in_batch);
}

// The hub's health check (MysqlStore::Ping) is what notices a node that
// still answers but has left the Synced state, and moves both of the
// store's pools; it also brings the store back to its first choice.
TEST_F(NodeSelectionTest, AStoreLeavesANodeThatIsNotSyncedAndComesBackWhenItIs) {
  MysqlStore store(WithNodes({0, 1, 2}), 2, cre::testing::TestCipher());
  ASSERT_TRUE(store.Ping().ok());
  ASSERT_TRUE(store.SyncAgencies({}).ok());
  EXPECT_THAT(store.DatabaseNode(), HasSubstr("(node 1 of 3)"));

  Desync(0, true);
  struct Resync {
    ~Resync() { Desync(0, false); }
  } resync;
  absl::Status ping = store.Ping();
  EXPECT_TRUE(ping.ok()) << ping;  // on node 2 already: the hub kept serving
  EXPECT_THAT(store.DatabaseNode(), HasSubstr("(node 2 of 3)"));
  EXPECT_TRUE(store.SyncAgencies({}).ok());

  Desync(0, false);
  const absl::Time deadline = absl::Now() + kPreferredNodeCheckInterval + absl::Seconds(5);
  while (absl::Now() < deadline && store.DatabaseNode().find("(node 1 of 3)") == std::string::npos) {
    EXPECT_TRUE(store.Ping().ok());
    absl::SleepFor(absl::Milliseconds(500));
  }
  EXPECT_THAT(store.DatabaseNode(), HasSubstr("(node 1 of 3)"));
  EXPECT_TRUE(store.SyncAgencies({}).ok());
}

}  // namespace
}  // namespace cre::mysql
