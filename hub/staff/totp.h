// The second factor of a staff sign-in: time-based one-time codes (RFC 6238,
// HMAC-SHA-1, 6 digits, 30-second steps), the kind every authenticator app
// enrols from a QR code. liboath computes the codes.
//
//   // Enrolment: the secret is stored sealed (it cannot be hashed: the hub
//   // needs it to compute codes), the URI shown once as a QR code.
//   const std::string secret = NewTotpSecret();
//   const std::string uri = OtpauthUri("CRE hub", "jane.smith", secret);
//   ...
//   // Sign-in, after the password:
//   CRE_ASSIGN_OR_RETURN(int64_t step, VerifyTotp(secret, code, now, account.last_totp_step));
//   account.last_totp_step = step;  // stored before answering: the code is spent
//
// A code is accepted one step either side of `now` (RFC 6238 section 5.2's
// allowance for clock drift and typing time), and only once: the caller keeps
// the step of the last code accepted and passes it back. Every function is
// safe to call from any thread.
#ifndef CRE_HUB_STAFF_TOTP_H_
#define CRE_HUB_STAFF_TOTP_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace cre::staff {

// What every authenticator app assumes when an otpauth URI says nothing else.
inline constexpr int kTotpDigits = 6;
inline constexpr int64_t kTotpStepSeconds = 30;
// One step either side: a code typed in the last seconds of its step, or on
// a phone whose clock is a little out, still works; a wider window would give
// a guesser more codes to hit.
inline constexpr int64_t kTotpWindowSteps = 1;
// RFC 4226 section 4 (R6): a secret of at least 128 bits, 160 recommended.
inline constexpr size_t kTotpSecretBytes = 20;
inline constexpr size_t kMinTotpSecretBytes = 16;
// The last_used_step of an account that has never used a code.
inline constexpr int64_t kNoTotpStepUsed = -1;

// kTotpSecretBytes from OpenSSL's CSPRNG, raw bytes. Aborts the process if
// there is no randomness: a guessable second factor is worse than none.
std::string NewTotpSecret();

// `secret` in base32 (RFC 4648, upper case, no padding), as authenticator
// apps take it typed in or in an otpauth URI.
std::string Base32Secret(absl::string_view secret);

// "otpauth://totp/ISSUER:ACCOUNT?secret=BASE32&issuer=ISSUER&algorithm=SHA1&digits=6&period=30",
// issuer and account percent-encoded (everything but RFC 3986's unreserved
// characters), for a QR code an authenticator app enrols from.
std::string OtpauthUri(absl::string_view issuer, absl::string_view account,
                       absl::string_view secret);

// The time step that `code` is right for, within kTotpWindowSteps of `now`
// and later than `last_used_step` (kNoTotpStepUsed if none was ever used):
// the caller stores it as the account's new last_used_step. Refusals:
//   INVALID_ARGUMENT     the code is not exactly 6 ASCII digits;
//   UNAUTHENTICATED      "the code is wrong or has expired", for a wrong code
//                        and for one already used alike, so as not to say
//                        which;
//   FAILED_PRECONDITION  the secret is shorter than kMinTotpSecretBytes (the
//                        account must enrol again);
//   INVALID_ARGUMENT     `now` is before 1970 (no TOTP step);
//   INTERNAL             liboath failed.
absl::StatusOr<int64_t> VerifyTotp(absl::string_view secret, absl::string_view code,
                                   absl::Time now, int64_t last_used_step);

// The code for `secret` at `at`, as an authenticator app shows it (for tests
// and the demo). Empty if `at` is before 1970 or liboath failed.
std::string TotpCode(absl::string_view secret, absl::Time at);

}  // namespace cre::staff

#endif  // CRE_HUB_STAFF_TOTP_H_
