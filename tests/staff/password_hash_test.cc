// Staff passwords: a hash verifies its password and no other, a malformed or
// costly encoding is refused without being run, older parameters still
// verify but ask for a rehash, and each rule of CheckNewPassword is named
// without quoting the password. Each argon2id run at today's parameters costs
// tens of milliseconds, so the suite makes one such hash and shares it.
#include "staff/password_hash.h"

#include <argon2.h>

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cre::staff {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;

constexpr char kPassword[] = "correct horse battery staple";

// One hash at today's parameters, made once for the suite.
const std::string& TodaysHash() {
  static const std::string* const hash = [] {
    absl::StatusOr<std::string> encoded = HashPassword(kPassword);
    EXPECT_TRUE(encoded.ok()) << encoded.status();
    return new std::string(encoded.ok() ? *encoded : "");
  }();
  return *hash;
}

// A hash made with other (cheap) parameters, as an older hub would have.
std::string HashWith(uint32_t t, uint32_t m_kib, size_t salt_bytes, absl::string_view password) {
  const std::string salt(salt_bytes, 's');
  std::string encoded(argon2_encodedlen(t, m_kib, 1, salt.size(), kHashBytes, Argon2_id), '\0');
  EXPECT_EQ(argon2id_hash_encoded(t, m_kib, 1, password.data(), password.size(), salt.data(),
                                  salt.size(), kHashBytes, encoded.data(), encoded.size()),
            ARGON2_OK);
  encoded.resize(encoded.find('\0'));
  return encoded;
}

TEST(PasswordHashTest, HashIsArgon2idWithTodaysParametersAndVerifiesOnlyItsPassword) {
  const std::string& encoded = TodaysHash();
  // 16 salt bytes and 32 hash bytes are 22 and 43 characters of unpadded base64.
  EXPECT_THAT(encoded,
              MatchesRegex(R"(\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43})"));
  EXPECT_TRUE(VerifyPassword(encoded, kPassword));
  EXPECT_FALSE(VerifyPassword(encoded, "correct horse battery stapler"));
  EXPECT_FALSE(VerifyPassword(encoded, ""));
  EXPECT_FALSE(NeedsRehash(encoded));
}

TEST(PasswordHashTest, EverySaltIsFresh) {
  absl::StatusOr<std::string> again = HashPassword(kPassword);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_NE(*again, TodaysHash());
}

TEST(PasswordHashTest, PasswordLongerThanTheLimitIsNeitherHashedNorVerified) {
  const std::string too_long(kMaxPasswordBytes + 1, 'a');
  absl::StatusOr<std::string> encoded = HashPassword(too_long);
  EXPECT_EQ(encoded.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(encoded.status().message(), HasSubstr("longer than 256 bytes"));
  // Cheap parameters: what is tested is that the length alone refuses.
  const std::string cheap = HashWith(1, 64, kSaltBytes, too_long);
  EXPECT_FALSE(VerifyPassword(cheap, too_long));
}

TEST(PasswordHashTest, MalformedOrCostlyEncodingIsRefusedNotRun) {
  std::string today = TodaysHash();
  std::string with_nul = today;
  with_nul.insert(with_nul.size() - 10, 1, '\0');
  const std::vector<std::string> bad = {
      "",
      "$",
      "$argon2id$",
      "not a hash at all",
      absl::StrReplaceAll(today, {{"$argon2id$", "$argon2i$"}}),
      absl::StrReplaceAll(today, {{"$argon2id$", "$argon2d$"}}),
      absl::StrReplaceAll(today, {{"$v=19$", "$"}}),
      absl::StrReplaceAll(today, {{"m=19456", "m=+19456"}}),
      absl::StrReplaceAll(today, {{"m=19456", "m=019456"}}),
      absl::StrReplaceAll(today, {{"m=19456", "m="}}),
      absl::StrReplaceAll(today, {{",t=2", ""}}),
      absl::StrReplaceAll(today, {{"p=1", "p=1,x=1"}}),
      // Costs no hub sets: refused before argon2 would allocate or loop.
      absl::StrReplaceAll(today, {{"m=19456", "m=4294967295"}}),
      absl::StrReplaceAll(today, {{"m=19456", "m=4294967296"}}),
      absl::StrReplaceAll(today, {{"t=2", "t=1000000"}}),
      absl::StrReplaceAll(today, {{"p=1", "p=255"}}),
      // Parsed here, refused by argon2 itself: too little memory, no passes.
      absl::StrReplaceAll(today, {{"m=19456", "m=1"}}),
      absl::StrReplaceAll(today, {{"t=2", "t=0"}}),
      today.substr(0, today.size() - 1) + "*",
      today.substr(0, today.rfind('$')),
      today + "$",
      today + std::string(600, 'A'),
      with_nul,
  };
  for (const std::string& encoded : bad) {
    EXPECT_FALSE(VerifyPassword(encoded, kPassword)) << encoded;
  }
}

TEST(PasswordHashTest, AlteredHashIsRefused) {
  std::string altered = TodaysHash();
  char& last = altered[altered.size() - 2];
  last = last == 'A' ? 'B' : 'A';
  EXPECT_FALSE(VerifyPassword(altered, kPassword));
}

TEST(PasswordHashTest, WeakerParametersStillVerifyButNeedRehash) {
  const std::string less_memory = HashWith(2, 8 * 1024, kSaltBytes, kPassword);
  EXPECT_TRUE(VerifyPassword(less_memory, kPassword));
  EXPECT_TRUE(NeedsRehash(less_memory));

  const std::string fewer_passes = HashWith(1, 1024, kSaltBytes, kPassword);
  EXPECT_TRUE(VerifyPassword(fewer_passes, kPassword));
  EXPECT_TRUE(NeedsRehash(fewer_passes));

  // Read, not run: NeedsRehash looks at the parameters only.
  const std::string& today = TodaysHash();
  EXPECT_TRUE(NeedsRehash(HashWith(2, 64, 8, kPassword)));  // an 8-byte salt
  EXPECT_TRUE(NeedsRehash(absl::StrReplaceAll(today, {{"v=19", "v=16"}})));
  EXPECT_TRUE(NeedsRehash(absl::StrReplaceAll(today, {{"m=19456", "m=19455"}})));
  EXPECT_TRUE(NeedsRehash(absl::StrReplaceAll(today, {{"t=2", "t=1"}})));
  EXPECT_TRUE(NeedsRehash(absl::StrReplaceAll(today, {{"$argon2id$", "$argon2i$"}})));
  EXPECT_TRUE(NeedsRehash("garbage"));
  EXPECT_FALSE(NeedsRehash(absl::StrReplaceAll(today, {{"m=19456,t=2", "m=47104,t=3"}})));
}

// The message of a refusal that must name `rule` and never quote `password`.
void ExpectRefused(absl::string_view password, absl::string_view username, absl::string_view rule) {
  const absl::Status status = CheckNewPassword(password, username);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << rule;
  EXPECT_THAT(status.message(), HasSubstr(rule));
  if (!password.empty()) {
    EXPECT_THAT(std::string(status.message()), Not(HasSubstr(std::string(password))));
  }
}

TEST(CheckNewPasswordTest, LongPassphraseIsAccepted) {
  EXPECT_TRUE(CheckNewPassword("violet kettle on the stairs", "j.smith").ok());
  EXPECT_TRUE(CheckNewPassword("abcdefghijkl", "j.smith").ok());  // exactly 12
  EXPECT_TRUE(CheckNewPassword(std::string(kMaxPasswordBytes, 'x'), "j.smith").ok());
}

TEST(CheckNewPasswordTest, AtMost256Bytes) {
  ExpectRefused(std::string(kMaxPasswordBytes + 1, 'x'), "j.smith", "password: longer than 256 bytes");
}

TEST(CheckNewPasswordTest, ValidUtf8Only) {
  const std::string padding = "long enough password ";
  for (const std::string bad : {"\xC0\xAF", "\xE0\x80\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80",
                                "\xFF", "\x80", "\xE2\x82"}) {
    ExpectRefused(padding + bad, "j.smith", "password: not valid UTF-8");
    ExpectRefused(bad + padding, "j.smith", "password: not valid UTF-8");
  }
  // Two, three and four bytes a character, the highest code point included.
  EXPECT_TRUE(CheckNewPassword(padding + "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x94\x91\xF4\x8F\xBF\xBF",
                               "j.smith")
                  .ok());
}

TEST(CheckNewPasswordTest, AtLeast12CharactersNotBytes) {
  ExpectRefused("abcdefghijk", "j.smith", "password: shorter than 12 characters");
  ExpectRefused("", "j.smith", "password: shorter than 12 characters");
  std::string eleven_accents;  // 22 bytes, 11 characters
  for (int i = 0; i < 11; ++i) eleven_accents += "\xC3\xA9";
  ExpectRefused(eleven_accents, "j.smith", "password: shorter than 12 characters");
  EXPECT_TRUE(CheckNewPassword(eleven_accents + "\xC3\xA9", "j.smith").ok());
}

TEST(CheckNewPasswordTest, NotTheUsernameNorContainingIt) {
  ExpectRefused("jane.smith.derby", "jane.smith.derby", "password: the same as the username");
  ExpectRefused("Jane.Smith.Derby", "jane.smith.derby", "password: the same as the username");
  ExpectRefused("my name is JANE.SMITH", "jane.smith", "password: contains the username");
  // No username to compare with: only the other rules apply.
  EXPECT_TRUE(CheckNewPassword("my name is jane.smith", "").ok());
}

TEST(CheckNewPasswordTest, NotACommonPassword) {
  ExpectRefused("password1234", "j.smith", "password: one of the most commonly used passwords");
  ExpectRefused("Password123!", "j.smith", "password: one of the most commonly used passwords");
  ExpectRefused("1QAZ2WSX3EDC", "j.smith", "password: one of the most commonly used passwords");
}

}  // namespace
}  // namespace cre::staff
