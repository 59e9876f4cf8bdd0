// Watches deadlines: finds the cases whose next deadline has passed, and
// sends one alert per overdue action to the Duty CPM and the action's owner.
//
// Every hub process runs one. They share the work through the store: a case
// is reviewed by one process at a time (SKIP LOCKED), and an alert is sent
// once per action and due time (the hub_action table), so with any number
// of processes each alert goes out once.
//
// A backlog (every deadline passed while the hub was away) is drained at
// once, batch after batch, not a batch an interval; the pauses between
// batches leave the database and the cores to the calls meanwhile.
//
//   DeadlineWatcher watcher(store, casework, &dispatcher, SystemClock(), absl::Seconds(10));
//   watcher.Start();
#ifndef CRE_HUB_SERVICE_DEADLINE_WATCHER_H_
#define CRE_HUB_SERVICE_DEADLINE_WATCHER_H_

#include <memory>
#include <thread>

#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "casework/casework.h"
#include "common/clock.h"
#include "delivery/delivery_dispatcher.h"
#include "store/store.h"

namespace cre {

class DeadlineWatcher {
 public:
  // Every `interval` (real time: how often to look, not a deadline), reviews
  // what is due at `clock`'s now. `clock` must outlive the watcher.
  DeadlineWatcher(std::shared_ptr<Store> store, std::shared_ptr<const Casework> casework,
                  DeliveryDispatcher* dispatcher, const Clock& clock, absl::Duration interval)
      : store_(std::move(store)),
        casework_(std::move(casework)),
        dispatcher_(dispatcher),
        clock_(clock),
        interval_(interval) {}
  ~DeadlineWatcher() { Stop(); }

  void Start();
  void Stop();
  // Reviews every case due at `now`, kCasesPerBatch a transaction, batch
  // after batch while they come back full (pausing between them: see
  // kBusyShare); returns how many. (The thread calls it; tests may too.)
  absl::StatusOr<int> ReviewDue(absl::Time now);

  // Cases a transaction: one commit for several cases, and a bound on how
  // long a batch holds its cases' locks and a connection of the pool.
  static constexpr int kCasesPerBatch = 25;
  // The share of the time a backlog's drain may keep the watcher busy: after
  // a batch that took t, it pauses t * (1 - share) / share, at least kMinPause.
  static constexpr double kBusyShare = 0.75;
  static constexpr absl::Duration kMinPause = absl::Milliseconds(2);

 private:
  std::shared_ptr<Store> store_;
  std::shared_ptr<const Casework> casework_;
  DeliveryDispatcher* dispatcher_;
  const Clock& clock_;
  const absl::Duration interval_;
  absl::Notification stopping_;
  std::thread thread_;
};

}  // namespace cre

#endif  // CRE_HUB_SERVICE_DEADLINE_WATCHER_H_
