#include "client/inbox_loop.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "client/grpc_status.h"
#include "client/log.h"
#include "grpcpp/client_context.h"

namespace cre::client {
namespace {

constexpr absl::Duration kStoppingAckDeadline = absl::Seconds(2);

}  // namespace

InboxLoop::InboxLoop(std::shared_ptr<grpc::Channel> channel, InboxLoopOptions options, Stopper& stopper)
    : stub_(v1::Inbox::NewStub(std::move(channel))), options_(options), stopper_(stopper) {}

void InboxLoop::Run(const MessageHandler& handler) {
  for (int reconnect = 0; !stopper_.stopped();) {
    reconnect = ReceiveOnce(handler) ? 0 : reconnect + 1;
    if (!stopper_.SleepFor(BackoffFor(options_.policy, reconnect))) break;
  }
}

bool InboxLoop::ReceiveOnce(const MessageHandler& handler) {
  // Shared with the stop callback, which may outlive this call.
  auto context = std::make_shared<grpc::ClientContext>();
  stopper_.OnStop([weak = std::weak_ptr<grpc::ClientContext>(context)] {
    if (auto alive = weak.lock()) alive->TryCancel();
  });
  v1::SubscribeRequest request;
  request.set_max_in_flight(options_.max_in_flight);
  std::unique_ptr<grpc::ClientReader<v1::RoutedMessage>> stream = stub_->Subscribe(context.get(), request);
  bool progressed = false;
  v1::RoutedMessage message;
  while (stream->Read(&message)) {
    if (!Process(message, handler)) {
      context->TryCancel();
      break;
    }
    progressed = true;
  }
  const absl::Status ended = FromGrpcStatus(stream->Finish());
  if (!stopper_.stopped()) LogError(absl::StrCat("inbox stream ended, subscribing again: ", ended.ToString()));
  return progressed;
}

bool InboxLoop::Process(const v1::RoutedMessage& message, const MessageHandler& handler) {
  const int64_t delivery = message.delivery_id();
  if (persisted_unacknowledged_.count(delivery) == 0) {
    // A handler that cannot persist (a full disk, a folder briefly gone) is
    // tried again with the stream held open, within the lease. Dropping the
    // stream at once would hand the message back to the hub, which counts
    // every hand-out and sets a message aside as dead-lettered after its
    // max_attempts (10 by default): a few seconds of full disk would cost
    // the agency messages.
    const std::string which = absl::StrCat("delivery ", delivery, " (message ", message.message_id(), ")");
    const absl::Time give_up = absl::Now() + options_.retry_handler_for;
    for (int retry = 0;; ++retry) {
      absl::Status persisted = handler(message);
      if (persisted.ok()) break;
      LogError(absl::StrCat("not persisted: ", which, ": ", persisted.ToString()));
      const absl::Duration backoff = BackoffFor(options_.policy, retry);
      if (absl::Now() + backoff > give_up || !stopper_.SleepFor(backoff)) {
        LogError(absl::StrCat("not acknowledged: ", which, " could not be persisted (", persisted.ToString(),
                              "); the hub hands it out again"));
        return false;
      }
    }
    persisted_unacknowledged_.insert(delivery);
  }
  absl::Status acknowledged = Acknowledge(delivery);
  if (acknowledged.ok()) {
    persisted_unacknowledged_.erase(delivery);
  } else {
    LogError(absl::StrCat("acknowledgement of delivery ", delivery, " failed (kept, will be acknowledged on redelivery): ",
                          acknowledged.message()));
  }
  return true;
}

absl::Status InboxLoop::Acknowledge(int64_t delivery_id) {
  v1::AcknowledgeRequest request;
  request.add_delivery_ids(delivery_id);
  v1::AcknowledgeResponse response;
  const auto attempt = [&](grpc::ClientContext& context) { return stub_->Acknowledge(&context, request, &response); };
  if (stopper_.stopped()) {
    // A stop (SIGTERM) that came while the handler wrote the message: it is
    // persisted, so one attempt spares the agency a redelivery after the
    // restart. No retries, and at most kStoppingAckDeadline: the stop should
    // not wait on a hub that does not answer.
    grpc::ClientContext context;
    context.set_deadline(
        absl::ToChronoTime(absl::Now() + std::min(options_.policy.attempt_deadline, kStoppingAckDeadline)));
    return FromGrpcStatus(attempt(context));
  }
  return CallWithRetry(options_.policy, stopper_, attempt);
}

}  // namespace cre::client
