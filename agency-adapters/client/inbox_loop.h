// The receiving side of an adapter: subscribes to the agency's inbox, hands
// each message to a handler that must make it durable (write a file, insert
// a row), and acknowledges it only after the handler returned OK. A handler
// that fails is called again, after a backoff, with the stream held open
// (for up to retry_handler_for; then the stream is dropped and the hub
// hands the message out again, counting an attempt). When the stream ends
// (hub restart, network) it subscribes again after a backoff with jitter;
// the hub hands out again whatever was not acknowledged.
//
// Delivery is at least once, so a handler sees a message again after a crash
// between its write and the acknowledgement: handlers write idempotently
// (e.g. a file named by the message id, replaced on redelivery). The loop
// also remembers deliveries it persisted but could not acknowledge, and
// acknowledges them without calling the handler again. A stop that comes
// while the handler runs still lets the message it persisted be acknowledged
// (one attempt), so a clean stop leaves nothing to hand out again.
//
//   InboxLoop loop(channel, {}, stopper);
//   loop.Run([&](const v1::RoutedMessage& m) { return WriteMessageFile(out_dir, m); });  // until stopped
#ifndef CRE_AGENCY_ADAPTERS_CLIENT_INBOX_LOOP_H_
#define CRE_AGENCY_ADAPTERS_CLIENT_INBOX_LOOP_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <set>

#include "absl/status/status.h"
#include "client/retry_policy.h"
#include "client/stopper.h"
#include "cre/v1/inbox.grpc.pb.h"
#include "grpcpp/channel.h"

namespace cre::client {

struct InboxLoopOptions {
  // How many unacknowledged messages the hub may hand this stream at once.
  int max_in_flight = 16;
  // How long a handler that fails is called again, with the stream held,
  // before the stream is dropped. Below the hub's lease (30 s by default),
  // which runs from the hand-out: past it the hub hands the message out
  // again anyway, counting an attempt.
  absl::Duration retry_handler_for = absl::Seconds(20);
  // For Acknowledge calls, and (initial and max backoff) for calling a
  // failing handler again and for resubscribing.
  RetryPolicy policy = [] {
    RetryPolicy policy;
    policy.give_up_after = absl::Seconds(30);
    return policy;
  }();
};

// Persists one message; OK means it is safe to acknowledge.
using MessageHandler = std::function<absl::Status(const v1::RoutedMessage&)>;

class InboxLoop {
 public:
  InboxLoop(std::shared_ptr<grpc::Channel> channel, InboxLoopOptions options, Stopper& stopper);

  // Receives until the stopper stops; returns then.
  void Run(const MessageHandler& handler);

 private:
  // One subscription, until the stream ends; true if any message was
  // persisted (the next reconnect then starts from the initial backoff).
  bool ReceiveOnce(const MessageHandler& handler);
  // Handles one message; false if it could not be persisted within
  // retry_handler_for (the stream is then dropped, so the hub hands it out
  // again after a backoff).
  bool Process(const v1::RoutedMessage& message, const MessageHandler& handler);
  absl::Status Acknowledge(int64_t delivery_id);

  std::unique_ptr<v1::Inbox::Stub> stub_;
  InboxLoopOptions options_;
  Stopper& stopper_;
  // Persisted, acknowledgement failed: acknowledge on redelivery, do not
  // hand to the handler twice.
  std::set<int64_t> persisted_unacknowledged_;
};

}  // namespace cre::client

#endif  // CRE_AGENCY_ADAPTERS_CLIENT_INBOX_LOOP_H_
