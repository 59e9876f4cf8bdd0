#include "server/directory_service.h"

#include "server/agency_auth.h"
#include "server/grpc_status.h"

namespace cre {

grpc::Status DirectoryService::WhoAmI(grpc::ServerContext* context,
                                      const v1::WhoAmIRequest* /*request*/,
                                      v1::WhoAmIResponse* response) {
  absl::StatusOr<v1::Agency> caller = CallerAgency(*context, *registry_);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  *response->mutable_agency() = *std::move(caller);
  response->set_hub_local_authority_code(hub_local_authority_code_);
  return grpc::Status::OK;
}

grpc::Status DirectoryService::ListAgencies(grpc::ServerContext* context,
                                            const v1::ListAgenciesRequest* /*request*/,
                                            v1::ListAgenciesResponse* response) {
  if (absl::StatusOr<v1::Agency> caller = CallerAgency(*context, *registry_); !caller.ok()) {
    return ToGrpcStatus(caller.status());
  }
  // From the store, which every hub process shares, rather than this
  // process's copy of the registry.
  absl::StatusOr<std::vector<v1::Agency>> agencies = store_->ListAgencies();
  if (!agencies.ok()) return ToGrpcStatus(agencies.status());
  for (v1::Agency& agency : *agencies) *response->add_agencies() = std::move(agency);
  return grpc::Status::OK;
}

}  // namespace cre
