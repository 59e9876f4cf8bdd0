// cre.v1.Oversight: managers' view of due and overdue actions across cases.
//
// On gRPC's callback API, with its request taken as bytes and parsed by the
// hub (server/raw_request.h). The database read runs on the service's own
// small executor, never on gRPC's thread: oversight reads are occasional,
// and must not hold up the traffic's threads or wait behind them.
#ifndef CRE_HUB_SERVER_OVERSIGHT_SERVICE_H_
#define CRE_HUB_SERVER_OVERSIGHT_SERVICE_H_

#include <memory>

#include "common/executor.h"
#include "cre/v1/oversight.grpc.pb.h"
#include "identity/agency_registry.h"
#include "server/raw_request.h"
#include "store/store.h"

namespace cre {

class OversightService final
    : public v1::Oversight::WithRawCallbackMethod_ListOpenActions<v1::Oversight::Service> {
 public:
  OversightService(std::shared_ptr<const AgencyRegistry> registry, std::shared_ptr<Store> store)
      : registry_(std::move(registry)), store_(std::move(store)) {}

  grpc::ServerUnaryReactor* ListOpenActions(grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
                                            grpc::ByteBuffer* response) override;

 private:
  // The read itself (on the executor).
  absl::Status ListOpenActions(const v1::Agency& caller, const v1::ListOpenActionsRequest& request,
                               v1::ListOpenActionsResponse* response);

  std::shared_ptr<const AgencyRegistry> registry_;
  std::shared_ptr<Store> store_;
  // Last: its threads use the above, and are joined (after finishing what
  // is queued) before they are destroyed.
  Executor executor_{2, "oversight"};
};

}  // namespace cre

#endif  // CRE_HUB_SERVER_OVERSIGHT_SERVICE_H_
