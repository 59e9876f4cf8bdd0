// A subscriber stream for tests: reads an agency's inbox on a thread of its
// own and hands the messages out one at a time.
//
//   InboxStream pru(hub.ChannelFor("derby-pru"));
//   absl::optional<v1::RoutedMessage> message = pru.Next();
//   ASSERT_TRUE(Acknowledge(hub.ChannelFor("derby-pru"), {message->delivery_id()}).ok());
#ifndef CRE_TESTS_SUPPORT_INBOX_STREAM_H_
#define CRE_TESTS_SUPPORT_INBOX_STREAM_H_

#include <deque>
#include <memory>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "cre/v1/inbox.grpc.pb.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"

namespace cre::testing {

class InboxStream {
 public:
  explicit InboxStream(std::shared_ptr<grpc::Channel> channel, int max_in_flight = 0);
  // Cancels the stream, as a client that goes away.
  ~InboxStream();

  // The next message within `timeout`, or nullopt.
  absl::optional<v1::RoutedMessage> Next(absl::Duration timeout = absl::Seconds(10));
  // The status the stream ended with, once it has (waits up to `timeout`).
  absl::optional<grpc::Status> Ended(absl::Duration timeout = absl::Seconds(10));
  void Cancel();

 private:
  std::unique_ptr<v1::Inbox::Stub> stub_;
  grpc::ClientContext context_;
  absl::Mutex mu_;
  std::deque<v1::RoutedMessage> received_ ABSL_GUARDED_BY(mu_);
  absl::optional<grpc::Status> ended_ ABSL_GUARDED_BY(mu_);
  std::thread reader_;
};

// Referrals.SubmitOperationLibertyReport of a minimal report (one place, no
// case) from the agency behind `channel`, under `idempotency_key`, with a
// 30 s deadline: the call tests use to put a message through the hub.
grpc::Status SubmitReport(const std::shared_ptr<grpc::Channel>& channel, const std::string& idempotency_key);

// Inbox.Acknowledge from the agency behind `channel`.
grpc::Status Acknowledge(const std::shared_ptr<grpc::Channel>& channel,
                         const std::vector<int64_t>& delivery_ids);

}  // namespace cre::testing

#endif  // CRE_TESTS_SUPPORT_INBOX_STREAM_H_
