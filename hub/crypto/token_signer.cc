#include "crypto/token_signer.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace cre::crypto {
namespace {

// "<length>:<bytes>;": no two sequences of parts give the same text.
void AppendPart(std::string& out, absl::string_view part) { absl::StrAppend(&out, part.size(), ":", part, ";"); }

std::string Header(absl::string_view key_id) {
  std::string header;
  header.push_back(static_cast<char>(TokenSigner::kVersion));
  header.push_back(static_cast<char>(key_id.size()));
  header.append(key_id.data(), key_id.size());
  return header;
}

// The base64url length of `bytes` bytes, without padding.
size_t EncodedLength(size_t bytes) { return (bytes * 4 + 2) / 3; }

}  // namespace

absl::StatusOr<TokenSigner> TokenSigner::Create(const KeyRing& ring, absl::string_view purpose) {
  TokenSigner signer;
  signer.purpose_ = std::string(purpose);
  signer.active_key_id_ = ring.active_key_id();
  for (const std::string& id : ring.key_ids()) {
    absl::StatusOr<KeyBytes> key = ring.DeriveKey(id, purpose);
    if (!key.ok()) return key.status();
    signer.keys_.emplace(id, *key);
  }
  return signer;
}

std::string TokenSigner::Mac(const KeyBytes& key, absl::string_view header_and_payload,
                             absl::Span<const absl::string_view> bound_to) const {
  std::string input;
  AppendPart(input, purpose_);
  AppendPart(input, header_and_payload);
  for (absl::string_view value : bound_to) AppendPart(input, value);
  std::string mac(kMacSize, '\0');
  unsigned int length = 0;
  if (HMAC(EVP_sha256(), key.data(), KeyBytes::kSize, reinterpret_cast<const unsigned char*>(input.data()),
           input.size(), reinterpret_cast<unsigned char*>(mac.data()), &length) == nullptr ||
      length != kMacSize) {
    ERR_clear_error();
    return "";
  }
  return mac;
}

absl::StatusOr<std::string> TokenSigner::Sign(absl::Span<const absl::string_view> bound_to,
                                              absl::string_view payload) const {
  std::string token = Header(active_key_id_);
  if (EncodedLength(token.size() + payload.size() + kMacSize) > kMaxTokenLength) {
    return absl::InvalidArgumentError(absl::StrCat("a token's payload may be at most ",
                                                   kMaxTokenLength * 3 / 4 - token.size() - kMacSize, " bytes"));
  }
  token.append(payload.data(), payload.size());
  const std::string mac = Mac(keys_.at(active_key_id_), token, bound_to);
  if (mac.empty()) return absl::InternalError("HMAC-SHA256 failed");
  token += mac;
  return absl::WebSafeBase64Escape(token);
}

absl::optional<std::string> TokenSigner::Verify(absl::Span<const absl::string_view> bound_to,
                                                absl::string_view token) const {
  if (token.size() > kMaxTokenLength) return absl::nullopt;
  std::string bytes;
  if (!absl::WebSafeBase64Unescape(token, &bytes)) return absl::nullopt;
  if (bytes.size() < 2 || static_cast<unsigned char>(bytes[0]) != kVersion) return absl::nullopt;
  const size_t id_length = static_cast<unsigned char>(bytes[1]);
  if (bytes.size() < 2 + id_length + kMacSize) return absl::nullopt;
  const absl::string_view key_id = absl::string_view(bytes).substr(2, id_length);
  const auto key = keys_.find(key_id);
  if (key == keys_.end()) return absl::nullopt;
  const absl::string_view signed_part = absl::string_view(bytes).substr(0, bytes.size() - kMacSize);
  const std::string expected = Mac(key->second, signed_part, bound_to);
  // Constant time: a timing difference would let a client find a MAC byte
  // by byte.
  if (expected.empty() || CRYPTO_memcmp(expected.data(), bytes.data() + signed_part.size(), kMacSize) != 0) {
    return absl::nullopt;
  }
  return std::string(signed_part.substr(2 + id_length));
}

}  // namespace cre::crypto
