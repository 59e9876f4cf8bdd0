#include "support/test_environment.h"

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "common/files.h"

namespace cre::testing {

std::string RequiredEnv(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') {
    std::fprintf(stderr, "%s is not set: run this test through ctest, which starts its fixtures\n",
                 name);
    std::abort();
  }
  return value;
}

std::string SourceRoot() { return RequiredEnv("CRE_SOURCE_ROOT"); }

std::string CertsDir() { return RequiredEnv("CRE_TEST_CERTS_DIR"); }

mysql::ConnectionSettings TestServerSettings() {
  mysql::ConnectionSettings settings;
  settings.host = RequiredEnv("CRE_TEST_DB_HOST");
  if (!absl::SimpleAtoi(RequiredEnv("CRE_TEST_DB_PORT"), &settings.port)) std::abort();
  settings.user = RequiredEnv("CRE_TEST_DB_USER");
  absl::StatusOr<std::string> password = ReadSecretFile(RequiredEnv("CRE_TEST_DB_PASSWORD_FILE"));
  if (!password.ok()) {
    std::fprintf(stderr, "%s\n", std::string(password.status().message()).c_str());
    std::abort();
  }
  settings.password = *password;
  return settings;
}

namespace {

std::vector<int> TestClusterPorts() {
  std::vector<int> ports;
  for (absl::string_view text : absl::StrSplit(RequiredEnv("CRE_TEST_CLUSTER_PORTS"), ',')) {
    int port = 0;
    if (!absl::SimpleAtoi(text, &port)) std::abort();
    ports.push_back(port);
  }
  return ports;
}

}  // namespace

int TestClusterSize() { return static_cast<int>(TestClusterPorts().size()); }

mysql::ConnectionSettings TestClusterNodeSettings(int node) {
  mysql::ConnectionSettings settings;
  settings.host = "127.0.0.1";
  settings.port = TestClusterPorts().at(node);
  settings.user = RequiredEnv("CRE_TEST_DB_USER");
  absl::StatusOr<std::string> password = ReadSecretFile(RequiredEnv("CRE_TEST_CLUSTER_PASSWORD_FILE"));
  if (!password.ok()) {
    std::fprintf(stderr, "%s\n", std::string(password.status().message()).c_str());
    std::abort();
  }
  settings.password = *password;
  return settings;
}

std::string TestClusterDir() { return RequiredEnv("CRE_TEST_CLUSTER_DIR"); }

bool TestOnCluster() {
  const char* value = std::getenv("CRE_TEST_ON_CLUSTER");
  return value != nullptr && std::string(value) == "1";
}

bool IsTestClusterNode(const mysql::ConnectionSettings& settings) {
  // Not RequiredEnv: a test of the single server may run where no cluster
  // was ever described.
  if (std::getenv("CRE_TEST_CLUSTER_PORTS") == nullptr || settings.host != "127.0.0.1") return false;
  for (int port : TestClusterPorts()) {
    if (port == settings.port) return true;
  }
  return false;
}

std::shared_ptr<const crypto::FieldCipher> TestCipher() {
  absl::StatusOr<crypto::KeyRing> keys = crypto::KeyRing::Load(RequiredEnv("CRE_TEST_KEY_FILE"));
  if (!keys.ok()) {
    std::fprintf(stderr, "%s\n", std::string(keys.status().message()).c_str());
    std::abort();
  }
  return std::make_shared<const crypto::FieldCipher>(*std::move(keys));
}

}  // namespace cre::testing
