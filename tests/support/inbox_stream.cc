#include "support/inbox_stream.h"

#include "cre/v1/referrals.grpc.pb.h"
#include "support/test_governance.h"

namespace cre::testing {

InboxStream::InboxStream(std::shared_ptr<grpc::Channel> channel, int max_in_flight)
    : stub_(v1::Inbox::NewStub(channel)) {
  reader_ = std::thread([this, max_in_flight] {
    v1::SubscribeRequest request;
    request.set_max_in_flight(max_in_flight);
    std::unique_ptr<grpc::ClientReader<v1::RoutedMessage>> reader =
        stub_->Subscribe(&context_, request);
    v1::RoutedMessage message;
    while (reader->Read(&message)) {
      absl::MutexLock lock(&mu_);
      received_.push_back(message);
    }
    grpc::Status status = reader->Finish();
    absl::MutexLock lock(&mu_);
    ended_ = status;
  });
}

InboxStream::~InboxStream() {
  Cancel();
  reader_.join();
}

void InboxStream::Cancel() { context_.TryCancel(); }

absl::optional<v1::RoutedMessage> InboxStream::Next(absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  auto has_message = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return !received_.empty(); };
  if (!mu_.AwaitWithTimeout(absl::Condition(&has_message), timeout)) return absl::nullopt;
  v1::RoutedMessage message = std::move(received_.front());
  received_.pop_front();
  return message;
}

absl::optional<grpc::Status> InboxStream::Ended(absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  auto ended = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return ended_.has_value(); };
  mu_.AwaitWithTimeout(absl::Condition(&ended), timeout);
  return ended_;
}

grpc::Status SubmitReport(const std::shared_ptr<grpc::Channel>& channel, const std::string& idempotency_key) {
  v1::SubmitOperationLibertyReportRequest request;
  request.set_idempotency_key(idempotency_key);
  *request.mutable_governance() = TestGovernance();
  request.mutable_report()->add_places()->set_address("a");
  request.mutable_report()->set_narrative("n");
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  v1::SubmitResponse response;
  return v1::Referrals::NewStub(channel)->SubmitOperationLibertyReport(&context, request, &response);
}

grpc::Status Acknowledge(const std::shared_ptr<grpc::Channel>& channel,
                         const std::vector<int64_t>& delivery_ids) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  v1::AcknowledgeRequest request;
  for (int64_t id : delivery_ids) request.add_delivery_ids(id);
  v1::AcknowledgeResponse response;
  return v1::Inbox::NewStub(channel)->Acknowledge(&context, request, &response);
}

}  // namespace cre::testing
