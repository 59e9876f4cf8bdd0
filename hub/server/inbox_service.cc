#include "server/inbox_service.h"

#include "access/authorization.h"
#include "access/request_validation.h"
#include "server/agency_auth.h"
#include "server/grpc_status.h"
#include "server/subscription.h"

namespace cre {
namespace {

// A stream refused before it starts.
class RefusedStream : public grpc::ServerWriteReactor<grpc::ByteBuffer> {
 public:
  explicit RefusedStream(const absl::Status& status) { Finish(ToGrpcStatus(status)); }
  void OnDone() override { delete this; }
};

}  // namespace

grpc::ServerWriteReactor<grpc::ByteBuffer>* InboxService::Subscribe(grpc::CallbackServerContext* context,
                                                                   const grpc::ByteBuffer* raw_request) {
  v1::SubscribeRequest request;
  absl::Status parsed = ParseRequest(*raw_request, &request);
  absl::StatusOr<v1::Agency> caller = AuthorizedCaller(*context, *registry_, Method::kSubscribe,
                                                       parsed.ok() ? ValidateSubscribe(request) : parsed);
  if (!caller.ok()) return new RefusedStream(caller.status());
  int max_in_flight = request.max_in_flight();
  if (max_in_flight == 0) max_in_flight = kDefaultMaxInFlight;
  return Subscription::Start(dispatcher_.get(), caller->id(), max_in_flight);
}

grpc::ServerUnaryReactor* InboxService::Acknowledge(grpc::CallbackServerContext* context,
                                                    const grpc::ByteBuffer* raw_request,
                                                    grpc::ByteBuffer* raw_response) {
  return ServeUnary<v1::AcknowledgeRequest, v1::AcknowledgeResponse>(
      context, *registry_, Method::kAcknowledge, raw_request, raw_response,
      [&](const v1::AcknowledgeRequest& request, UnaryReactor<v1::AcknowledgeResponse>* reactor) {
        absl::StatusOr<v1::Agency> caller =
            AuthorizedCaller(*context, *registry_, Method::kAcknowledge, ValidateAcknowledge(request));
        if (!caller.ok()) {
          reactor->Finish(ToGrpcStatus(caller.status()));
          return;
        }
        // Committed with other calls' acknowledgements, off the reactor thread.
        dispatcher_->Acknowledge(caller->id(),
                                 std::vector<int64_t>(request.delivery_ids().begin(), request.delivery_ids().end()),
                                 [reactor](absl::StatusOr<AckOutcome> outcome) {
                                   if (outcome.ok()) reactor->response()->set_acknowledged(outcome->acknowledged);
                                   reactor->Finish(ToGrpcStatus(outcome.status()));
                                 });
      });
}

}  // namespace cre
