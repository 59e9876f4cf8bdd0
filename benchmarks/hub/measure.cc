// See measure.h.
#include "measure.h"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <sstream>

#include <unistd.h>

#include "absl/strings/str_format.h"

namespace cre::bench {

int64_t NowNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void LatencySample::Add(int64_t nanos) {
  absl::MutexLock lock(&mu_);
  nanos_.push_back(nanos);
}

int64_t LatencySample::Count() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int64_t>(nanos_.size());
}

double LatencySample::QuantileMs(double q) const {
  absl::MutexLock lock(&mu_);
  if (nanos_.empty()) return 0;
  std::sort(nanos_.begin(), nanos_.end());
  const size_t rank = static_cast<size_t>(q * static_cast<double>(nanos_.size()));
  return static_cast<double>(nanos_[std::min(rank, nanos_.size() - 1)]) / 1e6;
}

std::string LatencySample::Summary() const {
  return absl::StrFormat("p50 %.2f ms  p95 %.2f ms  p99 %.2f ms  max %.2f ms  (n=%d)", QuantileMs(0.50),
                         QuantileMs(0.95), QuantileMs(0.99), QuantileMs(1.0), Count());
}

double Throughput::PerSecond() const {
  const double seconds = absl::ToDoubleSeconds(elapsed);
  return seconds > 0 ? static_cast<double>(completed) / seconds : 0;
}

ProcessStatus ReadProcessStatus(int pid) {
  ProcessStatus status;
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string key;
    int64_t value = 0;
    fields >> key >> value;
    if (key == "VmHWM:") status.peak_rss_kib = value;
    if (key == "VmRSS:") status.rss_kib = value;
    if (key == "Threads:") status.threads = static_cast<int>(value);
  }
  return status;
}

double CpuSeconds(int pid) {
  std::ifstream in(pid == 0 ? std::string("/proc/self/stat") : "/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(in, line)) return -1;
  // The command name (field 2) is in parentheses and may hold spaces: the
  // fields are counted from the last ')'. utime and stime are fields 14, 15.
  const size_t close = line.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream fields(line.substr(close + 1));
  std::string field;
  int64_t utime = -1, stime = -1;
  for (int n = 3; n <= 15 && fields >> field; ++n) {
    if (n == 14) utime = std::stoll(field);
    if (n == 15) stime = std::stoll(field);
  }
  if (utime < 0 || stime < 0) return -1;
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

int64_t DiskReadBytes(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/io");
  for (std::string key; in >> key;) {
    int64_t value = -1;
    if (!(in >> value)) return -1;
    if (key == "read_bytes:") return value;
  }
  return -1;
}

std::string FormatKib(int64_t kib) {
  if (kib < 0) return "unknown";
  return absl::StrFormat("%.1f MiB", static_cast<double>(kib) / 1024.0);
}

}  // namespace cre::bench
