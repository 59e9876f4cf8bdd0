// Client certificates that chain to the hub's CA and name a registered agency,
// but that a careful PKI operator would never have issued to a client: each
// is refused UNAUTHENTICATED with a message naming the reason (README, "Who
// may call"). And a certificate with a 20,000-character URI SAN: its refusal
// and the hub's log line for it stay short, since an echo of the whole URI
// would overflow gRPC's metadata limit (the client would see
// RESOURCE_EXHAUSTED, which clients retry) and write 40 KB log lines.
// The certificates are made by certs/make-dev-certs.sh (test/).
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "cre/v1/directory.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "support/log_capture.h"
#include "spdlog/spdlog.h"
#include "server/agency_auth.h"
#include "support/test_environment.h"
#include "support/test_hub.h"

namespace cre {
namespace {

// A file of the test PKI, whole.
std::string ReadCert(const std::string& path) {
  std::ifstream in(testing::CertsDir() + "/" + path, std::ios::binary);
  std::stringstream contents;
  contents << in.rdbuf();
  EXPECT_FALSE(contents.str().empty()) << "cannot read " << path;
  return contents.str();
}

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::cre::testing::CapturingSink;
using ::testing::Not;

class ClientCertificateTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // Before the hub starts: no other thread logs yet.
    sink_ = std::make_shared<CapturingSink>();
    spdlog::default_logger()->sinks().push_back(sink_);
    hub_ = new testing::TestHub();
  }
  static void TearDownTestSuite() {
    delete hub_;
    hub_ = nullptr;
    spdlog::default_logger()->sinks().pop_back();
    sink_.reset();
  }

  static grpc::Status WhoAmI(const std::shared_ptr<grpc::Channel>& channel, v1::WhoAmIResponse* response) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    return v1::Directory::NewStub(channel)->WhoAmI(&context, v1::WhoAmIRequest(), response);
  }

  static grpc::Status WhoAmIWith(const std::string& name, v1::WhoAmIResponse* response) {
    return WhoAmI(hub_->ChannelWith("test/" + name + ".crt", "test/" + name + ".key"), response);
  }

  static testing::TestHub* hub_;
  static std::shared_ptr<CapturingSink> sink_;
};

MATCHER_P2(StatusIs, code, substring, "") {
  return arg.code() == code && absl::StrContains(arg.message(), substring);
}

testing::TestHub* ClientCertificateTest::hub_ = nullptr;
std::shared_ptr<CapturingSink> ClientCertificateTest::sink_;

struct Refusal {
  const char* name;     // the test's
  const char* file;     // test/<file>.crt and .key
  const char* because;  // what the message must say
};

class RefusedCertificateTest : public ClientCertificateTest,
                               public ::testing::WithParamInterface<Refusal> {};

TEST_P(RefusedCertificateTest, IsUnauthenticatedNamingTheReason) {
  // Twice on one connection: the second call must not be let through by
  // whatever the hub remembers of the first.
  const std::shared_ptr<grpc::Channel> channel =
      hub_->ChannelWith(absl::StrCat("test/", GetParam().file, ".crt"),
                        absl::StrCat("test/", GetParam().file, ".key"));
  for (int call = 0; call < 2; ++call) {
    v1::WhoAmIResponse response;
    grpc::Status status = WhoAmI(channel, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED)
        << "call " << call << ": " << status.error_code() << " " << status.error_message();
    EXPECT_THAT(status.error_message(), HasSubstr(GetParam().because)) << "call " << call;
    EXPECT_FALSE(response.has_agency()) << "call " << call;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Certificates, RefusedCertificateTest,
    ::testing::Values(
        // A CA certificate could sign certificates of its own.
        Refusal{"CaTrue", "ca-true", "is a CA certificate"},
        // Our CA always issues clientAuth: no extended key usage is a
        // certificate it did not mean for a client.
        Refusal{"NoExtendedKeyUsage", "no-eku", "has no extended key usage"},
        // Two identities in one certificate: which one is calling?
        Refusal{"ExtraUri", "extra-uri", "carries a URI SAN other than its urn:cre:agency:<id>"}),
    [](const ::testing::TestParamInfo<Refusal>& info) { return info.param.name; });

TEST_F(ClientCertificateTest, AnExtendedKeyUsageWithoutClientAuthIsRefusedInTheHandshake) {
  // OpenSSL, verifying a client's chain for gRPC, refuses an extended key
  // usage that does not allow clientAuth (its "sslclient" purpose): the call
  // never reaches the hub's own check, and the client sees UNAVAILABLE.
  v1::WhoAmIResponse response;
  grpc::Status status = WhoAmIWith("no-client-auth", &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
  EXPECT_FALSE(response.has_agency());
  // Should a later gRPC or OpenSSL let it through, the hub refuses it too.
  EXPECT_THAT(CheckClientCertificate(ReadCert("test/no-client-auth.crt")),
              StatusIs(absl::StatusCode::kUnauthenticated, "extended key usage does not include clientAuth"));
}

TEST_F(ClientCertificateTest, TheCertificateCheckNamesEachReason) {
  EXPECT_TRUE(CheckClientCertificate(ReadCert("agencies/derby-pru.crt")).ok());
  EXPECT_THAT(CheckClientCertificate(ReadCert("test/ca-true.crt")),
              StatusIs(absl::StatusCode::kUnauthenticated, "is a CA certificate"));
  EXPECT_THAT(CheckClientCertificate(ReadCert("test/no-eku.crt")),
              StatusIs(absl::StatusCode::kUnauthenticated, "has no extended key usage"));
  // Its names are not its business: IdentifyAgency checks those.
  EXPECT_TRUE(CheckClientCertificate(ReadCert("test/extra-uri.crt")).ok());
  // The dev CA's own certificate.
  EXPECT_THAT(CheckClientCertificate(ReadCert("ca.crt")),
              StatusIs(absl::StatusCode::kUnauthenticated, "is a CA certificate"));
  EXPECT_THAT(CheckClientCertificate("not a certificate"),
              StatusIs(absl::StatusCode::kUnauthenticated, "cannot be read"));
}

TEST_F(ClientCertificateTest, TheAgencysOwnCertificateIsStillAccepted) {
  // Same agency, CA and key type as the refused ones: only what each refused
  // certificate adds makes the difference.
  const std::shared_ptr<grpc::Channel> channel = hub_->ChannelFor("derby-pru");
  for (int call = 0; call < 2; ++call) {
    v1::WhoAmIResponse response;
    grpc::Status status = WhoAmI(channel, &response);
    ASSERT_TRUE(status.ok()) << "call " << call << ": " << status.error_code() << " " << status.error_message();
    EXPECT_EQ(response.agency().id(), "derby-pru");
  }
}

TEST_F(ClientCertificateTest, AHugeUriSanIsNeitherEchoedNorLoggedWhole) {
  // urn:cre:agency:xxx... with 20,000 characters in all.
  const std::string uri_start = "urn:cre:agency:xxxxxxxxxxxxxxxxxxxx";
  v1::WhoAmIResponse response;
  grpc::Status status = WhoAmIWith("long-uri", &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED)
      << status.error_code() << " " << status.error_message().substr(0, 200);
  EXPECT_LT(status.error_message().size(), 300u) << status.error_message().substr(0, 200);
  EXPECT_THAT(status.error_message(),
              AllOf(HasSubstr(uri_start), HasSubstr("(20000 bytes)"), HasSubstr("is not a registered agency")));
  EXPECT_FALSE(response.has_agency());

  // The refusal's call log line names the URI, cut short.
  const std::vector<std::string> lines = sink_->Lines();
  int refusals = 0;
  for (const std::string& line : lines) {
    EXPECT_LT(line.size(), 2000u) << line.substr(0, 200);
    if (line.find(uri_start) != std::string::npos) {
      ++refusals;
      EXPECT_THAT(line, AllOf(HasSubstr("UNAUTHENTICATED"), HasSubstr("(20000 bytes)"),
                              Not(HasSubstr(std::string(100, 'x')))));
    }
  }
  EXPECT_GE(refusals, 1) << "no call log line names the URI";
}

}  // namespace
}  // namespace cre
