// Who is calling: the agency named by the caller's client certificate.
//
// TLS has already verified the certificate chain when a call arrives. The
// AgencyAuthProcessor then runs for every call, before any handler: it takes
// the certificate's URI SANs (the "peer_uri" property of the AuthContext),
// keeps the one of the form urn:cre:agency:<id>, and looks the id up in the
// registry. A certificate with no such URI, with two of them, or with an id
// that is not registered gets UNAUTHENTICATED; the common name is never
// consulted. Handlers identify the caller the same way with CallerAgency():
// the processor writes nothing into the AuthContext, because gRPC 1.51 hands
// it the connection's context, shared by every call on the connection.
//
//   creds->SetAuthMetadataProcessor(std::make_shared<AgencyAuthProcessor>(registry));
//   ...
//   absl::StatusOr<v1::Agency> caller = CallerAgency(*context, registry);
#ifndef CRE_HUB_SERVER_AGENCY_AUTH_H_
#define CRE_HUB_SERVER_AGENCY_AUTH_H_

#include <memory>

#include "absl/status/statusor.h"
#include "grpcpp/security/auth_context.h"
#include "grpcpp/security/auth_metadata_processor.h"
#include "grpcpp/server_context.h"
#include "identity/agency_registry.h"
#include "server/call_log.h"

namespace cre {

// The registered agency that `auth` identifies, or UNAUTHENTICATED saying why
// not. Pure: reads the peer_uri properties only.
absl::StatusOr<const v1::Agency*> IdentifyAgency(const grpc::AuthContext& auth,
                                                 const AgencyRegistry& registry);

class AgencyAuthProcessor : public grpc::AuthMetadataProcessor {
 public:
  AgencyAuthProcessor(std::shared_ptr<const AgencyRegistry> registry, AuditSink audit)
      : registry_(std::move(registry)), audit_(std::move(audit)) {}

  // A map lookup: cheap enough for gRPC's own thread.
  bool IsBlocking() const override { return false; }

  grpc::Status Process(const InputMetadata& auth_metadata, grpc::AuthContext* context,
                       OutputMetadata* consumed_auth_metadata,
                       OutputMetadata* response_metadata) override;

 private:
  std::shared_ptr<const AgencyRegistry> registry_;
  AuditSink audit_;
};

// The calling agency, from the call's certificate (a map lookup).
// UNAUTHENTICATED if it names no registered agency, which the processor
// does not let reach a handler.
absl::StatusOr<v1::Agency> CallerAgency(const grpc::ServerContextBase& context,
                                        const AgencyRegistry& registry);

// The caller's agency id, or "" if it has none; for logging.
std::string CallerAgencyId(const grpc::ServerContextBase& context, const AgencyRegistry& registry);

}  // namespace cre

#endif  // CRE_HUB_SERVER_AGENCY_AUTH_H_
