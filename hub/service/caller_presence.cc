#include "service/caller_presence.h"

namespace cre {

CallerPresence::CallerPresence(const std::vector<std::string>& agency_ids) {
  for (const std::string& id : agency_ids) last_call_.emplace(id, std::make_unique<std::atomic<int64_t>>(0));
}

void CallerPresence::Called(const std::string& agency_id, absl::Time at) {
  const auto slot = last_call_.find(agency_id);
  if (slot == last_call_.end()) return;
  const int64_t micros = absl::ToUnixMicros(at);
  std::atomic<int64_t>& last = *slot->second;
  int64_t seen = last.load(std::memory_order_relaxed);
  // Two calls recorded at once: the later time stays.
  while (seen < micros && !last.compare_exchange_weak(seen, micros, std::memory_order_relaxed)) {
  }
}

std::vector<std::pair<std::string, absl::Time>> CallerPresence::LastCalls() const {
  std::vector<std::pair<std::string, absl::Time>> calls;
  for (const auto& [agency_id, last] : last_call_) {
    const int64_t micros = last->load(std::memory_order_relaxed);
    if (micros != 0) calls.emplace_back(agency_id, absl::FromUnixMicros(micros));
  }
  return calls;
}

}  // namespace cre
