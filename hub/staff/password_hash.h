// Staff passwords for the web console: the rules a new password must meet,
// and its argon2id hash, the only form in which a password is ever stored.
//
//   CRE_RETURN_IF_ERROR(CheckNewPassword(password, username));
//   CRE_ASSIGN_OR_RETURN(std::string encoded, HashPassword(password));
//   // store `encoded`: "$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>"
//   ...
//   if (!VerifyPassword(encoded, attempt)) { /* refuse, as for an unknown user */ }
//   if (NeedsRehash(encoded)) { /* store HashPassword(attempt) instead */ }
//
// The encoded string carries its own parameters and salt, so raising the
// parameters below leaves old hashes verifiable; NeedsRehash says when one
// should be replaced, which is possible only at a successful sign-in, the
// one moment the password is known.
//
// Each hash and each verification takes kArgon2MemoryKiB of memory and one
// core for tens of milliseconds: the caller bounds how many run at once, and
// runs them off any thread that serves other calls. For a username that does
// not exist, the caller still verifies the attempt against some fixed
// encoding, so that the time taken does not tell who has an account.
//
// Passwords are compared as the bytes given, without Unicode normalization:
// the console sends them as typed.
#ifndef CRE_HUB_STAFF_PASSWORD_HASH_H_
#define CRE_HUB_STAFF_PASSWORD_HASH_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace cre::staff {

// argon2id with OWASP's minimum (Password Storage Cheat Sheet): 19 MiB,
// 2 passes, 1 lane. Memory is what makes each guess costly on an attacker's
// GPUs if the table of hashes is ever stolen; one lane because the hub's
// machine has two cores, shared with its database, and one sign-in should
// never take both.
inline constexpr uint32_t kArgon2MemoryKiB = 19 * 1024;
inline constexpr uint32_t kArgon2Iterations = 2;
inline constexpr uint32_t kArgon2Parallelism = 1;
// 16 random bytes make every salt unique, so no two staff share a hash and
// no precomputed table applies; 32 bytes of hash leave no useful collisions.
inline constexpr size_t kSaltBytes = 16;
inline constexpr size_t kHashBytes = 32;

// Length alone is what NCSC and NIST SP 800-63B ask of a password (no
// composition rules): 12 characters at least; at most 256 bytes, so that a
// password can be a long passphrase but never a way to make the hub hash
// megabytes.
inline constexpr size_t kMinPasswordCharacters = 12;
inline constexpr size_t kMaxPasswordBytes = 256;

// The argon2id encoding of `password` under today's parameters, with a fresh
// random salt. INVALID_ARGUMENT if the password is longer than
// kMaxPasswordBytes (VerifyPassword would never accept it); INTERNAL if there
// is no randomness or no memory.
absl::StatusOr<std::string> HashPassword(absl::string_view password);

// True if `password` is the one `encoded` was made from. False, never a
// crash, for an encoding that is not argon2id or is malformed, for one whose
// parameters would cost far more than any this hub sets (a tampered row must
// not make a sign-in allocate gigabytes), and for a password longer than
// kMaxPasswordBytes. The hash is compared in constant time.
bool VerifyPassword(absl::string_view encoded, absl::string_view password);

// True if `encoded` is weaker than what HashPassword makes today: another
// algorithm or version, less memory, fewer passes, or a shorter salt or hash
// (and for anything that does not parse). Cheap: reads the parameters only.
bool NeedsRehash(absl::string_view encoded);

// OK if `password` may be chosen by the user named `username`; otherwise
// INVALID_ARGUMENT naming the first rule it breaks, never quoting it:
// longer than kMaxPasswordBytes, not valid UTF-8, shorter than
// kMinPasswordCharacters characters (code points), the same as or containing
// the username (ignoring ASCII case), or one of the most common passwords
// (ignoring ASCII case).
absl::Status CheckNewPassword(absl::string_view password, absl::string_view username);

}  // namespace cre::staff

#endif  // CRE_HUB_STAFF_PASSWORD_HASH_H_
