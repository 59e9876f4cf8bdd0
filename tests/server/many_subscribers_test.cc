// A subscriber stream holds no thread while it waits: the real hub process
// with many idle streams open keeps a small, fixed number of threads.
// (The benchmark measures 5,000; this bounded test guards the design.)
#include <signal.h>

#include <iostream>
#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "client/hub_channel.h"
#include "cre/v1/inbox.grpc.pb.h"
#include "cre/v1/referrals.grpc.pb.h"
#include "grpcpp/client_context.h"
#include "grpcpp/completion_queue.h"
#include "gtest/gtest.h"
#include "support/inbox_stream.h"
#include "support/hub_process.h"
#include "support/test_environment.h"
#include "support/test_hub.h"

namespace cre {
namespace {

constexpr int kStreams = 1000;
constexpr int kChannels = 10;  // several HTTP/2 connections, as many agencies would use
// The hub's own threads: gRPC's pollers and callback executor, the sync
// server's threads, the delivery executor, poller and health watcher.
constexpr int kMaxHubThreads = 64;

enum Op { kStart = 0, kRead = 1, kFinish = 2 };
void* Tag(int stream, Op op) { return reinterpret_cast<void*>(static_cast<intptr_t>(stream * 4 + op)); }
int StreamOf(void* tag) { return static_cast<int>(reinterpret_cast<intptr_t>(tag) / 4); }
Op OpOf(void* tag) { return static_cast<Op>(reinterpret_cast<intptr_t>(tag) % 4); }

struct Stream {
  grpc::ClientContext context;
  std::unique_ptr<grpc::ClientAsyncReader<v1::RoutedMessage>> reader;
  v1::RoutedMessage message;
  grpc::Status status;
};

TEST(ManySubscribersTest, IdleStreamsCostNoHubThreads) {
  testing::TestDatabase db(testing::TestDatabase::Migrate::kNo);
  v1::HubConfig config = testing::TestHubConfig(db);
  config.set_migrate_on_start(true);
  testing::HubProcess hub(testing::WriteHubConfigFile(config, "many.textproto"),
                          ::testing::TempDir() + "many.log");
  const int port = hub.WaitForPort(absl::Seconds(30));
  ASSERT_GT(port, 0) << hub.Log();
  const int threads_before = hub.ThreadCount();

  // One completion queue and this one thread drive every stream.
  const std::string certs = testing::CertsDir();
  std::vector<std::unique_ptr<v1::Inbox::Stub>> stubs;
  for (int c = 0; c < kChannels; ++c) {
    client::HubChannelOptions options{absl::StrCat("localhost:", port), certs + "/ca.crt",
                                      certs + "/agencies/derby-pru.crt", certs + "/agencies/derby-pru.key"};
    options.channel_id = c;  // a connection of its own
    stubs.push_back(v1::Inbox::NewStub(*client::MakeHubChannel(options)));
  }
  grpc::CompletionQueue cq;
  std::vector<std::unique_ptr<Stream>> streams;
  for (int i = 0; i < kStreams; ++i) {
    streams.push_back(std::make_unique<Stream>());
    Stream& s = *streams.back();
    s.reader = stubs[i % kChannels]->PrepareAsyncSubscribe(&s.context, v1::SubscribeRequest(), &cq);
    s.reader->StartCall(Tag(i, kStart));
  }
  int started = 0;
  void* tag;
  bool ok;
  while (started < kStreams && cq.Next(&tag, &ok)) {
    ASSERT_EQ(OpOf(tag), kStart);
    ASSERT_TRUE(ok) << "stream " << StreamOf(tag) << " did not start";
    Stream& s = *streams[StreamOf(tag)];
    s.reader->Read(&s.message, Tag(StreamOf(tag), kRead));
    ++started;
  }
  absl::SleepFor(absl::Seconds(1));  // every stream registered and idle

  const int threads_with_streams = hub.ThreadCount();
  std::cout << "hub threads: " << threads_before << " idle, " << threads_with_streams << " with "
            << kStreams << " open streams\n";
  EXPECT_LE(threads_with_streams, kMaxHubThreads)
      << "threads before: " << threads_before << ", with " << kStreams << " streams: " << threads_with_streams;

  // One of the idle streams receives a report at once.
  {
    client::HubChannelOptions options{absl::StrCat("localhost:", port), certs + "/ca.crt",
                                      certs + "/agencies/derby-health.crt", certs + "/agencies/derby-health.key"};
    ASSERT_TRUE(testing::SubmitReport(*client::MakeHubChannel(options), "one").ok());
  }
  ASSERT_TRUE(cq.Next(&tag, &ok));
  EXPECT_EQ(OpOf(tag), kRead);
  EXPECT_TRUE(ok);
  EXPECT_EQ(streams[StreamOf(tag)]->message.kind(), v1::MESSAGE_KIND_OPERATION_LIBERTY_REPORT);

  // Close every stream, as the agencies going away.
  const int received_stream = StreamOf(tag);
  for (auto& s : streams) s->context.TryCancel();
  int reads_pending = kStreams - 1;
  int finished = 0;
  streams[received_stream]->reader->Finish(&streams[received_stream]->status, Tag(received_stream, kFinish));
  while ((reads_pending > 0 || finished < kStreams) && cq.Next(&tag, &ok)) {
    const int i = StreamOf(tag);
    if (OpOf(tag) == kRead) {
      --reads_pending;
      streams[i]->reader->Finish(&streams[i]->status, Tag(i, kFinish));
    } else if (OpOf(tag) == kFinish) {
      ++finished;
    }
  }
  EXPECT_EQ(finished, kStreams);
  cq.Shutdown();
  while (cq.Next(&tag, &ok)) {
  }
  EXPECT_EQ(hub.StopWith(SIGTERM), 0) << hub.Log();
}

}  // namespace
}  // namespace cre
