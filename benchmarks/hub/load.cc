// See load.h.
#include "load.h"

#include <algorithm>
#include <functional>
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
  // when the caller is to start another because `more` says so.
  bool End(bool ok, const std::function<bool()>& more = nullptr) {
    absl::MutexLock lock(&mu);
    (ok ? completed : failed) += 1;
    if (more && more()) return true;
    --outstanding;
    return false;
  }
  void WaitIdle() {
    absl::MutexLock lock(&mu);
    mu.Await(absl::Condition(
        +[](int* n) { return *n == 0; }, &outstanding));
  }
};

// One chain per slot of concurrency, each call's end starting the next
// while `more` says so (asked under the run's lock).
Throughput RunChains(int concurrency, const std::function<bool()>& more, const Issue& issue) {
  auto state = std::make_shared<RunState>();
  const int64_t start = NowNanos();
  auto next = std::make_shared<std::function<void()>>();
  *next = [state, &more, &issue, next]() {
    const int64_t now = NowNanos();
    issue(now, [state, &more, next](bool ok) {
      if (state->End(ok, more)) (*next)();
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

}  // namespace

Throughput RunClosedLoop(int concurrency, absl::Duration duration, const Issue& issue) {
  const int64_t stop = NowNanos() + absl::ToInt64Nanoseconds(duration);
  return RunChains(concurrency, [stop] { return NowNanos() < stop; }, issue);
}

Throughput RunCalls(int concurrency, int64_t calls, const Issue& issue) {
  concurrency = static_cast<int>(std::min<int64_t>(concurrency, calls));
  int64_t started = concurrency;
  // `more` runs under the run's lock: `started` needs no lock of its own.
  return calls <= 0 ? Throughput{} : RunChains(concurrency, [&started, calls] { return started++ < calls; }, issue);
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
