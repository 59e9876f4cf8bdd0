// Who is calling the service API, as the transport established it.
//
// The transport takes the caller at its edge, once: gRPC from the client
// certificate (server/agency_auth.h), the console from a signed-in
// session. The API trusts what it is given here and decides everything else
// itself: rate limits, the role check, the request's checks, case access,
// and the record of what it refused (service/call_gate.h).
//
//   CallContext call{*caller, context->peer(), "", CallTraceOf(*context)};
//   api.referrals->GetCase(call, request, response, [reactor](const absl::Status& status) {
//     reactor->Finish(ToGrpcStatus(status));
//   });
#ifndef CRE_HUB_SERVICE_CALL_CONTEXT_H_
#define CRE_HUB_SERVICE_CALL_CONTEXT_H_

#include <functional>
#include <string>

#include "absl/status/status.h"
#include "common/trace_context.h"
#include "cre/v1/agency.pb.h"

namespace cre {

struct CallContext {
  // The calling agency, from the registry.
  v1::Agency caller;
  // Where the call came from, for refusals of a caller: "ipv4:127.0.0.1:5123".
  std::string peer;
  // A member of staff acting for the agency through the console (their
  // username), or "" for the agency's own system. The record names them.
  std::string staff_id;
  // The hub's span of this call in its W3C trace (common/trace_context.h):
  // the caller's traceparent continued, or a trace the edge began. Every log
  // line about the call names it, and every message the call submits
  // carries it (RoutedMessage.traceparent). Empty only where no transport
  // set one (then messages carry none).
  TraceContext trace{};
};

// How the API answers a call: once, with OK (the response is filled in) or
// the refusal or failure. It may be called on the caller's thread or on one
// of the API's own, after the commit.
using Done = std::function<void(const absl::Status&)>;

}  // namespace cre

#endif  // CRE_HUB_SERVICE_CALL_CONTEXT_H_
