// Who is calling: the agency named by the caller's client certificate.
//
// TLS has already verified the certificate chain when a call arrives. The
// AgencyAuthProcessor then runs for every call, before any handler. It
// refuses a certificate that no careful CA issues to a client: a CA
// certificate, or one whose extended key usage lacks clientAuth or is absent
// (CheckClientCertificate; the verdict on each certificate is cached). It
// takes the certificate's URI SANs (the "peer_uri" property of the
// AuthContext), which must be exactly one, of the form urn:cre:agency:<id>,
// and looks the id up in the registry. A certificate with no such URI, with
// another URI besides, or with an id that is not registered gets
// UNAUTHENTICATED naming the reason; the common name is never consulted. A
// refusal shows what the certificate says only through Quote
// (common/quote.h), bounded. Handlers identify the caller the same way with
// CallerAgency(): the processor writes nothing into the AuthContext, because
// gRPC 1.51 hands it the connection's context, shared by every call on the
// connection.
//
// Once the agency is known, the processor applies its rate limits to the
// calls that reach no service API (health, reflection; the API applies its
// own, service/call_gate.h): a call over them is refused with
// RESOURCE_EXHAUSTED. gRPC 1.51 hands the client the processor's own status
// code and message (server_auth_filter.cc makes them the call's status).
// It also notes when the caller's certificate expires
// (CallerPresence::CertificateSeen, from the cached verdict).
//
//   creds->SetAuthMetadataProcessor(std::make_shared<AgencyAuthProcessor>(registry, audit, limiter));
//   ...
//   absl::StatusOr<CallContext> call = CallContextOf(*context, registry);
#ifndef CRE_HUB_SERVER_AGENCY_AUTH_H_
#define CRE_HUB_SERVER_AGENCY_AUTH_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "access/authorization.h"
#include "grpcpp/security/auth_context.h"
#include "grpcpp/security/auth_metadata_processor.h"
#include "grpcpp/server_context.h"
#include "identity/agency_registry.h"
#include "metrics/metrics.h"
#include "service/call_context.h"
#include "service/call_record.h"
#include "service/caller_presence.h"
#include "service/rate_limiter.h"

namespace cre {

// The registered agency that `auth` identifies, or UNAUTHENTICATED saying why
// not. Reads the x509_pem_cert and peer_uri properties only.
absl::StatusOr<const v1::Agency*> IdentifyAgency(const grpc::AuthContext& auth,
                                                 const AgencyRegistry& registry);

// OK if the certificate in `pem` may be an agency's, whatever its names:
// not a CA certificate (X509_check_ca), and with an extended key usage that
// includes clientAuth. Otherwise UNAUTHENTICATED naming the reason. Parses
// the certificate: IdentifyAgency calls it once per certificate.
absl::Status CheckClientCertificate(absl::string_view pem);

class AgencyAuthProcessor : public grpc::AuthMetadataProcessor {
 public:
  // `limiter` may be null: no rate limits. `presence`, if not null, is told
  // when each agency's certificate expires, and `unauthenticated`, if not
  // null, counts the calls refused UNAUTHENTICATED (for the metrics: such
  // a call reaches no interceptor).
  AgencyAuthProcessor(std::shared_ptr<const AgencyRegistry> registry, AuditSink audit,
                      std::shared_ptr<RateLimiter> limiter = nullptr,
                      std::shared_ptr<CallerPresence> presence = nullptr,
                      metrics::Counter* unauthenticated = nullptr)
      : registry_(std::move(registry)),
        audit_(std::move(audit)),
        limiter_(std::move(limiter)),
        presence_(std::move(presence)),
        unauthenticated_(unauthenticated) {}

  // Map lookups and a token bucket under its agency's lock: cheap enough for
  // gRPC's own thread.
  bool IsBlocking() const override { return false; }

  grpc::Status Process(const InputMetadata& auth_metadata, grpc::AuthContext* context,
                       OutputMetadata* consumed_auth_metadata,
                       OutputMetadata* response_metadata) override;

 private:
  std::shared_ptr<const AgencyRegistry> registry_;
  AuditSink audit_;
  std::shared_ptr<RateLimiter> limiter_;
  std::shared_ptr<CallerPresence> presence_;
  metrics::Counter* unauthenticated_;
};

// The calling agency, from the call's certificate (a map lookup).
// UNAUTHENTICATED if it names no registered agency, which the processor
// does not let reach a handler.
absl::StatusOr<v1::Agency> CallerAgency(const grpc::ServerContextBase& context,
                                        const AgencyRegistry& registry);

// The call as the service API sees it: the calling agency (CallerAgency)
// and the peer.
absl::StatusOr<CallContext> CallContextOf(const grpc::ServerContextBase& context, const AgencyRegistry& registry);

// The caller's agency id, or "" if it has none; for logging.
std::string CallerAgencyId(const grpc::ServerContextBase& context, const AgencyRegistry& registry);

}  // namespace cre

#endif  // CRE_HUB_SERVER_AGENCY_AUTH_H_
