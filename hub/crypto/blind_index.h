// A blind index: a keyed hash of a value the store must find rows by
// without keeping the value in clear (a child's NHS number). HMAC-SHA256
// under a key derived from the field key ring for one purpose
// (KeyRing::DeriveKey), so every hub with the same key file computes the
// same index, and no new secret is kept. Keyed, not a plain hash: NHS
// numbers are a billion at most and one in eleven fails its check digit, so
// anyone with the database could hash every one of them; without the key
// file the index tells them nothing but which rows share a value.
//
//   CRE_ASSIGN_OR_RETURN(BlindIndex index, BlindIndex::Create(ring, "cre child nhs number index v1"));
//   CRE_ASSIGN_OR_RETURN(BlindIndex::Entry stored, index.Active(digits));   // what a new row keeps
//   CRE_ASSIGN_OR_RETURN(std::vector<BlindIndex::Entry> any, index.All(digits));  // what a lookup matches
//
// After the active key changes, rows indexed under an older key are still
// found through All while that key is in the ring; the store re-indexes
// them under the active key as it meets them (docs/encryption.md).
//
// Immutable and safe to share between threads.
#ifndef CRE_HUB_CRYPTO_BLIND_INDEX_H_
#define CRE_HUB_CRYPTO_BLIND_INDEX_H_

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "crypto/field_cipher.h"

namespace cre::crypto {

class BlindIndex {
 public:
  static constexpr size_t kSize = 32;

  // One value's index under one key.
  struct Entry {
    std::string key_id;
    std::string digest;  // kSize bytes
  };

  // Keys for `purpose` derived from every key of `ring`. Errors as
  // KeyRing::DeriveKey.
  static absl::StatusOr<BlindIndex> Create(const KeyRing& ring, absl::string_view purpose);

  // `value`'s index under the active key. INTERNAL if OpenSSL fails.
  absl::StatusOr<Entry> Active(absl::string_view value) const;
  // `value`'s index under every key of the ring, the active key's first.
  absl::StatusOr<std::vector<Entry>> All(absl::string_view value) const;

  const std::string& active_key_id() const { return active_key_id_; }

 private:
  BlindIndex() = default;

  absl::StatusOr<Entry> Under(const std::string& key_id, absl::string_view value) const;

  std::string purpose_;
  std::string active_key_id_;
  std::map<std::string, KeyBytes, std::less<>> keys_;
};

}  // namespace cre::crypto

#endif  // CRE_HUB_CRYPTO_BLIND_INDEX_H_
