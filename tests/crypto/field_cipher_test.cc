// Field encryption at rest: values round-trip, never show their plaintext,
// are refused when altered or moved to another row, and keep decrypting
// across key rotation; key files are checked line by line; the dev-key
// script makes and rotates files the loader accepts.
#include "crypto/field_cipher.h"

#include <stdlib.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "google/protobuf/timestamp.pb.h"
#include "google/protobuf/wrappers.pb.h"
#include "gtest/gtest.h"

namespace cre::crypto {
namespace {

using ::testing::AnyOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kKeyA[] = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
constexpr char kKeyB[] = "f0e0d0c0b0a090807060504030201000f1e1d1c1b1a191817161514131211101";
constexpr char kAad[] = "7:child;36:4b1c7f9e-0000-4000-8000-000000000001;4:name;";

// A key file's text: `key` lines for `keys` ("id hex" each), then `active`.
std::string KeyFileText(const std::vector<std::string>& keys, const std::string& active) {
  std::string text = "# test keys\n";
  for (const std::string& key : keys) absl::StrAppend(&text, "key ", key, "\n");
  absl::StrAppend(&text, "active ", active, "\n");
  return text;
}

FieldCipher CipherWith(const std::vector<std::string>& keys, const std::string& active) {
  absl::StatusOr<KeyRing> ring = KeyRing::Parse(KeyFileText(keys, active), "test");
  EXPECT_TRUE(ring.ok()) << ring.status();
  return FieldCipher(*std::move(ring));
}

FieldCipher CipherA() { return CipherWith({absl::StrCat("kA ", kKeyA)}, "kA"); }

std::string MustEncrypt(const FieldCipher& cipher, absl::string_view plaintext,
                        absl::string_view aad = kAad) {
  absl::StatusOr<std::string> sealed = cipher.Encrypt(plaintext, aad);
  EXPECT_TRUE(sealed.ok()) << sealed.status();
  return sealed.value_or("");
}

// A private directory under the test's temporary directory, removed after.
class TempDir {
 public:
  TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string pattern = absl::StrCat(base != nullptr ? base : "/tmp", "/cre-crypto-XXXXXX");
    path_ = mkdtemp(pattern.data()) != nullptr ? pattern : "";
    EXPECT_FALSE(path_.empty());
  }
  ~TempDir() { std::system(absl::StrCat("rm -rf '", path_, "'").c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

void WriteFile(const std::string& path, const std::string& text, mode_t mode) {
  std::ofstream(path) << text;
  chmod(path.c_str(), mode);
}

mode_t ModeOf(const std::string& path) {
  struct stat info {};
  EXPECT_EQ(stat(path.c_str(), &info), 0) << path;
  return info.st_mode & 0777;
}

// ---------------------------------------------------------------------------
// Encrypt and decrypt

TEST(FieldCipherTest, RoundTrips) {
  const FieldCipher cipher = CipherA();
  const std::string binary("nul\0inside\xff", 11);
  for (const std::string& plaintext :
       {std::string("Jordan Smith"), std::string(), binary, std::string(100000, 'x')}) {
    absl::StatusOr<std::string> opened = cipher.Decrypt(MustEncrypt(cipher, plaintext), kAad);
    ASSERT_TRUE(opened.ok()) << opened.status();
    EXPECT_EQ(*opened, plaintext);
  }
}

TEST(FieldCipherTest, EmptyAssociatedDataRoundTrips) {
  const FieldCipher cipher = CipherA();
  absl::StatusOr<std::string> opened = cipher.Decrypt(MustEncrypt(cipher, "x", ""), "");
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(*opened, "x");
}

TEST(FieldCipherTest, EnvelopeHasTheDocumentedLayout) {
  const FieldCipher cipher = CipherA();
  const std::string sealed = MustEncrypt(cipher, "Jordan");
  ASSERT_EQ(sealed.size(), 1 + 1 + 2 + 12 + 6 + 16u);
  EXPECT_EQ(sealed[0], '\x01');
  EXPECT_EQ(sealed[1], '\x02');
  EXPECT_EQ(sealed.substr(2, 2), "kA");
}

TEST(FieldCipherTest, CiphertextDoesNotContainThePlaintext) {
  const FieldCipher cipher = CipherA();
  const std::string plaintext = "14 Acacia Avenue, Derby DE1 2AB";
  const std::string sealed = MustEncrypt(cipher, plaintext);
  EXPECT_THAT(sealed, Not(HasSubstr(plaintext)));
  EXPECT_THAT(sealed, Not(HasSubstr("Acacia")));
  EXPECT_THAT(sealed, Not(HasSubstr("Derby")));
}

TEST(FieldCipherTest, SameValueEncryptsDifferentlyEachTime) {
  const FieldCipher cipher = CipherA();
  const std::string first = MustEncrypt(cipher, "2015-03-02");
  const std::string second = MustEncrypt(cipher, "2015-03-02");
  EXPECT_NE(first, second);
  EXPECT_NE(first.substr(4, 12), second.substr(4, 12)) << "nonces must differ";
}

TEST(FieldCipherTest, AlteringAnyByteIsRefused) {
  const FieldCipher cipher = CipherA();
  const std::string sealed = MustEncrypt(cipher, "disclosed to school nurse");
  const size_t header_size = 2 + 2;
  for (size_t i = 0; i < sealed.size(); ++i) {
    for (unsigned char flip : {0x01, 0x80}) {
      std::string altered = sealed;
      altered[i] = static_cast<char>(altered[i] ^ flip);
      absl::StatusOr<std::string> opened = cipher.Decrypt(altered, kAad);
      ASSERT_FALSE(opened.ok()) << "byte " << i;
      if (i < header_size) {
        // An altered key id may name a key this ring lacks; that is
        // indistinguishable from a key removed too early.
        EXPECT_THAT(opened.status().code(), AnyOf(absl::StatusCode::kDataLoss,
                                                  absl::StatusCode::kInternal))
            << "byte " << i << ": " << opened.status();
      } else {
        EXPECT_EQ(opened.status().code(), absl::StatusCode::kDataLoss)
            << "byte " << i << ": " << opened.status();
      }
    }
  }
}

TEST(FieldCipherTest, TruncatedExtendedOrEmptyEnvelopesAreDataLoss) {
  const FieldCipher cipher = CipherA();
  const std::string sealed = MustEncrypt(cipher, "Jordan");
  for (const std::string& bad : {std::string(), sealed.substr(0, 1), sealed.substr(0, 4),
                                 sealed.substr(0, sealed.size() - 1), sealed + "x",
                                 std::string("\x01\x00", 2) + std::string(40, 'a')}) {
    EXPECT_EQ(cipher.Decrypt(bad, kAad).status().code(), absl::StatusCode::kDataLoss)
        << bad.size();
  }
}

TEST(FieldCipherTest, UnknownVersionIsDataLoss) {
  const FieldCipher cipher = CipherA();
  std::string sealed = MustEncrypt(cipher, "Jordan");
  sealed[0] = '\x02';
  const absl::Status status = cipher.Decrypt(sealed, kAad).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(status.message(), HasSubstr("unknown envelope version 2"));
}

TEST(FieldCipherTest, WrongAssociatedDataIsDataLoss) {
  const FieldCipher cipher = CipherA();
  const std::string name_of_child_1 =
      MustEncrypt(cipher, "Jordan", FieldCipher::RowBinding("child", "1", "name"));
  // Moved to another child's row, or to another column of the same row.
  for (const std::string& aad : {FieldCipher::RowBinding("child", "2", "name"),
                                 FieldCipher::RowBinding("child", "1", "address"),
                                 std::string()}) {
    EXPECT_EQ(cipher.Decrypt(name_of_child_1, aad).status().code(),
              absl::StatusCode::kDataLoss);
  }
}

TEST(FieldCipherTest, RowBindingIsUnambiguous) {
  EXPECT_NE(FieldCipher::RowBinding("child", "12", "3name"),
            FieldCipher::RowBinding("child", "123", "name"));
  EXPECT_EQ(FieldCipher::RowBinding("child", "1", "name"), "5:child;1:1;4:name;");
}

TEST(FieldCipherTest, KeyIdInTheHeaderIsAuthenticated) {
  // Relabel a value sealed under kA as if sealed under kB, a key the ring
  // also holds: decryption must fail, never hand back kB's garbage.
  const FieldCipher cipher =
      CipherWith({absl::StrCat("kA ", kKeyA), absl::StrCat("kB ", kKeyB)}, "kA");
  std::string sealed = MustEncrypt(cipher, "Jordan");
  sealed[3] = 'B';
  EXPECT_EQ(FieldCipher::KeyIdOf(sealed), "kB");
  EXPECT_EQ(cipher.Decrypt(sealed, kAad).status().code(), absl::StatusCode::kDataLoss);
}

TEST(FieldCipherTest, RelabelingIsDetectedEvenWhenTwoIdsShareKeyBytes) {
  // Only the authenticated header tells these apart: the same key pasted
  // under two ids would otherwise let a value claim either id.
  const FieldCipher cipher =
      CipherWith({absl::StrCat("kA ", kKeyA), absl::StrCat("kC ", kKeyA)}, "kA");
  std::string sealed = MustEncrypt(cipher, "Jordan");
  sealed[3] = 'C';
  EXPECT_EQ(cipher.Decrypt(sealed, kAad).status().code(), absl::StatusCode::kDataLoss);
}

// ---------------------------------------------------------------------------
// Rotation

TEST(FieldCipherRotationTest, OldValuesDecryptAfterANewKeyBecomesActive) {
  const FieldCipher before = CipherA();
  const std::string old_value = MustEncrypt(before, "Jordan");
  EXPECT_EQ(FieldCipher::KeyIdOf(old_value), "kA");

  const FieldCipher after =
      CipherWith({absl::StrCat("kA ", kKeyA), absl::StrCat("kB ", kKeyB)}, "kB");
  EXPECT_EQ(after.ActiveKeyId(), "kB");
  absl::StatusOr<std::string> opened = after.Decrypt(old_value, kAad);
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(*opened, "Jordan");

  const std::string new_value = MustEncrypt(after, "Jordan");
  EXPECT_EQ(FieldCipher::KeyIdOf(new_value), "kB");
  // A hub still on the old ring cannot read it, and says which key it lacks.
  const absl::Status status = before.Decrypt(new_value, kAad).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(status.message(), HasSubstr("kB"));
}

TEST(FieldCipherRotationTest, KeyIdOfMalformedIsEmpty) {
  EXPECT_EQ(FieldCipher::KeyIdOf(""), "");
  EXPECT_EQ(FieldCipher::KeyIdOf("plain text"), "");
  EXPECT_EQ(FieldCipher::KeyIdOf(std::string("\x01\x02kA", 4)), "") << "truncated";
  std::string sealed = MustEncrypt(CipherA(), "x");
  sealed[2] = ' ';
  EXPECT_EQ(FieldCipher::KeyIdOf(sealed), "") << "space in key id";
}

TEST(FieldCipherRotationTest, UnknownKeyIdIsInternalNamingIt) {
  const FieldCipher other = CipherWith({absl::StrCat("k2019-retired ", kKeyB)}, "k2019-retired");
  const std::string sealed = MustEncrypt(other, "Jordan");
  const absl::Status status = CipherA().Decrypt(sealed, kAad).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(status.message(), HasSubstr("k2019-retired"));
}

// ---------------------------------------------------------------------------
// Messages and threads

TEST(FieldCipherMessageTest, RoundTrips) {
  const FieldCipher cipher = CipherA();
  google::protobuf::Timestamp born;
  born.set_seconds(1425254400);
  absl::StatusOr<std::string> sealed = cipher.EncryptMessage(born, kAad);
  ASSERT_TRUE(sealed.ok()) << sealed.status();
  google::protobuf::Timestamp opened;
  ASSERT_TRUE(cipher.DecryptMessage(*sealed, kAad, &opened).ok());
  EXPECT_EQ(opened.seconds(), 1425254400);
}

TEST(FieldCipherMessageTest, WrongAssociatedDataLeavesTheMessageAlone) {
  const FieldCipher cipher = CipherA();
  google::protobuf::StringValue name;
  name.set_value("Jordan");
  absl::StatusOr<std::string> sealed = cipher.EncryptMessage(name, kAad);
  ASSERT_TRUE(sealed.ok());
  google::protobuf::StringValue out;
  out.set_value("unchanged");
  EXPECT_EQ(cipher.DecryptMessage(*sealed, "other row", &out).code(),
            absl::StatusCode::kDataLoss);
  EXPECT_EQ(out.value(), "unchanged");
}

TEST(FieldCipherMessageTest, PlaintextThatIsNotTheMessageIsDataLoss) {
  const FieldCipher cipher = CipherA();
  const std::string sealed = MustEncrypt(cipher, "\xff\xff\xff");
  google::protobuf::StringValue out;
  const absl::Status status = cipher.DecryptMessage(sealed, kAad, &out);
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(status.message(), HasSubstr("google.protobuf.StringValue"));
}

TEST(FieldCipherThreadTest, OneCipherServesManyThreads) {
  const FieldCipher cipher =
      CipherWith({absl::StrCat("kA ", kKeyA), absl::StrCat("kB ", kKeyB)}, "kB");
  const std::string old_value = MustEncrypt(CipherA(), "old");
  std::vector<std::thread> threads;
  std::vector<int> failures(8, 0);
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 500; ++i) {
        const std::string plaintext = absl::StrCat("thread ", t, " value ", i);
        absl::StatusOr<std::string> sealed = cipher.Encrypt(plaintext, kAad);
        absl::StatusOr<std::string> opened =
            sealed.ok() ? cipher.Decrypt(*sealed, kAad) : sealed.status();
        absl::StatusOr<std::string> old = cipher.Decrypt(old_value, kAad);
        if (!opened.ok() || *opened != plaintext || !old.ok() || *old != "old") ++failures[t];
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_THAT(failures, ::testing::Each(0));
}

// ---------------------------------------------------------------------------
// Key files

TEST(KeyRingTest, LoadsKeysAndTheActiveOne) {
  TempDir dir;
  const std::string path = dir.path() + "/keys.txt";
  WriteFile(path,
            absl::StrCat("# comment\n\n  key kA ", kKeyA, "  # trailing comment\r\n",
                         "key k2026.b_1 ", kKeyB, "\nactive k2026.b_1\n"),
            0600);
  absl::StatusOr<KeyRing> ring = KeyRing::Load(path);
  ASSERT_TRUE(ring.ok()) << ring.status();
  EXPECT_THAT(ring->key_ids(), ElementsAre("k2026.b_1", "kA"));
  EXPECT_EQ(ring->active_key_id(), "k2026.b_1");
  EXPECT_TRUE(ring->Contains("kA"));
  EXPECT_FALSE(ring->Contains("kB"));
  EXPECT_FALSE(ring->file_readable_by_others());
}

TEST(KeyRingTest, ReportsAFileOthersCanRead) {
  TempDir dir;
  const std::string path = dir.path() + "/keys.txt";
  WriteFile(path, KeyFileText({absl::StrCat("kA ", kKeyA)}, "kA"), 0644);
  absl::StatusOr<KeyRing> ring = KeyRing::Load(path);
  ASSERT_TRUE(ring.ok()) << ring.status();
  EXPECT_TRUE(ring->file_readable_by_others());
}

TEST(KeyRingTest, MissingFileIsNotFoundNamingIt) {
  const absl::Status status = KeyRing::Load("/nonexistent/field-keys.txt").status();
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(status.message(), HasSubstr("/nonexistent/field-keys.txt"));
}

TEST(KeyRingTest, KeyIds) {
  EXPECT_TRUE(KeyRing::IsValidKeyId("k2026a"));
  EXPECT_TRUE(KeyRing::IsValidKeyId(std::string(32, 'k')));
  EXPECT_FALSE(KeyRing::IsValidKeyId(std::string(33, 'k')));
  EXPECT_FALSE(KeyRing::IsValidKeyId(""));
  EXPECT_FALSE(KeyRing::IsValidKeyId("k 1"));
  EXPECT_FALSE(KeyRing::IsValidKeyId("k'1"));
}

struct BadKeyFileCase {
  const char* name;
  std::string text;
  const char* message;  // after "keys.txt"
};

class BadKeyFileTest : public ::testing::TestWithParam<BadKeyFileCase> {};

TEST_P(BadKeyFileTest, IsRefusedNamingTheLine) {
  TempDir dir;
  const std::string path = dir.path() + "/keys.txt";
  WriteFile(path, GetParam().text, 0600);
  const absl::Status status = KeyRing::Load(path).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr(absl::StrCat("keys.txt", GetParam().message)));
  // Whatever is wrong, the key material stays out of the message (and so
  // out of the logs).
  EXPECT_THAT(status.message(), Not(HasSubstr("00010203")));
}

const std::string kGoodA = absl::StrCat("key kA ", kKeyA, "\n");

INSTANTIATE_TEST_SUITE_P(
    KeyFiles, BadKeyFileTest,
    ::testing::Values(
        BadKeyFileCase{"BadHex",
                       absl::StrCat("key kA ", std::string(kKeyA).replace(10, 1, "g"),
                                    "\nactive kA\n"),
                       ":1: key kA: key is not hexadecimal"},
        BadKeyFileCase{"ShortKey",
                       absl::StrCat("# one comment\nkey kA ", std::string(kKeyA, 62),
                                    "\nactive kA\n"),
                       ":2: key kA: key is 62 hex digits; AES-256 needs exactly 64"},
        BadKeyFileCase{"LongKey", absl::StrCat("key kA ", kKeyA, "00\nactive kA\n"),
                       ":1: key kA: key is 66 hex digits"},
        BadKeyFileCase{"DuplicateId",
                       absl::StrCat(kGoodA, "\nkey kA ", kKeyB, "\nactive kA\n"),
                       ":3: key id kA is defined twice (first on line 1)"},
        BadKeyFileCase{"MissingActive", kGoodA, ": no `active <key_id>` line"},
        BadKeyFileCase{"UnknownActive", absl::StrCat(kGoodA, "active kB\n"),
                       ":2: active key kB is not defined in the file"},
        BadKeyFileCase{"ActiveTwice", absl::StrCat(kGoodA, "active kA\nactive kA\n"),
                       ":3: active is given twice (first on line 2)"},
        BadKeyFileCase{"NoKeys", "# nothing\nactive kA\n", ": no `key <key_id> <hex>` line"},
        BadKeyFileCase{"Empty", "", ": no `key <key_id> <hex>` line"},
        BadKeyFileCase{"BareLine", absl::StrCat(kGoodA, kKeyB, "\nactive kA\n"),
                       ":2: expected `key <key_id> <64 hex digits>` or `active <key_id>`"},
        BadKeyFileCase{"SwappedIdAndKey", absl::StrCat("key ", kKeyA, " kA\nactive kA\n"),
                       ":1: key id must be 1 to 32 characters"},
        BadKeyFileCase{"BadActiveId", absl::StrCat(kGoodA, "active k'A\n"),
                       ":2: active: not a valid key id"}),
    [](const ::testing::TestParamInfo<BadKeyFileCase>& info) { return info.param.name; });

// ---------------------------------------------------------------------------
// scripts/make-dev-keys.sh

int RunScript(const std::string& arguments) {
  const std::string command =
      absl::StrCat("'", CRE_MAKE_DEV_KEYS_SCRIPT, "' ", arguments, " >/dev/null 2>&1");
  return std::system(command.c_str());
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

TEST(MakeDevKeysScriptTest, MakesKeepsRotatesAndReplaces) {
  TempDir dir;
  const std::string keys_dir = dir.path() + "/keys";
  const std::string path = keys_dir + "/field-keys.txt";
  const std::string out = absl::StrCat("--out '", path, "'");

  ASSERT_EQ(RunScript(out), 0);
  EXPECT_EQ(ModeOf(path), 0600u);
  EXPECT_EQ(ModeOf(keys_dir), 0700u);
  absl::StatusOr<KeyRing> first = KeyRing::Load(path);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_EQ(first->key_ids().size(), 1u);
  EXPECT_EQ(first->active_key_id(), first->key_ids()[0]);
  const std::string first_text = ReadAll(path);

  ASSERT_EQ(RunScript(out), 0) << "a second run is harmless";
  EXPECT_EQ(ReadAll(path), first_text);

  const std::string old_value = MustEncrypt(FieldCipher(*first), "Jordan");
  ASSERT_EQ(RunScript(absl::StrCat(out, " --rotate")), 0);
  EXPECT_EQ(ModeOf(path), 0600u);
  absl::StatusOr<KeyRing> rotated = KeyRing::Load(path);
  ASSERT_TRUE(rotated.ok()) << rotated.status();
  EXPECT_EQ(rotated->key_ids().size(), 2u);
  EXPECT_TRUE(rotated->Contains(first->active_key_id()));
  EXPECT_NE(rotated->active_key_id(), first->active_key_id());
  const FieldCipher after(*rotated);
  EXPECT_EQ(after.Decrypt(old_value, kAad).value_or(""), "Jordan");
  EXPECT_EQ(FieldCipher::KeyIdOf(MustEncrypt(after, "x")), rotated->active_key_id());

  ASSERT_EQ(RunScript(absl::StrCat(out, " --force")), 0);
  absl::StatusOr<KeyRing> replaced = KeyRing::Load(path);
  ASSERT_TRUE(replaced.ok()) << replaced.status();
  EXPECT_EQ(replaced->key_ids().size(), 1u);
  EXPECT_FALSE(replaced->Contains(first->active_key_id()));
}

TEST(MakeDevKeysScriptTest, RotateWithoutAFileFails) {
  TempDir dir;
  EXPECT_NE(RunScript(absl::StrCat("--rotate --out '", dir.path(), "/none.txt'")), 0);
}

}  // namespace
}  // namespace cre::crypto
