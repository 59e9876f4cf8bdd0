// Back-off and lock-out for staff sign-in: how long an account must wait
// after failed attempts, and when it is locked. Pure: the caller keeps one
// SignInHistory per account and gives the time.
//
//   const bool right = VerifyPassword(account.hash, typed);  // whatever MayTry says
//   if (!MayTry(account.history, now).ok()) return Refuse();  // the same refusal as a wrong password
//   account.history = right ? AfterSuccess() : AfterFailure(account.history, now);
//
// A guesser who waits out every back-off is locked at the 10th failure,
// 123 seconds after the first (1+2+4+8+16+32+60), and gets one guess per
// kLockDuration after that; a member of staff who mistypes twice waits not
// at all.
//
// What is the caller's job, not this file's:
//   - The same refusal, in status, words and time taken, whatever the
//     reason: an unknown username, a wrong password or code, an account
//     backing off or locked. MayTry's messages below are for the record, not
//     for the person signing in; verify a password for every attempt,
//     whether MayTry refuses it or not and whether the username exists or
//     not (password_hash.h). Otherwise back-off and lock-out, in their words
//     or in an answer that comes sooner, tell a guesser which accounts exist.
//   - MayTry, the check, and AfterFailure/AfterSuccess as one transaction on
//     the account's history, so that parallel attempts cannot all pass one
//     MayTry.
//   - AfterFailure only for an attempt that MayTry allowed: a refused attempt
//     changes nothing (its password check is there for the time it takes;
//     its result is not used).
//   - An administrator's reset stores AfterSuccess().
#ifndef CRE_HUB_STAFF_SIGN_IN_POLICY_H_
#define CRE_HUB_STAFF_SIGN_IN_POLICY_H_

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace cre::staff {

// Two failures in a row are ordinary typing and cost nothing; from the
// third, each failure doubles the wait before the next attempt, from
// kFirstBackOff up to kMaxBackOff. This slows an online guesser to a crawl
// long before the lock, without locking out someone who mistypes.
inline constexpr int kFreeFailures = 2;
inline constexpr absl::Duration kFirstBackOff = absl::Seconds(1);
inline constexpr absl::Duration kMaxBackOff = absl::Seconds(60);
// Ten failures without a success in between lock the account for half an
// hour (NCSC: a limit of around ten attempts; a lock that ends by itself, so
// that a guesser cannot keep staff out of the console for good). Every
// further failure before a success locks it again.
inline constexpr int kLockAfterFailures = 10;
inline constexpr absl::Duration kLockDuration = absl::Minutes(30);

// What the hub remembers of an account's recent sign-ins. An administrator
// may set locked_until to absl::InfiniteFuture() to lock an account until
// reset.
struct SignInHistory {
  int failed_attempts = 0;  // since the last success
  absl::Time last_failure = absl::InfinitePast();
  absl::Time locked_until = absl::InfinitePast();
};

// OK if an attempt may be checked at `now`. Otherwise, in words for the
// audit record (the person signing in gets the caller's one refusal):
//   FAILED_PRECONDITION  "this account is locked until an administrator
//                        resets it or 2026-03-31T14:30:00Z" (UTC, rounded up
//                        to the second; without the time for a lock with no
//                        end);
//   RESOURCE_EXHAUSTED   "too many failed sign-ins; try again after 4
//                        seconds" while backing off (rounded up to the
//                        second, never more than the back-off itself should
//                        the clock have gone back).
absl::Status MayTry(const SignInHistory& history, absl::Time now);

// The history after an attempt at `now` that failed (a wrong password or a
// wrong code alike): one more failure, and locked from the
// kLockAfterFailures-th.
SignInHistory AfterFailure(SignInHistory history, absl::Time now);

// The history after a successful sign-in: nothing held against the account.
SignInHistory AfterSuccess();

}  // namespace cre::staff

#endif  // CRE_HUB_STAFF_SIGN_IN_POLICY_H_
