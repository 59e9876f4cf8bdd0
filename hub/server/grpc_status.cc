#include "server/grpc_status.h"

#include <string>

#include "common/quote.h"
#include "spdlog/spdlog.h"

namespace cre {

grpc::Status ToGrpcStatus(const absl::Status& status) { return ToGrpcStatus(status, TraceContext()); }

grpc::Status ToGrpcStatus(const absl::Status& status, const TraceContext& trace) {
  if (status.ok()) return grpc::Status::OK;
  // absl and gRPC share the canonical code numbering.
  const auto code = static_cast<grpc::StatusCode>(status.code());
  if (status.code() == absl::StatusCode::kInternal) {
    // Bounded and on one line: the message may carry what a driver or a
    // library quoted of a request.
    if (trace.empty()) {
      spdlog::error("internal error: {}", Quote(status.message(), 1024));
    } else {
      spdlog::error("internal error: {} (trace {})", Quote(status.message(), 1024), trace.Traceparent());
    }
    return grpc::Status(code, "internal error in the hub; the hub's log has the detail");
  }
  return grpc::Status(code, std::string(status.message()));
}

}  // namespace cre
