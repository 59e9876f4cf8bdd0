#include "staff/totp.h"

#include <liboath/oath.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <cstdlib>
#include <limits>
#include <optional>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace cre::staff {
namespace {

constexpr char kWrongCode[] = "the code is wrong or has expired";

// liboath asks for oath_init before any other call; a function-local static
// is initialised exactly once, even when the first calls race.
bool OathReady() {
  static const bool ready = oath_init() == OATH_OK;
  return ready;
}

// The step `at` falls in, or nullopt before 1970.
std::optional<int64_t> StepAt(absl::Time at) {
  const int64_t seconds = absl::ToUnixSeconds(at);  // rounds down, as RFC 6238's T does
  if (seconds < 0) return std::nullopt;
  return seconds / kTotpStepSeconds;
}

// TOTP is HOTP with the step number as its counter (RFC 6238 section 4.2).
std::optional<std::string> CodeAtStep(absl::string_view secret, int64_t step) {
  if (!OathReady() || step < 0) return std::nullopt;
  char code[kTotpDigits + 1] = {};
  const int rc = oath_hotp_generate(secret.data(), secret.size(), static_cast<uint64_t>(step),
                                    kTotpDigits, /*add_checksum=*/false,
                                    OATH_HOTP_DYNAMIC_TRUNCATION, code);
  if (rc != OATH_OK) return std::nullopt;
  return std::string(code, kTotpDigits);
}

bool IsSixDigits(absl::string_view code) {
  if (code.size() != static_cast<size_t>(kTotpDigits)) return false;
  for (char c : code) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// RFC 3986: everything but the unreserved characters as %XX.
std::string PercentEncode(absl::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : text) {
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out += c;
    } else {
      const auto byte = static_cast<unsigned char>(c);
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 0x0f];
    }
  }
  return out;
}

}  // namespace

std::string NewTotpSecret() {
  std::string secret(kTotpSecretBytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(secret.data()), static_cast<int>(secret.size())) != 1) {
    std::abort();  // no entropy: nothing is safe
  }
  return secret;
}

std::string Base32Secret(absl::string_view secret) {
  if (!OathReady()) return "";
  char* encoded = nullptr;
  size_t length = 0;
  if (oath_base32_encode(secret.data(), secret.size(), &encoded, &length) != OATH_OK) return "";
  std::string out(encoded, length);
  std::free(encoded);
  // RFC 4648 pads to a multiple of 8 characters; authenticator apps want none.
  out.erase(out.find_last_not_of('=') + 1);
  return out;
}

std::string OtpauthUri(absl::string_view issuer, absl::string_view account,
                       absl::string_view secret) {
  // The issuer is in the label and in its own parameter: older apps read the
  // one, newer the other (Google Authenticator's Key Uri Format).
  const std::string encoded_issuer = PercentEncode(issuer);
  return absl::StrCat("otpauth://totp/", encoded_issuer, ":", PercentEncode(account),
                      "?secret=", Base32Secret(secret), "&issuer=", encoded_issuer,
                      "&algorithm=SHA1&digits=", kTotpDigits, "&period=", kTotpStepSeconds);
}

absl::StatusOr<int64_t> VerifyTotp(absl::string_view secret, absl::string_view code,
                                   absl::Time now, int64_t last_used_step) {
  if (!IsSixDigits(code)) {
    return absl::InvalidArgumentError(absl::StrCat("code: must be exactly ", kTotpDigits, " digits"));
  }
  if (secret.size() < kMinTotpSecretBytes) {
    return absl::FailedPreconditionError(
        absl::StrCat("TOTP secret: shorter than ", kMinTotpSecretBytes,
                     " bytes; the authenticator must be enrolled again"));
  }
  const std::optional<int64_t> current = StepAt(now);
  if (!current) return absl::InvalidArgumentError("now: before 1970, where TOTP has no steps");

  // Every step of the window is computed and compared, whichever matches, so
  // that the time taken says nothing about which step (if any) it was. The
  // earliest match wins: it spends the fewest steps.
  std::optional<int64_t> matched;
  for (int64_t offset = -kTotpWindowSteps; offset <= kTotpWindowSteps; ++offset) {
    const int64_t step = *current + offset;
    if (step < 0) continue;
    const std::optional<std::string> expected = CodeAtStep(secret, step);
    if (!expected) return absl::InternalError("TOTP: liboath could not compute a code");
    const bool same = CRYPTO_memcmp(expected->data(), code.data(), code.size()) == 0;
    if (same && step > last_used_step && !matched) matched = step;
  }
  if (!matched) return absl::UnauthenticatedError(kWrongCode);
  return *matched;
}

std::string TotpCode(absl::string_view secret, absl::Time at) {
  const std::optional<int64_t> step = StepAt(at);
  if (!step) return "";
  return CodeAtStep(secret, *step).value_or("");
}

}  // namespace cre::staff
