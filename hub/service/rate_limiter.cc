#include "service/rate_limiter.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/strip.h"
#include "absl/strings/str_cat.h"

namespace cre {
namespace {

// Refusals of one agency and class recorded in the audit chain: at most one
// in this long.
constexpr absl::Duration kRecordInterval = absl::Seconds(1);

const v1::RateLimit& HubWide(const v1::RateLimitConfig& config, CallClass call_class) {
  switch (call_class) {
    case CallClass::kSubmission: return config.submissions();
    case CallClass::kRead: return config.reads();
    case CallClass::kAcknowledgement: return config.acknowledgements();
    case CallClass::kStreamOpen: return config.stream_opens();
    case CallClass::kOther: break;
  }
  return config.other_calls();
}

const v1::RateLimit& OfAgency(const v1::AgencyRateLimit& agency, CallClass call_class) {
  switch (call_class) {
    case CallClass::kSubmission: return agency.submissions();
    case CallClass::kRead: return agency.reads();
    case CallClass::kAcknowledgement: return agency.acknowledgements();
    case CallClass::kStreamOpen: return agency.stream_opens();
    case CallClass::kOther: break;
  }
  return agency.other_calls();
}

// The config's field name of a class, for errors.
absl::string_view FieldName(CallClass call_class) {
  switch (call_class) {
    case CallClass::kSubmission: return "submissions";
    case CallClass::kRead: return "reads";
    case CallClass::kAcknowledgement: return "acknowledgements";
    case CallClass::kStreamOpen: return "stream_opens";
    case CallClass::kOther: break;
  }
  return "other_calls";
}

}  // namespace

CallClass ClassifyMethod(absl::string_view path) {
  if (absl::ConsumePrefix(&path, "/cre.v1.Referrals/")) {
    if (path == "GetCase") return CallClass::kRead;
    if (absl::StartsWith(path, "Submit") || absl::StartsWith(path, "Record") || path == "Respond" ||
        path == "SendNotification") {
      return CallClass::kSubmission;
    }
    return CallClass::kOther;
  }
  if (absl::StartsWith(path, "/cre.v1.Oversight/") || absl::StartsWith(path, "/cre.v1.Directory/")) {
    return CallClass::kRead;
  }
  if (path == "/cre.v1.Inbox/Acknowledge") return CallClass::kAcknowledgement;
  if (path == "/cre.v1.Inbox/Subscribe") return CallClass::kStreamOpen;
  return CallClass::kOther;
}

absl::string_view CallClassName(CallClass call_class) {
  switch (call_class) {
    case CallClass::kSubmission: return "submissions";
    case CallClass::kRead: return "reads";
    case CallClass::kAcknowledgement: return "acknowledgements";
    case CallClass::kStreamOpen: return "inbox stream opens";
    case CallClass::kOther: break;
  }
  return "other calls";
}

TokenBucket::TokenBucket(double per_second, double burst, absl::Time now)
    : per_second_(per_second), burst_(burst), tokens_(burst), last_(now) {}

bool TokenBucket::TryTake(absl::Time now, absl::Duration* wait) {
  if (now > last_) {
    tokens_ = std::min(burst_, tokens_ + per_second_ * absl::ToDoubleSeconds(now - last_));
    last_ = now;
  }
  if (tokens_ >= 1) {
    tokens_ -= 1;
    return true;
  }
  *wait = absl::Seconds((1 - tokens_) / per_second_);
  return false;
}

RateLimiter::AgencyState::AgencyState(std::string id,
                                      std::array<TokenBucket, kCallClassCount> buckets,
                                      int max_open_streams)
    : id(std::move(id)),
      max_open_streams(max_open_streams),
      classes{{ClassState(buckets[0]), ClassState(buckets[1]), ClassState(buckets[2]),
               ClassState(buckets[3]), ClassState(buckets[4])}} {
  static_assert(kCallClassCount == 5, "one ClassState per class");
}

absl::StatusOr<std::shared_ptr<RateLimiter>> RateLimiter::Create(const v1::RateLimitConfig& config,
                                                                 const AgencyRegistry& registry,
                                                                 absl::Time now) {
  // agency id -> index of its entry in config.agencies
  absl::flat_hash_map<std::string, int> overrides;
  for (int i = 0; i < config.agencies_size(); ++i) {
    const v1::AgencyRateLimit& entry = config.agencies(i);
    if (registry.FindById(entry.agency_id()) == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat("rate_limit.agencies[", i, "].agency_id: \"",
                                                     entry.agency_id(), "\" is not a registered agency"));
    }
    overrides[entry.agency_id()] = i;
  }
  std::shared_ptr<RateLimiter> limiter(new RateLimiter());
  for (const v1::Agency& agency : registry.agencies()) {
    auto found = overrides.find(agency.id());
    const v1::AgencyRateLimit* own = found == overrides.end() ? nullptr : &config.agencies(found->second);
    const std::string where =
        own == nullptr ? "rate_limit." : absl::StrCat("rate_limit.agencies[", found->second, "].");
    std::array<TokenBucket, kCallClassCount> buckets{
        TokenBucket(0, 0, now), TokenBucket(0, 0, now), TokenBucket(0, 0, now),
        TokenBucket(0, 0, now), TokenBucket(0, 0, now)};
    for (int c = 0; c < kCallClassCount; ++c) {
      const CallClass call_class = static_cast<CallClass>(c);
      const v1::RateLimit& hub_wide = HubWide(config, call_class);
      double per_second = hub_wide.per_second();
      uint32_t burst = hub_wide.burst();
      if (own != nullptr) {
        const v1::RateLimit& mine = OfAgency(*own, call_class);
        if (mine.per_second() != 0) per_second = mine.per_second();
        if (mine.burst() != 0) burst = mine.burst();
      }
      // !(x > 0) also catches NaN.
      if (!(per_second > 0) || std::isinf(per_second) || burst == 0) {
        return absl::InvalidArgumentError(absl::StrCat(
            where, FieldName(call_class), ": per_second must be a positive number and burst at least 1 (got ",
            per_second, " and ", burst, ")"));
      }
      buckets[c] = TokenBucket(per_second, burst, now);
    }
    uint32_t max_open_streams = config.max_open_streams();
    if (own != nullptr && own->max_open_streams() != 0) max_open_streams = own->max_open_streams();
    if (max_open_streams == 0) {
      return absl::InvalidArgumentError(absl::StrCat(where, "max_open_streams: must be at least 1"));
    }
    limiter->agencies_.emplace(
        agency.id(), std::make_unique<AgencyState>(
                         agency.id(), buckets,
                         static_cast<int>(std::min<uint32_t>(max_open_streams, 1u << 30))));
  }
  return limiter;
}

RateLimiter::AgencyState* RateLimiter::Find(absl::string_view agency_id) const {
  auto found = agencies_.find(agency_id);
  return found == agencies_.end() ? nullptr : found->second.get();
}

RateLimitDecision RateLimiter::Admit(absl::string_view agency_id, absl::string_view method,
                                     absl::Time now) {
  RateLimitDecision decision;
  AgencyState* agency = Find(agency_id);
  if (agency == nullptr) return decision;
  const CallClass call_class = ClassifyMethod(method);
  absl::MutexLock lock(&agency->mu);
  ClassState& state = agency->classes[static_cast<int>(call_class)];
  if (call_class == CallClass::kStreamOpen && agency->open_streams >= agency->max_open_streams) {
    // No token is taken: the stream was not opened.
    ++agency->refused_over_stream_cap;
    decision.reason = absl::StrCat("stream limit: ", agency->id, " may hold ", agency->max_open_streams,
                                   " inbox streams open at once on this hub; retry after one of them ends");
  } else {
    absl::Duration wait;
    if (state.bucket.TryTake(now, &wait)) return decision;
    ++state.refused;
    decision.reason = absl::StrCat("rate limit: ", agency->id, " may make ", state.bucket.per_second(), " ",
                                   CallClassName(call_class), " a second (burst ", state.bucket.burst(),
                                   "); retry after ", absl::FormatDuration(absl::Ceil(wait, absl::Milliseconds(1))));
  }
  decision.admitted = false;
  decision.call_class = call_class;
  if (now - state.last_recorded >= kRecordInterval) {
    decision.record = true;
    decision.unrecorded_before = state.unrecorded;
    state.unrecorded = 0;
    state.last_recorded = now;
  } else {
    ++state.unrecorded;
  }
  return decision;
}

std::vector<RateLimitRefusals> RateLimiter::Refusals() const {
  // The metric's label values: CallClassName's words are for people.
  static constexpr std::array<absl::string_view, kCallClassCount> kKinds = {
      "submissions", "reads", "acknowledgements", "stream_opens", "other_calls"};
  std::vector<RateLimitRefusals> refusals;
  for (const auto& [id, agency] : agencies_) {
    absl::MutexLock lock(&agency->mu);
    for (int i = 0; i < kCallClassCount; ++i) {
      const int64_t refused = agency->classes[i].refused;
      if (refused > 0) refusals.push_back({id, std::string(kKinds[i]), refused});
    }
    if (agency->refused_over_stream_cap > 0) {
      refusals.push_back({id, "open_streams", agency->refused_over_stream_cap});
    }
  }
  return refusals;
}

void RateLimiter::StreamOpened(absl::string_view agency_id) {
  if (AgencyState* agency = Find(agency_id)) {
    absl::MutexLock lock(&agency->mu);
    ++agency->open_streams;
  }
}

void RateLimiter::StreamClosed(absl::string_view agency_id) {
  if (AgencyState* agency = Find(agency_id)) {
    absl::MutexLock lock(&agency->mu);
    if (agency->open_streams > 0) --agency->open_streams;
  }
}

int RateLimiter::OpenStreams(absl::string_view agency_id) const {
  AgencyState* agency = Find(agency_id);
  if (agency == nullptr) return 0;
  absl::MutexLock lock(&agency->mu);
  return agency->open_streams;
}

}  // namespace cre
