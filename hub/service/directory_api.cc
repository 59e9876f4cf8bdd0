#include "service/directory_api.h"

#include <vector>

namespace cre {

void DirectoryApi::WhoAmI(const CallContext& call, const v1::WhoAmIRequest& /*request*/,
                          v1::WhoAmIResponse* response, Done done) const {
  absl::optional<Done> admitted = gate_->Admit(call, Method::kWhoAmI, std::move(done));
  if (!admitted) return;
  *response->mutable_agency() = call.caller;
  response->set_hub_local_authority_code(hub_local_authority_code_);
  (*admitted)(absl::OkStatus());
}

void DirectoryApi::ListAgencies(const CallContext& call, const v1::ListAgenciesRequest& /*request*/,
                                v1::ListAgenciesResponse* response, Done done) const {
  absl::optional<Done> admitted = gate_->Admit(call, Method::kListAgencies, std::move(done));
  if (!admitted) return;
  absl::StatusOr<std::vector<v1::Agency>> agencies = store_->ListAgencies();
  if (!agencies.ok()) return (*admitted)(agencies.status());
  for (v1::Agency& agency : *agencies) *response->add_agencies() = std::move(agency);
  (*admitted)(absl::OkStatus());
}

}  // namespace cre
