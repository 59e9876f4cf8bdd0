// cre.v1.Oversight: managers' view of due and overdue actions across cases.
#ifndef CRE_HUB_SERVER_OVERSIGHT_SERVICE_H_
#define CRE_HUB_SERVER_OVERSIGHT_SERVICE_H_

#include <memory>

#include "cre/v1/oversight.grpc.pb.h"
#include "identity/agency_registry.h"
#include "store/store.h"

namespace cre {

class OversightService final : public v1::Oversight::Service {
 public:
  OversightService(std::shared_ptr<const AgencyRegistry> registry, std::shared_ptr<Store> store)
      : registry_(std::move(registry)), store_(std::move(store)) {}

  grpc::Status ListOpenActions(grpc::ServerContext* context, const v1::ListOpenActionsRequest* request,
                               v1::ListOpenActionsResponse* response) override;

 private:
  std::shared_ptr<const AgencyRegistry> registry_;
  std::shared_ptr<Store> store_;
};

}  // namespace cre

#endif  // CRE_HUB_SERVER_OVERSIGHT_SERVICE_H_
