// A stop request shared by an adapter's loops: set once (by SIGINT/SIGTERM
// or a test), observed by every wait, so that Ctrl-C never waits out a
// backoff.
//
//   Stopper stopper;
//   const SignalWatcher signals = StopOnSignals(&stopper);  // before any thread is started
//   while (stopper.SleepFor(absl::Seconds(1))) { ... }
#ifndef CRE_AGENCY_ADAPTERS_CLIENT_STOPPER_H_
#define CRE_AGENCY_ADAPTERS_CLIENT_STOPPER_H_

#include <atomic>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"

namespace cre::client {

class Stopper {
 public:
  // Idempotent; runs the registered callbacks once, then marks the stop:
  // a loop that sees stopped() knows the callbacks have run, so it may
  // destroy what they use.
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
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::function<void()>> callbacks_ ABSL_GUARDED_BY(mu_);
};

// The thread that waits for SIGINT/SIGTERM. Destroy it at the end of main()
// (declare it right after the Stopper): after a signal it joins the thread,
// which has finished stopping by then, so that nothing of it outlives main
// (the thread's OpenSSL state, reached through the gRPC calls it cancels,
// is freed when it exits, not leaked). Without a signal the thread, which
// has touched nothing, is left waiting.
class SignalWatcher {
 public:
  SignalWatcher(std::thread thread, std::shared_ptr<std::atomic<bool>> received)
      : thread_(std::move(thread)), received_(std::move(received)) {}
  SignalWatcher(SignalWatcher&&) = default;
  ~SignalWatcher();

 private:
  std::thread thread_;
  std::shared_ptr<std::atomic<bool>> received_;
};

// Blocks SIGINT and SIGTERM in the calling thread (and the threads it will
// start) and stops `stopper` when one arrives. Call from main() first.
[[nodiscard]] SignalWatcher StopOnSignals(Stopper* stopper);

}  // namespace cre::client

#endif  // CRE_AGENCY_ADAPTERS_CLIENT_STOPPER_H_
