// The hub's mutual-TLS server credentials.
//
// Certificates are file-watched (re-read every refresh interval), so the
// hub's certificate and the trusted client CA bundle rotate without a
// restart. Every client must present a certificate that chains to the CA
// bundle; the handshake fails otherwise, and the client sees UNAVAILABLE.
#ifndef CRE_HUB_SERVER_TLS_CREDENTIALS_H_
#define CRE_HUB_SERVER_TLS_CREDENTIALS_H_

#include <memory>

#include "absl/status/statusor.h"
#include "cre/v1/config.pb.h"
#include "grpcpp/security/server_credentials.h"

namespace cre {

// Checks that the files exist and hold what they should (a certificate, its
// matching private key, a CA bundle), so a mistake is reported at start-up
// naming the config field rather than as failed handshakes later.
absl::Status CheckTlsFiles(const v1::TlsConfig& tls);

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const v1::TlsConfig& tls);

}  // namespace cre

#endif  // CRE_HUB_SERVER_TLS_CREDENTIALS_H_
