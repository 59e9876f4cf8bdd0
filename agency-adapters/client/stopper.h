// A stop request shared by an adapter's loops: set once (by SIGINT/SIGTERM
// or a test), observed by every wait, so that Ctrl-C never waits out a
// backoff.
//
//   Stopper stopper;
//   StopOnSignals(&stopper);              // before any thread is started
//   while (stopper.SleepFor(absl::Seconds(1))) { ... }
#ifndef CRE_AGENCY_ADAPTERS_CLIENT_STOPPER_H_
#define CRE_AGENCY_ADAPTERS_CLIENT_STOPPER_H_

#include <functional>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"

namespace cre::client {

class Stopper {
 public:
  // Idempotent; runs the registered callbacks once.
  void Stop();
  bool stopped() const { return done_.HasBeenNotified(); }
  // Waits `duration`; false if a stop was requested meanwhile (or before).
  bool SleepFor(absl::Duration duration) const {
    return !done_.WaitForNotificationWithTimeout(duration);
  }
  // `callback` runs on Stop() (at once if already stopped): to cancel a
  // blocking call such as a stream read.
  void OnStop(std::function<void()> callback);

 private:
  absl::Notification done_;
  absl::Mutex mu_;
  std::vector<std::function<void()>> callbacks_ ABSL_GUARDED_BY(mu_);
};

// Blocks SIGINT and SIGTERM in the calling thread (and the threads it will
// start) and stops `stopper` when one arrives. Call from main() first.
void StopOnSignals(Stopper* stopper);

}  // namespace cre::client

#endif  // CRE_AGENCY_ADAPTERS_CLIENT_STOPPER_H_
