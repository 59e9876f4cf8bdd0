#include "server/agency_auth.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/quote.h"
#include "crypto/certificate_expiry.h"
#include "cre/v1/call_log.pb.h"
#include "grpc/grpc_security_constants.h"
#include "openssl/bio.h"
#include "openssl/err.h"
#include "openssl/pem.h"
#include "openssl/x509.h"
#include "openssl/x509v3.h"
#include "service/call_gate.h"
#include "service/call_record.h"
#include "server/grpc_status.h"

namespace cre {
namespace {

std::string ToString(const grpc::string_ref& ref) { return std::string(ref.data(), ref.size()); }
absl::string_view ToView(const grpc::string_ref& ref) { return absl::string_view(ref.data(), ref.size()); }

// The verdict of CheckClientCertificate on each certificate seen, keyed by
// its whole PEM text. Identification runs several times a call (the
// processor, the handler, the call log) on a hub benchmarked for throughput,
// and parsing a certificate costs far more than a map lookup; the calls of a
// connection all present the same certificate. The verdict depends on the
// certificate alone, so one map serves every hub in the process. Bounded in
// bytes: when full it is emptied, and fills again with the certificates in
// use (a caller cycling through many certificates costs parses, never memory).
// The verdict on a certificate, and when it expires (for the metrics:
// InfinitePast if it cannot be read).
struct Verdict {
  absl::Status usable;
  absl::Time not_after = absl::InfinitePast();
};

class CertificateVerdicts {
 public:
  Verdict Check(absl::string_view pem) {
    {
      absl::ReaderMutexLock lock(&mutex_);
      if (auto found = verdicts_.find(pem); found != verdicts_.end()) return found->second;
    }
    Verdict verdict{CheckClientCertificate(pem)};
    if (absl::StatusOr<absl::Time> not_after = crypto::CertificateNotAfter(pem); not_after.ok()) {
      verdict.not_after = *not_after;
    }
    absl::MutexLock lock(&mutex_);
    if (bytes_ + pem.size() > kMaxBytes) {
      verdicts_.clear();
      bytes_ = 0;
    }
    if (pem.size() <= kMaxBytes && verdicts_.emplace(pem, verdict).second) bytes_ += pem.size();
    return verdict;
  }

 private:
  // About 1,000 certificates of our CA's profile.
  static constexpr size_t kMaxBytes = size_t{1} << 20;

  absl::Mutex mutex_;
  absl::flat_hash_map<std::string, Verdict> verdicts_ ABSL_GUARDED_BY(mutex_);
  size_t bytes_ ABSL_GUARDED_BY(mutex_) = 0;
};

CertificateVerdicts& Verdicts() {
  static CertificateVerdicts* const verdicts = new CertificateVerdicts();
  return *verdicts;
}

// How many of a refused certificate's URIs its call log line shows.
constexpr size_t kLoggedUris = 3;

}  // namespace

absl::Status CheckClientCertificate(absl::string_view pem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())),
                                                BIO_free);
  std::unique_ptr<X509, decltype(&X509_free)> cert(
      bio == nullptr ? nullptr : PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr), X509_free);
  if (cert == nullptr) {
    ERR_clear_error();
    return absl::UnauthenticatedError("the client certificate cannot be read");
  }
  // TLS checked the chain, and that an extended key usage, if present,
  // allows clientAuth; it accepts a CA certificate as a client's, and a
  // certificate with no extended key usage at all.
  if (X509_check_ca(cert.get()) != 0) {
    return absl::UnauthenticatedError(
        "the client certificate is a CA certificate (basicConstraints CA:TRUE); an agency's must not be");
  }
  if ((X509_get_extension_flags(cert.get()) & EXFLAG_XKUSAGE) == 0) {
    return absl::UnauthenticatedError(
        "the client certificate has no extended key usage; an agency's must include clientAuth");
  }
  if ((X509_get_extended_key_usage(cert.get()) & XKU_SSL_CLIENT) == 0) {
    return absl::UnauthenticatedError("the client certificate's extended key usage does not include clientAuth");
  }
  return absl::OkStatus();
}

absl::StatusOr<const v1::Agency*> IdentifyAgency(const grpc::AuthContext& auth,
                                                 const AgencyRegistry& registry) {
  const std::vector<grpc::string_ref> pems = auth.FindPropertyValues(GRPC_X509_PEM_CERT_PROPERTY_NAME);
  if (pems.empty()) return absl::UnauthenticatedError("the call carries no client certificate");
  if (absl::Status usable = Verdicts().Check(ToView(pems.front())).usable; !usable.ok()) return usable;

  const std::vector<grpc::string_ref> uris = auth.FindPropertyValues(GRPC_PEER_URI_PROPERTY_NAME);
  absl::string_view agency_uri;
  int agency_uris = 0;
  for (const grpc::string_ref& value : uris) {
    if (absl::StartsWith(ToView(value), kAgencyUriPrefix)) {
      agency_uri = ToView(value);
      ++agency_uris;
    }
  }
  if (agency_uris == 0) {
    return absl::UnauthenticatedError(absl::StrCat(
        "the client certificate carries no ", kAgencyUriPrefix, "<id> URI SAN"));
  }
  if (agency_uris > 1) {
    return absl::UnauthenticatedError(
        "the client certificate carries more than one agency identity");
  }
  // Which identity would a certificate that names two be calling as?
  if (uris.size() > 1) {
    return absl::UnauthenticatedError(absl::StrCat(
        "the client certificate carries a URI SAN other than its ", kAgencyUriPrefix,
        "<id>; an agency's must carry exactly one URI SAN"));
  }
  const v1::Agency* agency = registry.FindByIdentityUri(agency_uri);
  if (agency == nullptr) {
    return absl::UnauthenticatedError(absl::StrCat(Quote(agency_uri), " is not a registered agency"));
  }
  return agency;
}

grpc::Status AgencyAuthProcessor::Process(const InputMetadata& auth_metadata,
                                          grpc::AuthContext* context,
                                          OutputMetadata* /*consumed_auth_metadata*/,
                                          OutputMetadata* /*response_metadata*/) {
  absl::StatusOr<const v1::Agency*> agency = IdentifyAgency(*context, *registry_);
  if (!agency.ok()) {
    if (unauthenticated_ != nullptr) unauthenticated_->Increment();
    // The call never reaches a handler or the call-log interceptor, so the
    // refusal is logged here. RecordCall bounds the method; the URIs are
    // shown quoted, the first few only.
    v1::CallRecord record;
    auto path = auth_metadata.find(":path");
    if (path != auth_metadata.end()) record.set_method(ToString(path->second));
    record.set_code("UNAUTHENTICATED");
    record.set_detail(std::string(agency.status().message()));
    const std::vector<grpc::string_ref> uris = context->FindPropertyValues(GRPC_PEER_URI_PROPERTY_NAME);
    std::string peer;
    for (size_t i = 0; i < uris.size() && i < kLoggedUris; ++i) {
      absl::StrAppend(&peer, i == 0 ? "" : " ", Quote(ToView(uris[i])));
    }
    if (uris.size() > kLoggedUris) absl::StrAppend(&peer, " and ", uris.size() - kLoggedUris, " more");
    record.set_peer(std::move(peer));
    RecordCall(record, audit_);
    return ToGrpcStatus(agency.status());
  }
  if (presence_ != nullptr) {
    // When its certificate expires, for the metrics: from the verdict
    // IdentifyAgency has just cached, so no certificate is parsed again.
    const std::vector<grpc::string_ref> pems = context->FindPropertyValues(GRPC_X509_PEM_CERT_PROPERTY_NAME);
    const absl::Time not_after = Verdicts().Check(ToView(pems.front())).not_after;
    if (not_after != absl::InfinitePast()) presence_->CertificateSeen((*agency)->id(), not_after);
  }
  if (limiter_ == nullptr) return grpc::Status::OK;
  auto path = auth_metadata.find(":path");
  const std::string method = path == auth_metadata.end() ? "" : ToString(path->second);
  if (ClassifyMethod(method) != CallClass::kOther) return grpc::Status::OK;
  absl::Status limited = ApplyRateLimit(*limiter_, (*agency)->id(), method, absl::Now(), audit_);
  if (!limited.ok()) {
    // Refused before the handler and the call-log interceptor: logged here.
    v1::CallRecord record;
    record.set_agency((*agency)->id());
    record.set_method(method);
    record.set_code("RESOURCE_EXHAUSTED");
    record.set_detail(std::string(limited.message()));
    LogCallRecord(record);
  }
  return ToGrpcStatus(limited);
}

absl::StatusOr<v1::Agency> CallerAgency(const grpc::ServerContextBase& context,
                                        const AgencyRegistry& registry) {
  std::shared_ptr<const grpc::AuthContext> auth = context.auth_context();
  if (auth == nullptr) return absl::UnauthenticatedError("the call carries no client certificate");
  absl::StatusOr<const v1::Agency*> agency = IdentifyAgency(*auth, registry);
  if (!agency.ok()) return agency.status();
  return **agency;
}

absl::StatusOr<CallContext> CallContextOf(const grpc::ServerContextBase& context, const AgencyRegistry& registry) {
  absl::StatusOr<v1::Agency> caller = CallerAgency(context, registry);
  if (!caller.ok()) return caller.status();
  return CallContext{*std::move(caller), context.peer(), ""};
}

std::string CallerAgencyId(const grpc::ServerContextBase& context,
                           const AgencyRegistry& registry) {
  absl::StatusOr<v1::Agency> agency = CallerAgency(context, registry);
  return agency.ok() ? agency->id() : "";
}

}  // namespace cre
