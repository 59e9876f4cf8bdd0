#include "support/test_database.h"

#include <unistd.h>

#include <atomic>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "cppconn/resultset.h"
#include "cppconn/statement.h"
#include "gtest/gtest.h"
#include "store/mysql/migrations.h"
#include "support/test_environment.h"

namespace cre::testing {
namespace {

std::unique_ptr<sql::Connection> ConnectOrDie(const mysql::ConnectionSettings& settings) {
  absl::StatusOr<std::unique_ptr<sql::Connection>> connection = mysql::Connect(settings);
  if (!connection.ok()) {
    ADD_FAILURE() << "test database: " << connection.status();
    return nullptr;
  }
  return *std::move(connection);
}

}  // namespace

TestDatabase::TestDatabase(Migrate migrate, Server server) {
  static std::atomic<int> counter{0};
  settings_ = server == Server::kCluster ? TestClusterNodeSettings(0) : TestServerSettings();
  settings_.schema = absl::StrCat("cre_test_", getpid(), "_", counter++, "_",
                                  absl::ToUnixMicros(absl::Now()) % 1000000);
  if (migrate == Migrate::kYes) {
    absl::StatusOr<std::vector<mysql::Migration>> migrations =
        mysql::ParseMigrations(mysql::EmbeddedMigrationFiles());
    EXPECT_TRUE(migrations.ok()) << migrations.status();
    absl::StatusOr<int> applied = mysql::ApplyMigrations(settings_, *migrations);
    EXPECT_TRUE(applied.ok()) << applied.status();
  } else {
    mysql::ConnectionSettings server = settings_;
    server.schema.clear();
    if (auto c = ConnectOrDie(server)) {
      std::unique_ptr<sql::Statement>(c->createStatement())
          ->execute(absl::StrCat("CREATE DATABASE `", settings_.schema, "`"));
    }
  }
}

TestDatabase::~TestDatabase() {
  mysql::ConnectionSettings server = settings_;
  server.schema.clear();
  if (auto c = ConnectOrDie(server)) {
    std::unique_ptr<sql::Statement>(c->createStatement())
        ->execute(absl::StrCat("DROP DATABASE IF EXISTS `", settings_.schema, "`"));
  }
}

mysql::ConnectionSettings TestDatabase::NodeSettings(int node) const {
  mysql::ConnectionSettings settings = TestClusterNodeSettings(node);
  settings.schema = settings_.schema;
  return settings;
}

void TestDatabase::Execute(const std::string& statement) const {
  if (auto c = ConnectOrDie(settings_)) {
    std::unique_ptr<sql::Statement>(c->createStatement())->execute(statement);
  }
}

std::string TestDatabase::QueryString(const std::string& query) const {
  auto c = ConnectOrDie(settings_);
  if (c == nullptr) return "";
  std::unique_ptr<sql::ResultSet> rows(
      std::unique_ptr<sql::Statement>(c->createStatement())->executeQuery(query));
  return rows->next() ? std::string(rows->getString(1)) : "";
}

}  // namespace cre::testing
