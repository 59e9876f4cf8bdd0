#include "server/directory_service.h"

#include "server/call_trace.h"

namespace cre {
namespace {

// Calls `serve`, an API method that answers before it returns, and converts
// its answer.
template <typename Request, typename Response>
grpc::Status ServeSync(grpc::ServerContext* context, const Edge& edge,
                       void (DirectoryApi::*serve)(const CallContext&, const Request&, Response*, Done) const,
                       const Request& request, Response* response) {
  absl::StatusOr<CallContext> call = CallContextOf(*context, *edge.registry);
  if (!call.ok()) return ToGrpcStatus(call.status());
  call->trace = CallTraceOf(*context);
  absl::Status answer = absl::InternalError("the directory did not answer");
  ((*edge.api.directory).*serve)(*call, request, response, [&answer](const absl::Status& status) { answer = status; });
  return ToGrpcStatus(answer, call->trace);
}

}  // namespace

grpc::Status DirectoryService::WhoAmI(grpc::ServerContext* context, const v1::WhoAmIRequest* request,
                                      v1::WhoAmIResponse* response) {
  return ServeSync(context, edge_, &DirectoryApi::WhoAmI, *request, response);
}

grpc::Status DirectoryService::ListAgencies(grpc::ServerContext* context, const v1::ListAgenciesRequest* request,
                                            v1::ListAgenciesResponse* response) {
  return ServeSync(context, edge_, &DirectoryApi::ListAgencies, *request, response);
}

}  // namespace cre
