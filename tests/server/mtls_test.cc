// Mutual TLS and agency identity, end to end: a real hub on loopback, the
// test PKI made by certs/make-dev-certs.sh, the real MariaDB.
#include <memory>

#include "cre/v1/directory.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "support/test_hub.h"

namespace cre {
namespace {

using ::testing::HasSubstr;

class MtlsTest : public ::testing::Test {
 protected:
  // One hub for the whole suite: starting it is the slow part.
  static void SetUpTestSuite() { hub_ = new testing::TestHub(); }
  static void TearDownTestSuite() {
    delete hub_;
    hub_ = nullptr;
  }

  static grpc::Status WhoAmI(const std::shared_ptr<grpc::Channel>& channel,
                             v1::WhoAmIResponse* response) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    return v1::Directory::NewStub(channel)->WhoAmI(&context, v1::WhoAmIRequest(), response);
  }

  static testing::TestHub* hub_;
};

testing::TestHub* MtlsTest::hub_ = nullptr;

TEST_F(MtlsTest, RegisteredAgencyIsAcceptedAndIdentifiedByItsCertificate) {
  v1::WhoAmIResponse response;
  grpc::Status status = WhoAmI(hub_->ChannelFor("derby-csc"), &response);
  ASSERT_TRUE(status.ok()) << status.error_code() << " " << status.error_message();
  EXPECT_EQ(response.agency().id(), "derby-csc");
  EXPECT_EQ(response.agency().role(), v1::CHILDRENS_SOCIAL_CARE);
  EXPECT_EQ(response.hub_local_authority_code(), "E06000015");
}

TEST_F(MtlsTest, EachAgencyIsWhoItsCertificateSays) {
  for (const char* id : {"derby-pru", "derby-school-ashgrove", "derbyshire-cc"}) {
    v1::WhoAmIResponse response;
    ASSERT_TRUE(WhoAmI(hub_->ChannelFor(id), &response).ok()) << id;
    EXPECT_EQ(response.agency().id(), id);
  }
}

TEST_F(MtlsTest, ManyCallsOnOneConnectionKeepTheirIdentity) {
  // The connection's AuthContext is shared by its calls; each must still see
  // exactly one identity.
  auto channel = hub_->ChannelFor("derby-csc");
  for (int i = 0; i < 5; ++i) {
    v1::WhoAmIResponse response;
    grpc::Status status = WhoAmI(channel, &response);
    ASSERT_TRUE(status.ok()) << "call " << i << ": " << status.error_message();
    EXPECT_EQ(response.agency().id(), "derby-csc");
  }
}

TEST_F(MtlsTest, ListAgenciesComesFromTheStore) {
  grpc::ClientContext context;
  v1::ListAgenciesResponse response;
  grpc::Status status = v1::Directory::NewStub(hub_->ChannelFor("derby-health"))
                            ->ListAgencies(&context, v1::ListAgenciesRequest(), &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.agencies_size(), hub_->config().agency_registry().agencies_size());
}

TEST_F(MtlsTest, HealthServiceAnswersServing) {
  grpc::ClientContext context;
  grpc::health::v1::HealthCheckResponse response;
  grpc::Status status = grpc::health::v1::Health::NewStub(hub_->ChannelFor("derby-iro"))
                            ->Check(&context, grpc::health::v1::HealthCheckRequest(), &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::SERVING);
}

// Refusals in the TLS handshake: the client sees UNAVAILABLE.
struct HandshakeRefusal {
  const char* name;
  const char* cert;
  const char* key;
};

class HandshakeRefusalTest : public MtlsTest,
                             public ::testing::WithParamInterface<HandshakeRefusal> {};

TEST_P(HandshakeRefusalTest, IsRefusedWithUnavailable) {
  v1::WhoAmIResponse response;
  grpc::Status status = WhoAmI(hub_->ChannelWith(GetParam().cert, GetParam().key), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
  EXPECT_FALSE(response.has_agency());
}

INSTANTIATE_TEST_SUITE_P(
    Certificates, HandshakeRefusalTest,
    ::testing::Values(HandshakeRefusal{"NoClientCertificate", "", ""},
                      HandshakeRefusal{"SignedByAnotherCa", "test/foreign.crt", "test/foreign.key"},
                      HandshakeRefusal{"Expired", "test/expired.crt", "test/expired.key"}),
    [](const ::testing::TestParamInfo<HandshakeRefusal>& info) { return info.param.name; });

// Refusals after the handshake: a valid certificate that names nobody the
// hub knows gets UNAUTHENTICATED.
TEST_F(MtlsTest, UnregisteredIdentityIsUnauthenticated) {
  v1::WhoAmIResponse response;
  grpc::Status status = WhoAmI(hub_->ChannelWith("test/unknown.crt", "test/unknown.key"), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(status.error_message(), HasSubstr("urn:cre:agency:not-registered"));
}

TEST_F(MtlsTest, CommonNameIsNeverAnIdentity) {
  // cn-only.crt has CN=urn:cre:agency:derby-pru and no URI SAN.
  v1::WhoAmIResponse response;
  grpc::Status status = WhoAmI(hub_->ChannelWith("test/cn-only.crt", "test/cn-only.key"), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(status.error_message(), HasSubstr("no urn:cre:agency:<id> URI SAN"));
}

TEST_F(MtlsTest, UnregisteredIdentityCannotReachHealthOrReflectionEither) {
  grpc::ClientContext context;
  grpc::health::v1::HealthCheckResponse response;
  grpc::Status status =
      grpc::health::v1::Health::NewStub(hub_->ChannelWith("test/unknown.crt", "test/unknown.key"))
          ->Check(&context, grpc::health::v1::HealthCheckRequest(), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

}  // namespace
}  // namespace cre

