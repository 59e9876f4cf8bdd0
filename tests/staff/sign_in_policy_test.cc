// Back-off and lock-out: two free failures, then 1, 2, 4 ... 60 seconds,
// a lock at the 10th failure that ends after 30 minutes (and comes back at
// the next failure), a success that clears everything, and refusals that
// say how long to wait.
#include "staff/sign_in_policy.h"

#include <climits>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cre::staff {
namespace {

using ::testing::HasSubstr;

// Tuesday 31 March 2026, 14:00:00 UTC.
const absl::Time kStart = absl::FromUnixSeconds(1774965600);

SignInHistory FailedTimes(int n, absl::Time at) {
  SignInHistory history;
  for (int i = 0; i < n; ++i) history = AfterFailure(history, at);
  return history;
}

TEST(SignInPolicyTest, NewAccountMayTry) { EXPECT_TRUE(MayTry(SignInHistory{}, kStart).ok()); }

TEST(SignInPolicyTest, TwoFailuresCostNothing) {
  EXPECT_TRUE(MayTry(FailedTimes(1, kStart), kStart).ok());
  EXPECT_TRUE(MayTry(FailedTimes(2, kStart), kStart).ok());
}

TEST(SignInPolicyTest, BackOffDoublesFromTheThirdFailureUpTo60Seconds) {
  // failures in a row -> seconds to wait before the next attempt
  const std::vector<std::pair<int, int>> table = {
      {3, 1}, {4, 2}, {5, 4}, {6, 8}, {7, 16}, {8, 32}, {9, 60}};
  for (const auto& [failures, seconds] : table) {
    const SignInHistory history = FailedTimes(failures, kStart);
    const absl::Time ready = kStart + absl::Seconds(seconds);
    const absl::Status now = MayTry(history, kStart);
    EXPECT_EQ(now.code(), absl::StatusCode::kResourceExhausted) << failures;
    EXPECT_EQ(now.message(), absl::StrCat("too many failed sign-ins; try again after ", seconds,
                                          seconds == 1 ? " second" : " seconds"));
    EXPECT_EQ(MayTry(history, ready - absl::Milliseconds(1)).code(),
              absl::StatusCode::kResourceExhausted)
        << failures;
    EXPECT_TRUE(MayTry(history, ready).ok()) << failures;
  }
}

TEST(SignInPolicyTest, WaitIsRoundedUpToTheSecond) {
  const SignInHistory history = FailedTimes(5, kStart);  // 4 seconds
  EXPECT_THAT(MayTry(history, kStart + absl::Milliseconds(1500)).message(),
              HasSubstr("try again after 3 seconds"));
  EXPECT_THAT(MayTry(history, kStart + absl::Milliseconds(3999)).message(),
              HasSubstr("try again after 1 second"));
}

TEST(SignInPolicyTest, ClockGoneBackNeverMeansAWaitLongerThanTheBackOff) {
  const SignInHistory history = FailedTimes(3, kStart);  // 1 second
  EXPECT_THAT(MayTry(history, kStart - absl::Hours(1)).message(),
              HasSubstr("try again after 1 second"));
}

TEST(SignInPolicyTest, GuesserWhoWaitsOutEveryBackOffIsLockedAtTheTenthFailure) {
  SignInHistory history;
  absl::Time now = kStart;
  for (int failure = 1; failure < kLockAfterFailures; ++failure) {
    while (!MayTry(history, now).ok()) now += absl::Seconds(1);
    history = AfterFailure(history, now);
    EXPECT_EQ(history.locked_until, absl::InfinitePast()) << failure;
  }
  while (!MayTry(history, now).ok()) now += absl::Seconds(1);
  EXPECT_EQ(now, kStart + absl::Seconds(1 + 2 + 4 + 8 + 16 + 32 + 60));
  history = AfterFailure(history, now);  // the 10th

  const absl::Status locked = MayTry(history, now);
  EXPECT_EQ(locked.code(), absl::StatusCode::kFailedPrecondition);
  // 14:02:03 plus 30 minutes.
  EXPECT_EQ(locked.message(),
            "this account is locked until an administrator resets it or 2026-03-31T14:32:03Z");
  EXPECT_EQ(MayTry(history, now + kLockDuration - absl::Milliseconds(1)).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(MayTry(history, now + kLockDuration).ok());

  // One more failure after the lock ends locks the account again.
  const absl::Time later = now + kLockDuration + absl::Minutes(5);
  history = AfterFailure(history, later);
  EXPECT_EQ(history.locked_until, later + kLockDuration);
  EXPECT_EQ(MayTry(history, later + absl::Minutes(29)).code(), absl::StatusCode::kFailedPrecondition);
}

TEST(SignInPolicyTest, LockTimeIsRoundedUpToTheSecond) {
  const SignInHistory history = FailedTimes(kLockAfterFailures, kStart + absl::Milliseconds(200));
  EXPECT_THAT(MayTry(history, kStart).message(), HasSubstr("or 2026-03-31T14:30:01Z"));
}

TEST(SignInPolicyTest, LockWithNoEndNamesNoTime) {
  SignInHistory history;
  history.locked_until = absl::InfiniteFuture();
  EXPECT_EQ(MayTry(history, kStart).message(),
            "this account is locked until an administrator resets it");
  // A failure does not shorten it.
  history.failed_attempts = kLockAfterFailures;
  EXPECT_EQ(AfterFailure(history, kStart).locked_until, absl::InfiniteFuture());
}

TEST(SignInPolicyTest, SuccessClearsEverything) {
  const SignInHistory cleared = AfterSuccess();
  EXPECT_EQ(cleared.failed_attempts, 0);
  EXPECT_EQ(cleared.last_failure, absl::InfinitePast());
  EXPECT_EQ(cleared.locked_until, absl::InfinitePast());
  EXPECT_TRUE(MayTry(cleared, kStart).ok());
  // Counting starts again: two free failures.
  EXPECT_TRUE(MayTry(AfterFailure(AfterFailure(cleared, kStart), kStart), kStart).ok());
}

TEST(SignInPolicyTest, CorruptCountStartsAfresh) {
  SignInHistory history;
  history.failed_attempts = -5;
  EXPECT_TRUE(MayTry(history, kStart).ok());
  EXPECT_EQ(AfterFailure(history, kStart).failed_attempts, 1);
  history.failed_attempts = INT_MAX;
  EXPECT_EQ(AfterFailure(history, kStart).failed_attempts, INT_MAX);
}

}  // namespace
}  // namespace cre::staff
