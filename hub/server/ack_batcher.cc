#include "server/ack_batcher.h"

namespace cre {

AckBatcher::AckBatcher(std::shared_ptr<Store> store, int workers) : store_(std::move(store)) {
  for (int i = 0; i < workers; ++i) workers_.emplace_back([this] { Work(); });
}

AckBatcher::~AckBatcher() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  for (std::thread& worker : workers_) worker.join();
}

void AckBatcher::Submit(std::string recipient, std::vector<int64_t> delivery_ids, Done done) {
  absl::MutexLock lock(&mu_);
  queue_.push_back({{std::move(recipient), std::move(delivery_ids)}, std::move(done)});
}

void AckBatcher::Work() {
  for (;;) {
    std::vector<Pending> group;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(this, &AckBatcher::HasWorkLocked));
      if (queue_.empty()) return;  // stopping, and nothing left to answer
      while (!queue_.empty() && group.size() < kMaxGroup) {
        group.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    std::vector<Store::AckRequest> requests;
    requests.reserve(group.size());
    for (const Pending& pending : group) requests.push_back(pending.request);
    absl::StatusOr<std::vector<absl::StatusOr<AckOutcome>>> outcomes = store_->AcknowledgeAll(requests);
    for (size_t i = 0; i < group.size(); ++i) {
      group[i].done(outcomes.ok() ? std::move((*outcomes)[i]) : absl::StatusOr<AckOutcome>(outcomes.status()));
    }
  }
}

}  // namespace cre
