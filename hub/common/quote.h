// Text a client chose (a certificate's URI, a method path, metadata), as it
// may appear in a status message or a log line.
//
// A client decides how long such text is and what bytes it holds. Echoed
// whole, a 20,000-character URI overflowed gRPC's metadata limit (the client
// saw RESOURCE_EXHAUSTED, which clients retry, instead of the refusal) and
// wrote 40 KB log lines; a newline would split a log line, and bytes that are
// not UTF-8 make the JSON call log drop the line. So every echo of such text
// goes through Quote.
//
//   Quote("urn:cre:agency:derby-pru")  -> urn:cre:agency:derby-pru
//   Quote("a\nb")                      -> a\x0ab
//   Quote(std::string(20000, 'x'))     -> xxx...xxx...(20000 bytes)   (64 x)
#ifndef CRE_HUB_COMMON_QUOTE_H_
#define CRE_HUB_COMMON_QUOTE_H_

#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"

namespace cre {

// How many bytes of a client's text a status message or log line shows.
inline constexpr size_t kQuotedBytes = 64;

// The first `max_bytes` bytes of `text`, each byte that is not printable
// ASCII (below 0x20, 0x7f and above) written as \xHH, then, if `text` was
// longer, "...(N bytes)" with its whole length. The result is printable
// ASCII of at most 4 * max_bytes + 31 characters. Text that is printable
// ASCII and no longer than `max_bytes` comes back unchanged, so quoting a
// quoted text again with a limit as large changes nothing. (A backslash is
// kept as it is: the result is for people reading, not for parsing back.)
std::string Quote(absl::string_view text, size_t max_bytes = kQuotedBytes);

}  // namespace cre

#endif  // CRE_HUB_COMMON_QUOTE_H_
