// See load.h.
#include "load.h"

#include <memory>

#include "absl/synchronization/mutex.h"

namespace cre::bench {
namespace {

// Counters shared by the calls of one run and the thread that waits for it.
struct RunState {
  absl::Mutex mu;
  int64_t completed ABSL_GUARDED_BY(mu) = 0;
  int64_t failed ABSL_GUARDED_BY(mu) = 0;
  int outstanding ABSL_GUARDED_BY(mu) = 0;

  // Records a call's end; returns true (and keeps its slot outstanding)
  // when the caller is to start another because `stop` is not reached.
  bool End(bool ok, int64_t stop = 0) {
    absl::MutexLock lock(&mu);
    (ok ? completed : failed) += 1;
    if (NowNanos() < stop) return true;
    --outstanding;
    return false;
  }
  void WaitIdle() {
    absl::MutexLock lock(&mu);
    mu.Await(absl::Condition(
        +[](int* n) { return *n == 0; }, &outstanding));
  }
};

}  // namespace

Throughput RunClosedLoop(int concurrency, absl::Duration duration, const Issue& issue) {
  auto state = std::make_shared<RunState>();
  const int64_t start = NowNanos();
  const int64_t stop = start + absl::ToInt64Nanoseconds(duration);
  // One chain per slot of concurrency: each call's end starts the next.
  auto next = std::make_shared<std::function<void()>>();
  *next = [state, stop, &issue, next]() {
    const int64_t now = NowNanos();
    issue(now, [state, stop, next](bool ok) {
      if (state->End(ok, stop)) (*next)();
    });
  };
  {
    absl::MutexLock lock(&state->mu);
    state->outstanding = concurrency;
  }
  for (int i = 0; i < concurrency; ++i) (*next)();
  state->WaitIdle();
  *next = nullptr;  // breaks the self-reference
  absl::MutexLock lock(&state->mu);
  return Throughput{state->completed, state->failed, 0, absl::Nanoseconds(NowNanos() - start)};
}

Throughput RunOpenLoop(double rate, absl::Duration duration, int max_outstanding, const Issue& issue) {
  auto state = std::make_shared<RunState>();
  const int64_t start = NowNanos();
  const int64_t total = static_cast<int64_t>(rate * absl::ToDoubleSeconds(duration));
  const double interval_nanos = 1e9 / rate;
  int64_t skipped = 0;
  for (int64_t i = 0; i < total; ++i) {
    const int64_t scheduled = start + static_cast<int64_t>(static_cast<double>(i) * interval_nanos);
    absl::SleepFor(absl::Nanoseconds(scheduled - NowNanos()));
    {
      absl::MutexLock lock(&state->mu);
      if (state->outstanding >= max_outstanding) {
        ++skipped;
        continue;
      }
      ++state->outstanding;
    }
    issue(scheduled, [state](bool ok) { state->End(ok); });
  }
  state->WaitIdle();
  absl::MutexLock lock(&state->mu);
  return Throughput{state->completed, state->failed, skipped, absl::Nanoseconds(NowNanos() - start)};
}

}  // namespace cre::bench
