// Field encryption at rest: a child's personal data (name, date of birth,
// address, narratives) is stored as an AES-256-GCM envelope that names the
// key it was sealed with, so keys rotate without downtime. The keys come from
// a file outside the database (docs/encryption.md has both formats).
//
//   CRE_ASSIGN_OR_RETURN(KeyRing ring, KeyRing::Load("var/keys/field-keys.txt"));
//   if (ring.file_readable_by_others()) { /* log: chmod 600 the key file */ }
//   const FieldCipher cipher(std::move(ring));
//   const std::string aad = FieldCipher::RowBinding("child", child_id, "name");
//   CRE_ASSIGN_OR_RETURN(std::string sealed, cipher.Encrypt(name, aad));
//   ...
//   CRE_ASSIGN_OR_RETURN(std::string name, cipher.Decrypt(sealed, aad));
//
// Associated data (AAD) is authenticated but not stored: the caller passes
// the same bytes to Encrypt and Decrypt. The store passes the row's identity
// and the column's name, so a ciphertext copied into another child's row, or
// into another column of the same row, fails to decrypt instead of showing
// one child's data as another's. Use RowBinding to build it.
//
// A FieldCipher is immutable and safe to share between threads: every call
// makes its own OpenSSL context. To pick up a rotated key file, load a new
// KeyRing, build a new FieldCipher and swap it in (e.g. a shared_ptr).
#ifndef CRE_HUB_CRYPTO_FIELD_CIPHER_H_
#define CRE_HUB_CRYPTO_FIELD_CIPHER_H_

#include <array>
#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"

namespace cre::crypto {

// AES-256 key material. Wiped from memory when destroyed, so copies of a
// key do not linger in freed heap after a KeyRing is dropped.
class KeyBytes {
 public:
  static constexpr size_t kSize = 32;

  KeyBytes() = default;
  KeyBytes(const KeyBytes&) = default;
  KeyBytes& operator=(const KeyBytes&) = default;
  ~KeyBytes();

  unsigned char* data() { return bytes_.data(); }
  const unsigned char* data() const { return bytes_.data(); }

 private:
  std::array<unsigned char, kSize> bytes_{};
};

// The keys a hub may decrypt with, by id, and the one it encrypts with.
//
// Key file, one entry a line, `#` starts a comment:
//   key k2026a 0f1e...(64 hex digits, 32 bytes)
//   key k2026b 9a8b...
//   active k2026b
class KeyRing {
 public:
  static constexpr size_t kMaxKeyIdLength = 32;

  // Reads and checks a key file. NOT_FOUND if it cannot be opened;
  // INVALID_ARGUMENT as "<path>:<line>: <problem>" for a malformed line, a
  // key that is not exactly 32 bytes of hex, a key id given twice, or an
  // active id that names no key; "<path>: ..." when no key or no active line
  // is given. Messages never quote key material.
  static absl::StatusOr<KeyRing> Load(const std::string& path);

  // As Load, from text already read; `source` names it in errors.
  static absl::StatusOr<KeyRing> Parse(absl::string_view text, absl::string_view source);

  // A key id is 1 to 32 of [A-Za-z0-9._-]: printable, no spaces, safe in
  // logs and in SQL.
  static bool IsValidKeyId(absl::string_view key_id);

  // The id new values are encrypted under.
  const std::string& active_key_id() const { return active_key_id_; }
  // True if the ring holds a key with this id.
  bool Contains(absl::string_view key_id) const;
  // Every key id, sorted.
  std::vector<std::string> key_ids() const;

  // True if Load found the file readable by group or others. The ring is
  // still usable; the caller should log a warning (chmod 600 fixes it).
  bool file_readable_by_others() const { return file_readable_by_others_; }

  // A key for one other `purpose` (e.g. signing page tokens), derived from
  // the key `key_id` with HKDF-SHA256: the same on every hub with this key
  // file, so it is no new secret to manage, and independent of the field key
  // and of every other purpose's key (knowing one reveals nothing of the
  // others). NOT_FOUND naming the id if the ring has no such key;
  // INVALID_ARGUMENT for an empty purpose; INTERNAL if OpenSSL fails.
  absl::StatusOr<KeyBytes> DeriveKey(absl::string_view key_id, absl::string_view purpose) const;

 private:
  friend class FieldCipher;
  KeyRing() = default;

  // The key with this id, or nullptr.
  const KeyBytes* Find(absl::string_view key_id) const;

  std::map<std::string, KeyBytes, std::less<>> keys_;
  std::string active_key_id_;
  bool file_readable_by_others_ = false;
};

// Seals and opens field values with the keys of a KeyRing.
//
// Envelope (all of it is stored; version and key id are authenticated too):
//   byte 0            version, 0x01
//   byte 1            key id length N, 1..32
//   bytes 2..2+N      key id, ASCII
//   next 12 bytes     nonce, random for every value
//   next L bytes      ciphertext, L = plaintext length
//   last 16 bytes     GCM tag
class FieldCipher {
 public:
  static constexpr unsigned char kVersion = 0x01;
  static constexpr size_t kNonceSize = 12;
  static constexpr size_t kTagSize = 16;

  explicit FieldCipher(KeyRing ring) : ring_(std::move(ring)) {}

  // The envelope of `plaintext` under the active key, bound to
  // `associated_data`. INVALID_ARGUMENT if an input exceeds 2 GiB; INTERNAL
  // if OpenSSL fails (no randomness, for one).
  absl::StatusOr<std::string> Encrypt(absl::string_view plaintext,
                                      absl::string_view associated_data) const;

  // The plaintext of an envelope made by Encrypt with the same associated
  // data, under whichever key of the ring it names. DATA_LOSS if the
  // envelope is malformed, of an unknown version, altered, or bound to other
  // associated data; INTERNAL naming the key id if the ring lacks that key
  // (removed too early, not loaded yet, or a damaged id). Never returns
  // unauthenticated bytes.
  absl::StatusOr<std::string> Decrypt(absl::string_view envelope,
                                      absl::string_view associated_data) const;

  // Encrypt of the message's serialized form. INVALID_ARGUMENT if it cannot
  // be serialized (missing proto2 required fields).
  absl::StatusOr<std::string> EncryptMessage(const google::protobuf::Message& message,
                                             absl::string_view associated_data) const;

  // Decrypt, then parse into `out` (cleared first). Errors as Decrypt, and
  // DATA_LOSS if the plaintext is not a serialized `out` type.
  absl::Status DecryptMessage(absl::string_view envelope, absl::string_view associated_data,
                              google::protobuf::Message* out) const;

  // The id of the key new values are sealed with.
  std::string ActiveKeyId() const { return ring_.active_key_id(); }

  // The ring, for keys derived from it for other purposes (a blind index,
  // say: KeyRing::DeriveKey).
  const KeyRing& key_ring() const { return ring_; }

  // The key id an envelope names, or "" if it is not a well-formed envelope.
  // Lets a re-encryption job find values still under old keys, e.g.
  // `if (FieldCipher::KeyIdOf(v) != cipher.ActiveKeyId()) re-encrypt(v)`.
  static std::string KeyIdOf(absl::string_view envelope);

  // Associated data naming one column of one row, unambiguously: each part
  // is length-prefixed, so ("ab","c") and ("a","bc") differ.
  //   RowBinding("child", child_id, "date_of_birth")
  static std::string RowBinding(absl::string_view table, absl::string_view row_id,
                                absl::string_view column);

 private:
  KeyRing ring_;
};

}  // namespace cre::crypto

#endif  // CRE_HUB_CRYPTO_FIELD_CIPHER_H_
