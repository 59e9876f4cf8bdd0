// Keys derived from the field key ring, and the tokens signed with them:
// derivation is HKDF-SHA256 with a pinned answer (every hub must derive the
// same key), a token verifies only for what it was issued for, under a key
// still in the ring, and nothing else a client can write is accepted.
#include "crypto/token_signer.h"

#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cre::crypto {
namespace {

using ::testing::Optional;

constexpr char kKeyA[] = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
constexpr char kKeyB[] = "f0e0d0c0b0a090807060504030201000f1e1d1c1b1a191817161514131211101";
constexpr char kPurpose[] = "test purpose";

KeyRing Ring(const std::vector<std::string>& keys, const std::string& active) {
  std::string text;
  for (const std::string& key : keys) absl::StrAppend(&text, "key ", key, "\n");
  absl::StrAppend(&text, "active ", active, "\n");
  absl::StatusOr<KeyRing> ring = KeyRing::Parse(text, "test");
  EXPECT_TRUE(ring.ok()) << ring.status();
  return *std::move(ring);
}

KeyRing RingA() { return Ring({absl::StrCat("kA ", kKeyA)}, "kA"); }

std::string Hex(const KeyBytes& key) {
  return absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(key.data()), KeyBytes::kSize));
}

TokenSigner SignerFor(const KeyRing& ring, absl::string_view purpose = kPurpose) {
  absl::StatusOr<TokenSigner> signer = TokenSigner::Create(ring, purpose);
  EXPECT_TRUE(signer.ok()) << signer.status();
  return *std::move(signer);
}

std::string MustSign(const TokenSigner& signer, std::vector<absl::string_view> bound_to, absl::string_view payload) {
  absl::StatusOr<std::string> token = signer.Sign(bound_to, payload);
  EXPECT_TRUE(token.ok()) << token.status();
  return token.value_or("");
}

TEST(DeriveKeyTest, IsHkdfSha256OfTheNamedKeyForThePurpose) {
  // RFC 5869 with salt "cre-hub derived key v1", IKM key kA, info "test
  // purpose", 32 bytes (computed with Python's hmac). Pinned: a change would
  // make hubs of two versions refuse each other's tokens.
  absl::StatusOr<KeyBytes> key = RingA().DeriveKey("kA", kPurpose);
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_EQ(Hex(*key), "a605c54661f760c1957a025bb2ff0486f66e3a483c6beb48e1ddd5d5084227fc");
}

TEST(DeriveKeyTest, DiffersByPurposeAndByKeyAndIsNotTheKeyItself) {
  const KeyRing ring = Ring({absl::StrCat("kA ", kKeyA), absl::StrCat("kB ", kKeyB)}, "kB");
  const std::string a = Hex(ring.DeriveKey("kA", "one").value());
  EXPECT_EQ(Hex(ring.DeriveKey("kA", "one").value()), a);
  EXPECT_NE(Hex(ring.DeriveKey("kA", "two").value()), a);
  EXPECT_NE(Hex(ring.DeriveKey("kB", "one").value()), a);
  EXPECT_NE(a, kKeyA);
}

TEST(DeriveKeyTest, RefusesAnUnknownKeyAndAnEmptyPurpose) {
  const absl::StatusOr<KeyBytes> unknown = RingA().DeriveKey("kZ", kPurpose);
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(RingA().DeriveKey("kA", "").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(TokenSignerTest, HasTheDocumentedLayout) {
  // Version 1, key id "kA", payload "cursor", HMAC-SHA256 under the key
  // above over "12:test purpose;10:\x01\x02kAcursor;9:derby-cpm;3:all;".
  EXPECT_EQ(MustSign(SignerFor(RingA()), {"derby-cpm", "all"}, "cursor"),
            "AQJrQWN1cnNvclPpaox3T7LHs3BSb_Eogu7jGQH9qUVpfTRQORgFgRI9");
}

TEST(TokenSignerTest, VerifiesOnlyForWhatItWasIssuedFor) {
  const TokenSigner signer = SignerFor(RingA());
  const std::string token = MustSign(signer, {"derby-csc", "all"}, "2026-01-01 00:00:00|id|rule");
  EXPECT_THAT(signer.Verify({"derby-csc", "all"}, token), Optional(std::string("2026-01-01 00:00:00|id|rule")));
  EXPECT_EQ(signer.Verify({"derby-cpm", "all"}, token), absl::nullopt);
  EXPECT_EQ(signer.Verify({"derby-csc", "overdue_only"}, token), absl::nullopt);
  EXPECT_EQ(signer.Verify({"all", "derby-csc"}, token), absl::nullopt);
  EXPECT_EQ(signer.Verify({"derby-csc"}, token), absl::nullopt);
  // Parts cannot be shifted from one bound value to the next.
  const std::string joined = MustSign(signer, {"ab", "c"}, "p");
  EXPECT_EQ(signer.Verify({"a", "bc"}, joined), absl::nullopt);
}

TEST(TokenSignerTest, AnotherProcessWithTheSameKeyFileAcceptsItAndAnotherPurposeDoesNot) {
  const std::string token = MustSign(SignerFor(RingA()), {"x"}, "payload");
  EXPECT_THAT(SignerFor(RingA()).Verify({"x"}, token), Optional(std::string("payload")));
  EXPECT_EQ(SignerFor(RingA(), "another purpose").Verify({"x"}, token), absl::nullopt);
  // The same key id with other key material: another hub's token.
  EXPECT_EQ(SignerFor(Ring({absl::StrCat("kA ", kKeyB)}, "kA")).Verify({"x"}, token), absl::nullopt);
}

TEST(TokenSignerTest, ATokenMadeBeforeARotationVerifiesWhileItsKeyIsInTheRing) {
  const std::string before = MustSign(SignerFor(RingA()), {"x"}, "payload");
  const TokenSigner rotated = SignerFor(Ring({absl::StrCat("kA ", kKeyA), absl::StrCat("kB ", kKeyB)}, "kB"));
  EXPECT_EQ(rotated.active_key_id(), "kB");
  EXPECT_THAT(rotated.Verify({"x"}, before), Optional(std::string("payload")));
  const std::string after = MustSign(rotated, {"x"}, "payload");
  EXPECT_NE(after, before);
  EXPECT_THAT(rotated.Verify({"x"}, after), Optional(std::string("payload")));
  // kA removed from the ring: its tokens are no longer accepted.
  const TokenSigner without_a = SignerFor(Ring({absl::StrCat("kB ", kKeyB)}, "kB"));
  EXPECT_EQ(without_a.Verify({"x"}, before), absl::nullopt);
  EXPECT_THAT(without_a.Verify({"x"}, after), Optional(std::string("payload")));
}

TEST(TokenSignerTest, RefusesEverythingElseAClientCanWrite) {
  const TokenSigner signer = SignerFor(RingA());
  const std::string token = MustSign(signer, {"x"}, "2026-01-01 00:00:00|id|rule");
  std::string bytes;
  ASSERT_TRUE(absl::WebSafeBase64Unescape(token, &bytes));
  // The payload changed, the MAC kept.
  std::string altered = bytes;
  altered[5] ^= 1;
  // The version changed.
  std::string version = bytes;
  version[0] = 2;
  // A key id length past the end.
  std::string long_id = bytes;
  long_id[1] = static_cast<char>(200);
  const std::vector<std::string> forged = {
      "",
      "not base64 !",
      absl::WebSafeBase64Escape(altered),
      absl::WebSafeBase64Escape(version),
      absl::WebSafeBase64Escape(long_id),
      absl::WebSafeBase64Escape(bytes.substr(0, bytes.size() - 1)),
      absl::WebSafeBase64Escape(bytes.substr(0, 3)),
      // The store's own cursor, unsigned.
      absl::WebSafeBase64Escape("2026-01-01 00:00:00|0b9a8e3c-1f2d-4c5b-9a7e-3d2c1b0a9f8e|lac.iro_notification"),
      std::string(TokenSigner::kMaxTokenLength + 4, 'A'),
  };
  for (const std::string& candidate : forged) EXPECT_EQ(signer.Verify({"x"}, candidate), absl::nullopt) << candidate;
}

TEST(TokenSignerTest, RefusesToSignAPayloadTooLongForAToken) {
  const TokenSigner signer = SignerFor(RingA());
  EXPECT_EQ(signer.Sign({"x"}, std::string(TokenSigner::kMaxTokenLength, 'p')).status().code(),
            absl::StatusCode::kInvalidArgument);
  const std::string longest = MustSign(signer, {"x"}, std::string(700, 'p'));
  EXPECT_LE(longest.size(), TokenSigner::kMaxTokenLength);
  EXPECT_TRUE(signer.Verify({"x"}, longest).has_value());
}

}  // namespace
}  // namespace cre::crypto
