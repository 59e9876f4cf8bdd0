#include "server/subscription.h"

#include <algorithm>

#include "grpcpp/impl/codegen/proto_utils.h"
#include "delivery/delivery_dispatcher.h"
#include "server/grpc_status.h"
#include "spdlog/spdlog.h"

namespace cre {

// gRPC owns the reactor until OnDone; the reactor owns a reference to the
// Subscription, which executor tasks may also hold.
class Subscription::Reactor : public grpc::ServerWriteReactor<grpc::ByteBuffer> {
 public:
  explicit Reactor(std::shared_ptr<Subscription> subscription)
      : subscription_(std::move(subscription)) {}
  void OnWriteDone(bool ok) override { subscription_->WriteDone(ok); }
  void OnCancel() override { subscription_->Cancelled(); }
  void OnDone() override {
    subscription_->Done();
    delete this;
  }

 private:
  std::shared_ptr<Subscription> subscription_;
};

Subscription::Subscription(DeliveryDispatcher* dispatcher, AdmittedStream admitted)
    : dispatcher_(dispatcher),
      agency_id_(std::move(admitted.agency_id)),
      max_in_flight_(admitted.max_in_flight),
      lease_owner_(dispatcher->NewLeaseOwner()),
      trace_(std::move(admitted.trace)),
      counted_(std::move(admitted.counted)) {}

grpc::ServerWriteReactor<grpc::ByteBuffer>* Subscription::Start(DeliveryDispatcher* dispatcher,
                                                                AdmittedStream admitted) {
  std::shared_ptr<Subscription> subscription(new Subscription(dispatcher, std::move(admitted)));
  auto* reactor = new Reactor(subscription);
  {
    absl::MutexLock lock(&subscription->mu_);
    subscription->reactor_ = reactor;
  }
  dispatcher->Add(subscription);
  subscription->Wake();  // whatever is waiting from before
  return reactor;
}

void Subscription::Wake() {
  absl::MutexLock lock(&mu_);
  if (reactor_ == nullptr || finishing_) return;
  if (claim_scheduled_) {
    claim_again_ = true;
    return;
  }
  claim_scheduled_ = true;
  dispatcher_->executor().Submit([self = shared_from_this()] { self->Claim(); });
}

int Subscription::CapacityLocked() {
  // A lease that has run out is the store's to hand out again: it no longer
  // counts against this stream.
  const absl::Time expired = absl::Now() - dispatcher_->policy().lease;
  absl::erase_if(in_flight_, [&](const auto& entry) { return entry.second < expired; });
  // A message still waiting to be written counts too, even once its lease
  // has run out: a client that stops reading (flow control holds the write)
  // must not make this stream queue more and more behind it.
  const size_t held = std::max(in_flight_.size(), to_write_.size());
  return max_in_flight_ - static_cast<int>(held) - reserved_;
}

bool Subscription::TryReserve() {
  absl::MutexLock lock(&mu_);
  if (reactor_ == nullptr || finishing_ || CapacityLocked() <= 0) return false;
  ++reserved_;
  return true;
}

void Subscription::Unreserve() {
  absl::MutexLock lock(&mu_);
  --reserved_;
}

void Subscription::GivenBack() {
  // Most slots given back are a delivery that waits behind an earlier one of
  // its case: no claim could take it, and the earlier one's acknowledgement
  // wakes the stream for it. Woken here as well, it made most of the case
  // path's claims that found nothing (docs/benchmarks.md, "A delivery that
  // waits behind its case's earlier one wakes nobody").
  {
    absl::MutexLock lock(&mu_);
    if (!short_of_reserved_ && !claiming_with_reserved_) return;
    short_of_reserved_ = false;
  }
  Wake();
}

void Subscription::HandOut(v1::RoutedMessage message) {
  {
    absl::MutexLock lock(&mu_);
    --reserved_;
    if (reactor_ != nullptr && !finishing_) {
      in_flight_[message.delivery_id()] = absl::Now();
      to_write_.push_back(std::move(message));
      if (!writing_) StartNextWriteLocked();
      return;
    }
  }
  // The stream ended while the transaction committed: the lease goes back
  // at once, for the agency's next stream, rather than when it runs out.
  dispatcher_->executor().Submit([self = shared_from_this()] { self->ReleaseLeases().IgnoreError(); });
}

absl::Status Subscription::ReleaseLeases() {
  return dispatcher_->store().ReleaseLeases(agency_id_, lease_owner_, dispatcher_->policy()).status();
}

void Subscription::Claim() {
  int capacity;
  bool ended;
  bool quiet;
  {
    absl::MutexLock lock(&mu_);
    claim_again_ = false;
    ended = reactor_ == nullptr || finishing_;
    capacity = ended ? 0 : CapacityLocked();
    quiet = absl::Now() < quiet_until_;
    claiming_with_reserved_ = reserved_ > 0;
  }
  if (!ended && capacity <= 0 && !quiet) capacity = ReconcileInFlight();
  absl::StatusOr<std::vector<v1::RoutedMessage>> claimed;
  if (capacity > 0) {
    claimed = dispatcher_->store().ClaimDeliveries(agency_id_, lease_owner_, capacity,
                                                   dispatcher_->policy());
    if (!claimed.ok()) {
      // The poller wakes the stream again; the database may be back by then.
      spdlog::warn("subscription {} (trace {}): claim failed: {}", agency_id_, trace_.Traceparent(),
                   claimed.status().ToString());
    }
  }
  bool release = false;
  {
    absl::MutexLock lock(&mu_);
    claim_scheduled_ = false;
    const bool went_short = capacity <= 0 || (claimed.ok() && static_cast<int>(claimed->size()) == capacity);
    if (claiming_with_reserved_ && went_short) short_of_reserved_ = true;
    claiming_with_reserved_ = false;
    if (claimed.ok() && !claimed->empty()) {
      if (reactor_ == nullptr || finishing_) {
        release = true;  // the stream ended while claiming
      } else {
        const absl::Time now = absl::Now();
        for (v1::RoutedMessage& message : *claimed) {
          in_flight_[message.delivery_id()] = now;
          to_write_.push_back(std::move(message));
        }
        if (!writing_) StartNextWriteLocked();
      }
    }
    if (claim_again_ && reactor_ != nullptr && !finishing_) {
      claim_scheduled_ = true;
      dispatcher_->executor().Submit([self = shared_from_this()] { self->Claim(); });
    }
  }
  if (release) ReleaseLeases().IgnoreError();
}

int Subscription::ReconcileInFlight() {
  // The agency may have acknowledged through another hub process, which
  // this stream never hears of: the store knows what is still leased to it.
  // Acknowledgements through this process free the window themselves
  // (Acknowledged), so while a check finds nothing acknowledged elsewhere,
  // checking at every wake of a full stream is a transaction for nothing
  // (it was a fifth of the case path's at saturation: docs/benchmarks.md,
  // "What MariaDB does for each path at saturation"). After such a check,
  // Claim skips the next for kQuietCheck (quiet_until_); one that finds
  // acknowledgements elsewhere is repeated at the next wake, as an agency
  // that acknowledges through another process needs. The poller's wakes
  // bring the check round again.
  constexpr absl::Duration kQuietCheck = absl::Seconds(1);
  // Only what was leased before the read is checked: a hand-out committed
  // during it is not in the answer, and is still this stream's.
  const absl::Time asked = absl::Now();
  absl::StatusOr<std::vector<int64_t>> leased = dispatcher_->store().LeasedTo(agency_id_, lease_owner_);
  absl::MutexLock lock(&mu_);
  if (leased.ok()) {
    const absl::flat_hash_set<int64_t> still(leased->begin(), leased->end());
    const size_t dropped = absl::erase_if(
        in_flight_, [&](const auto& entry) { return entry.second < asked && !still.contains(entry.first); });
    quiet_until_ = dropped == 0 ? asked + kQuietCheck : absl::InfinitePast();
  }
  return (reactor_ == nullptr || finishing_) ? 0 : CapacityLocked();
}

void Subscription::StartNextWriteLocked() {
  if (to_write_.empty()) {
    writing_ = false;
    return;
  }
  // As gRPC serializes a typed stream's message when it is written (into an
  // empty buffer: the last write is done with this one).
  serialized_.Clear();
  bool own_buffer;
  const grpc::Status serialized =
      grpc::SerializationTraits<v1::RoutedMessage>::Serialize(to_write_.front(), &serialized_, &own_buffer);
  if (!serialized.ok()) {
    writing_ = false;
    FinishLocked(ToGrpcStatus(absl::InternalError(serialized.error_message()), trace_));
    return;
  }
  writing_ = true;
  reactor_->StartWrite(&serialized_);
}

void Subscription::WriteDone(bool ok) {
  absl::MutexLock lock(&mu_);
  to_write_.pop_front();
  writing_ = false;
  if (pending_finish_) {
    const grpc::Status status = *pending_finish_;
    pending_finish_.reset();
    FinishLocked(status);
  } else if (!ok) {
    // The client is gone; what it did not acknowledge goes back when the
    // stream is done.
    FinishLocked(grpc::Status(grpc::StatusCode::UNAVAILABLE, "the stream broke"));
  } else if (!finishing_) {
    StartNextWriteLocked();
  }
}

void Subscription::FinishLocked(const grpc::Status& status) {
  if (reactor_ == nullptr || finish_called_) return;
  finishing_ = true;  // no more claims or writes
  if (writing_) {
    // One operation at a time: finish when the write in progress completes.
    if (!pending_finish_) pending_finish_ = status;
    return;
  }
  finish_called_ = true;
  reactor_->Finish(status);
}

void Subscription::Finish(const absl::Status& status) {
  absl::MutexLock lock(&mu_);
  FinishLocked(ToGrpcStatus(status, trace_));
}

void Subscription::Cancelled() {
  absl::MutexLock lock(&mu_);
  FinishLocked(grpc::Status::CANCELLED);
}

void Subscription::Done() {
  {
    absl::MutexLock lock(&mu_);
    reactor_ = nullptr;
    to_write_.clear();
  }
  counted_.reset();
  dispatcher_->Remove(shared_from_this());
  // Whatever this stream held and did not acknowledge is due again at once,
  // for the agency's next stream.
  dispatcher_->executor().Submit([self = shared_from_this()] {
    absl::Status status = self->ReleaseLeases();
    if (!status.ok()) {
      spdlog::warn("subscription {} (trace {}): release failed: {}", self->agency_id_, self->trace_.Traceparent(),
                   status.ToString());
    }
  });
}

void Subscription::Acknowledged(const std::vector<int64_t>& delivery_ids, bool more_due) {
  {
    absl::MutexLock lock(&mu_);
    for (int64_t id : delivery_ids) in_flight_.erase(id);
  }
  // Nothing waits in the store: new deliveries come by HandOut, or by a
  // wake from the submission or the poller.
  if (more_due) Wake();
}

}  // namespace cre
