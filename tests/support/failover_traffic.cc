#include "support/failover_traffic.h"

#include <chrono>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "client/hub_channel.h"
#include "cre/v1/inbox.grpc.pb.h"
#include "cre/v1/referrals.grpc.pb.h"
#include "support/test_environment.h"
#include "support/test_governance.h"

namespace cre::testing {

std::shared_ptr<grpc::Channel> AgencyChannel(int port, const std::string& agency) {
  const std::string certs = CertsDir();
  client::HubChannelOptions options{absl::StrCat("localhost:", port), certs + "/ca.crt",
                                    certs + "/agencies/" + agency + ".crt", certs + "/agencies/" + agency + ".key"};
  options.max_reconnect_backoff_ms = 300;
  return *client::MakeHubChannel(options);
}

std::string SubmitReportWithFailover(const std::vector<std::shared_ptr<grpc::Channel>>& channels, int i,
                                     absl::Time deadline) {
  v1::SubmitOperationLibertyReportRequest request;
  request.set_idempotency_key(absl::StrCat("report-", i));
  *request.mutable_governance() = TestGovernance();
  request.mutable_report()->add_places()->set_address(absl::StrCat("place ", i));
  request.mutable_report()->set_narrative("n");
  for (size_t attempt = 0; absl::Now() < deadline; ++attempt) {
    grpc::ClientContext context;
    // Short, so that the fault tests measure the service's pause rather than
    // this client's patience: an attempt caught by a database stall waits
    // it out inside its hub, and with a 5 s deadline two attempts given up
    // on in turn made a gap of over 10 s, whenever the stall ended. A
    // submission takes milliseconds; an attempt given up on may still
    // commit, and the next one, with the same key, then answers with its
    // receipt.
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
    v1::SubmitResponse receipt;
    grpc::Status status = v1::Referrals::NewStub(channels[(i + attempt) % channels.size()])
                              ->SubmitOperationLibertyReport(&context, request, &receipt);
    if (status.ok()) return receipt.message_id();
    absl::SleepFor(absl::Milliseconds(100));
  }
  return "";
}

void PruReceivers::Run(int slot, const std::shared_ptr<grpc::Channel>& channel) {
  while (!stop_) {
    grpc::ClientContext context;
    {
      absl::MutexLock lock(&mu_);
      if (stop_) return;  // Stop() came before this stream was open to cancel
      open_[slot] = &context;
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
      open_[slot] = nullptr;
    }
    if (!stop_) absl::SleepFor(absl::Milliseconds(200));
  }
}

void PruReceivers::Stop() {
  absl::MutexLock lock(&mu_);
  stop_ = true;
  for (grpc::ClientContext* context : open_) {
    if (context != nullptr) context->TryCancel();
  }
}

std::vector<std::string> PruReceivers::AwaitAll(const std::set<std::string>& ids, absl::Duration wait) {
  std::vector<std::string> missing;
  for (absl::Time end = absl::Now() + wait; absl::Now() < end; absl::SleepFor(absl::Milliseconds(200))) {
    missing.clear();
    absl::MutexLock lock(&mu_);
    for (const std::string& id : ids) {
      if (!received_.count(id)) missing.push_back(id);
    }
    if (missing.empty()) break;
  }
  return missing;
}

PruReceivers::Counts PruReceivers::counts() const {
  absl::MutexLock lock(&mu_);
  Counts counts;
  counts.delivered = static_cast<int>(received_.size());
  for (const auto& [id, count] : received_) counts.deliveries += count;
  return counts;
}

}  // namespace cre::testing
