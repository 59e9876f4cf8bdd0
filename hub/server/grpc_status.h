// The one place where an absl::Status becomes a grpc::Status.
//
// Inside the hub every error is an absl::Status; handlers return
// ToGrpcStatus(status) and nothing else builds a grpc::Status from an error.
#ifndef CRE_HUB_SERVER_GRPC_STATUS_H_
#define CRE_HUB_SERVER_GRPC_STATUS_H_

#include "absl/status/status.h"
#include "common/trace_context.h"
#include "grpcpp/support/status.h"

namespace cre {

// Same code, same message. INTERNAL messages are replaced by a generic text,
// since they may carry database details a caller has no business seeing; the
// full message is in the hub's log.
grpc::Status ToGrpcStatus(const absl::Status& status);
// The same, for a call whose trace is known: the log line of an INTERNAL
// error names the call's trace, as the call's own line does.
grpc::Status ToGrpcStatus(const absl::Status& status, const TraceContext& trace);

}  // namespace cre

#endif  // CRE_HUB_SERVER_GRPC_STATUS_H_
