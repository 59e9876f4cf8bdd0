// cre.v1.Inbox on gRPC: the messages addressed to the calling agency.
//
// Subscribe is a callback-API server stream (a reactor per stream, no thread
// while it waits; server/subscription.h), so thousands of agencies can stay
// connected; Acknowledge is a plain unary call. Both take their requests as
// bytes, which the hub parses itself (server/raw_request.h), and ask the
// service API (service/inbox_api.h) what to do.
#ifndef CRE_HUB_SERVER_INBOX_SERVICE_H_
#define CRE_HUB_SERVER_INBOX_SERVICE_H_

#include <memory>

#include "cre/v1/inbox.grpc.pb.h"
#include "delivery/delivery_dispatcher.h"
#include "server/raw_request.h"

namespace cre {

class InboxService final : public v1::Inbox::WithRawCallbackMethod_Subscribe<
                               v1::Inbox::WithRawCallbackMethod_Acknowledge<v1::Inbox::Service>> {
 public:
  // `dispatcher` feeds the streams opened here.
  InboxService(Edge edge, std::shared_ptr<DeliveryDispatcher> dispatcher)
      : edge_(std::move(edge)), dispatcher_(std::move(dispatcher)) {}

  grpc::ServerWriteReactor<grpc::ByteBuffer>* Subscribe(grpc::CallbackServerContext* context,
                                                        const grpc::ByteBuffer* request) override;
  grpc::ServerUnaryReactor* Acknowledge(grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
                                        grpc::ByteBuffer* response) override {
    return ServeUnary(context, edge_, Method::kAcknowledge, *edge_.api.inbox, &InboxApi::Acknowledge, request,
                      response);
  }

 private:
  const Edge edge_;
  std::shared_ptr<DeliveryDispatcher> dispatcher_;
};

}  // namespace cre

#endif  // CRE_HUB_SERVER_INBOX_SERVICE_H_
