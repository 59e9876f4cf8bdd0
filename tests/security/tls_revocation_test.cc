// A revoked client certificate is refused in the handshake when the hub has a
// CRL directory (tls.crl_directory), while the same agency's current
// certificate and every other agency's are still accepted. The revoked
// certificate and the CA's CRL are made by certs/make-dev-certs.sh
// (test/revoked.crt, test/crl/<hash>.r0), exactly as an operator makes them.
// A last test installs a newer CRL under a running hub.
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

#include "gtest/gtest.h"
#include "support/test_database.h"
#include "support/test_environment.h"
#include "support/test_hub.h"
#include "tls_test_support.h"

namespace cre {
namespace {

using testing::ClientFiles;
using testing::DevClient;
using testing::WhoAmI;

class TlsRevocationTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    db_ = new testing::TestDatabase();
    v1::HubConfig config = testing::TestHubConfig(*db_);
    config.mutable_tls()->set_crl_directory(testing::CertsDir() + "/test/crl");
    hub_ = testing::StartHub(config).release();
  }
  static void TearDownTestSuite() {
    if (hub_ != nullptr) hub_->Shutdown(absl::Seconds(1));
    delete hub_;
    delete db_;
  }
  void SetUp() override { ASSERT_NE(hub_, nullptr); }

  static testing::TestDatabase* db_;
  static HubServer* hub_;
};

testing::TestDatabase* TlsRevocationTest::db_ = nullptr;
HubServer* TlsRevocationTest::hub_ = nullptr;

TEST_F(TlsRevocationTest, RevokedCertificateIsRefusedInTheHandshake) {
  // test/revoked.crt names derby-health, a registered agency: only the CRL
  // stands between it and the hub.
  ClientFiles revoked = DevClient("derby-health");
  revoked.cert = testing::CertsDir() + "/test/revoked.crt";
  revoked.key = testing::CertsDir() + "/test/revoked.key";
  v1::WhoAmIResponse who;
  grpc::Status status = WhoAmI(hub_->port(), revoked, &who);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
  EXPECT_FALSE(who.has_agency());
}

TEST_F(TlsRevocationTest, SameAgencysUnrevokedCertificateIsAccepted) {
  v1::WhoAmIResponse who;
  grpc::Status status = WhoAmI(hub_->port(), DevClient("derby-health"), &who);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(who.agency().id(), "derby-health");
}

TEST_F(TlsRevocationTest, OtherAgenciesAreUnaffectedByTheCrl) {
  for (const char* id : {"derby-csc", "derby-pru", "derbyshire-cc"}) {
    v1::WhoAmIResponse who;
    grpc::Status status = WhoAmI(hub_->port(), DevClient(id), &who);
    ASSERT_TRUE(status.ok()) << id << ": " << status.error_message();
    EXPECT_EQ(who.agency().id(), id);
  }
}

// Without the CRL directory the same certificate is accepted: the refusal
// above is the CRL's doing, not some other defect of the certificate.
TEST(TlsWithoutCrlTest, RevokedCertificateIsAcceptedWhenNoCrlIsConfigured) {
  testing::TestDatabase db;
  std::unique_ptr<HubServer> hub = testing::StartHub(testing::TestHubConfig(db));
  ASSERT_NE(hub, nullptr);
  ClientFiles revoked = DevClient("derby-health");
  revoked.cert = testing::CertsDir() + "/test/revoked.crt";
  revoked.key = testing::CertsDir() + "/test/revoked.key";
  v1::WhoAmIResponse who;
  grpc::Status status = WhoAmI(hub->port(), revoked, &who);
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(who.agency().id(), "derby-health");
  hub->Shutdown(absl::Seconds(1));
}

// A newer CRL is installed under a running hub, as SECURITY.md tells an
// operator to: the hub starts with a CRL of the dev CA that revokes nothing,
// then the CA revokes test/revoked.crt and its newer CRL is added under the
// next free suffix (<hash>.r1). New handshakes honour it without a restart.
// (Renaming the newer CRL over <hash>.r0 instead is NOT picked up by a running
// hub: OpenSSL's hashed-directory lookup keeps the CRL it loaded from .r0.
// Hence the procedure.)
TEST(TlsCrlUpdateTest, NewerCrlUnderTheNextSuffixTakesEffectWithoutARestart) {
  const std::string certs = testing::CertsDir();
  const std::string dir = testing::FreshDir("crl-update");
  const std::string crl_dir = dir + "/crl";
  std::filesystem::create_directories(crl_dir);
  // Only what `openssl ca -gencrl` needs: the dev CA and a database of
  // revocations of our own, so that the fixture's CA database is untouched.
  std::ofstream(dir + "/ca.cnf") << "[ ca ]\ndefault_ca = crl_only\n[ crl_only ]\n"
                                 << "database = " << dir << "/index.txt\n"
                                 << "certificate = " << certs << "/ca.crt\n"
                                 << "private_key = " << certs << "/ca.key\n"
                                 << "default_md = sha256\nunique_subject = no\n";
  std::ofstream(dir + "/index.txt").close();
  auto make_crl = [&](const std::string& out) {
    std::string output;
    ASSERT_EQ(testing::RunCommand(absl::StrCat("openssl ca -config '", dir, "/ca.cnf' -gencrl -crldays 2 -out '",
                                               out, "'"),
                                  &output),
              0)
        << output;
  };
  make_crl(dir + "/empty.pem");
  std::string hash;
  ASSERT_EQ(testing::RunCommand(absl::StrCat("openssl crl -in '", dir, "/empty.pem' -hash -noout"), &hash), 0);
  const std::string crl_file = absl::StrCat(crl_dir, "/", absl::StripAsciiWhitespace(hash), ".r0");
  testing::ReplaceFileAtomically(crl_file, testing::ReadWholeFile(dir + "/empty.pem"));

  testing::TestDatabase db;
  v1::HubConfig config = testing::TestHubConfig(db);
  config.mutable_tls()->set_crl_directory(crl_dir);
  std::unique_ptr<HubServer> hub = testing::StartHub(config);
  ASSERT_NE(hub, nullptr);
  ClientFiles revoked = DevClient("derby-health");
  revoked.cert = certs + "/test/revoked.crt";
  revoked.key = certs + "/test/revoked.key";
  grpc::Status before = WhoAmI(hub->port(), revoked);
  ASSERT_TRUE(before.ok()) << "the CRL in place revokes nothing yet: " << before.error_message();

  // The CA's database now lists the revocation (the fixture's own). The new
  // CRL must be issued at least a second later: OpenSSL prefers the CRL with
  // the latest lastUpdate when it holds two.
  absl::SleepFor(absl::Milliseconds(1100));
  std::filesystem::copy_file(certs + "/ca-db/index.txt", dir + "/index.txt",
                             std::filesystem::copy_options::overwrite_existing);
  make_crl(dir + "/revoking.pem");
  const std::string next_crl_file = crl_file.substr(0, crl_file.size() - 1) + "1";  // <hash>.r1
  testing::ReplaceFileAtomically(next_crl_file, testing::ReadWholeFile(dir + "/revoking.pem"));

  EXPECT_TRUE(testing::Eventually([&] { return WhoAmI(hub->port(), revoked).error_code() == grpc::StatusCode::UNAVAILABLE; },
                                  absl::Seconds(10)))
      << "the revoked certificate was still accepted 10 s after the new CRL was installed";
  EXPECT_TRUE(WhoAmI(hub->port(), DevClient("derby-health")).ok());
  hub->Shutdown(absl::Seconds(1));
}

}  // namespace
}  // namespace cre
