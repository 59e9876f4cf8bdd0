#include "delivery/delivery_dispatcher.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/ids.h"
#include "common/thread_name.h"
#include "spdlog/spdlog.h"

namespace cre {

DeliveryDispatcher::DeliveryDispatcher(std::shared_ptr<Store> store, DeliveryPolicy policy,
                                       absl::Duration poll_interval, const Clock& clock, int threads,
                                       int ack_workers)
    : store_(std::move(store)),
      policy_(policy),
      poll_interval_(poll_interval),
      clock_(clock),
      process_id_(NewUuid()),
      executor_(threads, "stream-work"),
      acks_(std::make_unique<GroupCommitter<PendingAck>>(
          ack_workers, kMaxAckGroup, [this](std::vector<PendingAck>& group) { CommitAcks(group); },
          "ack-group", nullptr, kAckLinger)) {}

DeliveryDispatcher::~DeliveryDispatcher() { Stop(); }

void DeliveryDispatcher::Start() {
  poller_ = std::thread([this] {
    NameThisThread("delivery-poll");
    while (!stopping_.WaitForNotificationWithTimeout(poll_interval_)) Poll();
  });
}

void DeliveryDispatcher::Stop() {
  if (!stopping_.HasBeenNotified()) stopping_.Notify();
  if (poller_.joinable()) poller_.join();
}

void DeliveryDispatcher::Poll() {
  // Every process expires leases; the UPDATE is idempotent, so doing it in
  // several processes at once costs a little and breaks nothing.
  absl::StatusOr<int> expired = store_->ExpireLeases(policy_);
  if (!expired.ok()) {
    spdlog::warn("deliveries: expiring leases failed: {}", expired.status().ToString());
    return;
  }
  if (subscription_count() == 0) return;
  absl::StatusOr<std::vector<std::string>> due = store_->RecipientsWithDueDeliveries();
  if (!due.ok()) {
    spdlog::warn("deliveries: finding due deliveries failed: {}", due.status().ToString());
    return;
  }
  Wake(*due);
}

std::vector<std::shared_ptr<InboxStream>> DeliveryDispatcher::StreamsOf(
    const std::vector<std::string>& agency_ids) {
  std::vector<std::shared_ptr<InboxStream>> found;
  absl::MutexLock lock(&mu_);
  for (const std::string& agency : agency_ids) {
    auto it = by_agency_.find(agency);
    if (it != by_agency_.end()) found.insert(found.end(), it->second.begin(), it->second.end());
  }
  return found;
}

void DeliveryDispatcher::Wake(const std::vector<std::string>& agency_ids) {
  // Outside the lock: a stream takes its own lock.
  for (const auto& stream : StreamsOf(agency_ids)) stream->Wake();
}

void DeliveryDispatcher::Acknowledge(std::string agency_id, std::vector<int64_t> delivery_ids,
                                     std::function<void(absl::StatusOr<AckOutcome>)> done) {
  acks_->Submit({{std::move(agency_id), std::move(delivery_ids)}, std::move(done)});
}

void DeliveryDispatcher::CommitAcks(std::vector<PendingAck>& group) {
  std::vector<Store::AckRequest> requests;
  requests.reserve(group.size());
  for (const PendingAck& ack : group) requests.push_back(ack.request);
  absl::StatusOr<std::vector<absl::StatusOr<AckOutcome>>> outcomes = store_->AcknowledgeAll(requests, clock_.Now());
  for (size_t i = 0; i < group.size(); ++i) {
    absl::StatusOr<AckOutcome> outcome = outcomes.ok() ? std::move((*outcomes)[i]) : outcomes.status();
    if (outcome.ok()) Acknowledged(group[i].request.recipient, group[i].request.delivery_ids, outcome->more_due);
    group[i].done(std::move(outcome));
  }
}

void DeliveryDispatcher::Acknowledged(const std::string& agency_id,
                                      const std::vector<int64_t>& delivery_ids, bool more_due) {
  for (const auto& stream : StreamsOf({agency_id})) {
    stream->Acknowledged(delivery_ids, more_due);
  }
}

DeliveryDispatcher::HandOff::~HandOff() {
  for (const auto& stream : reserved_) {
    stream->Unreserve();
    given_back_.push_back(stream);
  }
  // A slot given back may be what a claim found missing (it counted the
  // reservation while the submission ran): such a stream claims again, now
  // that the submission is committed and answered, or a delivery left
  // PENDING meanwhile would wait for the poller.
  for (const auto& stream : given_back_) stream->GivenBack();
}

std::string DeliveryDispatcher::HandOff::Reserve(const std::string& recipient) {
  for (const auto& stream : dispatcher_->StreamsOf({recipient})) {
    if (stream->TryReserve()) {
      reserved_.push_back(stream);
      return stream->lease_owner();
    }
  }
  return "";
}

void DeliveryDispatcher::HandOff::Unreserve(const std::string& lease_owner) {
  auto it = std::find_if(reserved_.begin(), reserved_.end(),
                         [&](const auto& s) { return s->lease_owner() == lease_owner; });
  if (it == reserved_.end()) return;
  // Inside the accepting transaction, where a claim could not see what it
  // writes: the stream is woken when the submission is done (~HandOff).
  (*it)->Unreserve();
  given_back_.push_back(*it);
  reserved_.erase(it);
}

void DeliveryDispatcher::HandOff::Deliver(std::vector<HandedOut> handed_out) {
  for (HandedOut& out : handed_out) {
    auto it = std::find_if(reserved_.begin(), reserved_.end(),
                           [&](const auto& s) { return s->lease_owner() == out.lease_owner; });
    if (it == reserved_.end()) continue;  // cannot happen: the store leases only what was reserved
    (*it)->HandOut(std::move(out.message));
    reserved_.erase(it);
  }
}

void DeliveryDispatcher::Add(const std::shared_ptr<InboxStream>& stream) {
  absl::optional<absl::Status> finished;
  {
    absl::MutexLock lock(&mu_);
    by_agency_[stream->agency_id()].insert(stream);
    finished = finished_with_;
  }
  // A stream opened after FinishAll (an agency reconnecting at once, to this
  // process, while it stops) ends at once too, rather than holding the stop
  // for its whole grace period.
  if (finished) stream->Finish(*finished);
}

void DeliveryDispatcher::Remove(const std::shared_ptr<InboxStream>& stream) {
  absl::MutexLock lock(&mu_);
  auto it = by_agency_.find(stream->agency_id());
  if (it == by_agency_.end()) return;
  it->second.erase(stream);
  if (it->second.empty()) by_agency_.erase(it);
}

void DeliveryDispatcher::FinishAll(const absl::Status& status) {
  std::vector<std::shared_ptr<InboxStream>> all;
  {
    absl::MutexLock lock(&mu_);
    finished_with_ = status;
    for (const auto& [agency, streams] : by_agency_) {
      all.insert(all.end(), streams.begin(), streams.end());
    }
  }
  for (const auto& stream : all) stream->Finish(status);
}

std::string DeliveryDispatcher::NewLeaseOwner() {
  absl::MutexLock lock(&mu_);
  return absl::StrCat(process_id_, "/", next_stream_++);
}

int DeliveryDispatcher::subscription_count() {
  absl::MutexLock lock(&mu_);
  int count = 0;
  for (const auto& [agency, streams] : by_agency_) count += streams.size();
  return count;
}

absl::flat_hash_map<std::string, int> DeliveryDispatcher::StreamsByAgency() {
  absl::MutexLock lock(&mu_);
  absl::flat_hash_map<std::string, int> counts;
  for (const auto& [agency, streams] : by_agency_) counts[agency] = static_cast<int>(streams.size());
  return counts;
}

}  // namespace cre
