// cre.v1.Directory: who the caller is, and which agencies the hub knows.
//
// A thin handler: it takes the caller from the context and the data from the
// registry or the store, and converts errors in one place (ToGrpcStatus).
#ifndef CRE_HUB_SERVER_DIRECTORY_SERVICE_H_
#define CRE_HUB_SERVER_DIRECTORY_SERVICE_H_

#include <memory>
#include <string>

#include "cre/v1/directory.grpc.pb.h"
#include "identity/agency_registry.h"
#include "store/store.h"

namespace cre {

class DirectoryService final : public v1::Directory::Service {
 public:
  DirectoryService(std::shared_ptr<const AgencyRegistry> registry, std::shared_ptr<Store> store,
                   std::string hub_local_authority_code)
      : registry_(std::move(registry)),
        store_(std::move(store)),
        hub_local_authority_code_(std::move(hub_local_authority_code)) {}

  grpc::Status WhoAmI(grpc::ServerContext* context, const v1::WhoAmIRequest* request,
                      v1::WhoAmIResponse* response) override;
  grpc::Status ListAgencies(grpc::ServerContext* context, const v1::ListAgenciesRequest* request,
                            v1::ListAgenciesResponse* response) override;

 private:
  std::shared_ptr<const AgencyRegistry> registry_;
  std::shared_ptr<Store> store_;
  std::string hub_local_authority_code_;
};

}  // namespace cre

#endif  // CRE_HUB_SERVER_DIRECTORY_SERVICE_H_
