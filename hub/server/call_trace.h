// The W3C trace context of a gRPC call (common/trace_context.h), taken once
// at the edge and handed from the call-log interceptor to the handler.
//
// The interceptor (server/call_log.h) sees the client's metadata before any
// handler runs (POST_RECV_INITIAL_METADATA): it reads `traceparent`,
// continues the caller's trace in a span of the hub's own or begins a new
// one, and writes that span into the call's received metadata under
// kHubTraceKey (first erasing any a client sent under that name, so that
// only the hub's own value is ever read back). The handler reads it there
// (CallTraceOf), so that the call's log line and everything the handler
// logs or submits name the same span. gRPC 1.51 hands the interceptor the
// very multimap that ServerContext::client_metadata() returns, filled once;
// the inserted value points into a string the interceptor keeps, and the
// interceptor lives as long as the call.
//
//   // in an interceptor, at POST_RECV_INITIAL_METADATA:
//   trace_ = AdoptCallTrace(methods->GetRecvInitialMetadata(), &kept_);
//   // in a handler:
//   call->trace = CallTraceOf(*context);
#ifndef CRE_HUB_SERVER_CALL_TRACE_H_
#define CRE_HUB_SERVER_CALL_TRACE_H_

#include <map>
#include <string>

#include "common/trace_context.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/string_ref.h"

namespace cre {

// The received-metadata key the hub's own span is handed on under. Not a
// client's to set: AdoptCallTrace erases any a client sent.
inline constexpr char kHubTraceKey[] = "cre-hub-traceparent";

// Reads the caller's traceparent from `metadata`, makes the hub's span, and
// puts its Traceparent() into `metadata` under kHubTraceKey, pointing into
// `*keep` (which must outlive the call). Returns the span.
TraceContext AdoptCallTrace(std::multimap<grpc::string_ref, grpc::string_ref>* metadata, std::string* keep);

// The hub's span of the call, as AdoptCallTrace left it; without it (a
// server with no interceptor), the caller's traceparent continued in a new
// span, or a new trace.
TraceContext CallTraceOf(const grpc::ServerContextBase& context);

}  // namespace cre

#endif  // CRE_HUB_SERVER_CALL_TRACE_H_
