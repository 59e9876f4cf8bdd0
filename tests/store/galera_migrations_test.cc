// Migrators on every node of the test Galera cluster at once: the lease
// row (migrations.cc) makes them take turns, so each migration is applied
// once. (GET_LOCK, which this replaced, is held on one node only.)
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "store/mysql/migrations.h"
#include "support/test_database.h"
#include "support/test_environment.h"

namespace cre::mysql {
namespace {

using ::cre::testing::TestDatabase;

TEST(GaleraMigrationsTest, MigratorsOnEveryNodeAtOnceApplyEachMigrationOnce) {
  TestDatabase db(TestDatabase::Migrate::kNo, TestDatabase::Server::kCluster);
  absl::StatusOr<std::vector<Migration>> migrations = ParseMigrations(EmbeddedMigrationFiles());
  ASSERT_TRUE(migrations.ok()) << migrations.status();
  const int nodes = cre::testing::TestClusterSize();
  std::vector<absl::StatusOr<int>> applied(nodes, absl::UnknownError("not run"));
  std::vector<std::thread> migrators;
  for (int node = 0; node < nodes; ++node) {
    migrators.emplace_back([&, node] { applied[node] = ApplyMigrations(db.NodeSettings(node), *migrations); });
  }
  for (std::thread& t : migrators) t.join();
  int total = 0;
  for (int node = 0; node < nodes; ++node) {
    ASSERT_TRUE(applied[node].ok()) << "node " << node << ": " << applied[node].status();
    total += *applied[node];
  }
  EXPECT_EQ(total, static_cast<int>(migrations->size()));
  EXPECT_EQ(db.QueryString("SELECT COUNT(*) FROM schema_migrations"), std::to_string(migrations->size()));
  // Given back: a migrator after them takes it at once and finds nothing to do.
  EXPECT_EQ(db.QueryString("SELECT owner FROM schema_migration_lock WHERE id = 1"), "");
  absl::StatusOr<int> again = ApplyMigrations(db.NodeSettings(nodes - 1), *migrations);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(*again, 0);
}

}  // namespace
}  // namespace cre::mysql
