// The checks every call of the service API passes first, and the record of
// what the API refuses.
//
// The order decides which refusal a caller sees, whatever the transport:
//   1. who the caller is: the transport's (service/call_context.h); an
//      unknown caller never reaches the API;
//   2. its agency's rate limit for the method's class (service/rate_limiter.h);
//   3. whether its role may call the method (access/authorization.h);
//   4. the request's own checks (access/request_validation.h), which each
//      API method makes next, and a request the transport could not read.
// Every refusal, here or later (a case not shared, a key reused), is
// recorded in the audit chain as CALL_REFUSED, naming the agency, the
// method and the reason. Rate-limit refusals are sampled: the first of an
// agency and class in a second is recorded with the count of those since,
// so that a flood cannot flood the chain.
//
//   absl::optional<Done> done =
//       gate.Admit(call, Method::kGetCase, [&] { return ValidateGetCase(request); }, std::move(on_done));
//   if (!done) return;  // refused: recorded and answered
//   ...  (*done)(status) when the work is done; a refusal then is recorded too
#ifndef CRE_HUB_SERVICE_CALL_GATE_H_
#define CRE_HUB_SERVICE_CALL_GATE_H_

#include <memory>
#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "access/authorization.h"
#include "service/call_context.h"
#include "service/caller_presence.h"
#include "service/call_record.h"
#include "service/rate_limiter.h"

namespace cre {

class CallGate {
 public:
  // `limiter` may be null: no rate limits. `audit` receives the refusals.
  // `presence`, if not null, is told of every call an agency's own system
  // makes (admitted or not), before any check.
  CallGate(std::shared_ptr<RateLimiter> limiter, AuditSink audit, std::shared_ptr<CallerPresence> presence = nullptr)
      : limiter_(std::move(limiter)), audit_(std::move(audit)), presence_(std::move(presence)) {}

  // Steps 2 and 3. If the call is refused, answers `done` with the refusal,
  // records it, and returns nullopt. Otherwise returns `done` wrapped so
  // that a refusal it is later given is recorded before it is answered.
  absl::optional<Done> Admit(const CallContext& call, Method method, Done done) const;
  // The same, then step 4: `check`, the request's own checks, run only for
  // a call admitted so far.
  absl::optional<Done> Admit(const CallContext& call, Method method, absl::FunctionRef<absl::Status()> check,
                             Done done) const;

  // A request the transport could not read (bytes that are not the
  // method's message): refused with `why` after the same checks as any
  // other request, so that a caller whose role may not call `method`
  // hears that, however it encoded the request.
  void RefuseUnreadable(const CallContext& call, Method method, const absl::Status& why, Done done) const;

  // Counts an admitted inbox stream of `agency_id` against its agency's cap
  // while the result lives; null when there are no rate limits.
  std::unique_ptr<OpenStreamCount> CountStream(const std::string& agency_id) const;

 private:
  std::shared_ptr<RateLimiter> limiter_;
  AuditSink audit_;
  std::shared_ptr<CallerPresence> presence_;
};

// OK, or RESOURCE_EXHAUSTED naming the limit if `agency_id` is over its
// limit for the method at `method_path` at `now` (then recorded in `audit`
// if the limiter samples it). The gRPC edge applies it to the calls that
// reach no API.
absl::Status ApplyRateLimit(RateLimiter& limiter, const std::string& agency_id, absl::string_view method_path,
                            absl::Time now, const AuditSink& audit);

}  // namespace cre

#endif  // CRE_HUB_SERVICE_CALL_GATE_H_
