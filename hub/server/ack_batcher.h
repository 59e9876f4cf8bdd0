// Acknowledgements, committed in groups.
//
// Every Acknowledge call is a small transaction, and a busy agency sends one
// per message. Run one by one, they queue for connections and each pays its
// own commit. Here, all the calls waiting when a group starts go into one
// transaction (Store::AcknowledgeAll); calls arriving meanwhile form the
// next group. Nothing waits on a timer: a lone call is committed at once,
// and under load groups grow by themselves.
//
//   AckBatcher acks(store, /*workers=*/2);
//   acks.Submit("derby-pru", {17, 18}, [](absl::StatusOr<AckOutcome> outcome) { ... });
#ifndef CRE_HUB_SERVER_ACK_BATCHER_H_
#define CRE_HUB_SERVER_ACK_BATCHER_H_

#include <deque>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "store/store.h"

namespace cre {

class AckBatcher {
 public:
  using Done = std::function<void(absl::StatusOr<AckOutcome>)>;

  // `workers` groups may be committing at once.
  AckBatcher(std::shared_ptr<Store> store, int workers);
  // Answers what is queued, then stops.
  ~AckBatcher();

  AckBatcher(const AckBatcher&) = delete;
  AckBatcher& operator=(const AckBatcher&) = delete;

  // Queues `recipient`'s acknowledgement of `delivery_ids`; `done` runs on a
  // worker thread once its group is committed (or failed).
  void Submit(std::string recipient, std::vector<int64_t> delivery_ids, Done done);

  // The most calls in one group: bounds one transaction's size.
  static constexpr size_t kMaxGroup = 512;

 private:
  struct Pending {
    Store::AckRequest request;
    Done done;
  };
  void Work();
  bool HasWorkLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_ || !queue_.empty(); }

  std::shared_ptr<Store> store_;
  absl::Mutex mu_;
  std::deque<Pending> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> workers_;
};

}  // namespace cre

#endif  // CRE_HUB_SERVER_ACK_BATCHER_H_
