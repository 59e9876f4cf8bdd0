// Load shapes for the hub benchmark, independent of what is called:
// a closed loop (a fixed number of calls always outstanding) and an open
// loop (calls started on a fixed schedule, whether or not earlier ones have
// finished). An `Issue` starts one asynchronous call and reports its end.
//
//   Throughput t = RunClosedLoop(16, absl::Seconds(5), [&](Done done) {
//     stub->async()->Echo(ctx, &req, &resp, [done](grpc::Status s) { done(s.ok()); });
//   });
#ifndef CRE_BENCHMARKS_HUB_LOAD_H_
#define CRE_BENCHMARKS_HUB_LOAD_H_

#include <cstdint>
#include <functional>

#include "absl/time/time.h"
#include "measure.h"

namespace cre::bench {

using Done = std::function<void(bool ok)>;
// Starts one call; `scheduled_nanos` is when the load shape wanted it to
// start (NowNanos() clock), so latency can be taken from the schedule.
using Issue = std::function<void(int64_t scheduled_nanos, Done done)>;

// `concurrency` calls outstanding at all times for `duration`; then waits
// for those in flight. Each call that ends starts the next.
Throughput RunClosedLoop(int concurrency, absl::Duration duration, const Issue& issue);

// `calls` calls in all, `concurrency` outstanding until the last has
// started; then waits for those in flight. For set-up, not for rates.
Throughput RunCalls(int concurrency, int64_t calls, const Issue& issue);

// `rate` calls a second for `duration` on a fixed schedule. A call whose
// turn comes while `max_outstanding` are still in flight is skipped and
// counted (the hub could not keep up). Waits for those in flight.
Throughput RunOpenLoop(double rate, absl::Duration duration, int max_outstanding, const Issue& issue);

}  // namespace cre::bench

#endif  // CRE_BENCHMARKS_HUB_LOAD_H_
