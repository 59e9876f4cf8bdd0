// No acknowledged submission is lost when the database node the hubs write
// through dies: on a three-node Galera cluster of the test's own, while an
// agency submits with fail-over between two hub processes and the PRU
// receives from both, the node the hubs write through is killed with
// SIGKILL; once service has resumed the killed node is restarted and
// rejoins, and a second node is killed (the hubs' writer, if they are
// still on the node they moved to, else the next in the list); at
// the end the killed nodes are restarted and must rejoin. Every submission a
// hub acknowledged must be delivered at least once, the hubs must take
// submissions again within 3 s of the survivors' new primary component
// (which Galera forms 5 to 10 s after a kill: its own wait, not the hubs'),
// and the audit chain must verify.
//
// The second kill waits for the first node's return: a three-node cluster
// keeps a majority through one crash at a time. With two of three nodes
// down, the survivor is one of the two members of the last view, not a
// majority of it, and Galera stops it taking writes until an operator or a
// returning node restores a primary component; no hub could resume then.
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <iostream>
#include <regex>
#include <set>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/files.h"
#include "cppconn/exception.h"
#include "cppconn/resultset.h"
#include "cppconn/statement.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "store/mysql/connection_pool.h"
#include "support/failover_traffic.h"
#include "support/hub_process.h"
#include "support/private_mariadb.h"
#include "support/test_environment.h"
#include "support/test_hub.h"

namespace cre {
namespace {

constexpr int kNodes = 3;
// An upper bound: the submitter stops once the faults are over, normally
// after 300 to 500 of them at this pace.
constexpr int kMaxSubmissions = 600;
constexpr absl::Duration kPace = absl::Milliseconds(50);
// Galera declares a killed member gone after evs.suspect_timeout, 5 s, and
// only then do the survivors commit again; when the kill comes a few
// seconds after another node rejoined, the new member did not suspect it by
// itself and the new view took 10 s (node logs, 7 December 2026). The hubs'
// own share is what follows the view, kAfterViewLimit; kResumeLimit bounds
// the whole pause.
constexpr absl::Duration kAfterViewLimit = absl::Seconds(3);
constexpr absl::Duration kResumeLimit = absl::Seconds(15);

// The fault test's own cluster (scripts/galera.sh in CRE_TEST_FAULT_CLUSTER_DIR),
// stopped when the test ends however it ends; CTest's galera_fault clean-up
// stops it too if the test process itself was killed.
class FaultCluster {
 public:
  FaultCluster()
      : dir_(testing::RequiredEnv("CRE_TEST_FAULT_CLUSTER_DIR")),
        port_(std::stoi(testing::RequiredEnv("CRE_TEST_FAULT_CLUSTER_PORT"))) {}
  ~FaultCluster() { Run("stop"); }

  // Starts every node that is not running; true once all are Synced.
  bool Start() { return Run(absl::StrCat("start --port ", port_, " --nodes ", kNodes)); }
  bool Kill(int node) { return Run(absl::StrCat("kill ", node)); }
  // `galera.sh status`: one line per node.
  std::string Status() const {
    FILE* pipe = popen(absl::StrCat(Script(), " status --dir ", dir_, " 2>&1").c_str(), "r");
    std::string output;
    char buffer[1024];
    while (size_t n = fread(buffer, 1, sizeof(buffer), pipe)) output.append(buffer, n);
    pclose(pipe);
    return output;
  }
  // Every node Synced in a cluster of kNodes, by `galera.sh status`.
  bool AllRejoined() const {
    const std::string status = Status();
    int good = 0;
    const std::regex line("Synced, cluster size ([0-9]+)");
    for (auto it = std::sregex_iterator(status.begin(), status.end(), line); it != std::sregex_iterator(); ++it) {
      if (std::stoi((*it)[1]) == kNodes) ++good;
    }
    return good == kNodes;
  }

  int port(int node) const { return port_ + node - 1; }  // node: 1-based
  std::string password_file() const { return dir_ + "/hub.password"; }
  const std::string& dir() const { return dir_; }

 private:
  static std::string Script() { return testing::SourceRoot() + "/scripts/galera.sh"; }
  bool Run(const std::string& command) {
    return std::system(absl::StrCat(Script(), " ", command, " --dir ", dir_, " >>", dir_, ".log 2>&1").c_str()) == 0;
  }

  std::string dir_;
  int port_;
};

// The node (1-based) a hub's log last named as the one it writes through:
// its health line ("writing through 127.0.0.1:3332 (node 2 of 3)") or its
// last move ("database: moving from ... to 127.0.0.1:3332 (node 2 of 3)").
int WriterFromLog(const std::string& log) {
  const std::regex named("(writing through|to) [0-9.]+:[0-9]+ \\(node ([0-9]+) of [0-9]+\\)");
  int node = 0;
  for (auto it = std::sregex_iterator(log.begin(), log.end(), named); it != std::sregex_iterator(); ++it) {
    node = std::stoi((*it)[2]);
  }
  return node;
}

// A hub's log less its lines for calls that succeeded within a second: a
// run's few hundred quick submissions and acknowledgements would hide the
// moves, failures and slow calls that say where a pause came from.
std::string WithoutQuickSuccessfulCalls(const std::string& log) {
  std::string kept;
  for (absl::string_view line : absl::StrSplit(log, '\n')) {
    if (absl::StrContains(line, " info call {") && absl::StrContains(line, "\"code\":\"OK\"")) {
      const size_t at = line.find("\"duration_ms\":");
      double ms = 0;
      if (at != absl::string_view::npos &&
          absl::SimpleAtod(line.substr(at + 14, line.find(',', at) - at - 14), &ms) && ms < 1000) {
        continue;
      }
    }
    absl::StrAppend(&kept, line, "\n");
  }
  return kept;
}

class ClusterKillNineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(cluster_.Start()) << "the fault cluster did not start; see " << cluster_.dir() << ".log";
    // A schema of this run's own: the cluster's folder outlives a run, and
    // an earlier run's idempotency keys would answer this run's submissions.
    schema_ = absl::StrCat("cre_fault_", getpid(), "_", absl::ToUnixSeconds(absl::Now()));
    v1::DatabaseConfig database;
    for (int n = 1; n <= kNodes; ++n) {
      v1::DatabaseNode* node = database.add_nodes();
      node->set_host("127.0.0.1");
      node->set_port(cluster_.port(n));
    }
    database.set_user("cre_hub");
    database.set_password_file(cluster_.password_file());
    database.set_schema(schema_);
    for (int h = 0; h < 2; ++h) {
      v1::HubConfig config = testing::TestHubConfig(database);
      ports_[h] = testing::FreeLoopbackPort();
      config.set_listen_address(absl::StrCat("127.0.0.1:", ports_[h]));
      config.set_migrate_on_start(h == 0);
      configs_[h] = testing::WriteHubConfigFile(config, absl::StrCat("cluster-kill9-hub", h, ".textproto"));
      logs_[h] = absl::StrCat(::testing::TempDir(), "cluster-kill9-hub", h, ".log");
      hubs_[h] = std::make_unique<testing::HubProcess>(configs_[h], logs_[h]);
      // The second waits for the first: it migrates the schema.
      ASSERT_GT(hubs_[h]->WaitForPort(absl::Seconds(60)), 0) << hubs_[h]->Log();
    }
  }

  void TearDown() override {
    StopClients();
    for (auto& hub : hubs_) hub.reset();
    // Before the cluster stops (FaultCluster's destructor): every node that
    // is up again forgets this run's rows.
    absl::StatusOr<std::unique_ptr<sql::Connection>> connection = mysql::Connect(NodeSettings(1));
    if (connection.ok()) {
      std::unique_ptr<sql::Statement>((*connection)->createStatement())
          ->execute(absl::StrCat("DROP DATABASE IF EXISTS `", schema_, "`"));
    }
  }

  mysql::ConnectionSettings NodeSettings(int node) {
    mysql::ConnectionSettings settings;
    settings.host = "127.0.0.1";
    settings.port = cluster_.port(node);
    settings.user = "cre_hub";
    absl::StatusOr<std::string> password = ReadSecretFile(cluster_.password_file());
    if (password.ok()) settings.password = *password;
    return settings;
  }

  // When `survivor` saw the primary component without the killed node
  // (wsrep_cluster_size down to kNodes - 1), asked every 100 ms;
  // InfinitePast if not within 30 s, or if the survivor cannot be asked.
  // Status reads answer during the stall.
  absl::Time NewViewAt(int survivor) {
    absl::StatusOr<std::unique_ptr<sql::Connection>> connection = mysql::Connect(NodeSettings(survivor));
    if (!connection.ok()) return absl::InfinitePast();
    try {
      std::unique_ptr<sql::Statement> statement((*connection)->createStatement());
      for (absl::Time end = absl::Now() + absl::Seconds(30); absl::Now() < end;
           absl::SleepFor(absl::Milliseconds(100))) {
        std::unique_ptr<sql::ResultSet> row(statement->executeQuery("SHOW STATUS LIKE 'wsrep_cluster_size'"));
        if (row->next() && row->getInt(2) == kNodes - 1) return absl::Now();
      }
    } catch (const sql::SQLException& e) {
      std::cout << "cluster fault: node " << survivor << " could not be asked for its view: " << e.what() << std::endl;
    }
    return absl::InfinitePast();
  }

  // The first acknowledgement after `since`; InfiniteFuture if none.
  absl::Time FirstAcknowledgedAfter(absl::Time since) {
    absl::MutexLock lock(&mu_);
    for (absl::Time at : acknowledged_at_) {
      if (at > since) return at;
    }
    return absl::InfiniteFuture();
  }

  // Ends the submitter and the receivers, however far the test got.
  void StopClients() {
    stop_submitting_ = true;
    if (submitter_.joinable()) submitter_.join();
    pru_.Stop();
    for (std::thread& r : receivers_) {
      if (r.joinable()) r.join();
    }
  }

  // The node both hubs write through, once they agree (they may move a
  // moment apart); 0 if they do not within 15 s.
  int Writer() {
    for (absl::Time end = absl::Now() + absl::Seconds(15); absl::Now() < end; absl::SleepFor(absl::Milliseconds(200))) {
      const int first = WriterFromLog(hubs_[0]->Log());
      if (first != 0 && first == WriterFromLog(hubs_[1]->Log())) return first;
    }
    return 0;
  }

  absl::Time LastAcknowledged() {
    absl::MutexLock lock(&mu_);
    return acknowledged_at_.empty() ? absl::InfinitePast() : acknowledged_at_.back();
  }

  // Waits until a submission is acknowledged after `since`; false after 30 s.
  bool WaitForAcknowledgementAfter(absl::Time since) {
    for (absl::Time end = absl::Now() + absl::Seconds(30); absl::Now() < end; absl::SleepFor(absl::Milliseconds(50))) {
      if (LastAcknowledged() > since) return true;
    }
    return false;
  }

  // The longest time without an acknowledged submission from the last one
  // before `from` to the last one before `to`, and when it began.
  struct Gap {
    absl::Duration length = absl::ZeroDuration();
    absl::Time start = absl::InfinitePast();
  };
  Gap LongestGap(absl::Time from, absl::Time to) {
    absl::MutexLock lock(&mu_);
    Gap longest;
    absl::Time previous = absl::InfinitePast();
    for (absl::Time at : acknowledged_at_) {
      if (at > to) break;
      if (at > from && previous != absl::InfinitePast() && at - previous > longest.length) {
        longest = {at - previous, previous};
      }
      previous = at;
    }
    return longest;
  }

  FaultCluster cluster_;
  std::string schema_;
  int ports_[2];
  std::string configs_[2];
  std::string logs_[2];
  std::unique_ptr<testing::HubProcess> hubs_[2];
  std::thread submitter_;
  std::thread receivers_[2];
  std::set<std::string> acknowledged_;  // written by the submitter until it is joined
  std::atomic<int> submitted_{0};
  absl::Time deadline_ = absl::Now() + absl::Seconds(240);
  std::atomic<bool> stop_submitting_{false};
  testing::PruReceivers pru_{2};
  absl::Mutex mu_;
  std::vector<absl::Time> acknowledged_at_ ABSL_GUARDED_BY(mu_);
};

TEST_F(ClusterKillNineTest, EveryAcknowledgedSubmissionIsDeliveredWhenTheWritingNodeDies) {
  for (int h = 0; h < 2; ++h) {
    receivers_[h] = std::thread([this, h] { pru_.Run(h, testing::AgencyChannel(ports_[h], "derby-pru")); });
  }
  submitter_ = std::thread([this] {
    const std::vector<std::shared_ptr<grpc::Channel>> submit = {testing::AgencyChannel(ports_[0], "derby-health"),
                                                                 testing::AgencyChannel(ports_[1], "derby-health")};
    for (int i = 0; i < kMaxSubmissions && !stop_submitting_; ++i) {
      const std::string id = testing::SubmitReportWithFailover(submit, i, deadline_);
      if (!id.empty()) {
        acknowledged_.insert(id);
        absl::MutexLock lock(&mu_);
        acknowledged_at_.push_back(absl::Now());
      }
      submitted_ = i + 1;
      absl::SleepFor(kPace);
    }
  });

  // Two kills: the node the hubs write through, then another node; after
  // each, the time until submissions are acknowledged again, and the killed
  // node brought back (the second kill needs the majority it restores).
  int killed[2] = {0, 0};
  absl::Duration resumed[2];
  absl::Duration after_view[2];
  bool rejoined[2] = {false, false};
  for (int k = 0; k < 2; ++k) {
    absl::SleepFor(absl::Seconds(2));  // load flowing on the current node
    const int writer = Writer();
    ASSERT_NE(writer, 0) << "the hubs do not name one node they write through:\n"
                         << hubs_[0]->Log() << "\n----\n" << hubs_[1]->Log();
    // The second kill is of another node than the first: the writer if the
    // hubs are still on the node they moved to, else the next in the list.
    killed[k] = k == 0 || writer != killed[0] ? writer : killed[0] % kNodes + 1;
    const int before = submitted_;
    const absl::Time kill_time = absl::Now();
    ASSERT_TRUE(cluster_.Kill(killed[k]));
    std::cout << "cluster fault: kill " << k + 1 << " of node " << killed[k] << " after " << before
              << " submissions" << std::endl;
    const absl::Time view_at = NewViewAt(killed[k] % kNodes + 1);
    ASSERT_NE(view_at, absl::InfinitePast())
        << "no primary component without node " << killed[k] << " seen within 30 s";
    ASSERT_TRUE(WaitForAcknowledgementAfter(kill_time)) << "no submission acknowledged within 30 s of kill " << k + 1;
    // Load for a while after resuming, so that a later stall shows in the
    // gap too: the survivors stop committing until Galera declares the
    // killed node gone (evs.suspect_timeout, 5 s), which may come after a
    // hub has already moved and committed once.
    const absl::Time window_end = std::max(absl::Now() + absl::Seconds(3), kill_time + absl::Seconds(12));
    absl::SleepFor(window_end - absl::Now());
    const Gap gap = LongestGap(kill_time, absl::Now());
    resumed[k] = gap.length;
    after_view[k] = FirstAcknowledgedAfter(view_at) - view_at;
    std::cout << "cluster fault: resumed after kill " << k + 1 << " in " << absl::FormatDuration(resumed[k])
              << " (the longest gap began " << absl::FormatDuration(gap.start - kill_time)
              << " after the kill; the survivors' new view came " << absl::FormatDuration(view_at - kill_time)
              << " after it, the next acknowledgement " << absl::FormatDuration(after_view[k])
              << " after the view); hubs now write through node " << Writer() << std::endl;
    const absl::Time restart = absl::Now();
    rejoined[k] = cluster_.Start() && cluster_.AllRejoined();
    std::cout << "cluster fault: node " << killed[k] << (rejoined[k] ? " rejoined" : " did NOT rejoin") << " in "
              << absl::FormatDuration(absl::Now() - restart) << "\n"
              << cluster_.Status() << std::flush;
    ASSERT_TRUE(rejoined[k]);
  }
  absl::SleepFor(absl::Seconds(2));
  stop_submitting_ = true;
  submitter_.join();
  const std::set<std::string>& acknowledged = acknowledged_;
  ASSERT_EQ(acknowledged.size(), static_cast<size_t>(submitted_.load())) << "some submissions never got a receipt";

  // Everything acknowledged must arrive (redeliveries after lost acks may
  // take a lease, 2 s in the test config).
  const std::vector<std::string> missing = pru_.AwaitAll(acknowledged, absl::Seconds(60));
  StopClients();

  EXPECT_TRUE(missing.empty()) << missing.size() << " acknowledged submissions were never delivered, e.g. "
                               << (missing.empty() ? "" : missing.front());
  // (A failure's message is only built when it fails.)
  const auto hub_logs = [this] {
    return absl::StrCat("; hub logs, less the calls that succeeded within a second:\n",
                        WithoutQuickSuccessfulCalls(hubs_[0]->Log()), "\n----\n",
                        WithoutQuickSuccessfulCalls(hubs_[1]->Log()));
  };
  for (int k = 0; k < 2; ++k) {
    EXPECT_LT(after_view[k], kAfterViewLimit)
        << "the hubs took too long to resume after the survivors' new view, kill " << k + 1 << hub_logs();
    EXPECT_LT(resumed[k], kResumeLimit) << "service took too long to resume after kill " << k + 1 << hub_logs();
  }
  const testing::HubctlRun verified = testing::RunHubctl("audit verify --config " + configs_[0]);
  EXPECT_EQ(verified.exit_code, 0) << verified.output;

  const testing::PruReceivers::Counts seen = pru_.counts();
  std::cout << absl::StreamFormat(
                   "cluster fault: acknowledged %d, delivered %d, duplicates %d, resumed after kill 1 (node %d) in "
                   "%.1f s (%.2f s after the new view), after kill 2 (node %d) in %.1f s (%.2f s after the new "
                   "view); killed nodes rejoined: %s; audit verify: %s\n",
                   acknowledged.size(), seen.delivered, seen.deliveries - seen.delivered, killed[0],
                   absl::ToDoubleSeconds(resumed[0]), absl::ToDoubleSeconds(after_view[0]), killed[1],
                   absl::ToDoubleSeconds(resumed[1]), absl::ToDoubleSeconds(after_view[1]),
                   rejoined[0] && rejoined[1] ? "yes" : "no", verified.exit_code == 0 ? "passed" : "FAILED")
            << std::flush;
}

}  // namespace
}  // namespace cre
