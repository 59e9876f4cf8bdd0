// Identifiers the hub mints: random (version 4) UUIDs, from OpenSSL's CSPRNG
// so that an id reveals nothing and cannot be guessed.
#ifndef CRE_HUB_COMMON_IDS_H_
#define CRE_HUB_COMMON_IDS_H_

#include <string>

#include "absl/strings/string_view.h"

namespace cre {

// "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx", lower-case hex.
std::string NewUuid();

// True if `id` has the form NewUuid() produces (any version).
bool IsUuid(const std::string& id);

// True if every character of `text` is printable ASCII other than a space,
// as every key and id the hub stores must be (their columns are ascii_bin).
bool IsAsciiToken(absl::string_view text);

// Lower-case hex SHA-256 of `data`.
std::string Sha256Hex(const std::string& data);

}  // namespace cre

#endif  // CRE_HUB_COMMON_IDS_H_
