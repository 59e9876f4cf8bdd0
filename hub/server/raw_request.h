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
//   grpc::ServerUnaryReactor* Service::Method(grpc::CallbackServerContext* context,
//                                             const grpc::ByteBuffer* request,
//                                             grpc::ByteBuffer* response) override {
//     return ServeUnary<v1::MethodRequest, v1::MethodResponse>(
//         context, *registry_, Method::kMethod, request, response,
//         [&](const v1::MethodRequest& typed, UnaryReactor<v1::MethodResponse>* reactor) {
//           ...  // as a typed handler; reactor->response(), then reactor->Finish(status)
//         });
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
#include "server/grpc_status.h"

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

// Serves one call of a raw unary method: parses the request and runs
// `handle(const Request&, UnaryReactor<Response>*)`, which must finish the
// call, now or later; the request lives until then. A request that does not
// parse is refused, in the order of refusals of AuthorizedCaller (who the
// caller is, whether its role may call `method`, then the request).
template <typename Request, typename Response, typename Handle>
grpc::ServerUnaryReactor* ServeUnary(grpc::CallbackServerContext* context, const AgencyRegistry& registry,
                                     Method method, const grpc::ByteBuffer* raw_request,
                                     grpc::ByteBuffer* raw_response, Handle&& handle) {
  auto* call = new UnaryCall<Request, Response>(raw_response);
  if (absl::Status parsed = ParseRequest(*raw_request, &call->request); !parsed.ok()) {
    call->Finish(ToGrpcStatus(AuthorizedCaller(*context, registry, method, parsed).status()));
  } else {
    UnaryReactor<Response>* reactor = call;
    std::forward<Handle>(handle)(std::as_const(call->request), reactor);
  }
  return call->reactor();
}

}  // namespace cre

#endif  // CRE_HUB_SERVER_RAW_REQUEST_H_
