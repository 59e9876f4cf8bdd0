#include "common/trace_context.h"

#include <openssl/rand.h>

#include <cstdlib>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace cre {
namespace {

// The length of a version 00 traceparent: "vv-" 32 "-" 16 "-" "ff".
constexpr size_t kV00Length = 55;

bool IsLowerHex(absl::string_view text) {
  for (char c : text) {
    if (!absl::ascii_isdigit(c) && !(c >= 'a' && c <= 'f')) return false;
  }
  return true;
}

bool AllZero(absl::string_view text) { return text.find_first_not_of('0') == absl::string_view::npos; }

uint8_t HexByte(absl::string_view two) {
  const std::string bytes = absl::HexStringToBytes(two);
  return static_cast<uint8_t>(bytes[0]);
}

// `bytes` random bytes as lower-case hex, never all zero (which the
// specification makes invalid; 2^-64 at worst, but checked).
std::string RandomHex(size_t bytes) {
  std::string raw(bytes, '\0');
  do {
    if (RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(bytes)) != 1) {
      std::abort();  // no entropy: nothing is safe
    }
  } while (AllZero(absl::BytesToHexString(raw)));
  return absl::BytesToHexString(raw);
}

}  // namespace

absl::optional<TraceParent> ParseTraceparent(absl::string_view header) {
  header = absl::StripAsciiWhitespace(header);
  if (header.size() < kV00Length) return absl::nullopt;
  const absl::string_view version = header.substr(0, 2);
  if (!IsLowerHex(version) || version == "ff") return absl::nullopt;
  if (version == "00" ? header.size() != kV00Length : header.size() > kV00Length && header[kV00Length] != '-') {
    return absl::nullopt;
  }
  if (header[2] != '-' || header[35] != '-' || header[52] != '-') return absl::nullopt;
  TraceParent parent;
  const absl::string_view trace_id = header.substr(3, 32);
  const absl::string_view parent_id = header.substr(36, 16);
  const absl::string_view flags = header.substr(53, 2);
  if (!IsLowerHex(trace_id) || !IsLowerHex(parent_id) || !IsLowerHex(flags)) return absl::nullopt;
  if (AllZero(trace_id) || AllZero(parent_id)) return absl::nullopt;
  parent.trace_id = std::string(trace_id);
  parent.parent_id = std::string(parent_id);
  parent.flags = HexByte(flags);
  // Of a later version's flags, only what version 00 defines is known.
  if (version != "00") parent.flags &= 0x01;
  return parent;
}

std::string TraceContext::Traceparent() const {
  if (empty()) return "";
  return absl::StrFormat("00-%s-%s-%02x", trace_id, span_id, flags);
}

std::string NewSpanId() { return RandomHex(8); }

TraceContext NewTrace() {
  TraceContext trace;
  trace.trace_id = RandomHex(16);
  trace.span_id = NewSpanId();
  trace.flags = 0x01;
  return trace;
}

TraceContext ChildOf(const TraceParent& parent) {
  TraceContext trace;
  trace.trace_id = parent.trace_id;
  trace.parent_id = parent.parent_id;
  trace.span_id = NewSpanId();
  trace.flags = parent.flags;
  return trace;
}

TraceContext TraceForCall(const std::vector<absl::string_view>& values) {
  if (values.size() == 1) {
    if (absl::optional<TraceParent> parent = ParseTraceparent(values[0])) return ChildOf(*parent);
  }
  return NewTrace();
}

absl::optional<TraceContext> HubSpanFrom(absl::string_view traceparent) {
  absl::optional<TraceParent> parsed = ParseTraceparent(traceparent);
  if (!parsed || !absl::StartsWith(traceparent, "00-")) return absl::nullopt;
  TraceContext trace;
  trace.trace_id = parsed->trace_id;
  trace.span_id = parsed->parent_id;
  trace.flags = parsed->flags;
  return trace;
}

}  // namespace cre
