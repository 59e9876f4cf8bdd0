#include "server/agency_auth.h"

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "cre/v1/call_log.pb.h"
#include "grpc/grpc_security_constants.h"
#include "server/call_log.h"
#include "server/grpc_status.h"

namespace cre {
namespace {

std::string ToString(const grpc::string_ref& ref) { return std::string(ref.data(), ref.size()); }

}  // namespace

absl::StatusOr<const v1::Agency*> IdentifyAgency(const grpc::AuthContext& auth,
                                                 const AgencyRegistry& registry) {
  std::vector<std::string> agency_uris;
  for (const grpc::string_ref& value : auth.FindPropertyValues(GRPC_PEER_URI_PROPERTY_NAME)) {
    std::string uri = ToString(value);
    if (absl::StartsWith(uri, kAgencyUriPrefix)) agency_uris.push_back(std::move(uri));
  }
  if (agency_uris.empty()) {
    return absl::UnauthenticatedError(absl::StrCat(
        "the client certificate carries no ", kAgencyUriPrefix, "<id> URI SAN"));
  }
  if (agency_uris.size() > 1) {
    return absl::UnauthenticatedError(
        "the client certificate carries more than one agency identity");
  }
  const v1::Agency* agency = registry.FindByIdentityUri(agency_uris.front());
  if (agency == nullptr) {
    return absl::UnauthenticatedError(
        absl::StrCat(agency_uris.front(), " is not a registered agency"));
  }
  return agency;
}

grpc::Status AgencyAuthProcessor::Process(const InputMetadata& auth_metadata,
                                          grpc::AuthContext* context,
                                          OutputMetadata* /*consumed_auth_metadata*/,
                                          OutputMetadata* /*response_metadata*/) {
  absl::StatusOr<const v1::Agency*> agency = IdentifyAgency(*context, *registry_);
  if (!agency.ok()) {
    // The call never reaches a handler or the call-log interceptor, so the
    // refusal is logged here.
    v1::CallRecord record;
    auto path = auth_metadata.find(":path");
    if (path != auth_metadata.end()) record.set_method(ToString(path->second));
    record.set_code("UNAUTHENTICATED");
    record.set_detail(std::string(agency.status().message()));
    for (const grpc::string_ref& peer : context->FindPropertyValues(GRPC_PEER_URI_PROPERTY_NAME)) {
      record.set_peer(ToString(peer));
    }
    RecordCall(record, audit_);
    return ToGrpcStatus(agency.status());
  }
  return grpc::Status::OK;
}

absl::StatusOr<v1::Agency> CallerAgency(const grpc::ServerContextBase& context,
                                        const AgencyRegistry& registry) {
  std::shared_ptr<const grpc::AuthContext> auth = context.auth_context();
  if (auth == nullptr) return absl::UnauthenticatedError("the call carries no client certificate");
  absl::StatusOr<const v1::Agency*> agency = IdentifyAgency(*auth, registry);
  if (!agency.ok()) return agency.status();
  return **agency;
}

std::string CallerAgencyId(const grpc::ServerContextBase& context,
                           const AgencyRegistry& registry) {
  absl::StatusOr<v1::Agency> agency = CallerAgency(context, registry);
  return agency.ok() ? agency->id() : "";
}

}  // namespace cre
