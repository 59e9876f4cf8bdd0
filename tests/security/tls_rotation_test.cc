// Certificates rotate under a running hub: the hub re-reads its TLS files
// (tls.refresh_interval_seconds) and new handshakes use what they now hold,
// with no restart. Each test replaces the files the way an operator should
// (write a new file, rename it over the old) and watches new connections.
#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "support/test_database.h"
#include "support/test_hub.h"
#include "tls_test_support.h"

namespace cre {
namespace {

using testing::ClientFiles;
using testing::DevClient;
using testing::Eventually;
using testing::ReadWholeFile;
using testing::ReplaceFileAtomically;
using testing::WhoAmI;

// Long enough for several refresh intervals of 1 s.
constexpr absl::Duration kRotationTimeout = absl::Seconds(20);

bool Accepted(int port, const ClientFiles& client) { return WhoAmI(port, client).ok(); }

TEST(TlsRotationTest, HubCertificateIsReplacedWithoutARestart) {
  testing::TestDatabase db;
  v1::HubConfig config = testing::TestHubConfig(db);
  testing::TlsFilesInTempDir files(&config, "hub-rotation");
  // The new certificate comes from a CA of its own, so that a client can tell
  // which certificate the hub presents: one that trusts only the new CA
  // completes a handshake only with the new certificate.
  const std::string new_ca = files.dir() + "/new-ca";
  testing::MakeCa(new_ca, "Rotation CA");
  testing::MakeServerCert(new_ca, files.dir() + "/new-hub");
  ASSERT_FALSE(::testing::Test::HasFatalFailure());

  std::unique_ptr<HubServer> hub = testing::StartHub(config);
  ASSERT_NE(hub, nullptr);
  const int port = hub->port();
  const ClientFiles trusts_old = DevClient("derby-csc");
  ClientFiles trusts_new = trusts_old;
  trusts_new.ca = new_ca + "/ca.crt";

  ASSERT_TRUE(Accepted(port, trusts_old));
  grpc::Status before = WhoAmI(port, trusts_new);
  EXPECT_EQ(before.error_code(), grpc::StatusCode::UNAVAILABLE) << before.error_message();

  // Key first, then certificate: the watcher may read the pair between the
  // two renames; it must settle on the new pair once both are in place.
  ReplaceFileAtomically(files.key(), ReadWholeFile(files.dir() + "/new-hub.key"));
  ReplaceFileAtomically(files.cert(), ReadWholeFile(files.dir() + "/new-hub.crt"));

  EXPECT_TRUE(Eventually([&] { return Accepted(port, trusts_new); }, kRotationTimeout))
      << "a client trusting only the new CA was still refused " << kRotationTimeout << " after rotation";
  // The old certificate is no longer presented, and the identity of the
  // caller is still read from its own certificate.
  grpc::Status after = WhoAmI(port, trusts_old);
  EXPECT_EQ(after.error_code(), grpc::StatusCode::UNAVAILABLE) << after.error_message();
  v1::WhoAmIResponse who;
  ASSERT_TRUE(WhoAmI(port, trusts_new, &who).ok());
  EXPECT_EQ(who.agency().id(), "derby-csc");
  EXPECT_EQ(hub->port(), port);
  hub->Shutdown(absl::Seconds(1));
}

TEST(TlsRotationTest, ClientCaBundleIsExtendedAndShrunkWithoutARestart) {
  testing::TestDatabase db;
  v1::HubConfig config = testing::TestHubConfig(db);
  testing::TlsFilesInTempDir files(&config, "ca-rotation");
  // An agency moving to certificates from a new CA: derby-csc's identity,
  // issued by a CA the hub does not trust yet.
  const std::string new_ca = files.dir() + "/new-ca";
  testing::MakeCa(new_ca, "Agency Rotation CA");
  testing::MakeClientCert(new_ca, files.dir() + "/csc-new", "derby-csc");
  ASSERT_FALSE(::testing::Test::HasFatalFailure());

  std::unique_ptr<HubServer> hub = testing::StartHub(config);
  ASSERT_NE(hub, nullptr);
  const int port = hub->port();
  const ClientFiles old_cert = DevClient("derby-health");
  ClientFiles new_cert = DevClient("derby-csc");
  new_cert.cert = files.dir() + "/csc-new.crt";
  new_cert.key = files.dir() + "/csc-new.key";

  grpc::Status before = WhoAmI(port, new_cert);
  EXPECT_EQ(before.error_code(), grpc::StatusCode::UNAVAILABLE) << before.error_message();

  // Rotation step 1: trust old and new CA together.
  const std::string old_bundle = ReadWholeFile(files.client_ca());
  ReplaceFileAtomically(files.client_ca(), old_bundle + ReadWholeFile(new_ca + "/ca.crt"));
  EXPECT_TRUE(Eventually([&] { return Accepted(port, new_cert); }, kRotationTimeout))
      << "a certificate of the appended CA was still refused " << kRotationTimeout << " later";
  v1::WhoAmIResponse who;
  ASSERT_TRUE(WhoAmI(port, new_cert, &who).ok());
  EXPECT_EQ(who.agency().id(), "derby-csc");
  EXPECT_TRUE(Accepted(port, old_cert)) << "the old CA must stay trusted while both are in the bundle";

  // Rotation step 2 in reverse: a CA taken out of the bundle is refused again.
  ReplaceFileAtomically(files.client_ca(), old_bundle);
  EXPECT_TRUE(Eventually([&] { return !Accepted(port, new_cert); }, kRotationTimeout))
      << "a certificate of a CA removed from the bundle was still accepted " << kRotationTimeout << " later";
  grpc::Status removed = WhoAmI(port, new_cert);
  EXPECT_EQ(removed.error_code(), grpc::StatusCode::UNAVAILABLE) << removed.error_message();
  EXPECT_TRUE(Accepted(port, old_cert));
  EXPECT_EQ(hub->port(), port);
  hub->Shutdown(absl::Seconds(1));
}

}  // namespace
}  // namespace cre
