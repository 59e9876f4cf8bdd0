// Requests the hub parses itself, and the edge where every request enters.
//
// gRPC parses a typed method's request before any handler runs, and answers
// one that does not parse (a string that is not UTF-8, bytes that are not a
// protobuf message) with its own code and an empty message. The hub's
// Referrals, Inbox and Oversight services take their requests as bytes
// instead (gRPC's raw callback methods) and parse them here, so that such a
// request is refused like any other bad input: INVALID_ARGUMENT naming what
// was wrong, e.g. "report.narrative: not valid UTF-8". Parsing is the same
// zero-copy protobuf parse gRPC would have made.
//
// Unknown fields are dropped here, at every depth, before any handler sees
// the request: what the hub stores and relays is only what its protos
// declare. (Dropped rather than refused, so that a client built with a newer
// proto, with a field this hub does not know yet, is still served.)
//
// Each method of a service is one line: ServeUnary parses the request,
// takes the caller from the call (CallContextOf, server/agency_auth.h) and
// its trace (CallTraceOf, server/call_trace.h),
// calls the service API's method of the same name, and converts its status
// once (ToGrpcStatus):
//
//   grpc::ServerUnaryReactor* ReferralsService::GetCase(grpc::CallbackServerContext* context,
//                                                      const grpc::ByteBuffer* request,
//                                                      grpc::ByteBuffer* response) {
//     return ServeUnary(context, edge_, Method::kGetCase, *edge_.api.referrals, &ReferralsApi::GetCase,
//                       request, response);
//   }
#ifndef CRE_HUB_SERVER_RAW_REQUEST_H_
#define CRE_HUB_SERVER_RAW_REQUEST_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "access/authorization.h"
#include "google/protobuf/message.h"
#include "grpcpp/impl/codegen/proto_utils.h"
#include "grpcpp/support/byte_buffer.h"
#include "grpcpp/support/server_callback.h"
#include "identity/agency_registry.h"
#include "server/agency_auth.h"
#include "server/call_trace.h"
#include "server/grpc_status.h"
#include "service/call_context.h"
#include "service/service_api.h"

namespace cre {

// Parses `bytes` into `request` and drops its unknown fields; or
// INVALID_ARGUMENT saying why the bytes are not such a request
// (DescribeParseFailure).
absl::Status ParseRequest(const grpc::ByteBuffer& bytes, google::protobuf::Message* request);

// Why `bytes`, which protobuf would not parse as `type`, are not one: the
// first string field (by its path, e.g. "report.individuals[2].name") that
// is not valid UTF-8, or the innermost message whose bytes are malformed
// ("report: not a valid cre.v1.OperationLibertyReport message";
// "request: ..." for the request itself). Never quotes the bytes.
absl::Status DescribeParseFailure(const google::protobuf::Descriptor& type, absl::string_view bytes);

// A unary call of a raw method, as its handler sees it: the typed response,
// and Finish, which sends it serialized. gRPC owns it until the call is done.
// (ServerUnaryReactor's own Finish, which would send the raw response as it
// is, is out of reach: the base is private.)
template <typename Response>
class UnaryReactor : private grpc::ServerUnaryReactor {
 public:
  Response* response() { return &response_; }

  // Ends the call; when `status` is OK, with response() as its answer.
  void Finish(const grpc::Status& status) {
    if (status.ok()) {
      // What gRPC does for a typed method, into the buffer it will send.
      grpc::ByteBuffer serialized;
      bool own_buffer;
      const grpc::Status written =
          grpc::SerializationTraits<Response>::Serialize(response_, &serialized, &own_buffer);
      if (!written.ok()) {
        grpc::ServerUnaryReactor::Finish(ToGrpcStatus(absl::InternalError(written.error_message())));
        return;
      }
      raw_response_->Swap(&serialized);
    }
    grpc::ServerUnaryReactor::Finish(status);
  }

 protected:
  explicit UnaryReactor(grpc::ByteBuffer* raw_response) : raw_response_(raw_response) {}
  // What the raw method returns to gRPC.
  grpc::ServerUnaryReactor* reactor() { return this; }

 private:
  void OnDone() override { delete this; }

  grpc::ByteBuffer* const raw_response_;  // gRPC's, until the call is done
  Response response_;
};

// A unary call with its parsed request, which lives as long as the call.
template <typename Request, typename Response>
class UnaryCall final : public UnaryReactor<Response> {
 public:
  explicit UnaryCall(grpc::ByteBuffer* raw_response) : UnaryReactor<Response>(raw_response) {}
  Request request;
  using UnaryReactor<Response>::reactor;
};

// What every gRPC service of the hub holds: the registry it takes callers
// from, and the service API it calls.
struct Edge {
  std::shared_ptr<const AgencyRegistry> registry;
  ServiceApi api;
};

// Serves one call of a raw unary method by `api`'s `serve`, the API method
// of the same name: parses the request, which lives until the call is
// finished, and answers with what the API answers. A request that does not
// parse is refused by the API's call gate, after the checks every request
// passes first (service/call_gate.h).
template <typename Api, typename Request, typename Response>
grpc::ServerUnaryReactor* ServeUnary(grpc::CallbackServerContext* context, const Edge& edge, Method method,
                                     Api& api, void (Api::*serve)(const CallContext&, const Request&, Response*, Done),
                                     const grpc::ByteBuffer* raw_request, grpc::ByteBuffer* raw_response) {
  auto* call = new UnaryCall<Request, Response>(raw_response);
  absl::StatusOr<CallContext> caller = CallContextOf(*context, *edge.registry);
  if (!caller.ok()) {
    // The auth processor lets no such call reach a handler.
    call->Finish(ToGrpcStatus(caller.status()));
    return call->reactor();
  }
  caller->trace = CallTraceOf(*context);
  Done done = [call, trace = caller->trace](const absl::Status& status) { call->Finish(ToGrpcStatus(status, trace)); };
  if (absl::Status parsed = ParseRequest(*raw_request, &call->request); !parsed.ok()) {
    edge.api.gate->RefuseUnreadable(*caller, method, parsed, std::move(done));
  } else {
    (api.*serve)(*caller, std::as_const(call->request), call->response(), std::move(done));
  }
  return call->reactor();
}

}  // namespace cre

#endif  // CRE_HUB_SERVER_RAW_REQUEST_H_
