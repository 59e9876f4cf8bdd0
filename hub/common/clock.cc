#include "common/clock.h"

#include "absl/time/clock.h"

namespace cre {

absl::Time RealClock::Now() const { return absl::Now(); }

const Clock& SystemClock() {
  static const RealClock clock;
  return clock;
}

}  // namespace cre
