// The store conformance suite (store_conformance.h) on a MariaDB Galera
// cluster: each test gets a throwaway migrated schema (made through node 0,
// replicated to every node), store() is a MysqlStore on node 0, and each
// "another process" is a MysqlStore on the next of the other nodes in turn
// (node 1, node 2, node 1, ...), so that every cross-process case crosses
// nodes: row locks, SKIP LOCKED and GET_LOCK are each node's own there, and
// a conflict between nodes shows as a certification failure at commit.
#include <memory>
#include <set>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "audit/audit_chain.h"

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

// A report from "sender" to the PRU, on no case, accepted by `on`.
std::string SubmitTo(Store& on, const std::string& key) {
  Submission s;
  s.sender_agency_id = "sender";
  s.method = "SubmitOperationLibertyReport";
  s.idempotency_key = s.request_sha256 = key;
  s.message.set_kind(v1::MESSAGE_KIND_OPERATION_LIBERTY_REPORT);
  s.message.mutable_operation_liberty_report()->set_narrative("n");
  s.accepted_at = s.opened_at = absl::Now();
  absl::StatusOr<Accepted> accepted = on.Accept(s, RouteTo("pru"));
  EXPECT_TRUE(accepted.ok()) << accepted.status();
  return accepted.ok() ? accepted->receipt.message_id() : "";
}

// Row locks are each node's own: streams on two nodes claiming at once both
// find the same first rows (SKIP LOCKED skips only their own node's locks),
// and only certification decides. Whatever each claim returns after its
// retries, a delivery is handed to one stream, and each stream's
// acknowledgements settle what it was handed.
TEST(GaleraStoreTest, ADeliveryClaimedOnTwoNodesAtOnceGoesToOneStream) {
  GaleraStore topology;
  ASSERT_TRUE(topology.store()
                  .SyncAgencies({MakeAgency("sender", v1::HEALTH), MakeAgency("pru", v1::POLICE_REFERRAL_UNIT)})
                  .ok());
  constexpr int kReports = 60;
  for (int i = 0; i < kReports; ++i) ASSERT_FALSE(SubmitTo(topology.store(), absl::StrCat("r", i)).empty());
  std::unique_ptr<Store> other = topology.OpenAnother();
  Store* stores[2] = {&topology.store(), other.get()};
  std::vector<std::vector<int64_t>> per_stream(2);
  DeliveryPolicy policy;
  // Round after round both claim at once, until a round hands out nothing.
  for (int round = 0; round < 60; ++round) {
    std::vector<std::vector<int64_t>> claimed(2);
    std::vector<std::thread> claims;
    for (int s = 0; s < 2; ++s) {
      claims.emplace_back([&, s] {
        absl::StatusOr<std::vector<v1::RoutedMessage>> got =
            stores[s]->ClaimDeliveries("pru", absl::StrCat("stream-", s), 4, policy);
        ASSERT_TRUE(got.ok()) << got.status();
        for (const v1::RoutedMessage& m : *got) claimed[s].push_back(m.delivery_id());
      });
    }
    for (std::thread& t : claims) t.join();
    if (claimed[0].empty() && claimed[1].empty()) break;
    for (int s = 0; s < 2; ++s) per_stream[s].insert(per_stream[s].end(), claimed[s].begin(), claimed[s].end());
  }
  std::set<int64_t> seen;
  for (int s = 0; s < 2; ++s) {
    for (int64_t id : per_stream[s]) EXPECT_TRUE(seen.insert(id).second) << "delivery " << id << " handed out twice";
  }
  EXPECT_EQ(seen.size(), static_cast<size_t>(kReports));
  for (int s = 0; s < 2; ++s) {
    if (per_stream[s].empty()) continue;
    absl::StatusOr<AckOutcome> acked = stores[s]->Acknowledge("pru", per_stream[s], absl::Now());
    ASSERT_TRUE(acked.ok()) << acked.status();
    EXPECT_EQ(acked->acknowledged, static_cast<int>(per_stream[s].size())) << "stream " << s;
  }
  topology.AwaitReplication();
  for (Store* on : stores) {
    absl::StatusOr<std::vector<v1::RoutedMessage>> rest = on->ClaimDeliveries("pru", "stream-last", 100, policy);
    ASSERT_TRUE(rest.ok()) << rest.status();
    EXPECT_TRUE(rest->empty()) << "acknowledged deliveries handed out again";
  }
}

// The chain's head is one row, updated by every seal: sealers on all three
// nodes at once, while each node journals, must never give two rows one
// seq or leave a gap (a fork would show as either). Each node's store
// submits and seals; then the chain is walked from seq 1 to the head.
TEST(GaleraStoreTest, TheAuditChainNeverForks) {
  GaleraStore topology;
  ASSERT_TRUE(topology.store()
                  .SyncAgencies({MakeAgency("sender", v1::HEALTH), MakeAgency("pru", v1::POLICE_REFERRAL_UNIT)})
                  .ok());
  constexpr int kEach = 50;
  std::vector<std::unique_ptr<Store>> others;
  std::vector<Store*> stores = {&topology.store()};
  for (int node = 1; node < TestClusterSize(); ++node) {
    others.push_back(topology.OpenAnother());
    stores.push_back(others.back().get());
  }
  std::vector<std::thread> threads;
  for (size_t n = 0; n < stores.size(); ++n) {
    threads.emplace_back([&, n] {
      for (int i = 0; i < kEach; ++i) {
        SubmitTo(*stores[n], absl::StrCat("node", n, "-", i));
        // A seal that lost every run to another node's is not an error
        // of the chain: what it left is sealed by a later one.
        stores[n]->SealAudit(5).IgnoreError();
      }
    });
  }
  for (std::thread& t : threads) t.join();
  topology.AwaitReplication();
  for (int i = 0; i < 100; ++i) {
    absl::StatusOr<int> sealed = topology.store().SealAudit(1000);
    ASSERT_TRUE(sealed.ok()) << sealed.status();
    if (*sealed == 0) break;
  }
  EXPECT_EQ(*topology.store().UnsealedAuditCount(), 0);

  topology.AwaitReplication();
  absl::StatusOr<audit::Anchor> head = topology.store().AuditHead();
  ASSERT_TRUE(head.ok()) << head.status();
  absl::StatusOr<std::vector<audit::StoredRow>> rows = topology.store().ReadAudit(1, 100000);
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(static_cast<int64_t>(rows->size()), head->seq);
  audit::ChainVerifier verifier(*head);
  std::set<std::string> accepted;
  for (size_t i = 0; i < rows->size(); ++i) {
    const audit::StoredRow& row = (*rows)[i];
    ASSERT_EQ(row.seq, static_cast<int64_t>(i + 1)) << "a gap or a repeated seq";
    ASSERT_TRUE(verifier.Add(row).ok()) << "row " << row.seq;
    v1::AuditRecord record;
    ASSERT_TRUE(record.ParseFromString(row.record_bytes));
    if (record.kind() == v1::AUDIT_EVENT_KIND_MESSAGE_ACCEPTED) {
      EXPECT_TRUE(accepted.insert(record.message_id()).second) << "sealed twice: " << record.message_id();
    }
  }
  EXPECT_TRUE(verifier.Finish().ok());
  EXPECT_EQ(accepted.size(), stores.size() * kEach);
}

}  // namespace
}  // namespace cre::testing
