// TOTP second factors: RFC 6238's own SHA-1 vectors, the window of one step
// either side, replay refused in the same words as a wrong code, malformed
// codes and short secrets refused, and the base32 and otpauth forms that
// authenticator apps read.
#include "staff/totp.h"

#include <set>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cre::staff {
namespace {

using ::testing::HasSubstr;

// RFC 6238 Appendix B: the SHA-1 key is the ASCII of "12345678901234567890".
constexpr char kRfcSecret[] = "12345678901234567890";

absl::Time Unix(int64_t seconds) { return absl::FromUnixSeconds(seconds); }

TEST(TotpTest, Rfc6238AppendixBSha1Vectors) {
  // The RFC's 8-digit codes, cut to their last 6 digits as 6-digit TOTP is.
  const std::vector<std::pair<int64_t, std::string>> vectors = {
      {59, "287082"},         {1111111109, "081804"}, {1111111111, "050471"},
      {1234567890, "005924"}, {2000000000, "279037"}, {20000000000, "353130"},
  };
  for (const auto& [seconds, code] : vectors) {
    EXPECT_EQ(TotpCode(kRfcSecret, Unix(seconds)), code) << seconds;
    absl::StatusOr<int64_t> step = VerifyTotp(kRfcSecret, code, Unix(seconds), kNoTotpStepUsed);
    ASSERT_TRUE(step.ok()) << seconds << ": " << step.status();
    EXPECT_EQ(*step, seconds / 30);
  }
}

TEST(TotpTest, StepBoundaries) {
  // 1111111109 and 1111111111 straddle a step boundary: 1111111110 is the
  // first second of step 37037037.
  EXPECT_EQ(TotpCode(kRfcSecret, Unix(1111111110)), "050471");
  EXPECT_EQ(TotpCode(kRfcSecret, Unix(1111111139)), "050471");
  EXPECT_EQ(TotpCode(kRfcSecret, Unix(1111111109)), "081804");
  EXPECT_EQ(TotpCode(kRfcSecret, absl::FromUnixMillis(1111111109999)), "081804");
}

TEST(TotpTest, OneStepEitherSideIsAcceptedTwoAreNot) {
  const absl::Time now = Unix(1111111111);
  const int64_t step = 1111111111 / 30;
  for (int64_t offset : {-1, 0, 1}) {
    const std::string code = TotpCode(kRfcSecret, now + absl::Seconds(30 * offset));
    absl::StatusOr<int64_t> matched = VerifyTotp(kRfcSecret, code, now, kNoTotpStepUsed);
    ASSERT_TRUE(matched.ok()) << offset << ": " << matched.status();
    EXPECT_EQ(*matched, step + offset);
  }
  for (int64_t offset : {-2, 2}) {
    const std::string code = TotpCode(kRfcSecret, now + absl::Seconds(30 * offset));
    absl::StatusOr<int64_t> matched = VerifyTotp(kRfcSecret, code, now, kNoTotpStepUsed);
    EXPECT_EQ(matched.status().code(), absl::StatusCode::kUnauthenticated) << offset;
    EXPECT_EQ(matched.status().message(), "the code is wrong or has expired");
  }
}

TEST(TotpTest, WrongCodeIsRefused) {
  absl::StatusOr<int64_t> matched = VerifyTotp(kRfcSecret, "287083", Unix(59), kNoTotpStepUsed);
  EXPECT_EQ(matched.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(matched.status().message(), "the code is wrong or has expired");
}

TEST(TotpTest, CodeIsAcceptedOnceAndRefusedAsAWrongOneAfter) {
  const absl::Time now = Unix(1234567890);
  absl::StatusOr<int64_t> first = VerifyTotp(kRfcSecret, "005924", now, kNoTotpStepUsed);
  ASSERT_TRUE(first.ok()) << first.status();

  absl::StatusOr<int64_t> replay = VerifyTotp(kRfcSecret, "005924", now + absl::Seconds(5), *first);
  EXPECT_EQ(replay.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(replay.status().message(), "the code is wrong or has expired");

  // An older code still in the window is spent too: its step is not later.
  const std::string previous = TotpCode(kRfcSecret, now - absl::Seconds(30));
  absl::StatusOr<int64_t> older = VerifyTotp(kRfcSecret, previous, now, *first);
  EXPECT_EQ(older.status().code(), absl::StatusCode::kUnauthenticated);

  // The next step's code is new.
  const std::string next = TotpCode(kRfcSecret, now + absl::Seconds(30));
  absl::StatusOr<int64_t> later = VerifyTotp(kRfcSecret, next, now + absl::Seconds(30), *first);
  ASSERT_TRUE(later.ok()) << later.status();
  EXPECT_EQ(*later, *first + 1);
}

TEST(TotpTest, CodeMustBeExactlySixAsciiDigits) {
  for (const std::string code : {"", "28708", "2870820", "28708a", " 287082", "287082 ",
                                 "287 082", "-28708", "+28708",
                                 "\xEF\xBC\x92\xEF\xBC\x98\xEF\xBC\x97\xEF\xBC\x90\xEF\xBC\x98\xEF\xBC\x92"}) {
    absl::StatusOr<int64_t> matched = VerifyTotp(kRfcSecret, code, Unix(59), kNoTotpStepUsed);
    EXPECT_EQ(matched.status().code(), absl::StatusCode::kInvalidArgument) << code;
    EXPECT_EQ(matched.status().message(), "code: must be exactly 6 digits");
  }
  const std::string with_nul("28708\0", 6);
  EXPECT_EQ(VerifyTotp(kRfcSecret, with_nul, Unix(59), kNoTotpStepUsed).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(TotpTest, ShortSecretIsRefusedAsNeedingEnrolment) {
  const std::string secret(kMinTotpSecretBytes - 1, 'k');
  const std::string code = TotpCode(secret, Unix(59));
  absl::StatusOr<int64_t> matched = VerifyTotp(secret, code, Unix(59), kNoTotpStepUsed);
  EXPECT_EQ(matched.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(matched.status().message(), HasSubstr("shorter than 16 bytes"));
}

TEST(TotpTest, TimeBefore1970HasNoCode) {
  EXPECT_EQ(TotpCode(kRfcSecret, Unix(-1)), "");
  EXPECT_EQ(VerifyTotp(kRfcSecret, "287082", Unix(-1), kNoTotpStepUsed).status().code(),
            absl::StatusCode::kInvalidArgument);
  // Step 0 has no step before it to look at; its code still works.
  EXPECT_TRUE(VerifyTotp(kRfcSecret, TotpCode(kRfcSecret, Unix(0)), Unix(0), kNoTotpStepUsed).ok());
  EXPECT_EQ(VerifyTotp(kRfcSecret, "287082", absl::InfiniteFuture(), kNoTotpStepUsed).status().code(),
            absl::StatusCode::kUnauthenticated);
}

TEST(TotpTest, NewSecretsAreRandomAndVerify) {
  const std::string a = NewTotpSecret();
  const std::string b = NewTotpSecret();
  EXPECT_EQ(a.size(), kTotpSecretBytes);
  EXPECT_NE(a, b);
  const absl::Time now = Unix(1700000000);
  EXPECT_TRUE(VerifyTotp(a, TotpCode(a, now), now, kNoTotpStepUsed).ok());
}

TEST(TotpTest, Base32IsRfc4648WithoutPadding) {
  // RFC 4648 section 10, padding dropped.
  EXPECT_EQ(Base32Secret(""), "");
  EXPECT_EQ(Base32Secret("f"), "MY");
  EXPECT_EQ(Base32Secret("fo"), "MZXQ");
  EXPECT_EQ(Base32Secret("foo"), "MZXW6");
  EXPECT_EQ(Base32Secret("foob"), "MZXW6YQ");
  EXPECT_EQ(Base32Secret("fooba"), "MZXW6YTB");
  EXPECT_EQ(Base32Secret("foobar"), "MZXW6YTBOI");
  EXPECT_EQ(Base32Secret(kRfcSecret), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
}

TEST(TotpTest, OtpauthUriPercentEncodesIssuerAndAccount) {
  EXPECT_EQ(OtpauthUri("CRE hub", "jane.smith@derby.gov.uk", kRfcSecret),
            "otpauth://totp/CRE%20hub:jane.smith%40derby.gov.uk"
            "?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=CRE%20hub"
            "&algorithm=SHA1&digits=6&period=30");
  EXPECT_EQ(OtpauthUri("A:B&C=D/E?", "x_y-z~1", kRfcSecret),
            "otpauth://totp/A%3AB%26C%3DD%2FE%3F:x_y-z~1"
            "?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=A%3AB%26C%3DD%2FE%3F"
            "&algorithm=SHA1&digits=6&period=30");
  EXPECT_THAT(OtpauthUri("Hub", "Zo\xC3\xAB", kRfcSecret), HasSubstr("Hub:Zo%C3%AB?"));
}

TEST(TotpTest, SafeFromManyThreads) {
  std::vector<std::thread> threads;
  std::vector<std::string> codes(8);
  for (size_t i = 0; i < codes.size(); ++i) {
    threads.emplace_back([&codes, i] {
      for (int n = 0; n < 200; ++n) codes[i] = TotpCode(kRfcSecret, Unix(1111111111));
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(std::set<std::string>(codes.begin(), codes.end()), std::set<std::string>{"050471"});
}

}  // namespace
}  // namespace cre::staff
