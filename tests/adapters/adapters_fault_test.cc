// The adapters when things fail: the hub down while submissions are made,
// the PRU adapter killed between writing a report and acknowledging it, a
// report the adapter cannot convert or write.
#include <signal.h>

#include <atomic>
#include <filesystem>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "adapters/adapter_process.h"
#include "client/durable_files.h"
#include "client/inbox_loop.h"
#include "client/stopper.h"
#include "cre/v1/referrals.grpc.pb.h"
#include "runtime/message_folder.h"
#include "gtest/gtest.h"
#include "support/hub_process.h"
#include "support/inbox_stream.h"
#include "support/test_database.h"
#include "support/test_environment.h"
#include "support/test_governance.h"
#include "support/test_hub.h"

namespace cre {
namespace {

using ::cre::testing::AdapterProcess;
using ::cre::testing::CountFiles;
using ::cre::testing::HubProcess;
using ::cre::testing::InboxStream;
using ::cre::testing::NewTempDir;
using ::cre::testing::TestDatabase;
using ::cre::testing::TestHub;
using ::cre::testing::WaitFor;

std::string Sample(const std::string& name) {
  return ::cre::testing::SourceRoot() + "/agency-adapters/samples/" + name;
}

TEST(AdaptersFaultTest, FilesSubmittedWhileTheHubIsDownAreDeliveredOnceWhenItReturns) {
  TestDatabase db;
  const int port = ::cre::testing::UnusedPort();
  const std::string dir = NewTempDir("health-down");
  std::filesystem::create_directories(dir + "/inbox");
  std::filesystem::copy_file(Sample("health-concern.json"), dir + "/inbox/concern.json");
  std::filesystem::copy_file(Sample("operation-liberty-report.json"), dir + "/inbox/report.json");

  // No hub listening: the adapter accepts both files into its spool.
  AdapterProcess health(HEALTH_BINARY, {"run", "--dir", dir, "--poll-ms", "200"}, "derby-health", port);
  // Spooled first, then removed from the inbox: wait for both.
  ASSERT_TRUE(WaitFor([&] { return CountFiles(dir + "/spool", ".json") == 2 && CountFiles(dir + "/inbox", ".json") == 0; },
                      absl::Seconds(10)))
      << health.Stderr();
  absl::SleepFor(absl::Seconds(2));  // retrying meanwhile
  EXPECT_EQ(CountFiles(dir + "/processed", ".receipt.json"), 0);

  v1::HubConfig config = ::cre::testing::TestHubConfig(db);
  config.set_listen_address(absl::StrCat("127.0.0.1:", port));
  HubProcess hub(::cre::testing::WriteHubConfigFile(config, "adapters-down.textproto"),
                 ::testing::TempDir() + "adapters-down.log");
  ASSERT_EQ(hub.WaitForPort(absl::Seconds(30)), port) << hub.Log();
  ASSERT_TRUE(WaitFor([&] { return CountFiles(dir + "/processed", ".receipt.json") == 2; }, absl::Seconds(30)))
      << health.Stderr();
  // The adapter writes the receipt, then removes the spooled file: wait for
  // the second step too.
  EXPECT_TRUE(WaitFor([&] { return CountFiles(dir + "/spool", ".json") == 0; }, absl::Seconds(10)));
  EXPECT_EQ(health.StopWith(SIGTERM), 0) << health.Stderr();
  EXPECT_EQ(db.QueryString("SELECT COUNT(*) FROM message"), "2");

  // A restart finds nothing left to send: still exactly two.
  AdapterProcess again(HEALTH_BINARY, {"run", "--once", "--dir", dir}, "derby-health", port);
  EXPECT_EQ(again.Wait(), 0) << again.Stderr();
  EXPECT_EQ(db.QueryString("SELECT COUNT(*) FROM message"), "2");
}

// A fault of the hub's own (here its database refuses every new message, so
// the hub answers INTERNAL) is not a refusal of the submission: the file
// stays in the spool, nothing goes to rejected/, and it is sent once the
// fault is mended.
TEST(AdaptersFaultTest, AHubFaultKeepsTheSubmissionSpooledUntilItIsMended) {
  TestDatabase db;
  TestHub hub(db);
  const std::string dir = NewTempDir("health-hub-fault");
  std::filesystem::create_directories(dir + "/inbox");
  db.Execute("ALTER TABLE message ADD CONSTRAINT test_fault CHECK (message_id = '')");
  std::filesystem::copy_file(Sample("health-concern.json"), dir + "/inbox/concern.json");

  AdapterProcess health(HEALTH_BINARY, {"run", "--dir", dir, "--poll-ms", "200"}, "derby-health", hub.port());
  ASSERT_TRUE(WaitFor([&] { return health.Stderr().find("INTERNAL") != std::string::npos; }, absl::Seconds(20)))
      << health.Stderr();
  absl::SleepFor(absl::Seconds(1));  // a few more rounds, each answered INTERNAL
  EXPECT_EQ(CountFiles(dir + "/spool", ".json"), 1) << health.Stderr();
  EXPECT_EQ(CountFiles(dir + "/rejected", ""), 0) << health.Stderr();

  db.Execute("ALTER TABLE message DROP CONSTRAINT test_fault");
  ASSERT_TRUE(WaitFor([&] { return CountFiles(dir + "/processed", ".receipt.json") == 1; }, absl::Seconds(20)))
      << health.Stderr();
  EXPECT_TRUE(WaitFor([&] { return CountFiles(dir + "/spool", ".json") == 0; }, absl::Seconds(10)));
  EXPECT_EQ(CountFiles(dir + "/rejected", ""), 0);
  EXPECT_EQ(health.StopWith(SIGTERM), 0) << health.Stderr();
  EXPECT_EQ(db.QueryString("SELECT COUNT(*) FROM message"), "1");
}

TEST(AdaptersFaultTest, PoliceAdapterKilledBetweenWriteAndAckLeavesOneFilePerReport) {
  TestHub hub;
  std::set<std::string> message_ids;
  for (int i = 0; i < 3; ++i) {
    v1::SubmitOperationLibertyReportRequest request;
    request.set_idempotency_key(absl::StrCat("olr-", i));
    *request.mutable_governance() = testing::TestGovernance();
    request.mutable_report()->add_places()->set_address(absl::StrCat("Car park ", i));
    request.mutable_report()->set_narrative("Children collected here after school.");
    v1::SubmitResponse receipt;
    grpc::ClientContext context;
    ASSERT_TRUE(v1::Referrals::NewStub(hub.ChannelFor("derby-health"))
                    ->SubmitOperationLibertyReport(&context, request, &receipt)
                    .ok());
    message_ids.insert(receipt.message_id());
  }
  const std::string out = NewTempDir("pru-crash");
  {
    AdapterProcess crashing(POLICE_PRU_BINARY, {"--out", out, "--exit-after-write-for-test", "1"}, "derby-pru",
                            hub.port());
    EXPECT_EQ(crashing.Wait(), 3) << crashing.Stderr();
  }
  EXPECT_EQ(CountFiles(out, ".json"), 1);

  AdapterProcess pru(POLICE_PRU_BINARY, {"--out", out}, "derby-pru", hub.port());
  ASSERT_TRUE(WaitFor([&] { return CountFiles(out, ".json") == 3; })) << pru.Stderr();
  // Past the test hub's 2 s lease: any redelivery has come and gone.
  absl::SleepFor(absl::Seconds(3));
  EXPECT_EQ(pru.StopWith(SIGTERM), 0) << pru.Stderr();
  EXPECT_EQ(CountFiles(out, ".json"), 3);
  for (const std::string& id : message_ids) EXPECT_TRUE(client::FileExists(out + "/" + id + ".json")) << id;
  InboxStream after(hub.ChannelFor("derby-pru"));
  EXPECT_FALSE(after.Next(absl::Milliseconds(700)).has_value());
}

v1::SubmitResponse SubmitReport(const TestHub& hub, const std::string& key) {
  v1::SubmitOperationLibertyReportRequest request;
  request.set_idempotency_key(key);
  *request.mutable_governance() = testing::TestGovernance();
  request.mutable_report()->add_places()->set_address("Bus station");
  request.mutable_report()->set_narrative("Children collected here after school.");
  v1::SubmitResponse receipt;
  grpc::ClientContext context;
  EXPECT_TRUE(v1::Referrals::NewStub(hub.ChannelFor("derby-health"))
                  ->SubmitOperationLibertyReport(&context, request, &receipt)
                  .ok());
  return receipt;
}

std::string PruDeliveryState(const TestHub& hub, const std::string& message_id) {
  return hub.database().QueryString(absl::StrCat("SELECT state FROM delivery WHERE recipient_agency_id = 'derby-pru'"
                                                 " AND message_id = '", message_id, "'"));
}

int PruDeliveryAttempts(const TestHub& hub, const std::string& message_id) {
  return std::stoi(hub.database().QueryString(absl::StrCat(
      "SELECT attempts FROM delivery WHERE recipient_agency_id = 'derby-pru' AND message_id = '", message_id, "'")));
}

// The police adapter, as its executable, cannot write a report (a folder
// stands where its file goes, which stops root too): it does not acknowledge
// it, says which delivery and why, and writes and acknowledges it once it
// can.
TEST(AdaptersFaultTest, AReportThePoliceAdapterCannotWriteIsNotAcknowledgedUntilItIsWritten) {
  TestHub hub;
  const v1::SubmitResponse receipt = SubmitReport(hub, "olr-unwritable");
  const std::string out = NewTempDir("pru-unwritable");
  const std::string path = absl::StrCat(out, "/", receipt.message_id(), ".json");
  std::filesystem::create_directory(path);

  AdapterProcess pru(POLICE_PRU_BINARY, {"--out", out}, "derby-pru", hub.port());
  ASSERT_TRUE(WaitFor([&] {
    return pru.Stderr().find(absl::StrCat("(message ", receipt.message_id(), "): ")) != std::string::npos;
  })) << pru.Stderr();
  EXPECT_NE(pru.Stderr().find("cannot rename to " + path), std::string::npos) << pru.Stderr();
  absl::SleepFor(absl::Seconds(1));  // more attempts to write it, each failing
  EXPECT_NE(PruDeliveryState(hub, receipt.message_id()), "ACKED");
  EXPECT_TRUE(std::filesystem::is_directory(path));

  std::filesystem::remove(path);
  ASSERT_TRUE(WaitFor([&] { return PruDeliveryState(hub, receipt.message_id()) == "ACKED"; })) << pru.Stderr();
  EXPECT_TRUE(std::filesystem::is_regular_file(path));
  EXPECT_EQ(pru.StopWith(SIGTERM), 0) << pru.Stderr();
}

// The hub validates what it accepts, so it does not hand out a message the
// adapters cannot convert; the receiving loop with the adapters' file writer
// must still not acknowledge one. Here the message is damaged between the
// stream and the writer (an instant past 9999-12-31, which the protobuf JSON
// mapping cannot print).
TEST(AdaptersFaultTest, AReportTheAdapterCannotConvertIsNotAcknowledgedAndIsHandedOutAgain) {
  TestHub hub;
  const v1::SubmitResponse receipt = SubmitReport(hub, "olr-unconvertible");
  const std::string out = NewTempDir("pru-unconvertible");
  const client::MessageHandler write = adapters::MessageFileWriter(out);
  client::InboxLoopOptions options;
  options.retry_handler_for = absl::Milliseconds(300);
  options.policy.initial_backoff = absl::Milliseconds(50);
  {
    client::Stopper stopper;
    std::atomic<int> calls{0};
    std::thread receiver([&] {
      client::InboxLoop(hub.ChannelFor("derby-pru"), options, stopper).Run([&](const v1::RoutedMessage& message) {
        ++calls;
        v1::RoutedMessage damaged = message;
        damaged.mutable_accepted_at()->set_seconds(253402300800);
        return write(damaged);
      });
    });
    // Given up on (past retry_handler_for), handed out again, failing again.
    EXPECT_TRUE(WaitFor([&] { return PruDeliveryAttempts(hub, receipt.message_id()) >= 2; }, absl::Seconds(20)));
    const int before = calls;
    EXPECT_TRUE(WaitFor([&] { return calls > before; }, absl::Seconds(10)));
    stopper.Stop();
    receiver.join();
  }
  EXPECT_NE(PruDeliveryState(hub, receipt.message_id()), "ACKED");
  EXPECT_EQ(CountFiles(out, ""), 0);
  EXPECT_TRUE(std::filesystem::is_empty(out));  // no temporary file either

  // Once it can be converted, it is written and acknowledged.
  client::Stopper stopper;
  std::thread receiver([&] { client::InboxLoop(hub.ChannelFor("derby-pru"), options, stopper).Run(write); });
  EXPECT_TRUE(WaitFor([&] { return PruDeliveryState(hub, receipt.message_id()) == "ACKED"; }));
  stopper.Stop();
  receiver.join();
  EXPECT_TRUE(client::FileExists(absl::StrCat(out, "/", receipt.message_id(), ".json")));
}

}  // namespace
}  // namespace cre
