// cre.v1.Inbox: the messages addressed to the calling agency.
//
// Subscribe is a callback-API server stream (a reactor per stream, no thread
// while it waits), so thousands of agencies can stay connected; Acknowledge
// is a plain unary call. Both take their requests as bytes, which the hub
// parses itself (server/raw_request.h), and Subscribe writes its messages
// serialized.
#ifndef CRE_HUB_SERVER_INBOX_SERVICE_H_
#define CRE_HUB_SERVER_INBOX_SERVICE_H_

#include <memory>

#include "cre/v1/inbox.grpc.pb.h"
#include "identity/agency_registry.h"
#include "server/delivery_dispatcher.h"
#include "server/raw_request.h"

namespace cre {

// SubscribeRequest.max_in_flight when the request leaves it 0 (its ceiling:
// kMaxMaxInFlight, access/request_validation.h).
inline constexpr int kDefaultMaxInFlight = 16;

class InboxService final : public v1::Inbox::WithRawCallbackMethod_Subscribe<
                               v1::Inbox::WithRawCallbackMethod_Acknowledge<v1::Inbox::Service>> {
 public:
  InboxService(std::shared_ptr<const AgencyRegistry> registry,
               std::shared_ptr<DeliveryDispatcher> dispatcher)
      : registry_(std::move(registry)), dispatcher_(std::move(dispatcher)) {}

  grpc::ServerWriteReactor<grpc::ByteBuffer>* Subscribe(grpc::CallbackServerContext* context,
                                                        const grpc::ByteBuffer* request) override;
  grpc::ServerUnaryReactor* Acknowledge(grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
                                        grpc::ByteBuffer* response) override;

 private:
  std::shared_ptr<const AgencyRegistry> registry_;
  std::shared_ptr<DeliveryDispatcher> dispatcher_;
};

}  // namespace cre

#endif  // CRE_HUB_SERVER_INBOX_SERVICE_H_
