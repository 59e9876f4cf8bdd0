#include "server/call_trace.h"

#include <vector>

#include "absl/strings/string_view.h"

namespace cre {
namespace {

absl::string_view View(const grpc::string_ref& ref) { return absl::string_view(ref.data(), ref.size()); }

// Every value the client sent under the traceparent key, in order.
std::vector<absl::string_view> TraceparentsIn(const std::multimap<grpc::string_ref, grpc::string_ref>& metadata) {
  std::vector<absl::string_view> values;
  auto [begin, end] = metadata.equal_range(kTraceparentKey);
  for (auto it = begin; it != end; ++it) values.push_back(View(it->second));
  return values;
}

}  // namespace

TraceContext AdoptCallTrace(std::multimap<grpc::string_ref, grpc::string_ref>* metadata, std::string* keep) {
  const TraceContext trace = TraceForCall(TraceparentsIn(*metadata));
  *keep = trace.Traceparent();
  metadata->erase(kHubTraceKey);
  metadata->emplace(grpc::string_ref(kHubTraceKey), grpc::string_ref(*keep));
  return trace;
}

TraceContext CallTraceOf(const grpc::ServerContextBase& context) {
  const std::multimap<grpc::string_ref, grpc::string_ref>& metadata = context.client_metadata();
  auto [begin, end] = metadata.equal_range(kHubTraceKey);
  // Exactly one, the interceptor's: anything else is not the hub's.
  if (begin != end && std::next(begin) == end) {
    if (absl::optional<TraceContext> hub = HubSpanFrom(View(begin->second))) return *hub;
  }
  return TraceForCall(TraceparentsIn(metadata));
}

}  // namespace cre
