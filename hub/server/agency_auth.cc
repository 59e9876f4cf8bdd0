#include "server/agency_auth.h"

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
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
  if (limiter_ == nullptr) return grpc::Status::OK;
  auto path = auth_metadata.find(":path");
  return ApplyRateLimit((*agency)->id(), path == auth_metadata.end() ? "" : ToString(path->second));
}

grpc::Status AgencyAuthProcessor::ApplyRateLimit(const std::string& agency_id, const std::string& method) {
  const RateLimitDecision decision = limiter_->Admit(agency_id, method, absl::Now());
  if (decision.admitted) return grpc::Status::OK;
  // Refused before the handler and the call-log interceptor: logged here,
  // every time. Recorded in the audit chain only when the limiter samples
  // it, with the count of the refusals in between.
  v1::CallRecord record;
  record.set_agency(agency_id);
  record.set_method(method);
  record.set_code("RESOURCE_EXHAUSTED");
  record.set_detail(decision.reason);
  if (decision.record) {
    if (decision.unrecorded_before > 0) {
      record.set_detail(absl::StrCat(decision.reason, " (", decision.unrecorded_before,
                                     " more refused since the last record)"));
    }
    RecordCall(record, audit_);
  } else {
    LogCallRecord(record);
  }
  return ToGrpcStatus(absl::ResourceExhaustedError(decision.reason));
}

namespace {

class OpenStreamCounter : public grpc::experimental::Interceptor {
 public:
  OpenStreamCounter(std::shared_ptr<RateLimiter> limiter, std::string agency_id)
      : limiter_(std::move(limiter)), agency_id_(std::move(agency_id)) {
    limiter_->StreamOpened(agency_id_);
  }
  ~OpenStreamCounter() override { limiter_->StreamClosed(agency_id_); }

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override { methods->Proceed(); }

 private:
  const std::shared_ptr<RateLimiter> limiter_;
  const std::string agency_id_;
};

}  // namespace

grpc::experimental::Interceptor* OpenStreamCounterFactory::CreateServerInterceptor(
    grpc::experimental::ServerRpcInfo* info) {
  if (ClassifyMethod(info->method()) != CallClass::kStreamOpen) return nullptr;
  // gRPC binds the call to its context before it makes the interceptors, so
  // the certificate is known here.
  const std::string agency_id = CallerAgencyId(*info->server_context(), *registry_);
  if (agency_id.empty()) return nullptr;
  return new OpenStreamCounter(limiter_, agency_id);
}

absl::StatusOr<v1::Agency> CallerAgency(const grpc::ServerContextBase& context,
                                        const AgencyRegistry& registry) {
  std::shared_ptr<const grpc::AuthContext> auth = context.auth_context();
  if (auth == nullptr) return absl::UnauthenticatedError("the call carries no client certificate");
  absl::StatusOr<const v1::Agency*> agency = IdentifyAgency(*auth, registry);
  if (!agency.ok()) return agency.status();
  return **agency;
}

absl::StatusOr<v1::Agency> AuthorizedCaller(const grpc::ServerContextBase& context,
                                            const AgencyRegistry& registry, Method method,
                                            const absl::Status& request_check) {
  absl::StatusOr<v1::Agency> caller = CallerAgency(context, registry);
  if (!caller.ok()) return caller.status();
  if (absl::Status allowed = Authorize(*caller, method); !allowed.ok()) return allowed;
  if (!request_check.ok()) return request_check;
  return caller;
}

std::string CallerAgencyId(const grpc::ServerContextBase& context,
                           const AgencyRegistry& registry) {
  absl::StatusOr<v1::Agency> agency = CallerAgency(context, registry);
  return agency.ok() ? agency->id() : "";
}

}  // namespace cre
