// Per-agency rate limits: a token bucket per (agency, class of method), and a
// cap on the inbox streams an agency holds open (SECURITY.md, "A flood of
// requests from one agency").
//
// Pure: no gRPC. The service API's call gate (service/call_gate.h) asks
// Admit() first for every call of the API, and the gRPC edge for the calls
// that reach no API (health, reflection); a call not admitted is refused
// with RESOURCE_EXHAUSTED and the decision's reason. The time is passed in,
// so that tests need no clock.
//
//   CRE_ASSIGN_OR_RETURN(std::shared_ptr<RateLimiter> limiter,
//                        RateLimiter::Create(config.rate_limit(), registry, absl::Now()));
//   RateLimitDecision decision = limiter->Admit("derby-health", "/cre.v1.Referrals/SubmitConcern", absl::Now());
//
// State lives in this process's memory: each hub process limits on its own.
// Buckets exist only for the agencies of the registry, made up front, so a
// flood of identities cannot grow memory and a call takes only its agency's
// lock.
#ifndef CRE_HUB_SERVICE_RATE_LIMITER_H_
#define CRE_HUB_SERVICE_RATE_LIMITER_H_

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "cre/v1/config.pb.h"
#include "identity/agency_registry.h"

namespace cre {

// What a method costs the caller: each class has a bucket of its own, so an
// agency that floods submissions can still read and acknowledge.
enum class CallClass {
  kSubmission = 0,       // Referrals: Submit*, Record*, Respond, SendNotification
  kRead = 1,             // Referrals.GetCase, Oversight, Directory
  kAcknowledgement = 2,  // Inbox.Acknowledge
  kStreamOpen = 3,       // Inbox.Subscribe
  kOther = 4,            // health, reflection, anything unknown
};
inline constexpr int kCallClassCount = 5;

// The class of the method at `path`, the call's ":path" (e.g.
// "/cre.v1.Referrals/SubmitConcern").
CallClass ClassifyMethod(absl::string_view path);

// How refusals name the class: "submissions", "reads", ...
absl::string_view CallClassName(CallClass call_class);

// A token bucket. Starts full; each call takes a token; tokens come back at
// `per_second`, up to `burst`. Not thread-safe (the limiter locks).
class TokenBucket {
 public:
  TokenBucket(double per_second, double burst, absl::Time now);

  // Takes a token if one is left at `now`. Otherwise takes nothing and sets
  // `*wait` to how long until one is. A clock that steps back refills
  // nothing.
  bool TryTake(absl::Time now, absl::Duration* wait);

  double per_second() const { return per_second_; }
  double burst() const { return burst_; }

 private:
  double per_second_;
  double burst_;
  double tokens_;
  absl::Time last_;
};

// The refusals of one agency of one kind so far (RateLimiter::Refusals).
struct RateLimitRefusals {
  std::string agency_id;
  // "submissions", "reads", "acknowledgements", "stream_opens",
  // "other_calls" (over the class's rate), or "open_streams" (over the cap
  // of open inbox streams).
  std::string kind;
  int64_t refused = 0;
};

struct RateLimitDecision {
  bool admitted = true;
  // The rest is set when the call is refused.
  CallClass call_class = CallClass::kOther;
  // For the caller and the call log, naming the limit and when to retry:
  // "rate limit: derby-health may make 50 submissions a second (burst 100); retry after 20ms".
  std::string reason;
  // Whether to record this refusal in the audit chain: the first refusal of
  // the agency and class in a second is, the rest only counted, so that a
  // flood cannot flood the chain.
  bool record = false;
  // When `record`: the refusals of this agency and class since the last
  // recorded one that were not recorded.
  int64_t unrecorded_before = 0;
};

class RateLimiter {
 public:
  // Limits for every agency of `registry`: the hub-wide values of `config`,
  // or an agency's own where config.agencies gives one (a field it leaves
  // unset is the hub-wide value). `config` should have been completed by
  // CompleteHubConfig; INVALID_ARGUMENT names a limit that is still not
  // positive, or an entry for an agency the registry does not have.
  static absl::StatusOr<std::shared_ptr<RateLimiter>> Create(const v1::RateLimitConfig& config,
                                                             const AgencyRegistry& registry,
                                                             absl::Time now);

  // Whether `agency_id` may make a call to `method` at `now`; takes a token
  // if so. An Inbox.Subscribe is also refused while the agency holds its
  // maximum of open streams. An agency the registry does not have is
  // admitted: the identity check refuses it first.
  RateLimitDecision Admit(absl::string_view agency_id, absl::string_view method, absl::Time now);

  // An Inbox.Subscribe stream of `agency_id` was admitted, and ended
  // (OpenStreamCount calls both). The stream cap counts what these say is
  // open.
  void StreamOpened(absl::string_view agency_id);
  void StreamClosed(absl::string_view agency_id);
  int OpenStreams(absl::string_view agency_id) const;

  // Every agency and kind refused at least once since the start, for the
  // metrics: counted under the agency's lock that Admit takes anyway.
  std::vector<RateLimitRefusals> Refusals() const;

 private:
  struct ClassState {
    explicit ClassState(TokenBucket bucket) : bucket(bucket) {}
    TokenBucket bucket;
    absl::Time last_recorded = absl::InfinitePast();
    int64_t unrecorded = 0;
    int64_t refused = 0;  // over the rate, since the start
  };
  struct AgencyState {
    AgencyState(std::string id, std::array<TokenBucket, kCallClassCount> buckets, int max_open_streams);
    const std::string id;
    const int max_open_streams;
    mutable absl::Mutex mu;
    std::array<ClassState, kCallClassCount> classes ABSL_GUARDED_BY(mu);
    int open_streams ABSL_GUARDED_BY(mu) = 0;
    int64_t refused_over_stream_cap ABSL_GUARDED_BY(mu) = 0;
  };

  RateLimiter() = default;
  AgencyState* Find(absl::string_view agency_id) const;

  // Filled in Create, never changed after: lookups take no lock.
  absl::flat_hash_map<std::string, std::unique_ptr<AgencyState>> agencies_;
};

// One open inbox stream of an agency, counted against its cap for as long
// as this lives.
class OpenStreamCount {
 public:
  OpenStreamCount(std::shared_ptr<RateLimiter> limiter, std::string agency_id)
      : limiter_(std::move(limiter)), agency_id_(std::move(agency_id)) {
    limiter_->StreamOpened(agency_id_);
  }
  ~OpenStreamCount() { limiter_->StreamClosed(agency_id_); }
  OpenStreamCount(const OpenStreamCount&) = delete;
  OpenStreamCount& operator=(const OpenStreamCount&) = delete;

 private:
  const std::shared_ptr<RateLimiter> limiter_;
  const std::string agency_id_;
};

}  // namespace cre

#endif  // CRE_HUB_SERVICE_RATE_LIMITER_H_
