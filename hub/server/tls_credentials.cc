#include "server/tls_credentials.h"

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "absl/strings/str_cat.h"
#include "common/files.h"
#include "common/status_macros.h"
#include "grpcpp/security/tls_certificate_provider.h"
#include "grpcpp/security/tls_credentials_options.h"
#include "grpcpp/security/server_credentials.h"
#include "spdlog/spdlog.h"

namespace cre {
namespace {

struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct X509Deleter {
  void operator()(X509* x) const { X509_free(x); }
};
struct KeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};

absl::StatusOr<std::string> ReadField(const std::string& path, absl::string_view field) {
  absl::StatusOr<std::string> pem = ReadFile(path);
  if (!pem.ok()) {
    return absl::FailedPreconditionError(absl::StrCat("tls.", field, ": ", pem.status().message()));
  }
  return pem;
}

std::unique_ptr<BIO, BioDeleter> MemoryBio(const std::string& data) {
  return std::unique_ptr<BIO, BioDeleter>(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
}

std::unique_ptr<X509, X509Deleter> FirstCertificate(const std::string& pem) {
  auto bio = MemoryBio(pem);
  return std::unique_ptr<X509, X509Deleter>(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
}

}  // namespace

absl::Status CheckTlsFiles(const v1::TlsConfig& tls) {
  CRE_ASSIGN_OR_RETURN(std::string cert_pem, ReadField(tls.server_cert_file(), "server_cert_file"));
  CRE_ASSIGN_OR_RETURN(std::string key_pem, ReadField(tls.server_key_file(), "server_key_file"));
  CRE_ASSIGN_OR_RETURN(std::string ca_pem, ReadField(tls.client_ca_file(), "client_ca_file"));

  auto cert = FirstCertificate(cert_pem);
  if (cert == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat(
        "tls.server_cert_file: ", tls.server_cert_file(), " holds no PEM certificate"));
  }
  auto key_bio = MemoryBio(key_pem);
  std::unique_ptr<EVP_PKEY, KeyDeleter> key(
      PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr));
  if (key == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat(
        "tls.server_key_file: ", tls.server_key_file(), " holds no PEM private key"));
  }
  if (X509_check_private_key(cert.get(), key.get()) != 1) {
    return absl::FailedPreconditionError(
        "tls.server_key_file: the key does not belong to tls.server_cert_file");
  }
  if (IsReadableByOthers(tls.server_key_file())) {
    spdlog::warn("tls.server_key_file: {} is readable by group or others; chmod 600 it",
                 tls.server_key_file());
  }
  if (FirstCertificate(ca_pem) == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat(
        "tls.client_ca_file: ", tls.client_ca_file(), " holds no PEM certificate"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const v1::TlsConfig& tls) {
  CRE_RETURN_IF_ERROR(CheckTlsFiles(tls));
  auto provider = std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
      tls.server_key_file(), tls.server_cert_file(), tls.client_ca_file(),
      tls.refresh_interval_seconds());
  grpc::experimental::TlsServerCredentialsOptions options(provider);
  options.watch_root_certs();
  options.watch_identity_key_cert_pairs();
  options.set_cert_request_type(GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  if (!tls.crl_directory().empty()) options.set_crl_directory(tls.crl_directory());
  std::shared_ptr<grpc::ServerCredentials> credentials =
      grpc::experimental::TlsServerCredentials(options);
  if (credentials == nullptr) {
    return absl::InternalError("gRPC refused the TLS server credentials");
  }
  return credentials;
}

}  // namespace cre
