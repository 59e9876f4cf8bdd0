#include "client/retry_policy.h"

#include <algorithm>
#include <random>

#include "absl/time/clock.h"
#include "client/grpc_status.h"

namespace cre::client {

bool IsRetryable(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
    case absl::StatusCode::kAborted:
    case absl::StatusCode::kResourceExhausted:
      return true;
    default:
      return false;
  }
}

bool IsRefusal(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kPermissionDenied:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kOutOfRange:
      return true;
    default:
      return false;
  }
}

absl::Duration BackoffFor(const RetryPolicy& policy, int retry) {
  absl::Duration bound = policy.initial_backoff;
  for (int i = 0; i < retry && bound < policy.max_backoff; ++i) bound = bound * policy.multiplier;
  bound = std::min(bound, policy.max_backoff);
  thread_local std::mt19937_64 random{std::random_device{}()};
  std::uniform_real_distribution<double> jitter(0.5, 1.0);
  return bound * jitter(random);
}

absl::Status CallWithRetry(const RetryPolicy& policy, const Stopper& stopper,
                           const std::function<grpc::Status(grpc::ClientContext&)>& attempt) {
  const absl::Time give_up = policy.give_up_after == absl::InfiniteDuration()
                                 ? absl::InfiniteFuture()
                                 : absl::Now() + policy.give_up_after;
  absl::Status status = absl::CancelledError("stopped before the first attempt");
  for (int retry = 0; !stopper.stopped(); ++retry) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + policy.attempt_deadline));
    status = FromGrpcStatus(attempt(context));
    if (status.ok() || !IsRetryable(status)) return status;
    const absl::Duration backoff = BackoffFor(policy, retry);
    if (absl::Now() + backoff > give_up) return status;
    if (!stopper.SleepFor(backoff)) return status;
  }
  return status;
}

}  // namespace cre::client
