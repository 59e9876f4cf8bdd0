// cre.v1.Directory on gRPC: who the caller is, and which agencies the hub
// knows, answered by the service API (service/directory_api.h) on gRPC's
// synchronous threads.
#ifndef CRE_HUB_SERVER_DIRECTORY_SERVICE_H_
#define CRE_HUB_SERVER_DIRECTORY_SERVICE_H_

#include "cre/v1/directory.grpc.pb.h"
#include "server/raw_request.h"

namespace cre {

class DirectoryService final : public v1::Directory::Service {
 public:
  explicit DirectoryService(Edge edge) : edge_(std::move(edge)) {}

  grpc::Status WhoAmI(grpc::ServerContext* context, const v1::WhoAmIRequest* request,
                      v1::WhoAmIResponse* response) override;
  grpc::Status ListAgencies(grpc::ServerContext* context, const v1::ListAgenciesRequest* request,
                            v1::ListAgenciesResponse* response) override;

 private:
  const Edge edge_;
};

}  // namespace cre

#endif  // CRE_HUB_SERVER_DIRECTORY_SERVICE_H_
