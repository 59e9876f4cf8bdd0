#include "crypto/certificate_expiry.h"

#include <ctime>
#include <memory>

#include "absl/strings/str_cat.h"
#include "common/files.h"
#include "openssl/asn1.h"
#include "openssl/bio.h"
#include "openssl/err.h"
#include "openssl/pem.h"
#include "openssl/x509.h"
#include "absl/synchronization/mutex.h"
#include "spdlog/spdlog.h"

namespace cre::crypto {
namespace {

using Bio = std::unique_ptr<BIO, decltype(&BIO_free)>;
using Cert = std::unique_ptr<X509, decltype(&X509_free)>;

absl::StatusOr<absl::Time> NotAfterOf(const X509& cert) {
  struct tm tm = {};
  if (ASN1_TIME_to_tm(X509_get0_notAfter(&cert), &tm) != 1) {
    return absl::InvalidArgumentError("the certificate's notAfter cannot be read");
  }
  return absl::FromUnixSeconds(static_cast<int64_t>(timegm(&tm)));
}

std::string SubjectOf(const X509& cert) {
  Bio out(BIO_new(BIO_s_mem()), BIO_free);
  if (out == nullptr) return "";
  X509_NAME_print_ex(out.get(), X509_get_subject_name(&cert), 0, XN_FLAG_RFC2253);
  char* data = nullptr;
  const long size = BIO_get_mem_data(out.get(), &data);
  return size > 0 ? std::string(data, static_cast<size_t>(size)) : "";
}

// Warns once per distinct problem: a scrape every 15 s must not fill the log.
void WarnOnce(const std::string& what) {
  static absl::Mutex mu;
  static std::string* last = new std::string();
  absl::MutexLock lock(&mu);
  if (*last == what) return;
  *last = what;
  spdlog::warn("certificate expiry: {}", what);
}

}  // namespace

absl::StatusOr<absl::Time> CertificateNotAfter(absl::string_view pem) {
  Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
  Cert cert(bio == nullptr ? nullptr : PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr), X509_free);
  if (cert == nullptr) {
    ERR_clear_error();
    return absl::InvalidArgumentError("holds no PEM certificate");
  }
  return NotAfterOf(*cert);
}

absl::string_view CertificateKindName(CertificateExpiry::Kind kind) {
  switch (kind) {
    case CertificateExpiry::Kind::kHub:
      return "hub";
    case CertificateExpiry::Kind::kClientCa:
      return "client_ca";
    case CertificateExpiry::Kind::kAgency:
      return "agency";
  }
  return "";
}

absl::StatusOr<std::vector<CertificateExpiry>> CertificatesInPem(absl::string_view pem,
                                                                 CertificateExpiry::Kind kind) {
  Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
  std::vector<CertificateExpiry> found;
  while (bio != nullptr) {
    Cert cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr), X509_free);
    if (cert == nullptr) break;
    absl::StatusOr<absl::Time> not_after = NotAfterOf(*cert);
    if (!not_after.ok()) return not_after.status();
    found.push_back(CertificateExpiry{kind, SubjectOf(*cert), *not_after});
  }
  ERR_clear_error();  // the end of the bundle reads as an error
  if (found.empty()) return absl::InvalidArgumentError("holds no PEM certificate");
  return found;
}

std::vector<CertificateExpiry> CertificateExpiries(const std::string& hub_cert_file,
                                                   const std::string& client_ca_file,
                                                   const std::vector<std::pair<std::string, absl::Time>>& agencies) {
  std::vector<CertificateExpiry> all;
  const auto add_file = [&](const std::string& path, CertificateExpiry::Kind kind, bool first_only) {
    if (path.empty()) return;
    absl::StatusOr<std::string> pem = ReadFile(path);
    if (!pem.ok()) return WarnOnce(absl::StrCat(path, ": ", pem.status().message()));
    absl::StatusOr<std::vector<CertificateExpiry>> certs = CertificatesInPem(*pem, kind);
    if (!certs.ok()) return WarnOnce(absl::StrCat(path, ": ", certs.status().message()));
    if (first_only) certs->resize(1);
    all.insert(all.end(), certs->begin(), certs->end());
  };
  add_file(hub_cert_file, CertificateExpiry::Kind::kHub, /*first_only=*/true);
  add_file(client_ca_file, CertificateExpiry::Kind::kClientCa, /*first_only=*/false);
  for (const auto& [agency_id, not_after] : agencies) {
    all.push_back(CertificateExpiry{CertificateExpiry::Kind::kAgency, agency_id, not_after});
  }
  return all;
}

}  // namespace cre::crypto
