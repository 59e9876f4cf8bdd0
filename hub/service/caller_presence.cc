#include "service/caller_presence.h"

#include <limits>

namespace cre {
namespace {

constexpr int64_t kNoCertificate = std::numeric_limits<int64_t>::min();

}  // namespace

CallerPresence::CallerPresence(const std::vector<std::string>& agency_ids) {
  for (const std::string& id : agency_ids) {
    last_call_.emplace(id, std::make_unique<std::atomic<int64_t>>(0));
    cert_not_after_.emplace(id, std::make_unique<std::atomic<int64_t>>(kNoCertificate));
  }
}

void CallerPresence::CertificateSeen(const std::string& agency_id, absl::Time not_after) {
  const auto slot = cert_not_after_.find(agency_id);
  if (slot == cert_not_after_.end()) return;
  slot->second->store(absl::ToUnixSeconds(not_after), std::memory_order_relaxed);
}

std::vector<std::pair<std::string, absl::Time>> CallerPresence::CertificatesSeen() const {
  std::vector<std::pair<std::string, absl::Time>> seen;
  for (const auto& [agency_id, not_after] : cert_not_after_) {
    const int64_t seconds = not_after->load(std::memory_order_relaxed);
    if (seconds != kNoCertificate) seen.emplace_back(agency_id, absl::FromUnixSeconds(seconds));
  }
  return seen;
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
