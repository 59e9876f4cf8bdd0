// The hub's clients as the load generator drives them, on gRPC's callback
// API: an inbox subscriber that acknowledges each message as it arrives,
// and an Operation Liberty report that carries the instant it was sent, so
// that the receiver can take submit-to-delivery latency.
//
//   auto sub = std::make_unique<InboxSubscriber>(stub.get(), 64, on_delivered, on_acked);
//   sub->Start();  ...  sub->Cancel(); sub->WaitDone();
#ifndef CRE_BENCHMARKS_HUB_HUB_LOAD_H_
#define CRE_BENCHMARKS_HUB_HUB_LOAD_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "absl/synchronization/notification.h"
#include "cre/v1/inbox.grpc.pb.h"
#include "cre/v1/referrals.grpc.pb.h"
#include "grpcpp/support/client_callback.h"

namespace cre::bench {

// One Inbox.Subscribe stream. Each message is passed to `on_delivered`, then
// acknowledged at once with Inbox.Acknowledge (one call per message, as an
// adapter that keeps nothing would), then passed to `on_acked` once the hub
// confirms. Callbacks run on gRPC's threads and must outlive the acks.
class InboxSubscriber : public grpc::ClientReadReactor<v1::RoutedMessage> {
 public:
  using OnMessage = std::function<void(const v1::RoutedMessage&)>;
  InboxSubscriber(v1::Inbox::Stub* stub, int max_in_flight, OnMessage on_delivered, OnMessage on_acked);

  void Start();
  // Ends the stream from this side (the hub hands unacknowledged messages out again).
  void Cancel() { context_.TryCancel(); }
  // True once the stream ended, within `timeout`.
  bool WaitDone(absl::Duration timeout) { return done_.WaitForNotificationWithTimeout(timeout); }
  bool Done() const { return done_.HasBeenNotified(); }
  // Acknowledge calls not yet answered.
  int64_t AcksPending() const { return acks_pending_->load(); }

  void OnReadDone(bool ok) override;
  void OnDone(const grpc::Status& status) override;

 private:
  void Acknowledge(const v1::RoutedMessage& message);

  v1::Inbox::Stub* stub_;
  grpc::ClientContext context_;
  v1::SubscribeRequest request_;
  v1::RoutedMessage message_;
  OnMessage on_delivered_;
  OnMessage on_acked_;
  std::shared_ptr<std::atomic<int64_t>> acks_pending_ = std::make_shared<std::atomic<int64_t>>(0);
  absl::Notification done_;
};

// Submits `request` as the channel's agency; `done` gets the status and the
// hub's receipt.
void SubmitReport(v1::Referrals::Stub* stub, const v1::SubmitOperationLibertyReportRequest& request,
                  std::function<void(const grpc::Status&, const v1::SubmitResponse&)> done);

// An Operation Liberty report, optionally about `case_id`, whose narrative
// names the run `tag` and the send instant (NowNanos()).
v1::SubmitOperationLibertyReportRequest TimedReport(const std::string& idempotency_key, const std::string& tag,
                                                    int64_t sent_nanos, const std::string& case_id = "");

// The send instant of a report made by TimedReport with this `tag`; nullopt
// for any other message (a report of an earlier run, say).
std::optional<int64_t> SentNanos(const v1::RoutedMessage& message, const std::string& tag);

}  // namespace cre::bench

#endif  // CRE_BENCHMARKS_HUB_HUB_LOAD_H_
