// Identifiers the hub mints: UUIDs that lead with the time they were made,
// the rest random from OpenSSL's CSPRNG so that none can be guessed.
//
// The time comes first for the database: a message's id is the key of its
// row, and of its deliveries' index by message. With random keys each new row
// lands on a random page of years of rows, which on a national scale is a
// page read from disk for every row written; with the time first, new rows
// go to the end of the index, whose pages are in memory
// (docs/benchmarks.md, "Row ids that lead with the time"). What an id tells
// is when its row was made: a message's id its accepted_at, a case's its
// opened_at, which the row tells whoever may read it anyway.
#ifndef CRE_HUB_COMMON_IDS_H_
#define CRE_HUB_COMMON_IDS_H_

#include <string>

#include "absl/strings/string_view.h"

namespace cre {

// A version 7 UUID (RFC 9562): the Unix time in milliseconds in the first
// 48 bits, then 74 random bits; "tttttttt-tttt-7xxx-yxxx-xxxxxxxxxxxx",
// lower-case hex. Ids made in later milliseconds sort after earlier ones;
// within one millisecond they are in random order.
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
