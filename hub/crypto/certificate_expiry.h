// When certificates expire: the hub's own, the client CA's, and each
// agency's as the hub last saw it. Pure apart from reading the PEM files
// named; no gRPC, no SQL.
//
// The metrics show the seconds left (cre_certificate_expiry_seconds,
// server/hub_metrics.h); the alerting warns at 30, 14 and 7 days from the
// same list.
//
//   CRE_ASSIGN_OR_RETURN(absl::Time not_after, CertificateNotAfter(pem));
//   for (const CertificateExpiry& c : CertificateExpiries(config.tls(), agencies_seen)) {
//     if (c.not_after - absl::Now() < absl::Hours(24 * 14)) ...;
//   }
#ifndef CRE_HUB_CRYPTO_CERTIFICATE_EXPIRY_H_
#define CRE_HUB_CRYPTO_CERTIFICATE_EXPIRY_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace cre::crypto {

// The notAfter of the first certificate in `pem`. INVALID_ARGUMENT if it
// holds none that OpenSSL can read.
absl::StatusOr<absl::Time> CertificateNotAfter(absl::string_view pem);

// One certificate and when it expires.
struct CertificateExpiry {
  enum class Kind { kHub, kClientCa, kAgency };
  Kind kind = Kind::kHub;
  // kHub and kClientCa: the certificate's subject, one line
  // ("CN=CRE Dev Root CA,O=..."); kAgency: the agency's id.
  std::string subject;
  absl::Time not_after;
};

// "hub", "client_ca", "agency": the metric's label value.
absl::string_view CertificateKindName(CertificateExpiry::Kind kind);

// Each certificate of a PEM bundle (a CA file may hold several) with its
// subject and notAfter. INVALID_ARGUMENT if it holds none.
absl::StatusOr<std::vector<CertificateExpiry>> CertificatesInPem(absl::string_view pem,
                                                                 CertificateExpiry::Kind kind);

// What a file holds that cannot be read is left out and logged (a warning
// once per path and problem): one missing file must not hide the others.
// `hub_cert_file`: the first certificate (the leaf); `client_ca_file`:
// every certificate; `agencies`: (agency id, notAfter) as seen at the edge.
std::vector<CertificateExpiry> CertificateExpiries(const std::string& hub_cert_file,
                                                   const std::string& client_ca_file,
                                                   const std::vector<std::pair<std::string, absl::Time>>& agencies);

}  // namespace cre::crypto

#endif  // CRE_HUB_CRYPTO_CERTIFICATE_EXPIRY_H_
