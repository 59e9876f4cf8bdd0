// The hub's clients as the load generator drives them, on gRPC's callback
// API: an inbox subscriber that acknowledges messages as they arrive,
// and an Operation Liberty report that carries the instant it was sent, so
// that the receiver can take submit-to-delivery latency.
//
//   auto sub = std::make_unique<InboxSubscriber>(stub.get(), 64, on_delivered, on_acked);
//   sub->Start();  ...  sub->Cancel(); sub->WaitDone();
#ifndef CRE_BENCHMARKS_HUB_HUB_LOAD_H_
#define CRE_BENCHMARKS_HUB_HUB_LOAD_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "cre/v1/inbox.grpc.pb.h"
#include "cre/v1/referrals.grpc.pb.h"
#include "grpcpp/support/client_callback.h"

namespace cre::bench {

// One Inbox.Subscribe stream. Each message is passed to `on_delivered`, then
// acknowledged with Inbox.Acknowledge as a busy consumer would: one call at
// a time per stream, carrying every message that arrived while the previous
// call was out (one message per call when the stream is quiet). Each is
// passed to `on_acked` once the hub confirms. Callbacks run on gRPC's
// threads; the stub and callbacks must outlive the acks.
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
  // Messages whose acknowledgement the hub has not confirmed yet.
  int64_t AcksPending() const;

  void OnReadDone(bool ok) override;
  void OnDone(const grpc::Status& status) override;

 private:
  // What the acknowledgements share with the calls in flight, which may end
  // after this stream.
  struct Acks {
    v1::Inbox::Stub* stub;
    OnMessage on_acked;
    absl::Mutex mu;
    std::vector<v1::RoutedMessage> waiting ABSL_GUARDED_BY(mu);  // for the next call
    int64_t in_call ABSL_GUARDED_BY(mu) = 0;                     // in the call out, if any
  };
  // Sends what is waiting, unless a call is out already (its completion
  // sends what waits then).
  static void SendWaiting(const std::shared_ptr<Acks>& acks);

  grpc::ClientContext context_;
  v1::SubscribeRequest request_;
  v1::RoutedMessage message_;
  OnMessage on_delivered_;
  std::shared_ptr<Acks> acks_;
  absl::Notification done_;
};

using SubmitDone = std::function<void(const grpc::Status&, const v1::SubmitResponse&)>;

// One asynchronous submission with a 60 s deadline: `start` begins the call
// on the context, request and receipt it is given (one of the stub's async
// methods, e.g. [stub](auto... a) { stub->async()->RecordCaseEvents(a...); });
// `done` gets the status and the hub's receipt.
template <typename Request, typename Start>
void SubmitAsync(const Request& request, Start start, SubmitDone done) {
  struct Call {
    grpc::ClientContext context;
    Request request;
    v1::SubmitResponse response;
  };
  auto* call = new Call;
  call->request = request;
  call->context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  start(&call->context, &call->request, &call->response, [call, done = std::move(done)](grpc::Status status) {
    done(status, call->response);
    delete call;
  });
}

// Submits `request` as the channel's agency; `done` gets the status and the
// hub's receipt.
void SubmitReport(v1::Referrals::Stub* stub, const v1::SubmitOperationLibertyReportRequest& request,
                  SubmitDone done);

// The governance envelope of the benchmark's submissions: every field the
// hub requires by default, under config/governance.textproto's agreement
// that every agency of the registry (the benchmark's partners too) signed.
v1::Governance BenchGovernance();

// The two calls that open an assessed case, as the console and deadlines
// phases seed theirs: concern `i` about a new child (a MEDIUM concern from a
// school, say), identified at `identified`, its key "<key_prefix>-i"; and
// Children's Social Care's assessment of its case an hour later, MEDIUM or
// (one in four) HIGH, from which the pathway's actions and deadlines follow.
v1::SubmitConcernRequest NewCaseConcern(const std::string& key_prefix, int i, absl::Time identified);
v1::RecordRiskAssessmentRequest NewCaseAssessment(const std::string& key_prefix, int i, const std::string& case_id,
                                                  absl::Time identified);

// What OpenAssessedCases did: the ids of the cases opened and assessed, in
// the order they finished; the calls refused, and the first refusal's text.
struct OpenedCases {
  std::vector<std::string> case_ids;
  int64_t failed = 0;
  std::string first_error;
};

// Opens `n` cases by real calls, `concurrency` outstanding, each case's
// assessment starting when its concern is answered and its end starting the
// next: concern i (NewCaseConcern, identified at identified(i)) from
// submitters[i % size], its assessment (NewCaseAssessment) from
// assessors[i % size]. The console and deadlines phases seed with it.
OpenedCases OpenAssessedCases(const std::vector<std::unique_ptr<v1::Referrals::Stub>>& submitters,
                              const std::vector<std::unique_ptr<v1::Referrals::Stub>>& assessors,
                              const std::string& key_prefix, int n, int concurrency,
                              const std::function<absl::Time(int)>& identified);

// An Operation Liberty report, optionally about `case_id`, whose narrative
// names the run `tag` and the send instant (NowNanos()).
v1::SubmitOperationLibertyReportRequest TimedReport(const std::string& idempotency_key, const std::string& tag,
                                                    int64_t sent_nanos, const std::string& case_id = "");

// The send instant of a report made by TimedReport with this `tag`; nullopt
// for any other message (a report of an earlier run, say).
std::optional<int64_t> SentNanos(const v1::RoutedMessage& message, const std::string& tag);

}  // namespace cre::bench

#endif  // CRE_BENCHMARKS_HUB_HUB_LOAD_H_
