// cre.v1.Oversight on gRPC's callback API: each method takes its request as
// bytes, parses it (server/raw_request.h) and calls the service API
// (service/oversight_api.h).
#ifndef CRE_HUB_SERVER_OVERSIGHT_SERVICE_H_
#define CRE_HUB_SERVER_OVERSIGHT_SERVICE_H_

#include "cre/v1/oversight.grpc.pb.h"
#include "server/raw_request.h"

namespace cre {

class OversightService final
    : public v1::Oversight::WithRawCallbackMethod_ListOpenActions<
          v1::Oversight::WithRawCallbackMethod_ListRecordAccesses<v1::Oversight::Service>> {
 public:
  explicit OversightService(Edge edge) : edge_(std::move(edge)) {}

  grpc::ServerUnaryReactor* ListOpenActions(grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
                                            grpc::ByteBuffer* response) override {
    return ServeUnary(context, edge_, Method::kListOpenActions, *edge_.api.oversight, &OversightApi::ListOpenActions,
                      request, response);
  }

  grpc::ServerUnaryReactor* ListRecordAccesses(grpc::CallbackServerContext* context,
                                               const grpc::ByteBuffer* request,
                                               grpc::ByteBuffer* response) override {
    return ServeUnary(context, edge_, Method::kListRecordAccesses, *edge_.api.oversight,
                      &OversightApi::ListRecordAccesses, request, response);
  }

 private:
  const Edge edge_;
};

}  // namespace cre

#endif  // CRE_HUB_SERVER_OVERSIGHT_SERVICE_H_
