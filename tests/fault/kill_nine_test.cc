// No acknowledged submission is lost: while an agency submits with fail-over
// between two hub processes sharing one database, and the PRU receives from
// both, one hub is killed with SIGKILL and restarted again and again, and
// then MariaDB itself is killed and restarted. At the end every submission a
// hub acknowledged has been delivered at least once; the duplicates the
// receiver saw (before de-duplicating by message id) are reported.
#include <signal.h>

#include <atomic>
#include <iostream>
#include <set>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "store/mysql/migrations.h"
#include "store/mysql/mysql_store.h"
#include "support/failover_traffic.h"
#include "support/hub_process.h"
#include "support/private_mariadb.h"
#include "support/test_environment.h"
#include "support/test_hub.h"

namespace cre {
namespace {

constexpr int kSubmissions = 300;  // about 7 s at the pace below: the faults fall inside it
constexpr int kHubKills = 3;

class KillNineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::TestDatabase placeholder(testing::TestDatabase::Migrate::kNo);  // for the config's shape
    for (int h = 0; h < 2; ++h) {
      v1::HubConfig config = testing::TestHubConfig(placeholder);
      db_.Configure(config.mutable_database());
      ports_[h] = testing::FreeLoopbackPort();
      config.set_listen_address(absl::StrCat("127.0.0.1:", ports_[h]));
      config.set_migrate_on_start(h == 0);
      configs_[h] = testing::WriteHubConfigFile(config, absl::StrCat("kill9-hub", h, ".textproto"));
    }
    StartHub(0);
    StartHub(1);
  }

  void StartHub(int h) {
    hubs_[h] = std::make_unique<testing::HubProcess>(
        configs_[h], absl::StrCat(::testing::TempDir(), "kill9-hub", h, "-", starts_++, ".log"));
    ASSERT_GT(hubs_[h]->WaitForPort(absl::Seconds(30)), 0) << hubs_[h]->Log();
  }

  testing::PrivateMariadb db_;
  int ports_[2];
  std::string configs_[2];
  std::unique_ptr<testing::HubProcess> hubs_[2];
  int starts_ = 0;
  absl::Time deadline_ = absl::Now() + absl::Seconds(150);
  testing::PruReceivers pru_{2};
};

TEST_F(KillNineTest, EveryAcknowledgedSubmissionIsDeliveredDespiteKilledHubsAndDatabase) {
  const std::vector<std::shared_ptr<grpc::Channel>> submit = {testing::AgencyChannel(ports_[0], "derby-health"),
                                                               testing::AgencyChannel(ports_[1], "derby-health")};
  std::thread receivers[2];
  for (int h = 0; h < 2; ++h) {
    receivers[h] = std::thread([this, h] { pru_.Run(h, testing::AgencyChannel(ports_[h], "derby-pru")); });
  }

  std::set<std::string> acknowledged;
  std::atomic<int> submitted{0};
  std::thread submitter([&] {
    for (int i = 0; i < kSubmissions; ++i) {
      const std::string id = testing::SubmitReportWithFailover(submit, i, deadline_);
      if (!id.empty()) acknowledged.insert(id);
      submitted = i + 1;
      absl::SleepFor(absl::Milliseconds(20));  // a steady rate, about 50 a second
    }
  });

  // The faults, while submissions flow: kill -9 one hub again and again...
  for (int k = 0; k < kHubKills; ++k) {
    absl::SleepFor(absl::Milliseconds(700));
    hubs_[0].reset();  // SIGKILL
    absl::SleepFor(absl::Milliseconds(300));
    StartHub(0);
  }
  // ... then the database itself, with submissions still flowing.
  absl::SleepFor(absl::Milliseconds(500));
  const int before_database_kill = submitted;
  db_.Kill();
  absl::SleepFor(absl::Milliseconds(500));
  ASSERT_TRUE(db_.Start());  // InnoDB recovers what was committed
  submitter.join();
  EXPECT_LT(before_database_kill, kSubmissions) << "the faults came after the submissions: the test proved nothing";
  ASSERT_EQ(acknowledged.size(), static_cast<size_t>(kSubmissions)) << "some submissions never got a receipt";

  // Everything acknowledged must arrive (redeliveries after lost acks may
  // take a lease, 2 s in the test config).
  const std::vector<std::string> missing = pru_.AwaitAll(acknowledged, absl::Seconds(60));
  pru_.Stop();
  for (std::thread& r : receivers) r.join();

  EXPECT_TRUE(missing.empty()) << missing.size() << " acknowledged submissions were never delivered, e.g. "
                               << (missing.empty() ? "" : missing.front());
  const testing::PruReceivers::Counts seen = pru_.counts();
  std::cout << "kill -9: " << acknowledged.size() << " submissions acknowledged, " << seen.delivered
            << " delivered, " << seen.deliveries << " deliveries seen (" << seen.deliveries - seen.delivered
            << " duplicates before de-duplication); " << kHubKills << " hub kills, 1 database kill\n";
}

}  // namespace
}  // namespace cre
