#include "staff/password_hash.h"

#include <argon2.h>
#include <openssl/rand.h>

#include <array>
#include <cstring>
#include <optional>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace cre::staff {
namespace {

// What an encoding costs to verify is bounded before argon2 sees it. These
// are far above kArgon2* (room to raise them for years) and far below what
// would hurt the machine; a stored encoding beyond them was not made here.
constexpr uint32_t kMaxVerifyMemoryKiB = 256 * 1024;
constexpr uint32_t kMaxVerifyIterations = 16;
constexpr uint32_t kMaxVerifyParallelism = 8;
// argon2's own encoding never holds a salt or hash this long; the bound
// keeps a corrupt row from being copied and scanned at length.
constexpr size_t kMaxEncodedBytes = 512;

// The long passwords that lead public breach corpora, lower-case. Shorter
// ones need no entry: the length rule refuses them already. This is a
// floor, not the full deny list NCSC recommends, which would be a data file.
constexpr absl::string_view kCommonPasswords[] = {
    "123456789012", "1234567890123", "111111111111",  "000000000000",
    "123123123123", "qwerty123456",  "qwertyuiop123", "1q2w3e4r5t6y",
    "1qaz2wsx3edc", "qazwsxedcrfv",  "password1234",  "password123!",
    "password12345", "passwordpassword",
};

// The parameters of "$argon2id$v=19$m=M,t=T,p=P$SALT$HASH" (unpadded
// standard base64), as far as NeedsRehash and the verify bounds need them.
struct Encoding {
  uint32_t version = 0;
  uint32_t memory_kib = 0;
  uint32_t iterations = 0;
  uint32_t parallelism = 0;
  size_t salt_bytes = 0;
  size_t hash_bytes = 0;
};

// Decimal digits only (no sign, space or leading zero), within uint32_t.
std::optional<uint32_t> ParseNumber(absl::string_view text) {
  if (text.empty() || text.size() > 10 || (text.size() > 1 && text[0] == '0')) return std::nullopt;
  uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<uint64_t>(c - '0');
  }
  if (value > UINT32_MAX) return std::nullopt;
  return static_cast<uint32_t>(value);
}

// "name=N" with the expected name.
std::optional<uint32_t> ParseField(absl::string_view text, absl::string_view name) {
  if (!absl::ConsumePrefix(&text, name) || !absl::ConsumePrefix(&text, "=")) return std::nullopt;
  return ParseNumber(text);
}

// The byte count of unpadded base64 text, if it is that.
std::optional<size_t> Base64Bytes(absl::string_view text) {
  if (text.empty() || text.size() % 4 == 1) return std::nullopt;
  for (char c : text) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '+' || c == '/';
    if (!ok) return std::nullopt;
  }
  return text.size() * 3 / 4;
}

std::optional<Encoding> ParseEncoding(absl::string_view encoded) {
  if (encoded.size() > kMaxEncodedBytes) return std::nullopt;
  const std::vector<absl::string_view> parts = absl::StrSplit(encoded, '$');
  if (parts.size() != 6 || !parts[0].empty() || parts[1] != "argon2id") return std::nullopt;
  const std::vector<absl::string_view> costs = absl::StrSplit(parts[3], ',');
  if (costs.size() != 3) return std::nullopt;
  const std::optional<uint32_t> version = ParseField(parts[2], "v");
  const std::optional<uint32_t> memory = ParseField(costs[0], "m");
  const std::optional<uint32_t> iterations = ParseField(costs[1], "t");
  const std::optional<uint32_t> parallelism = ParseField(costs[2], "p");
  const std::optional<size_t> salt = Base64Bytes(parts[4]);
  const std::optional<size_t> hash = Base64Bytes(parts[5]);
  if (!version || !memory || !iterations || !parallelism || !salt || !hash) return std::nullopt;
  return Encoding{*version, *memory, *iterations, *parallelism, *salt, *hash};
}

bool WithinVerifyBounds(const Encoding& e) {
  return e.memory_kib <= kMaxVerifyMemoryKiB && e.iterations <= kMaxVerifyIterations &&
         e.parallelism <= kMaxVerifyParallelism;
}

// RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF.
bool IsValidUtf8(absl::string_view text) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const unsigned char* const end = p + text.size();
  while (p < end) {
    const unsigned char b = *p;
    if (b < 0x80) {
      ++p;
      continue;
    }
    size_t length = 0;
    unsigned char low = 0x80, high = 0xBF;  // the range of the second byte
    if (b >= 0xC2 && b <= 0xDF) {
      length = 2;
    } else if (b >= 0xE0 && b <= 0xEF) {
      length = 3;
      if (b == 0xE0) low = 0xA0;
      if (b == 0xED) high = 0x9F;
    } else if (b >= 0xF0 && b <= 0xF4) {
      length = 4;
      if (b == 0xF0) low = 0x90;
      if (b == 0xF4) high = 0x8F;
    } else {
      return false;
    }
    if (static_cast<size_t>(end - p) < length) return false;
    if (p[1] < low || p[1] > high) return false;
    for (size_t i = 2; i < length; ++i) {
      if (p[i] < 0x80 || p[i] > 0xBF) return false;
    }
    p += length;
  }
  return true;
}

// Code points in valid UTF-8: every byte that does not continue one.
size_t CountCharacters(absl::string_view utf8) {
  size_t count = 0;
  for (char c : utf8) count += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return count;
}

// Case-insensitive search that makes no copy of the password.
bool ContainsIgnoringCase(absl::string_view text, absl::string_view part) {
  if (part.size() > text.size()) return false;
  for (size_t i = 0; i + part.size() <= text.size(); ++i) {
    if (absl::EqualsIgnoreCase(text.substr(i, part.size()), part)) return true;
  }
  return false;
}

bool IsCommonPassword(absl::string_view password) {
  for (absl::string_view common : kCommonPasswords) {
    if (absl::EqualsIgnoreCase(password, common)) return true;
  }
  return false;
}

}  // namespace

absl::StatusOr<std::string> HashPassword(absl::string_view password) {
  if (password.size() > kMaxPasswordBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("password: longer than ", kMaxPasswordBytes, " bytes"));
  }
  std::array<unsigned char, kSaltBytes> salt;
  if (RAND_bytes(salt.data(), salt.size()) != 1) {
    return absl::InternalError("password hash: no randomness for the salt (RAND_bytes failed)");
  }
  std::string encoded(argon2_encodedlen(kArgon2Iterations, kArgon2MemoryKiB, kArgon2Parallelism,
                                        kSaltBytes, kHashBytes, Argon2_id),
                      '\0');
  const int rc = argon2id_hash_encoded(kArgon2Iterations, kArgon2MemoryKiB, kArgon2Parallelism,
                                       password.data(), password.size(), salt.data(), salt.size(),
                                       kHashBytes, encoded.data(), encoded.size());
  if (rc != ARGON2_OK) {
    return absl::InternalError(absl::StrCat("password hash: argon2id: ", argon2_error_message(rc)));
  }
  encoded.resize(std::strlen(encoded.c_str()));  // the length counted the terminator
  return encoded;
}

bool VerifyPassword(absl::string_view encoded, absl::string_view password) {
  if (password.size() > kMaxPasswordBytes) return false;
  const std::optional<Encoding> parsed = ParseEncoding(encoded);
  if (!parsed || !WithinVerifyBounds(*parsed)) return false;
  const std::string terminated(encoded);  // argon2 reads a C string
  return argon2id_verify(terminated.c_str(), password.data(), password.size()) == ARGON2_OK;
}

bool NeedsRehash(absl::string_view encoded) {
  const std::optional<Encoding> e = ParseEncoding(encoded);
  return !e || e->version != ARGON2_VERSION_13 || e->memory_kib < kArgon2MemoryKiB ||
         e->iterations < kArgon2Iterations || e->salt_bytes < kSaltBytes ||
         e->hash_bytes < kHashBytes;
}

absl::Status CheckNewPassword(absl::string_view password, absl::string_view username) {
  if (password.size() > kMaxPasswordBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("password: longer than ", kMaxPasswordBytes, " bytes"));
  }
  if (!IsValidUtf8(password)) return absl::InvalidArgumentError("password: not valid UTF-8");
  if (CountCharacters(password) < kMinPasswordCharacters) {
    return absl::InvalidArgumentError(
        absl::StrCat("password: shorter than ", kMinPasswordCharacters, " characters"));
  }
  if (!username.empty() && ContainsIgnoringCase(password, username)) {
    return absl::InvalidArgumentError(password.size() == username.size()
                                          ? "password: the same as the username"
                                          : "password: contains the username");
  }
  if (IsCommonPassword(password)) {
    return absl::InvalidArgumentError("password: one of the most commonly used passwords");
  }
  return absl::OkStatus();
}

}  // namespace cre::staff
