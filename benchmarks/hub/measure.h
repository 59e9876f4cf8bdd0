// What the hub benchmark measures with: a monotonic clock shared by every
// thread of the load generator, a latency sample, closed-loop throughput
// runs, and a process's memory and threads as /proc reports them.
//
//   LatencySample sample;
//   sample.Add(NowNanos() - sent_at);
//   std::cout << sample.Summary();   // "p50 1.20 ms  p95 ...  (n=1000)"
#ifndef CRE_BENCHMARKS_HUB_MEASURE_H_
#define CRE_BENCHMARKS_HUB_MEASURE_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace cre::bench {

// Nanoseconds on the steady clock: comparable across the threads of this
// process, never across processes.
int64_t NowNanos();

// Latencies in nanoseconds, added from any thread.
class LatencySample {
 public:
  void Add(int64_t nanos);
  int64_t Count() const;
  // The q-quantile (0 < q <= 1) in milliseconds; 0 when empty.
  double QuantileMs(double q) const;
  // "p50 X ms  p95 Y ms  p99 Z ms  max W ms  (n=N)".
  std::string Summary() const;

 private:
  mutable absl::Mutex mu_;
  mutable std::vector<int64_t> nanos_ ABSL_GUARDED_BY(mu_);
};

// The result of a closed-loop run: completed operations over the time taken.
struct Throughput {
  int64_t completed = 0;
  int64_t failed = 0;
  int64_t skipped = 0;  // open loop: not sent, too many outstanding
  absl::Duration elapsed;
  double PerSecond() const;
};

// What /proc/<pid>/status says of a process; -1 where unreadable.
struct ProcessStatus {
  int64_t peak_rss_kib = -1;  // VmHWM
  int64_t rss_kib = -1;       // VmRSS
  int threads = -1;
};
ProcessStatus ReadProcessStatus(int pid);

// CPU time (user + system) a process has used so far, as /proc/<pid>/stat
// says; pid 0 is this process. -1 where unreadable.
double CpuSeconds(int pid);

// Bytes a process has had read from the disk so far (read_bytes of
// /proc/<pid>/io: not what the page cache answered); -1 where unreadable.
int64_t DiskReadBytes(int pid);

// "123.4 MiB", or "unknown" for a negative size.
std::string FormatKib(int64_t kib);

}  // namespace cre::bench

#endif  // CRE_BENCHMARKS_HUB_MEASURE_H_
