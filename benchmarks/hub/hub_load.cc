// See hub_load.h.
#include "hub_load.h"

#include <memory>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace cre::bench {

InboxSubscriber::InboxSubscriber(v1::Inbox::Stub* stub, int max_in_flight, OnMessage on_delivered,
                                 OnMessage on_acked)
    : stub_(stub), on_delivered_(std::move(on_delivered)), on_acked_(std::move(on_acked)) {
  request_.set_max_in_flight(max_in_flight);
}

void InboxSubscriber::Start() {
  stub_->async()->Subscribe(&context_, &request_, this);
  StartRead(&message_);
  StartCall();
}

void InboxSubscriber::OnReadDone(bool ok) {
  if (!ok) return;  // the stream ended; OnDone follows
  if (on_delivered_) on_delivered_(message_);
  Acknowledge(message_);
  StartRead(&message_);
}

void InboxSubscriber::OnDone(const grpc::Status&) { done_.Notify(); }

void InboxSubscriber::Acknowledge(const v1::RoutedMessage& message) {
  // Owns what the call needs, so that it may end after this stream.
  struct Call {
    grpc::ClientContext context;
    v1::AcknowledgeRequest request;
    v1::AcknowledgeResponse response;
    v1::RoutedMessage message;
    OnMessage on_acked;
    std::shared_ptr<std::atomic<int64_t>> pending;
  };
  auto* call = new Call;
  call->request.add_delivery_ids(message.delivery_id());
  call->message = message;
  call->on_acked = on_acked_;
  call->pending = acks_pending_;
  call->pending->fetch_add(1);
  stub_->async()->Acknowledge(&call->context, &call->request, &call->response, [call](grpc::Status status) {
    if (status.ok() && call->on_acked) call->on_acked(call->message);
    call->pending->fetch_sub(1);
    delete call;
  });
}

void SubmitReport(v1::Referrals::Stub* stub, const v1::SubmitOperationLibertyReportRequest& request,
                  std::function<void(const grpc::Status&, const v1::SubmitResponse&)> done) {
  struct Call {
    grpc::ClientContext context;
    v1::SubmitOperationLibertyReportRequest request;
    v1::SubmitResponse response;
  };
  auto* call = new Call;
  call->request = request;
  call->context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  stub->async()->SubmitOperationLibertyReport(&call->context, &call->request, &call->response,
                                              [call, done = std::move(done)](grpc::Status status) {
                                                done(status, call->response);
                                                delete call;
                                              });
}

v1::SubmitOperationLibertyReportRequest TimedReport(const std::string& idempotency_key, const std::string& tag,
                                                    int64_t sent_nanos, const std::string& case_id) {
  v1::SubmitOperationLibertyReportRequest request;
  request.set_idempotency_key(idempotency_key);
  request.set_case_id(case_id);
  v1::OperationLibertyReport* report = request.mutable_report();
  report->add_vehicles()->set_registration("AB12 CDE");
  report->add_places()->set_address("Car park behind the Eagle Centre, Derby");
  // The narrative carries the measurement: "<tag> sent_at=<nanos>". A real
  // report's narrative is a few hundred bytes; this one is padded to that.
  report->set_narrative(absl::StrCat(tag, " sent_at=", sent_nanos, " ", std::string(200, '.')));
  return request;
}

std::optional<int64_t> SentNanos(const v1::RoutedMessage& message, const std::string& tag) {
  absl::string_view narrative = message.operation_liberty_report().narrative();
  if (!absl::ConsumePrefix(&narrative, absl::StrCat(tag, " sent_at="))) return std::nullopt;
  const size_t space = narrative.find(' ');
  int64_t nanos = 0;
  if (!absl::SimpleAtoi(narrative.substr(0, space), &nanos)) return std::nullopt;
  return nanos;
}

}  // namespace cre::bench
