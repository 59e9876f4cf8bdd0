// No acknowledged submission is lost: while an agency submits with fail-over
// between two hub processes sharing one database, and the PRU receives from
// both, one hub is killed with SIGKILL and restarted again and again, and
// then MariaDB itself is killed and restarted. At the end every submission a
// hub acknowledged has been delivered at least once; the duplicates the
// receiver saw (before de-duplicating by message id) are reported.
#include <signal.h>

#include <atomic>
#include <iostream>
#include <map>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "client/hub_channel.h"
#include "cre/v1/inbox.grpc.pb.h"
#include "cre/v1/referrals.grpc.pb.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "store/mysql/migrations.h"
#include "store/mysql/mysql_store.h"
#include "support/hub_process.h"
#include "support/private_mariadb.h"
#include "support/test_environment.h"
#include "support/test_governance.h"
#include "support/test_hub.h"

namespace cre {
namespace {

constexpr int kSubmissions = 300;  // about 7 s at the pace below: the faults fall inside it
constexpr int kHubKills = 3;

std::shared_ptr<grpc::Channel> ChannelTo(int port, const std::string& agency) {
  const std::string certs = testing::CertsDir();
  client::HubChannelOptions options{absl::StrCat("localhost:", port), certs + "/ca.crt",
                                    certs + "/agencies/" + agency + ".crt", certs + "/agencies/" + agency + ".key"};
  options.max_reconnect_backoff_ms = 300;  // a restarted hub is found at once
  return *client::MakeHubChannel(options);
}

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

  // Submits report `i` until a hub acknowledges it, trying the hubs in
  // turn with the same idempotency key; returns the message id.
  std::string SubmitWithFailover(int i) {
    v1::SubmitOperationLibertyReportRequest request;
    request.set_idempotency_key(absl::StrCat("report-", i));
    *request.mutable_governance() = testing::TestGovernance();
    request.mutable_report()->add_places()->set_address(absl::StrCat("place ", i));
    request.mutable_report()->set_narrative("n");
    for (int attempt = 0; absl::Now() < deadline_; ++attempt) {
      grpc::ClientContext context;
      context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
      v1::SubmitResponse receipt;
      grpc::Status status = v1::Referrals::NewStub(submit_channels_[(i + attempt) % 2])
                                ->SubmitOperationLibertyReport(&context, request, &receipt);
      if (status.ok()) return receipt.message_id();
      absl::SleepFor(absl::Milliseconds(100));
    }
    return "";
  }

  // Receives as the PRU from hub `h` until `stop_`, reconnecting whenever
  // the stream ends (the hub died); acknowledges what it received.
  void Receive(int h) {
    auto channel = ChannelTo(ports_[h], "derby-pru");
    while (!stop_) {
      grpc::ClientContext context;
      {
        absl::MutexLock lock(&mu_);
        stream_contexts_[h] = &context;
      }
      auto reader = v1::Inbox::NewStub(channel)->Subscribe(&context, v1::SubscribeRequest());
      v1::RoutedMessage m;
      while (reader->Read(&m)) {
        {
          absl::MutexLock lock(&mu_);
          ++received_[m.message_id()];
        }
        grpc::ClientContext ack_context;
        ack_context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
        v1::AcknowledgeRequest ack;
        ack.add_delivery_ids(m.delivery_id());
        v1::AcknowledgeResponse done;
        v1::Inbox::NewStub(channel)->Acknowledge(&ack_context, ack, &done);  // lost acks: redelivered
      }
      reader->Finish();
      {
        absl::MutexLock lock(&mu_);
        stream_contexts_[h] = nullptr;
      }
      if (!stop_) absl::SleepFor(absl::Milliseconds(200));
    }
  }

  testing::PrivateMariadb db_;
  int ports_[2];
  std::string configs_[2];
  std::unique_ptr<testing::HubProcess> hubs_[2];
  int starts_ = 0;
  std::shared_ptr<grpc::Channel> submit_channels_[2];
  absl::Time deadline_ = absl::Now() + absl::Seconds(150);
  std::atomic<bool> stop_{false};
  absl::Mutex mu_;
  std::map<std::string, int> received_ ABSL_GUARDED_BY(mu_);
  grpc::ClientContext* stream_contexts_[2] ABSL_GUARDED_BY(mu_) = {nullptr, nullptr};
};

TEST_F(KillNineTest, EveryAcknowledgedSubmissionIsDeliveredDespiteKilledHubsAndDatabase) {
  for (int h = 0; h < 2; ++h) submit_channels_[h] = ChannelTo(ports_[h], "derby-health");
  std::thread receivers[2] = {std::thread([this] { Receive(0); }), std::thread([this] { Receive(1); })};

  std::set<std::string> acknowledged;
  std::atomic<int> submitted{0};
  std::thread submitter([&] {
    for (int i = 0; i < kSubmissions; ++i) {
      const std::string id = SubmitWithFailover(i);
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
  std::vector<std::string> missing;
  for (absl::Time end = absl::Now() + absl::Seconds(60); absl::Now() < end; absl::SleepFor(absl::Milliseconds(200))) {
    missing.clear();
    absl::MutexLock lock(&mu_);
    for (const std::string& id : acknowledged) {
      if (!received_.count(id)) missing.push_back(id);
    }
    if (missing.empty()) break;
  }
  stop_ = true;
  {
    absl::MutexLock lock(&mu_);
    for (grpc::ClientContext* context : stream_contexts_) {
      if (context != nullptr) context->TryCancel();
    }
  }
  for (std::thread& r : receivers) r.join();

  EXPECT_TRUE(missing.empty()) << missing.size() << " acknowledged submissions were never delivered, e.g. "
                               << (missing.empty() ? "" : missing.front());
  int deliveries = 0;
  {
    absl::MutexLock lock(&mu_);
    for (const auto& [id, count] : received_) deliveries += count;
    std::cout << "kill -9: " << acknowledged.size() << " submissions acknowledged, " << received_.size()
              << " delivered, " << deliveries << " deliveries seen (" << deliveries - static_cast<int>(received_.size())
              << " duplicates before de-duplication); " << kHubKills << " hub kills, 1 database kill\n";
  }
}

}  // namespace
}  // namespace cre
