// The hub outlives its database: while MariaDB is down, calls that need it
// fail with UNAVAILABLE (retry later) and health says NOT_SERVING; when it
// returns, the hub serves again within seconds, without a restart.
//
// The test runs its own MariaDB (scripts/mariadb.sh, like every other), so
// that stopping it disturbs no other test.
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "client/hub_channel.h"
#include "cre/v1/referrals.grpc.pb.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/time_util.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "server/hub_server.h"
#include "store/mysql/migrations.h"
#include "store/mysql/mysql_store.h"
#include "support/inbox_stream.h"
#include "support/private_mariadb.h"
#include "support/test_environment.h"
#include "support/test_hub.h"

namespace cre {
namespace {

class DatabaseOutageTest : public ::testing::Test {
 protected:
  grpc::StatusCode Submit(const std::shared_ptr<grpc::Channel>& channel, const std::string& key) {
    return testing::SubmitReport(channel, key).error_code();
  }

  grpc::health::v1::HealthCheckResponse::ServingStatus Health(const std::shared_ptr<grpc::Channel>& channel) {
    grpc::ClientContext context;
    grpc::health::v1::HealthCheckResponse response;
    grpc::health::v1::Health::NewStub(channel)->Check(&context, {}, &response);
    return response.status();
  }

  testing::PrivateMariadb db_;
};

TEST_F(DatabaseOutageTest, CallsAreUnavailableWhileTheDatabaseIsDownAndServeAgainAfter) {
  // A hub on this test's own database.
  testing::TestDatabase placeholder(testing::TestDatabase::Migrate::kNo);  // for the config's shape
  v1::HubConfig config = testing::TestHubConfig(placeholder);
  db_.Configure(config.mutable_database());
  absl::StatusOr<mysql::ConnectionSettings> settings = mysql::SettingsFromConfig(config.database());
  ASSERT_TRUE(settings.ok()) << settings.status();
  ASSERT_TRUE(mysql::ApplyMigrations(*settings, *mysql::ParseMigrations(mysql::EmbeddedMigrationFiles())).ok());
  absl::StatusOr<std::unique_ptr<mysql::MysqlStore>> store = mysql::OpenMysqlStore(config);
  ASSERT_TRUE(store.ok()) << store.status();
  absl::StatusOr<std::unique_ptr<HubServer>> hub = HubServer::BuildAndStart(config, *std::move(store));
  ASSERT_TRUE(hub.ok()) << hub.status();
  const std::string certs = testing::CertsDir();
  auto channel = *client::MakeHubChannel({absl::StrCat("localhost:", (*hub)->port()), certs + "/ca.crt",
                                          certs + "/agencies/derby-health.crt", certs + "/agencies/derby-health.key"});
  ASSERT_EQ(Submit(channel, "before"), grpc::StatusCode::OK);
  EXPECT_EQ(Health(channel), grpc::health::v1::HealthCheckResponse::SERVING);

  ASSERT_TRUE(db_.Stop());
  EXPECT_EQ(Submit(channel, "during"), grpc::StatusCode::UNAVAILABLE);
  // The health watcher notices within its interval (2 s).
  absl::Time end = absl::Now() + absl::Seconds(30);
  while (Health(channel) != grpc::health::v1::HealthCheckResponse::NOT_SERVING && absl::Now() < end) {
    absl::SleepFor(absl::Milliseconds(200));
  }
  EXPECT_EQ(Health(channel), grpc::health::v1::HealthCheckResponse::NOT_SERVING);

  ASSERT_TRUE(db_.Start());
  // Serving again without a restart: the first call after the return may
  // still meet a dead pooled connection, which the pool replaces.
  grpc::StatusCode after = grpc::StatusCode::UNAVAILABLE;
  for (end = absl::Now() + absl::Seconds(30); after != grpc::StatusCode::OK && absl::Now() < end;) {
    after = Submit(channel, "after");
    if (after != grpc::StatusCode::OK) absl::SleepFor(absl::Milliseconds(200));
  }
  EXPECT_EQ(after, grpc::StatusCode::OK);
  while (Health(channel) != grpc::health::v1::HealthCheckResponse::SERVING && absl::Now() < end) {
    absl::SleepFor(absl::Milliseconds(200));
  }
  EXPECT_EQ(Health(channel), grpc::health::v1::HealthCheckResponse::SERVING);
  (*hub)->Shutdown(absl::Seconds(1));
}

}  // namespace
}  // namespace cre
