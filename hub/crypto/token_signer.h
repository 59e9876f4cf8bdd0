// Tokens the hub hands to a client and must recognise when they come back
// (page tokens): a payload of the hub's choosing, bound to what it was issued
// for (the caller, the query), with an HMAC-SHA256 under a key derived from
// the field key ring for one purpose (KeyRing::DeriveKey). Every hub with the
// same key file makes and accepts the same tokens, so a client may page
// through several hub processes; the token names the key it was made under,
// so one made before a key rotation still verifies while that key is in the
// ring.
//
//   CRE_ASSIGN_OR_RETURN(TokenSigner signer, TokenSigner::Create(ring, "list page token"));
//   CRE_ASSIGN_OR_RETURN(std::string token, signer.Sign({caller_id, "overdue"}, cursor));
//   absl::optional<std::string> cursor = signer.Verify({caller_id, "overdue"}, token);
//
// The payload is authenticated, not hidden: a client that decodes a token
// reads it. Put nothing in it the client may not see.
//
// Token (then base64url without padding):
//   byte 0            version, 0x01
//   byte 1            key id length N, 1..32
//   bytes 2..2+N      key id, ASCII
//   next L bytes      payload
//   last 32 bytes     HMAC-SHA256 over the purpose, the bytes above and each
//                     bound value, each length-prefixed
//
// Immutable and safe to share between threads.
#ifndef CRE_HUB_CRYPTO_TOKEN_SIGNER_H_
#define CRE_HUB_CRYPTO_TOKEN_SIGNER_H_

#include <cstddef>
#include <functional>
#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/optional.h"
#include "absl/types/span.h"
#include "crypto/field_cipher.h"

namespace cre::crypto {

class TokenSigner {
 public:
  static constexpr unsigned char kVersion = 0x01;
  static constexpr size_t kMacSize = 32;
  // Longer tokens are refused before they are decoded.
  static constexpr size_t kMaxTokenLength = 1024;

  // Keys for `purpose` derived from every key of `ring`; tokens are made
  // under its active key. Errors as KeyRing::DeriveKey.
  static absl::StatusOr<TokenSigner> Create(const KeyRing& ring, absl::string_view purpose);

  // A token carrying `payload`, valid only with the same `bound_to` values
  // in the same order. INVALID_ARGUMENT if the payload is too long for
  // kMaxTokenLength; INTERNAL if OpenSSL fails.
  absl::StatusOr<std::string> Sign(absl::Span<const absl::string_view> bound_to, absl::string_view payload) const;

  // The payload of a token made by Sign, for this purpose, with these
  // `bound_to` values, under a key still in the ring; nullopt for anything
  // else (not base64url, another version, an unknown key id, a wrong MAC).
  absl::optional<std::string> Verify(absl::Span<const absl::string_view> bound_to, absl::string_view token) const;

  const std::string& active_key_id() const { return active_key_id_; }

 private:
  TokenSigner() = default;

  // The MAC of `header_and_payload` under `key`; empty if OpenSSL fails.
  std::string Mac(const KeyBytes& key, absl::string_view header_and_payload,
                  absl::Span<const absl::string_view> bound_to) const;

  std::string purpose_;
  std::string active_key_id_;
  std::map<std::string, KeyBytes, std::less<>> keys_;
};

}  // namespace cre::crypto

#endif  // CRE_HUB_CRYPTO_TOKEN_SIGNER_H_
