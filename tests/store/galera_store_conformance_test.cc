// The store conformance suite (store_conformance.h) on a MariaDB Galera
// cluster: each test gets a throwaway migrated schema (made through node 0,
// replicated to every node), store() is a MysqlStore on node 0, and each
// "another process" is a MysqlStore on the next of the other nodes in turn
// (node 1, node 2, node 1, ...), so that every cross-process case crosses
// nodes: row locks, SKIP LOCKED and GET_LOCK are each node's own there, and
// a conflict between nodes shows as a certification failure at commit.
#include <memory>

#include "cppconn/resultset.h"
#include "cppconn/statement.h"
#include "gmock/gmock.h"

#include "store/mysql/mysql_store.h"
#include "store/store_conformance.h"
#include "support/test_database.h"
#include "support/test_environment.h"

namespace cre::testing {
namespace {

// Waits until `node` has applied every transaction the cluster committed
// before now. A commit returns once every node has the transaction, but
// the others apply it a moment later: a read there right after it may not
// see it yet. A causal read (wsrep_sync_wait) waits for them, up to the
// server's own timeout. The stores under test cannot be told to read so
// (their pool sets no session variables), so the test waits for the node
// before it hands the node's store out: "another process" opened after a
// write sees it, as the suite expects.
void AwaitNode(const mysql::ConnectionSettings& node) {
  absl::StatusOr<std::unique_ptr<sql::Connection>> connection = mysql::Connect(node);
  ASSERT_TRUE(connection.ok()) << connection.status();
  std::unique_ptr<sql::Statement> statement((*connection)->createStatement());
  statement->execute("SET SESSION wsrep_sync_wait = 1");
  std::unique_ptr<sql::ResultSet>(statement->executeQuery("SELECT 1"));
}

class GaleraStore : public StoreUnderTest {
 public:
  Store& store() override { return store_; }
  std::unique_ptr<Store> OpenAnother() override {
    const int others = TestClusterSize() - 1;
    const int node = 1 + (opened_++ % others);
    AwaitNode(db_.NodeSettings(node));
    return std::make_unique<mysql::MysqlStore>(db_.NodeSettings(node), 4, TestCipher());
  }
  void AwaitReplication() override {
    for (int node = 0; node < TestClusterSize(); ++node) AwaitNode(db_.NodeSettings(node));
  }

 private:
  TestDatabase db_{TestDatabase::Migrate::kYes, TestDatabase::Server::kCluster};
  mysql::MysqlStore store_{db_.NodeSettings(0), 4, TestCipher()};
  int opened_ = 0;
};

INSTANTIATE_TEST_SUITE_P(Galera, StoreConformanceTest,
                         ::testing::Values(StoreTopology{
                             "Galera", [] { return std::unique_ptr<StoreUnderTest>(new GaleraStore()); }}),
                         TopologyName);

// Every cross-process case of the suite relies on this: what one store
// writes, "another process" (OpenAnother) reads, here on another node. A
// topology whose second store saw a database of its own would pass those
// cases without testing anything.
TEST(GaleraTopologyTest, AnotherProcessSeesWhatTheFirstWrote) {
  ASSERT_GE(TestClusterSize(), 2);
  GaleraStore topology;
  ASSERT_TRUE(topology.store().SyncAgencies({MakeAgency("pru", v1::POLICE_REFERRAL_UNIT)}).ok());
  for (int i = 1; i < TestClusterSize(); ++i) {
    std::unique_ptr<Store> other = topology.OpenAnother();
    absl::StatusOr<std::vector<v1::Agency>> seen = other->ListAgencies();
    ASSERT_TRUE(seen.ok()) << seen.status();
    EXPECT_THAT(Ids(*seen), ::testing::ElementsAre("pru")) << "node " << i;
  }
}

}  // namespace
}  // namespace cre::testing
