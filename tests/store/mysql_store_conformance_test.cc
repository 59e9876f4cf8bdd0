// The store conformance suite (store_conformance.h) on one MariaDB: each
// test gets a throwaway migrated schema, and "another process" is another
// MysqlStore, with its own connection pool, on the same schema.
#include <memory>

#include "store/mysql/mysql_store.h"
#include "store/store_conformance.h"
#include "support/test_database.h"
#include "support/test_environment.h"

namespace cre::testing {
namespace {

class MariaDbStore : public StoreUnderTest {
 public:
  Store& store() override { return store_; }
  std::unique_ptr<Store> OpenAnother() override {
    return std::make_unique<mysql::MysqlStore>(db_.settings(), 4, TestCipher());
  }

 private:
  TestDatabase db_;
  mysql::MysqlStore store_{db_.settings(), 4, TestCipher()};
};

INSTANTIATE_TEST_SUITE_P(MariaDb, StoreConformanceTest,
                         ::testing::Values(StoreTopology{
                             "MariaDb", [] { return std::unique_ptr<StoreUnderTest>(new MariaDbStore()); }}),
                         TopologyName);

}  // namespace
}  // namespace cre::testing
