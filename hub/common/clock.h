// The time the hub reads when it decides something about a case: when a
// submission was accepted and acknowledged, whether a deadline has passed,
// which actions are overdue. Behind an interface so that tests can move it
// (tests/support/fake_clock.h) instead of waiting for a deadline.
//
//   HubServer::BuildAndStart(config, store);               // SystemClock()
//   HubServer::BuildAndStart(config, store, &fake_clock);  // a test
//   absl::Time now = clock.Now();
//
// What measures real elapsed time stays on absl::Now(): rate limits, call
// durations, polling and retry intervals, audit timestamps, and the
// in-memory copy of the database's delivery leases (those run on the
// database's clock; see store.h).
#ifndef CRE_HUB_COMMON_CLOCK_H_
#define CRE_HUB_COMMON_CLOCK_H_

#include "absl/time/time.h"

namespace cre {

class Clock {
 public:
  virtual ~Clock() = default;
  // Safe from any thread.
  virtual absl::Time Now() const = 0;
};

class RealClock final : public Clock {
 public:
  absl::Time Now() const override;
};

// One real clock for the process. It has no state, so one instance serves
// everyone; components take a `const Clock&` (never this directly) so that a
// test can hand them another.
const Clock& SystemClock();

}  // namespace cre

#endif  // CRE_HUB_COMMON_CLOCK_H_
