#include "crypto/blind_index.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace cre::crypto {

absl::StatusOr<BlindIndex> BlindIndex::Create(const KeyRing& ring, absl::string_view purpose) {
  BlindIndex index;
  index.purpose_ = std::string(purpose);
  index.active_key_id_ = ring.active_key_id();
  for (const std::string& id : ring.key_ids()) {
    absl::StatusOr<KeyBytes> key = ring.DeriveKey(id, purpose);
    if (!key.ok()) return key.status();
    index.keys_.emplace(id, *key);
  }
  return index;
}

absl::StatusOr<BlindIndex::Entry> BlindIndex::Under(const std::string& key_id, absl::string_view value) const {
  const KeyBytes& key = keys_.at(key_id);
  Entry entry{key_id, std::string(kSize, '\0')};
  unsigned int length = 0;
  // The key is this purpose's alone, so the value is all the HMAC needs.
  if (HMAC(EVP_sha256(), key.data(), KeyBytes::kSize, reinterpret_cast<const unsigned char*>(value.data()),
           value.size(), reinterpret_cast<unsigned char*>(entry.digest.data()), &length) == nullptr ||
      length != kSize) {
    ERR_clear_error();
    return absl::InternalError("HMAC-SHA256 failed");
  }
  return entry;
}

absl::StatusOr<BlindIndex::Entry> BlindIndex::Active(absl::string_view value) const {
  return Under(active_key_id_, value);
}

absl::StatusOr<std::vector<BlindIndex::Entry>> BlindIndex::All(absl::string_view value) const {
  std::vector<Entry> entries;
  absl::StatusOr<Entry> active = Active(value);
  if (!active.ok()) return active.status();
  entries.push_back(*std::move(active));
  for (const auto& [id, key] : keys_) {
    if (id == active_key_id_) continue;
    absl::StatusOr<Entry> entry = Under(id, value);
    if (!entry.ok()) return entry.status();
    entries.push_back(*std::move(entry));
  }
  return entries;
}

}  // namespace cre::crypto
