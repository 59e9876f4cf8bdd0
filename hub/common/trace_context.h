// W3C Trace Context (https://www.w3.org/TR/trace-context/): the
// `traceparent` a caller may send with a call, and the hub's own span in
// that trace.
//
// The hub does not export spans to a tracing system. It carries the trace
// so that one submission can be followed through the hub's log (every line
// about the call names it), into the messages it produced (each carries
// RoutedMessage.traceparent to its recipients) and into the recipients' own
// systems. docs/operations.md says how an operator follows one.
//
// A caller's traceparent that is not valid is treated as absent, as the
// specification asks: the hub then begins a trace of its own. Either way
// the hub's handling is a span of its own (a child of the caller's span),
// and what the hub passes on names that span as the parent.
//
//   TraceContext trace = TraceFromHeader(header);  // header: absl::optional<string_view>
//   spdlog::info("... trace {}", trace.Traceparent());
//   message.set_traceparent(trace.Traceparent());
//
// Pure: no gRPC. Ids come from OpenSSL's CSPRNG, as the hub's other ids do.
#ifndef CRE_HUB_COMMON_TRACE_CONTEXT_H_
#define CRE_HUB_COMMON_TRACE_CONTEXT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/types/optional.h"

namespace cre {

// The metadata key (and HTTP header) of the W3C trace context.
inline constexpr char kTraceparentKey[] = "traceparent";

// A `traceparent` as a caller sent it, parsed and valid.
struct TraceParent {
  std::string trace_id;   // 32 lower-case hex digits, not all zero
  std::string parent_id;  // 16 lower-case hex digits, not all zero: the caller's span
  uint8_t flags = 0;      // trace-flags; bit 0: sampled
};

// `header` as a traceparent, or nullopt if it is not a valid one:
//   - version 00: exactly "00-" 32 hex "-" 16 hex "-" 2 hex, lower-case;
//   - a later version (01 to fe): at least those 55 characters, the 56th if
//     any a '-' (what a later version adds follows it, and is ignored), and
//     only the sampled flag kept, as the specification says a parser of
//     version 00 reads a later one;
//   - version ff, upper-case hex, an all-zero trace-id or parent-id: invalid.
// Spaces and tabs around the value are ignored (HTTP's optional whitespace).
absl::optional<TraceParent> ParseTraceparent(absl::string_view header);

// The hub's span in a trace: the caller's trace continued, or a new one.
struct TraceContext {
  std::string trace_id;   // 32 lower-case hex
  std::string span_id;    // 16 lower-case hex: the hub's own span
  std::string parent_id;  // the caller's span; "" when the hub began the trace
  uint8_t flags = 0;

  bool empty() const { return trace_id.empty(); }
  // "00-<trace_id>-<span_id>-<flags>": what the hub passes on, naming its own
  // span as the parent of what follows. "" when empty().
  std::string Traceparent() const;
};

// A new trace begun by the hub: random trace-id and span id, sampled (the
// hub logs every call).
TraceContext NewTrace();

// A span of the hub's own, a child of `parent`: the same trace-id and
// flags, a new random span id.
TraceContext ChildOf(const TraceParent& parent);

// The hub's span for a call whose metadata held `values` under
// kTraceparentKey (every value, in order): the caller's trace continued if
// there was exactly one and it is valid, a new trace otherwise (two values
// are invalid, as two traceparent headers are).
TraceContext TraceForCall(const std::vector<absl::string_view>& values);

// The hub's own span as Traceparent() wrote it, read back (a value the hub
// made, handed on inside the process): nullopt if `traceparent` is not a
// valid version 00 traceparent. parent_id is left empty.
absl::optional<TraceContext> HubSpanFrom(absl::string_view traceparent);

// A new random span id (16 lower-case hex, not all zero).
std::string NewSpanId();

}  // namespace cre

#endif  // CRE_HUB_COMMON_TRACE_CONTEXT_H_
