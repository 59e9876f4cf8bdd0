// The Store on MySQL or MariaDB, through MySQL Connector/C++ 1.1.
//
// Every method is one transaction run by RunTransaction (retried on deadlock,
// lock-wait timeout and lost connection) with prepared statements only.
//
//   CRE_ASSIGN_OR_RETURN(ConnectionSettings settings, SettingsFromConfig(config.database()));
//   auto store = std::make_unique<MysqlStore>(settings, config.database().pool_size());
#ifndef CRE_HUB_STORE_MYSQL_MYSQL_STORE_H_
#define CRE_HUB_STORE_MYSQL_MYSQL_STORE_H_

#include "cre/v1/config.pb.h"
#include "store/mysql/connection_pool.h"
#include "store/store.h"

namespace cre::mysql {

// Connection settings from the hub's config; reads the password file.
absl::StatusOr<ConnectionSettings> SettingsFromConfig(const v1::DatabaseConfig& config);

class MysqlStore : public Store {
 public:
  // Connects lazily: a database that is down now makes calls fail with
  // UNAVAILABLE, not the constructor.
  MysqlStore(ConnectionSettings settings, int pool_size);

  absl::Status Ping() override;
  absl::StatusOr<int> SyncAgencies(const std::vector<v1::Agency>& agencies) override;
  absl::StatusOr<std::vector<v1::Agency>> ListAgencies() override;

 private:
  ConnectionPool pool_;
};

}  // namespace cre::mysql

#endif  // CRE_HUB_STORE_MYSQL_MYSQL_STORE_H_
