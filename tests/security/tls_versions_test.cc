// Nothing below TLS 1.2: the OpenSSL command-line client, told to offer only
// TLS 1.0 or only TLS 1.1, cannot complete a handshake with the hub; offering
// TLS 1.2 it can. The client runs at OpenSSL security level 0 so that it does
// offer the old versions (OpenSSL 3 refuses them itself at the default level,
// which would make the test pass without the hub doing anything).
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/test_database.h"
#include "support/test_environment.h"
#include "support/test_hub.h"
#include "tls_test_support.h"

namespace cre {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class TlsVersionsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    db_ = new testing::TestDatabase();
    hub_ = testing::StartHub(testing::TestHubConfig(*db_)).release();
  }
  static void TearDownTestSuite() {
    if (hub_ != nullptr) hub_->Shutdown(absl::Seconds(1));
    delete hub_;
    delete db_;
  }
  void SetUp() override { ASSERT_NE(hub_, nullptr); }

  // openssl s_client against the hub on loopback with derby-csc's
  // certificate, offering only `version_flag`; returns the exit status.
  static int Handshake(const std::string& version_flag, std::string* output) {
    const std::string certs = testing::CertsDir();
    return testing::RunCommand(
        absl::StrCat("timeout 10 openssl s_client -connect 127.0.0.1:", hub_->port(), " ",
                     version_flag, " -cipher 'DEFAULT:@SECLEVEL=0' -alpn h2",
                     " -CAfile '", certs, "/ca.crt' -verify_return_error",
                     " -cert '", certs, "/agencies/derby-csc.crt' -key '", certs,
                     "/agencies/derby-csc.key' </dev/null"),
        output);
  }

  // The client sent its ClientHello (it did offer the old version: OpenSSL
  // did not refuse on its own), and the hub closed the connection without a
  // ServerHello (gRPC logs "unsupported protocol"): no session was made.
  static void ExpectRefusedByTheHub(const std::string& output) {
    EXPECT_THAT(output, Not(HasSubstr("no protocols available"))) << output;
    EXPECT_THAT(output, Not(HasSubstr("written 0 bytes"))) << output;
    EXPECT_THAT(output, HasSubstr("SSL handshake has read 0 bytes")) << output;
    EXPECT_THAT(output, HasSubstr("Cipher is (NONE)")) << output;
  }

  static testing::TestDatabase* db_;
  static HubServer* hub_;
};

testing::TestDatabase* TlsVersionsTest::db_ = nullptr;
HubServer* TlsVersionsTest::hub_ = nullptr;

TEST_F(TlsVersionsTest, Tls12HandshakeSucceeds) {
  std::string output;
  EXPECT_EQ(Handshake("-tls1_2", &output), 0) << output;
  EXPECT_THAT(output, HasSubstr("New, TLSv1.2, Cipher is ECDHE"));
  EXPECT_THAT(output, HasSubstr("Verify return code: 0 (ok)"));
}

TEST_F(TlsVersionsTest, Tls11HandshakeFails) {
  std::string output;
  EXPECT_NE(Handshake("-tls1_1", &output), 0) << output;
  ExpectRefusedByTheHub(output);
}

TEST_F(TlsVersionsTest, Tls10HandshakeFails) {
  std::string output;
  EXPECT_NE(Handshake("-tls1", &output), 0) << output;
  ExpectRefusedByTheHub(output);
}

}  // namespace
}  // namespace cre
