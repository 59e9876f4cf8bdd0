// A throwaway schema on the test MariaDB, dropped when the test ends, so that
// tests run in any order without seeing each other's rows.
//
//   TestDatabase db;                       // cre_test_<unique>, migrated
//   mysql::MysqlStore store(db.settings(), 4);
#ifndef CRE_TESTS_SUPPORT_TEST_DATABASE_H_
#define CRE_TESTS_SUPPORT_TEST_DATABASE_H_

#include <string>

#include "store/mysql/connection_pool.h"

namespace cre::testing {

class TestDatabase {
 public:
  enum class Migrate { kYes, kNo };
  // The single test MariaDB, or the test Galera cluster (through its first
  // node; the schema replicates to every node).
  enum class Server { kSingle, kCluster };

  // Creates a uniquely named schema (cre_test_...) and, by default, applies
  // the embedded migrations to it. Fails the test on error.
  explicit TestDatabase(Migrate migrate = Migrate::kYes, Server server = Server::kSingle);
  ~TestDatabase();

  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;

  // Settings with this schema selected.
  const mysql::ConnectionSettings& settings() const { return settings_; }
  const std::string& schema() const { return settings_.schema; }
  // On the cluster: the settings of node `node` (0-based), this schema selected.
  mysql::ConnectionSettings NodeSettings(int node) const;

  // Runs one SQL statement on the schema (test set-up and inspection only).
  void Execute(const std::string& statement) const;
  // The first column of the first row of a query, as a string.
  std::string QueryString(const std::string& query) const;

 private:
  mysql::ConnectionSettings settings_;
};

}  // namespace cre::testing

#endif  // CRE_TESTS_SUPPORT_TEST_DATABASE_H_
