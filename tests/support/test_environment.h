// Where the test fixtures are: the private MariaDB and the test PKI that
// tests/CMakeLists.txt starts and makes with the project's own scripts, and
// that reach the tests through CRE_TEST_* environment variables.
#ifndef CRE_TESTS_SUPPORT_TEST_ENVIRONMENT_H_
#define CRE_TESTS_SUPPORT_TEST_ENVIRONMENT_H_

#include <string>

#include <memory>

#include "crypto/field_cipher.h"
#include "store/mysql/connection_pool.h"

namespace cre::testing {

// The variable's value; aborts the test run, naming the variable, if unset
// (run the tests through ctest, which sets them).
std::string RequiredEnv(const char* name);

// The repository root.
std::string SourceRoot();

// The test PKI directory (made by certs/make-dev-certs.sh).
std::string CertsDir();

// Connection settings of the test MariaDB, without a schema.
mysql::ConnectionSettings TestServerSettings();

// The test Galera cluster (the galera fixture, scripts/galera.sh): how many
// nodes it has, and the settings of node `node` (0-based), without a schema.
int TestClusterSize();
mysql::ConnectionSettings TestClusterNodeSettings(int node);
// The cluster's folder, for scripts/galera.sh kill/start in fault tests.
std::string TestClusterDir();
// Whether a test's own hubs (support/test_hub.h) run on the test cluster
// rather than the single test MariaDB: CRE_TEST_ON_CLUSTER=1, which CTest
// sets for a second run of an e2e binary (routing_cluster_test), so that
// the same cases check both without a copy of their bodies.
bool TestOnCluster();
// Whether `settings` point at a node of the test cluster (its host and a
// port of CRE_TEST_CLUSTER_PORTS).
bool IsTestClusterNode(const mysql::ConnectionSettings& settings);

// A field cipher for stores under test: the test key file that
// scripts/make-dev-keys.sh made (CRE_TEST_KEY_FILE).
std::shared_ptr<const crypto::FieldCipher> TestCipher();

}  // namespace cre::testing

#endif  // CRE_TESTS_SUPPORT_TEST_ENVIRONMENT_H_
