// A certificate's notAfter from its PEM, each certificate of a bundle, and
// the list of the hub's, the client CA's and the agencies' expiries.
#include "crypto/certificate_expiry.h"

#include <cstdio>
#include <fstream>
#include <memory>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "openssl/evp.h"
#include "openssl/pem.h"
#include "openssl/x509.h"

namespace cre::crypto {
namespace {

// A self-signed certificate named CN=`cn`, valid until `not_after`, as PEM.
std::string MakeCertificate(const std::string& cn, absl::Time not_after) {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_EC_gen("P-256"), EVP_PKEY_free);
  std::unique_ptr<X509, decltype(&X509_free)> cert(X509_new(), X509_free);
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  ASN1_TIME_set(X509_getm_notAfter(cert.get()), static_cast<time_t>(absl::ToUnixSeconds(not_after)));
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1,
                             0);
  X509_set_issuer_name(cert.get(), name);
  X509_set_pubkey(cert.get(), key.get());
  X509_sign(cert.get(), key.get(), EVP_sha256());
  std::unique_ptr<BIO, decltype(&BIO_free)> out(BIO_new(BIO_s_mem()), BIO_free);
  PEM_write_bio_X509(out.get(), cert.get());
  char* data = nullptr;
  const long size = BIO_get_mem_data(out.get(), &data);
  return std::string(data, static_cast<size_t>(size));
}

std::string WriteTemp(const std::string& name, const std::string& text) {
  const std::string path = ::testing::TempDir() + "/" + name;
  std::ofstream(path) << text;
  return path;
}

const absl::Time kJune2027 = absl::FromUnixSeconds(1811808000);  // 2027-06-01T00:00:00Z

TEST(CertificateNotAfterTest, ReadsTheFirstCertificate) {
  absl::StatusOr<absl::Time> not_after = CertificateNotAfter(MakeCertificate("hub", kJune2027));
  ASSERT_TRUE(not_after.ok()) << not_after.status();
  EXPECT_EQ(*not_after, kJune2027);
  EXPECT_EQ(CertificateNotAfter("not a certificate").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(CertificatesInPemTest, EveryCertificateOfABundleWithItsSubject) {
  const std::string bundle =
      MakeCertificate("Root A", kJune2027) + MakeCertificate("Root B", kJune2027 + absl::Hours(24));
  absl::StatusOr<std::vector<CertificateExpiry>> certs = CertificatesInPem(bundle, CertificateExpiry::Kind::kClientCa);
  ASSERT_TRUE(certs.ok()) << certs.status();
  ASSERT_EQ(certs->size(), 2u);
  EXPECT_EQ((*certs)[0].subject, "CN=Root A");
  EXPECT_EQ((*certs)[1].not_after, kJune2027 + absl::Hours(24));
  EXPECT_FALSE(CertificatesInPem("", CertificateExpiry::Kind::kClientCa).ok());
}

TEST(CertificateExpiriesTest, TheHubsLeafEveryCaAndEachAgency) {
  const std::string hub = WriteTemp("hub.crt", MakeCertificate("hub.example", kJune2027) +
                                                   MakeCertificate("Intermediate", kJune2027 + absl::Hours(1)));
  const std::string ca = WriteTemp("ca.crt", MakeCertificate("Root A", kJune2027 + absl::Hours(2)) +
                                                 MakeCertificate("Root B", kJune2027 + absl::Hours(3)));
  std::vector<CertificateExpiry> all =
      CertificateExpiries(hub, ca, {{"derby-csc", kJune2027 + absl::Hours(4)}});
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(CertificateKindName(all[0].kind), "hub");
  EXPECT_EQ(all[0].subject, "CN=hub.example");
  EXPECT_EQ(CertificateKindName(all[1].kind), "client_ca");
  EXPECT_EQ(all[2].subject, "CN=Root B");
  EXPECT_EQ(CertificateKindName(all[3].kind), "agency");
  EXPECT_EQ(all[3].subject, "derby-csc");
  EXPECT_EQ(all[3].not_after, kJune2027 + absl::Hours(4));
}

TEST(CertificateExpiriesTest, AFileThatCannotBeReadIsLeftOutNotTheRest) {
  const std::string ca = WriteTemp("ca-only.crt", MakeCertificate("Root A", kJune2027));
  std::vector<CertificateExpiry> all = CertificateExpiries("/nonexistent/hub.crt", ca, {});
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(CertificateKindName(all[0].kind), "client_ca");
}

}  // namespace
}  // namespace cre::crypto
