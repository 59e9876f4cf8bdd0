// Blind indexes: HMAC-SHA256 under a key derived from the field key ring for
// one purpose, with a pinned answer (every hub must compute the same index
// for the same value), found under every key of the ring after a rotation.
#include "crypto/blind_index.h"

#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cre::crypto {
namespace {

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
KeyRing RingAB(const std::string& active) {
  return Ring({absl::StrCat("kA ", kKeyA), absl::StrCat("kB ", kKeyB)}, active);
}

BlindIndex IndexFor(const KeyRing& ring, absl::string_view purpose = kPurpose) {
  absl::StatusOr<BlindIndex> index = BlindIndex::Create(ring, purpose);
  EXPECT_TRUE(index.ok()) << index.status();
  return *std::move(index);
}

std::string ActiveHex(const BlindIndex& index, absl::string_view value) {
  absl::StatusOr<BlindIndex::Entry> entry = index.Active(value);
  EXPECT_TRUE(entry.ok()) << entry.status();
  return entry.ok() ? absl::BytesToHexString(entry->digest) : "";
}

TEST(BlindIndexTest, IsHmacSha256UnderTheKeyDerivedForThePurpose) {
  // HMAC-SHA256("9434765919") under HKDF-SHA256(kA, "test purpose"), whose
  // value token_signer_test pins (computed with Python's hmac). Pinned: a
  // change would make every stored index unfindable.
  absl::StatusOr<BlindIndex::Entry> entry = IndexFor(RingA()).Active("9434765919");
  ASSERT_TRUE(entry.ok()) << entry.status();
  EXPECT_EQ(entry->key_id, "kA");
  EXPECT_EQ(entry->digest.size(), BlindIndex::kSize);
  EXPECT_EQ(absl::BytesToHexString(entry->digest),
            "ede973dce1e0836dae4322d3763bfeb824d6542376b5a8ec9a678ac32a2789b3");
}

TEST(BlindIndexTest, TheSameValueGivesTheSameIndexAndAnotherValueAnother) {
  const BlindIndex index = IndexFor(RingA());
  EXPECT_EQ(ActiveHex(index, "9434765919"), ActiveHex(IndexFor(RingA()), "9434765919"));
  EXPECT_NE(ActiveHex(index, "9434765919"), ActiveHex(index, "4010232137"));
}

TEST(BlindIndexTest, DiffersByPurposeAndByKey) {
  const std::string a = ActiveHex(IndexFor(RingA()), "9434765919");
  EXPECT_NE(ActiveHex(IndexFor(RingA(), "another purpose"), "9434765919"), a);
  EXPECT_NE(ActiveHex(IndexFor(RingAB("kB")), "9434765919"), a);
  // Not a plain SHA-256 of the value, which anyone could compute.
  EXPECT_NE(a, "ee17f178e64633e0a1d7921f3f7c2096eb131630bf598d67d95c0f2847e25c09");
}

TEST(BlindIndexTest, AllGivesTheActiveKeysIndexFirstThenEveryOtherKeys) {
  const BlindIndex index = IndexFor(RingAB("kB"));
  absl::StatusOr<std::vector<BlindIndex::Entry>> all = index.All("9434765919");
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].key_id, "kB");
  EXPECT_EQ(absl::BytesToHexString((*all)[0].digest), ActiveHex(index, "9434765919"));
  EXPECT_EQ((*all)[1].key_id, "kA");
  // What a hub whose active key was kA stored is found by one whose active
  // key is now kB.
  EXPECT_EQ(absl::BytesToHexString((*all)[1].digest), ActiveHex(IndexFor(RingA()), "9434765919"));
}

TEST(BlindIndexTest, RefusesAnEmptyPurpose) {
  EXPECT_EQ(BlindIndex::Create(RingA(), "").status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace cre::crypto
