#include "staff/sign_in_policy.h"

#include <algorithm>
#include <climits>
#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"

namespace cre::staff {
namespace {

// The wait after `failures` failures in a row: none for the free ones, then
// kFirstBackOff doubling up to kMaxBackOff.
absl::Duration BackOffAfter(int failures) {
  const int doublings = failures - kFreeFailures - 1;
  if (doublings < 0) return absl::ZeroDuration();
  // 2^6 s already passes the cap; stopping there keeps the shift in range.
  if (doublings >= 6) return kMaxBackOff;
  return std::min(kFirstBackOff * (int64_t{1} << doublings), kMaxBackOff);
}

// Whole seconds, rounded up, in words.
std::string InSeconds(absl::Duration wait) {
  const int64_t seconds = absl::ToInt64Seconds(absl::Ceil(wait, absl::Seconds(1)));
  return absl::StrCat(seconds, seconds == 1 ? " second" : " seconds");
}

// RFC 3339 in UTC, rounded up to the second so that the time shown is never
// before the lock ends.
std::string Rfc3339UpToSecond(absl::Time t) {
  absl::Time shown = absl::FromUnixSeconds(absl::ToUnixSeconds(t));
  if (shown < t) shown += absl::Seconds(1);
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", shown, absl::UTCTimeZone());
}

}  // namespace

absl::Status MayTry(const SignInHistory& history, absl::Time now) {
  if (now < history.locked_until) {
    if (history.locked_until == absl::InfiniteFuture()) {
      return absl::FailedPreconditionError("this account is locked until an administrator resets it");
    }
    return absl::FailedPreconditionError(
        absl::StrCat("this account is locked until an administrator resets it or ",
                     Rfc3339UpToSecond(history.locked_until)));
  }
  const absl::Duration back_off = BackOffAfter(history.failed_attempts);
  const absl::Time next_try = history.last_failure + back_off;
  if (now < next_try) {
    return absl::ResourceExhaustedError(
        absl::StrCat("too many failed sign-ins; try again after ",
                     InSeconds(std::min(next_try - now, back_off))));
  }
  return absl::OkStatus();
}

SignInHistory AfterFailure(SignInHistory history, absl::Time now) {
  if (history.failed_attempts < 0) history.failed_attempts = 0;  // a corrupt count starts afresh
  if (history.failed_attempts < INT_MAX) ++history.failed_attempts;
  history.last_failure = now;
  if (history.failed_attempts >= kLockAfterFailures) {
    history.locked_until = std::max(history.locked_until, now + kLockDuration);
  }
  return history;
}

SignInHistory AfterSuccess() { return SignInHistory{}; }

}  // namespace cre::staff
