#include "crypto/field_cipher.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>

#include <algorithm>
#include <limits>
#include <memory>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/files.h"
#include "common/status_macros.h"

namespace cre::crypto {
namespace {

// ---------------------------------------------------------------------------
// Key file

constexpr size_t kKeyHexDigits = 2 * KeyBytes::kSize;

// Wipes a string that held key material before its memory is freed.
void Cleanse(std::string& secret) {
  if (!secret.empty()) OPENSSL_cleanse(secret.data(), secret.size());
}

// The key of a `key` line, or an error that says what is wrong without
// quoting the digits: a log must never receive key material.
absl::StatusOr<KeyBytes> ParseKeyHex(absl::string_view hex) {
  for (char c : hex) {
    if (!absl::ascii_isxdigit(c)) return absl::InvalidArgumentError("key is not hexadecimal");
  }
  if (hex.size() != kKeyHexDigits) {
    return absl::InvalidArgumentError(
        absl::StrCat("key is ", hex.size(), " hex digits; AES-256 needs exactly ", kKeyHexDigits,
                     " (", KeyBytes::kSize, " bytes)"));
  }
  std::string bytes = absl::HexStringToBytes(hex);
  KeyBytes key;
  std::copy(bytes.begin(), bytes.end(), key.data());
  Cleanse(bytes);
  return key;
}

// One line of the key file, split into words, comment removed.
std::vector<absl::string_view> Words(absl::string_view line) {
  line = line.substr(0, line.find('#'));
  return absl::StrSplit(line, absl::ByAnyChar(" \t\r\v\f"), absl::SkipEmpty());
}

// What the parser has seen so far; errors name lines, so it keeps them.
struct KeyFileState {
  std::map<std::string, int, std::less<>> key_lines;
  std::string active;
  int active_line = 0;
};

absl::Status AddKeyLine(const std::vector<absl::string_view>& words, int line,
                        KeyFileState& state, std::map<std::string, KeyBytes, std::less<>>& keys) {
  const absl::string_view id = words[1];
  // An invalid id is not echoed: a line written `key <hex> <id>` by mistake
  // would otherwise put the key in the error message.
  if (!KeyRing::IsValidKeyId(id)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "key id must be 1 to ", KeyRing::kMaxKeyIdLength, " characters of [A-Za-z0-9._-]"));
  }
  if (auto seen = state.key_lines.find(id); seen != state.key_lines.end()) {
    return absl::InvalidArgumentError(
        absl::StrCat("key id ", id, " is defined twice (first on line ", seen->second, ")"));
  }
  absl::StatusOr<KeyBytes> key = ParseKeyHex(words[2]);
  if (!key.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("key ", id, ": ", key.status().message()));
  }
  state.key_lines.emplace(std::string(id), line);
  keys.emplace(std::string(id), *key);
  return absl::OkStatus();
}

absl::Status AddActiveLine(const std::vector<absl::string_view>& words, int line,
                           KeyFileState& state) {
  if (state.active_line != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("active is given twice (first on line ", state.active_line, ")"));
  }
  if (!KeyRing::IsValidKeyId(words[1])) {
    return absl::InvalidArgumentError("active: not a valid key id");
  }
  state.active = std::string(words[1]);
  state.active_line = line;
  return absl::OkStatus();
}

// Dispatches one line on its first word and word count.
absl::Status ParseLine(absl::string_view text, int line, KeyFileState& state,
                       std::map<std::string, KeyBytes, std::less<>>& keys) {
  const std::vector<absl::string_view> words = Words(text);
  if (words.empty()) return absl::OkStatus();
  if (words[0] == "key" && words.size() == 3) return AddKeyLine(words, line, state, keys);
  if (words[0] == "active" && words.size() == 2) return AddActiveLine(words, line, state);
  return absl::InvalidArgumentError(
      "expected `key <key_id> <64 hex digits>` or `active <key_id>`");
}

// ---------------------------------------------------------------------------
// Envelope

using CipherContext = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

CipherContext NewContext() { return CipherContext(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free); }

// OpenSSL keeps errors in a per-thread queue that TLS code on the same
// thread later reads (SSL_get_error): drain it into the status so a failed
// call here cannot be blamed on an unrelated connection.
absl::Status OpenSslError(absl::string_view what) {
  std::string detail;
  while (unsigned long code = ERR_get_error()) {
    char text[256];
    ERR_error_string_n(code, text, sizeof(text));
    absl::StrAppend(&detail, detail.empty() ? "" : "; ", text);
  }
  return absl::InternalError(absl::StrCat(what, " failed", detail.empty() ? "" : ": ", detail));
}

// The parts of an envelope, pointing into it.
struct EnvelopeParts {
  absl::string_view header;  // version, key id length, key id
  absl::string_view key_id;
  absl::string_view nonce;
  absl::string_view ciphertext;
  absl::string_view tag;
};

absl::StatusOr<EnvelopeParts> SplitEnvelope(absl::string_view envelope) {
  if (envelope.empty()) return absl::DataLossError("encrypted value is empty");
  const auto version = static_cast<unsigned char>(envelope[0]);
  if (version != FieldCipher::kVersion) {
    return absl::DataLossError(
        absl::StrCat("encrypted value has unknown envelope version ", version));
  }
  const size_t id_length = envelope.size() > 1 ? static_cast<unsigned char>(envelope[1]) : 0;
  const size_t header_size = 2 + id_length;
  if (envelope.size() < header_size + FieldCipher::kNonceSize + FieldCipher::kTagSize) {
    return absl::DataLossError("encrypted value is truncated");
  }
  EnvelopeParts parts;
  parts.header = envelope.substr(0, header_size);
  parts.key_id = envelope.substr(2, id_length);
  if (!KeyRing::IsValidKeyId(parts.key_id)) {
    return absl::DataLossError("encrypted value has a malformed key id");
  }
  parts.nonce = envelope.substr(header_size, FieldCipher::kNonceSize);
  const size_t body = header_size + FieldCipher::kNonceSize;
  parts.ciphertext = envelope.substr(body, envelope.size() - body - FieldCipher::kTagSize);
  parts.tag = envelope.substr(envelope.size() - FieldCipher::kTagSize);
  return parts;
}

const unsigned char* Bytes(absl::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

// EVP lengths are ints.
absl::Status CheckSize(absl::string_view data, absl::string_view what) {
  if (data.size() > static_cast<size_t>(std::numeric_limits<int>::max())) {
    return absl::InvalidArgumentError(absl::StrCat(what, " is too large to encrypt"));
  }
  return absl::OkStatus();
}

// Feeds associated data to GCM (encrypting or decrypting alike). The
// envelope header goes first, so the version and key id are authenticated;
// it is length-prefixed, so it cannot run into the caller's bytes.
absl::Status AddAssociatedData(EVP_CIPHER_CTX* ctx, absl::string_view header,
                               absl::string_view associated_data, bool encrypt) {
  for (absl::string_view part : {header, associated_data}) {
    if (part.empty()) continue;
    int unused = 0;
    const int ok = encrypt ? EVP_EncryptUpdate(ctx, nullptr, &unused, Bytes(part), part.size())
                           : EVP_DecryptUpdate(ctx, nullptr, &unused, Bytes(part), part.size());
    if (ok != 1) return OpenSslError("GCM associated data");
  }
  return absl::OkStatus();
}

// Sets cipher, nonce length, key and nonce, in the order EVP requires.
absl::Status InitGcm(EVP_CIPHER_CTX* ctx, const KeyBytes& key, absl::string_view nonce,
                     bool encrypt) {
  auto init = encrypt ? &EVP_EncryptInit_ex : &EVP_DecryptInit_ex;
  if (init(ctx, EVP_aes_256_gcm(), nullptr, nullptr, nullptr) != 1) {
    return OpenSslError("AES-256-GCM init");
  }
  if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, FieldCipher::kNonceSize, nullptr) != 1) {
    return OpenSslError("GCM nonce length");
  }
  if (init(ctx, nullptr, nullptr, key.data(), Bytes(nonce)) != 1) {
    return OpenSslError("GCM key and nonce");
  }
  return absl::OkStatus();
}

std::string Header(absl::string_view key_id) {
  std::string header;
  header.push_back(static_cast<char>(FieldCipher::kVersion));
  header.push_back(static_cast<char>(key_id.size()));
  header.append(key_id.data(), key_id.size());
  return header;
}

}  // namespace

KeyBytes::~KeyBytes() { OPENSSL_cleanse(bytes_.data(), bytes_.size()); }

// ---------------------------------------------------------------------------
// KeyRing

bool KeyRing::IsValidKeyId(absl::string_view key_id) {
  if (key_id.empty() || key_id.size() > kMaxKeyIdLength) return false;
  for (char c : key_id) {
    if (!absl::ascii_isalnum(c) && c != '.' && c != '_' && c != '-') return false;
  }
  return true;
}

absl::StatusOr<KeyRing> KeyRing::Load(const std::string& path) {
  absl::StatusOr<std::string> text = ReadFile(path);
  if (!text.ok()) return text.status();
  absl::StatusOr<KeyRing> ring = Parse(*text, path);
  Cleanse(*text);
  if (ring.ok()) ring->file_readable_by_others_ = IsReadableByOthers(path);
  return ring;
}

absl::StatusOr<KeyRing> KeyRing::Parse(absl::string_view text, absl::string_view source) {
  KeyRing ring;
  KeyFileState state;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    absl::Status status = ParseLine(line, line_number, state, ring.keys_);
    if (!status.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(source, ":", line_number, ": ", status.message()));
    }
  }
  if (ring.keys_.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": no `key <key_id> <hex>` line"));
  }
  if (state.active_line == 0) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": no `active <key_id>` line"));
  }
  if (!ring.Contains(state.active)) {
    return absl::InvalidArgumentError(absl::StrCat(source, ":", state.active_line, ": active key ",
                                                   state.active, " is not defined in the file"));
  }
  ring.active_key_id_ = std::move(state.active);
  return ring;
}

bool KeyRing::Contains(absl::string_view key_id) const { return Find(key_id) != nullptr; }

std::vector<std::string> KeyRing::key_ids() const {
  std::vector<std::string> ids;
  for (const auto& [id, key] : keys_) ids.push_back(id);
  return ids;
}

const KeyBytes* KeyRing::Find(absl::string_view key_id) const {
  auto it = keys_.find(key_id);
  return it == keys_.end() ? nullptr : &it->second;
}

absl::StatusOr<KeyBytes> KeyRing::DeriveKey(absl::string_view key_id, absl::string_view purpose) const {
  const KeyBytes* key = Find(key_id);
  if (key == nullptr) return absl::NotFoundError(absl::StrCat("no key ", key_id, " in the key ring"));
  if (purpose.empty()) return absl::InvalidArgumentError("a derived key needs a purpose");
  CRE_RETURN_IF_ERROR(CheckSize(purpose, "purpose"));
  // A fixed salt (RFC 5869 allows one): it only separates this hub's
  // derivations from any other use of the same key material.
  static constexpr absl::string_view kSalt = "cre-hub derived key v1";
  using PkeyContext = std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)>;
  PkeyContext ctx(EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, nullptr), &EVP_PKEY_CTX_free);
  KeyBytes derived;
  size_t length = KeyBytes::kSize;
  if (ctx == nullptr || EVP_PKEY_derive_init(ctx.get()) <= 0 ||
      EVP_PKEY_CTX_set_hkdf_md(ctx.get(), EVP_sha256()) <= 0 ||
      EVP_PKEY_CTX_set1_hkdf_salt(ctx.get(), Bytes(kSalt), kSalt.size()) <= 0 ||
      EVP_PKEY_CTX_set1_hkdf_key(ctx.get(), key->data(), KeyBytes::kSize) <= 0 ||
      EVP_PKEY_CTX_add1_hkdf_info(ctx.get(), Bytes(purpose), purpose.size()) <= 0 ||
      EVP_PKEY_derive(ctx.get(), derived.data(), &length) <= 0 || length != KeyBytes::kSize) {
    return OpenSslError("HKDF");
  }
  return derived;
}

// ---------------------------------------------------------------------------
// FieldCipher

absl::StatusOr<std::string> FieldCipher::Encrypt(absl::string_view plaintext,
                                                 absl::string_view associated_data) const {
  CRE_RETURN_IF_ERROR(CheckSize(plaintext, "plaintext"));
  CRE_RETURN_IF_ERROR(CheckSize(associated_data, "associated data"));
  const KeyBytes* key = ring_.Find(ring_.active_key_id());
  std::string envelope = Header(ring_.active_key_id());
  const size_t header_size = envelope.size();
  const size_t body = header_size + kNonceSize;
  envelope.resize(body + plaintext.size() + kTagSize);
  auto* out = reinterpret_cast<unsigned char*>(envelope.data());
  // A fresh random nonce per value: GCM is broken if a nonce repeats under
  // one key, and values are written by many hubs with no shared counter.
  if (RAND_bytes(out + header_size, kNonceSize) != 1) return OpenSslError("RAND_bytes");

  CipherContext ctx = NewContext();
  if (ctx == nullptr) return OpenSslError("EVP_CIPHER_CTX_new");
  const absl::string_view nonce(envelope.data() + header_size, kNonceSize);
  CRE_RETURN_IF_ERROR(InitGcm(ctx.get(), *key, nonce, /*encrypt=*/true));
  CRE_RETURN_IF_ERROR(AddAssociatedData(ctx.get(), envelope.substr(0, header_size),
                                        associated_data, /*encrypt=*/true));
  int written = 0;
  if (!plaintext.empty() &&
      EVP_EncryptUpdate(ctx.get(), out + body, &written, Bytes(plaintext), plaintext.size()) != 1) {
    return OpenSslError("EVP_EncryptUpdate");
  }
  int final_bytes = 0;  // GCM is a stream mode: nothing is held back
  if (EVP_EncryptFinal_ex(ctx.get(), out + body + written, &final_bytes) != 1) {
    return OpenSslError("EVP_EncryptFinal_ex");
  }
  unsigned char* tag = out + envelope.size() - kTagSize;
  if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagSize, tag) != 1) {
    return OpenSslError("GCM get tag");
  }
  return envelope;
}

absl::StatusOr<std::string> FieldCipher::Decrypt(absl::string_view envelope,
                                                 absl::string_view associated_data) const {
  CRE_ASSIGN_OR_RETURN(const EnvelopeParts parts, SplitEnvelope(envelope));
  const KeyBytes* key = ring_.Find(parts.key_id);
  if (key == nullptr) {
    // The hub cannot read its own data: INTERNAL, never a refusal of the
    // caller's request, whose adapter keeps it and tries again.
    return absl::InternalError(
        absl::StrCat("encryption key ", parts.key_id,
                     " is not in the key ring (removed before its values were re-encrypted, "
                     "or the value is damaged)"));
  }
  CRE_RETURN_IF_ERROR(CheckSize(associated_data, "associated data"));
  CipherContext ctx = NewContext();
  if (ctx == nullptr) return OpenSslError("EVP_CIPHER_CTX_new");
  CRE_RETURN_IF_ERROR(InitGcm(ctx.get(), *key, parts.nonce, /*encrypt=*/false));
  CRE_RETURN_IF_ERROR(
      AddAssociatedData(ctx.get(), parts.header, associated_data, /*encrypt=*/false));

  std::string plaintext(parts.ciphertext.size(), '\0');
  auto* out = reinterpret_cast<unsigned char*>(plaintext.data());
  int written = 0;
  if (!parts.ciphertext.empty() &&
      EVP_DecryptUpdate(ctx.get(), out, &written, Bytes(parts.ciphertext),
                        parts.ciphertext.size()) != 1) {
    return OpenSslError("EVP_DecryptUpdate");
  }
  unsigned char tag[kTagSize];
  std::copy(parts.tag.begin(), parts.tag.end(), tag);
  if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagSize, tag) != 1) {
    return OpenSslError("GCM set tag");
  }
  int final_bytes = 0;
  if (EVP_DecryptFinal_ex(ctx.get(), out + written, &final_bytes) != 1) {
    // The bytes decrypted so far are unauthenticated: wipe, never return.
    Cleanse(plaintext);
    ERR_clear_error();
    return absl::DataLossError(
        "encrypted value failed authentication: altered, or read with the wrong associated data");
  }
  return plaintext;
}

absl::StatusOr<std::string> FieldCipher::EncryptMessage(const google::protobuf::Message& message,
                                                        absl::string_view associated_data) const {
  std::string serialized;
  if (!message.SerializeToString(&serialized)) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot serialize ", message.GetTypeName(), " to encrypt it"));
  }
  return Encrypt(serialized, associated_data);
}

absl::Status FieldCipher::DecryptMessage(absl::string_view envelope,
                                         absl::string_view associated_data,
                                         google::protobuf::Message* out) const {
  CRE_ASSIGN_OR_RETURN(const std::string serialized, Decrypt(envelope, associated_data));
  out->Clear();
  if (!out->ParseFromString(serialized)) {
    out->Clear();  // no half-parsed message for the caller to mistake for data
    return absl::DataLossError(
        absl::StrCat("decrypted value is not a serialized ", out->GetTypeName()));
  }
  return absl::OkStatus();
}

std::string FieldCipher::KeyIdOf(absl::string_view envelope) {
  absl::StatusOr<EnvelopeParts> parts = SplitEnvelope(envelope);
  return parts.ok() ? std::string(parts->key_id) : std::string();
}

std::string FieldCipher::RowBinding(absl::string_view table, absl::string_view row_id,
                                    absl::string_view column) {
  std::string binding;
  for (absl::string_view part : {table, row_id, column}) {
    absl::StrAppend(&binding, part.size(), ":", part, ";");
  }
  return binding;
}

}  // namespace cre::crypto
