// A clock a test moves by hand, for a hub that should see a deadline pass
// without the test waiting for it (HubServer::BuildAndStart's clock).
//
//   FakeClock clock;                     // declared before the hub that reads it
//   TestHub hub(nullptr, clock);
//   ... a case whose action falls due at clock.Now() + 3 s ...
//   clock.Advance(absl::Seconds(4));     // the watcher's next round finds it overdue
//
// It stands still between calls: everything the hub does in between happens
// at one instant. Safe from any thread (the hub reads it from its own).
#ifndef CRE_TESTS_SUPPORT_FAKE_CLOCK_H_
#define CRE_TESTS_SUPPORT_FAKE_CLOCK_H_

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/clock.h"

namespace cre::testing {

class FakeClock final : public Clock {
 public:
  // By default the real time when the test starts, so that times a test
  // writes from it look like today's to everything that does not read it
  // (the database's NOW(), certificates). Whole microseconds, as the
  // database keeps them: an instant read back compares equal to the clock.
  FakeClock() : FakeClock(absl::FromUnixMicros(absl::ToUnixMicros(absl::Now()))) {}
  explicit FakeClock(absl::Time start) : now_(start) {}

  absl::Time Now() const override {
    absl::MutexLock lock(&mu_);
    return now_;
  }
  void Set(absl::Time now) {
    absl::MutexLock lock(&mu_);
    now_ = now;
  }
  void Advance(absl::Duration by) {
    absl::MutexLock lock(&mu_);
    now_ += by;
  }

 private:
  mutable absl::Mutex mu_;
  absl::Time now_ ABSL_GUARDED_BY(mu_);
};

}  // namespace cre::testing

#endif  // CRE_TESTS_SUPPORT_FAKE_CLOCK_H_
