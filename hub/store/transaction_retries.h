// How often the store ran a transaction again, and why: counted by the
// store's transaction runner (mysql/connection_pool.cc), read by the
// metrics (server/hub_metrics.h), which so need not know SQL or its error
// numbers.
//
// Process-wide: every store of the process counts here (a process has one,
// the tools aside), and a counter is an atomic increment, nothing more, on a
// path that has just lost a conflict anyway.
//
//   TransactionRetries().Count(RetryCause::kDeadlock);
//   for (RetryCause cause : kRetryCauses) Write(RetryCauseName(cause), TransactionRetries().Get(cause));
#ifndef CRE_HUB_STORE_TRANSACTION_RETRIES_H_
#define CRE_HUB_STORE_TRANSACTION_RETRIES_H_

#include <array>
#include <atomic>
#include <cstdint>

#include "absl/strings/string_view.h"

namespace cre {

enum class RetryCause {
  kDeadlock = 0,         // 1213 from a statement
  kLockWaitTimeout = 1,  // 1205
  // 1213 from the COMMIT itself: on a Galera cluster, a transaction that
  // lost certification to another node's (on one server, hardly ever).
  kCertification = 2,
  kConnectionLost = 3,  // the connection died, or none could be made
  // A table's triggers did not load on the node (1064 "... trigger has an
  // error in its body"), which the runner repaired before the retry
  // (mysql/trigger_repair.h).
  kBrokenTrigger = 4,
  kOther = 5,  // any other conflict a retry may resolve (1020)
};
inline constexpr std::array<RetryCause, 6> kRetryCauses = {
    RetryCause::kDeadlock,       RetryCause::kLockWaitTimeout, RetryCause::kCertification,
    RetryCause::kConnectionLost, RetryCause::kBrokenTrigger,   RetryCause::kOther};

// The metric's label value.
inline absl::string_view RetryCauseName(RetryCause cause) {
  switch (cause) {
    case RetryCause::kDeadlock:
      return "deadlock";
    case RetryCause::kLockWaitTimeout:
      return "lock_wait_timeout";
    case RetryCause::kCertification:
      return "certification";
    case RetryCause::kConnectionLost:
      return "connection_lost";
    case RetryCause::kBrokenTrigger:
      return "broken_trigger";
    case RetryCause::kOther:
      return "other";
  }
  return "other";
}

class RetryCounts {
 public:
  void Count(RetryCause cause) { counts_[static_cast<size_t>(cause)].fetch_add(1, std::memory_order_relaxed); }
  int64_t Get(RetryCause cause) const { return counts_[static_cast<size_t>(cause)].load(std::memory_order_relaxed); }

 private:
  std::array<std::atomic<int64_t>, kRetryCauses.size()> counts_{};
};

inline RetryCounts& TransactionRetries() {
  static RetryCounts* const counts = new RetryCounts();
  return *counts;
}

}  // namespace cre

#endif  // CRE_HUB_STORE_TRANSACTION_RETRIES_H_
