#include "support/test_hub.h"

#include <fstream>

#include "absl/strings/str_cat.h"
#include "google/protobuf/text_format.h"
#include "client/hub_channel.h"
#include "config/hub_config.h"
#include "gtest/gtest.h"
#include "store/mysql/mysql_store.h"
#include "support/test_environment.h"

namespace cre::testing {

v1::HubConfig TestHubConfig(const TestDatabase& db) {
  v1::DatabaseConfig database;
  if (IsTestClusterNode(db.settings())) {
    for (int i = 0; i < TestClusterSize(); ++i) {
      const mysql::ConnectionSettings node = TestClusterNodeSettings(i);
      v1::DatabaseNode* listed = database.add_nodes();
      listed->set_host(node.host);
      listed->set_port(node.port);
    }
    database.set_password_file(RequiredEnv("CRE_TEST_CLUSTER_PASSWORD_FILE"));
  } else {
    database.set_host(db.settings().host);
    database.set_port(db.settings().port);
    database.set_password_file(RequiredEnv("CRE_TEST_DB_PASSWORD_FILE"));
  }
  database.set_user(db.settings().user);
  database.set_schema(db.schema());
  return TestHubConfig(database);
}

v1::HubConfig TestHubConfig(const v1::DatabaseConfig& database) {
  const std::string certs = CertsDir();
  v1::HubConfig config;
  config.mutable_local_authority()->set_code("E06000015");
  config.mutable_local_authority()->set_name("Derby City Council");
  config.set_listen_address("127.0.0.1:0");
  config.mutable_tls()->set_server_cert_file(certs + "/hub.crt");
  config.mutable_tls()->set_server_key_file(certs + "/hub.key");
  config.mutable_tls()->set_client_ca_file(certs + "/ca.crt");
  *config.mutable_database() = database;
  config.set_agency_registry_file(SourceRoot() + "/config/agencies.textproto");
  config.set_governance_file(SourceRoot() + "/config/governance.textproto");
  config.set_pathway_policy_file(SourceRoot() + "/config/policy.textproto");
  config.set_bank_holiday_changes_file(SourceRoot() + "/config/bank_holiday_changes.textproto");
  config.set_field_key_file(RequiredEnv("CRE_TEST_KEY_FILE"));
  // Short enough that tests of redelivery and of a second hub process do
  // not wait long.
  config.mutable_delivery()->set_lease_seconds(2);
  config.mutable_delivery()->set_initial_backoff_ms(100);
  config.mutable_delivery()->set_poll_interval_ms(100);
  config.set_deadline_check_interval_ms(200);
  absl::Status completed = CompleteHubConfig(&config);
  EXPECT_TRUE(completed.ok()) << completed;
  return config;
}

std::string WriteHubConfigFile(v1::HubConfig config, const std::string& name) {
  config.clear_agency_registry();  // the file is named; the loader reads it
  if (!config.governance_file().empty()) config.clear_governance();
  std::string text;
  EXPECT_TRUE(google::protobuf::TextFormat::PrintToString(config, &text));
  const std::string path = ::testing::TempDir() + name;
  std::ofstream(path) << text;
  return path;
}

TestHub::TestHub(Adjust adjust, const Clock& clock, CertificateSource certificates)
    : owned_db_(std::make_unique<TestDatabase>(
          TestDatabase::Migrate::kYes,
          TestOnCluster() ? TestDatabase::Server::kCluster : TestDatabase::Server::kSingle)),
      db_(owned_db_.get()) {
  Start(adjust, clock, std::move(certificates));
}

TestHub::TestHub(const TestDatabase& shared, Adjust adjust, const Clock& clock) : db_(&shared) {
  Start(adjust, clock);
}

void TestHub::Start(const Adjust& adjust, const Clock& clock, CertificateSource certificates) {
  config_ = TestHubConfig(*db_);
  if (adjust) adjust(config_);
  absl::StatusOr<std::unique_ptr<mysql::MysqlStore>> store = mysql::OpenMysqlStore(config_);
  if (!store.ok()) {
    ADD_FAILURE() << "test store: " << store.status();
    std::abort();
  }
  absl::StatusOr<std::unique_ptr<HubServer>> server = HubServer::BuildAndStart(config_, *std::move(store), clock, std::move(certificates));
  if (!server.ok()) {
    ADD_FAILURE() << "test hub did not start: " << server.status();
    std::abort();  // Every test of this fixture needs the hub.
  }
  server_ = *std::move(server);
}

void TestHub::Stop() { server_->Shutdown(absl::Seconds(1)); }

TestHub::~TestHub() { Stop(); }

std::shared_ptr<grpc::Channel> TestHub::ChannelFor(const std::string& agency_id) const {
  return ChannelWith(absl::StrCat("agencies/", agency_id, ".crt"),
                     absl::StrCat("agencies/", agency_id, ".key"));
}

std::shared_ptr<grpc::Channel> TestHub::ChannelWith(const std::string& cert,
                                                    const std::string& key) const {
  const std::string certs = CertsDir();
  client::HubChannelOptions options;
  options.target = absl::StrCat("localhost:", port());
  options.ca_file = certs + "/ca.crt";
  if (!cert.empty()) options.cert_file = certs + "/" + cert;
  if (!key.empty()) options.key_file = certs + "/" + key;
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = client::MakeHubChannel(options);
  EXPECT_TRUE(channel.ok()) << channel.status();
  return channel.ok() ? *channel : nullptr;
}

}  // namespace cre::testing
