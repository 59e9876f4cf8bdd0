// How the adapters call the hub: a deadline on every attempt, and retries
// with exponential backoff and full jitter for the codes that say "try
// again" (UNAVAILABLE, DEADLINE_EXCEEDED, ABORTED, RESOURCE_EXHAUSTED), never
// for a refusal (INVALID_ARGUMENT, NOT_FOUND, PERMISSION_DENIED, ...).
// Retrying a submission is safe because it carries its idempotency key.
//
//   RetryPolicy policy;  // defaults below
//   absl::Status status = CallWithRetry(policy, stopper, [&](grpc::ClientContext& context) {
//     return stub->SubmitConcern(&context, request, &receipt);
//   });
#ifndef CRE_AGENCY_ADAPTERS_CLIENT_RETRY_POLICY_H_
#define CRE_AGENCY_ADAPTERS_CLIENT_RETRY_POLICY_H_

#include <functional>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "client/stopper.h"
#include "grpcpp/client_context.h"
#include "grpcpp/support/status.h"

namespace cre::client {

struct RetryPolicy {
  // Deadline of each attempt. The hub answers a submission after its
  // commit, which is quick; a slow answer is a retry, not a wait.
  absl::Duration attempt_deadline = absl::Seconds(10);
  absl::Duration initial_backoff = absl::Milliseconds(200);
  absl::Duration max_backoff = absl::Seconds(10);
  double multiplier = 2.0;
  // Stop retrying once this much time has passed since the first attempt
  // (the spool keeps the submission; the next round tries again).
  // absl::InfiniteDuration(): until stopped.
  absl::Duration give_up_after = absl::Minutes(2);
};

// True for the codes after which the same call may succeed.
bool IsRetryable(const absl::Status& status);

// True for the codes by which the hub refuses the request as it was sent
// (INVALID_ARGUMENT, NOT_FOUND, ALREADY_EXISTS, PERMISSION_DENIED,
// FAILED_PRECONDITION, OUT_OF_RANGE): sending it again will not help. Any
// other failure (INTERNAL, UNKNOWN, UNIMPLEMENTED, UNAUTHENTICATED, ...) is
// the hub's fault or the adapter's set-up, not the submission's: a spooled
// submission stays spooled for the next round.
bool IsRefusal(const absl::Status& status);

// The backoff before retry number `retry` (0 for the first retry): the
// exponential bound, capped, times a random factor in [0.5, 1) so that many
// adapters coming back after a hub restart do not call in lock step.
absl::Duration BackoffFor(const RetryPolicy& policy, int retry);

// Calls `attempt` with a fresh context (deadline set) until it succeeds,
// fails with a non-retryable code, the policy gives up, or `stopper` stops.
// Returns the last attempt's status (CANCELLED if stopped before any).
absl::Status CallWithRetry(const RetryPolicy& policy, const Stopper& stopper,
                           const std::function<grpc::Status(grpc::ClientContext&)>& attempt);

}  // namespace cre::client

#endif  // CRE_AGENCY_ADAPTERS_CLIENT_RETRY_POLICY_H_
