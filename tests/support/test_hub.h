// A real hub for end-to-end tests: the production HubServer and MysqlStore on
// a throwaway schema, listening on a free loopback port with the test PKI.
//
//   TestHub hub;
//   auto directory = v1::Directory::NewStub(hub.ChannelFor("derby-csc"));
#ifndef CRE_TESTS_SUPPORT_TEST_HUB_H_
#define CRE_TESTS_SUPPORT_TEST_HUB_H_

#include <functional>
#include <memory>
#include <string>

#include "common/clock.h"
#include "cre/v1/config.pb.h"
#include "grpcpp/channel.h"
#include "server/hub_server.h"
#include "support/test_database.h"

namespace cre::testing {

// A complete config for `db`: 127.0.0.1:0, the test PKI, the sample registry.
// When `db` is on the test cluster, the database names all its nodes, in
// order, as a hub on a cluster is configured.
v1::HubConfig TestHubConfig(const TestDatabase& db);
// The same for a database a test started itself (a cluster of its own, say).
v1::HubConfig TestHubConfig(const v1::DatabaseConfig& database);

// Writes `config` as a text-format file a cre-hub or hubctl process can
// load (registry by file name, not inline), in the test's temporary
// directory; returns its path.
std::string WriteHubConfigFile(v1::HubConfig config, const std::string& name);

class TestHub {
 public:
  // Changes a test may make to the config before the hub starts.
  using Adjust = std::function<void(v1::HubConfig&)>;

  // A hub on a schema of its own, on the test cluster when TestOnCluster()
  // (support/test_environment.h), else on the single test MariaDB. `clock` is the hub's (a FakeClock, say:
  // support/fake_clock.h) and must outlive it. `certificates`: the
  // certificates whose expiry is alerted, with config.alerting.
  explicit TestHub(Adjust adjust = nullptr, const Clock& clock = SystemClock(),
                   CertificateSource certificates = nullptr);
  // A second hub process (as far as the database can tell) on `shared`'s
  // schema, which must outlive it.
  explicit TestHub(const TestDatabase& shared, Adjust adjust = nullptr, const Clock& clock = SystemClock());
  ~TestHub();

  int port() const { return server_->port(); }
  // The console's HTTPS port, when the config has a console.
  int console_port() const { return server_->console_port(); }
  // The /metrics port, when the config has metrics.
  int metrics_port() const { return server_->metrics_port(); }
  const v1::HubConfig& config() const { return config_; }
  const TestDatabase& database() const { return *db_; }
  // Stops the hub (as a process stopping); the destructor does it too.
  void Stop();

  // A channel presenting agencies/<agency_id>.crt of the test PKI.
  std::shared_ptr<grpc::Channel> ChannelFor(const std::string& agency_id) const;
  // A channel presenting the given certificate files (paths relative to the
  // test PKI directory); both empty: no client certificate.
  std::shared_ptr<grpc::Channel> ChannelWith(const std::string& cert, const std::string& key) const;

 private:
  void Start(const Adjust& adjust, const Clock& clock, CertificateSource certificates = nullptr);

  std::unique_ptr<TestDatabase> owned_db_;
  const TestDatabase* db_;
  v1::HubConfig config_;
  std::unique_ptr<HubServer> server_;
};

}  // namespace cre::testing

#endif  // CRE_TESTS_SUPPORT_TEST_HUB_H_
