// cre.v1.Inbox: the messages addressed to the calling agency.
//
// Subscribe is a callback-API server stream (a reactor per stream, no thread
// while it waits), so thousands of agencies can stay connected; Acknowledge
// is a plain unary call.
#ifndef CRE_HUB_SERVER_INBOX_SERVICE_H_
#define CRE_HUB_SERVER_INBOX_SERVICE_H_

#include <memory>

#include "cre/v1/inbox.grpc.pb.h"
#include "identity/agency_registry.h"
#include "server/delivery_dispatcher.h"

namespace cre {

// SubscribeRequest.max_in_flight when the request leaves it 0 (its ceiling:
// kMaxMaxInFlight, routing/request_validation.h).
inline constexpr int kDefaultMaxInFlight = 16;

class InboxService final : public v1::Inbox::CallbackService {
 public:
  InboxService(std::shared_ptr<const AgencyRegistry> registry,
               std::shared_ptr<DeliveryDispatcher> dispatcher)
      : registry_(std::move(registry)), dispatcher_(std::move(dispatcher)) {}

  grpc::ServerWriteReactor<v1::RoutedMessage>* Subscribe(
      grpc::CallbackServerContext* context, const v1::SubscribeRequest* request) override;
  grpc::ServerUnaryReactor* Acknowledge(grpc::CallbackServerContext* context,
                                        const v1::AcknowledgeRequest* request,
                                        v1::AcknowledgeResponse* response) override;

 private:
  std::shared_ptr<const AgencyRegistry> registry_;
  std::shared_ptr<DeliveryDispatcher> dispatcher_;
};

}  // namespace cre

#endif  // CRE_HUB_SERVER_INBOX_SERVICE_H_
