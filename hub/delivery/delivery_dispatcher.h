// Feeds the subscriber streams connected to this hub process.
//
// A submission accepted by this process offers its streams to the store
// (HandOff): a delivery to an agency with a stream here that has room is
// leased to that stream in the accepting transaction and written to it
// right after the commit, with no claim and no wait.
//
// Otherwise a stream holds no thread while it waits. It is woken, and its
// database work runs on the dispatcher's executor, when:
//   - a submission accepted by this process left a delivery PENDING for its
//     agency (no room in its streams, or an earlier message of the same case
//     still outstanding);
//   - its agency acknowledges a delivery and the store says more are due
//     (room for more, and the next message of the same case may now go);
//   - the poller finds deliveries due for its agency: those accepted by
//     another hub process, redeliveries after an expired lease, and
//     dead-letters an operator requeued.
// All delivery state is in the store: this class keeps only which streams
// are connected here.
//
//   DeliveryDispatcher dispatcher(store, DeliveryPolicy(), absl::Milliseconds(500), SystemClock());
//   dispatcher.Start();
//   ... dispatcher.Wake({"derby-pru"}) after a commit ...
#ifndef CRE_HUB_DELIVERY_DELIVERY_DISPATCHER_H_
#define CRE_HUB_DELIVERY_DELIVERY_DISPATCHER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/types/optional.h"
#include "common/clock.h"
#include "common/executor.h"
#include "common/group_commit.h"
#include "delivery/inbox_stream.h"
#include "absl/time/time.h"
#include "store/store.h"

namespace cre {

// The most Acknowledge calls committed in one transaction.
inline constexpr size_t kMaxAckGroup = 512;
// An acknowledgement waits up to 5 ms for others to share its transaction,
// unless 32 are ready: at moderate rates each was a transaction of its own
// (see kCaseGroupLinger in service/referrals_api.h for what the two did at
// 500/s; the no-case saturation rose 4,776-4,887 -> 5,154-5,210/s).
inline constexpr Linger kAckLinger{absl::Milliseconds(5), 32};

class DeliveryDispatcher {
 public:
  // Offers this process's streams to one submission, and after its commit
  // hands each stream what the store leased to it. Whatever it reserved
  // and the store did not use is given back when it is destroyed. One per
  // submission, used by one thread at a time.
  class HandOff : public StreamOffer {
   public:
    explicit HandOff(DeliveryDispatcher* dispatcher) : dispatcher_(dispatcher) {}
    ~HandOff() override;
    HandOff(const HandOff&) = delete;
    HandOff& operator=(const HandOff&) = delete;

    std::string Reserve(const std::string& recipient) override;
    void Unreserve(const std::string& lease_owner) override;
    absl::Duration lease() const override { return dispatcher_->policy().lease; }
    // After the commit: each message to the stream it was leased to.
    void Deliver(std::vector<HandedOut> handed_out);

   private:
    DeliveryDispatcher* const dispatcher_;
    std::vector<std::shared_ptr<InboxStream>> reserved_;  // one entry per slot
    // Streams a reservation was given back to: woken at the end.
    std::vector<std::shared_ptr<InboxStream>> given_back_;
  };

  // `clock` (which must outlive the dispatcher) dates acknowledgements in
  // the cases' records; leases are the store's, on the database's clock.
  DeliveryDispatcher(std::shared_ptr<Store> store, DeliveryPolicy policy,
                     absl::Duration poll_interval, const Clock& clock, int threads = 4,
                     int ack_workers = 2);
  ~DeliveryDispatcher();

  // Starts the poller. Stop() (or the destructor) ends it.
  void Start();
  void Stop();

  // Work is due for these agencies' streams.
  void Wake(const std::vector<std::string>& agency_ids);
  // Commits `agency_id`'s acknowledgement of `delivery_ids` (grouped with
  // other calls', see GroupCommitter), tells its streams, then calls `done` (on
  // a worker thread).
  void Acknowledge(std::string agency_id, std::vector<int64_t> delivery_ids,
                   std::function<void(absl::StatusOr<AckOutcome>)> done);
  // Ends every stream connected here with `status`, and any that connects
  // later: on shutdown, so that agencies reconnect to another hub process at
  // once.
  void FinishAll(const absl::Status& status);

  // For the streams: one opened here, and ended.
  void Add(const std::shared_ptr<InboxStream>& stream);
  void Remove(const std::shared_ptr<InboxStream>& stream);
  Executor& executor() { return executor_; }
  Store& store() { return *store_; }
  const DeliveryPolicy& policy() const { return policy_; }
  // A lease owner id unique to one stream of one process.
  std::string NewLeaseOwner();
  // This process's id, which its lease owners begin with: unique to one run
  // of one process.
  const std::string& process_id() const { return process_id_; }

  // Streams connected to this process (for tests and metrics).
  int subscription_count();
  // The same, by agency (agencies with none left out).
  absl::flat_hash_map<std::string, int> StreamsByAgency();

 private:
  void Poll();
  // `agency_id` acknowledged these deliveries; `more_due`: the store has
  // more due for it.
  void Acknowledged(const std::string& agency_id, const std::vector<int64_t>& delivery_ids,
                    bool more_due);
  std::vector<std::shared_ptr<InboxStream>> StreamsOf(const std::vector<std::string>& agency_ids);

  std::shared_ptr<Store> store_;
  const DeliveryPolicy policy_;
  const absl::Duration poll_interval_;
  const Clock& clock_;
  const std::string process_id_;

  absl::Mutex mu_;
  absl::flat_hash_map<std::string, absl::flat_hash_set<std::shared_ptr<InboxStream>>> by_agency_
      ABSL_GUARDED_BY(mu_);
  int64_t next_stream_ ABSL_GUARDED_BY(mu_) = 0;
  // Set by FinishAll: every stream added later is finished with it.
  absl::optional<absl::Status> finished_with_ ABSL_GUARDED_BY(mu_);

  absl::Notification stopping_;
  std::thread poller_;
  // Destroyed first, so no task outlives what it uses.
  Executor executor_;
  // Even before the executor: a committed group wakes streams through it.
  struct PendingAck {
    Store::AckRequest request;
    std::function<void(absl::StatusOr<AckOutcome>)> done;
  };
  void CommitAcks(std::vector<PendingAck>& group);
  std::unique_ptr<GroupCommitter<PendingAck>> acks_;
};

}  // namespace cre

#endif  // CRE_HUB_DELIVERY_DELIVERY_DISPATCHER_H_
