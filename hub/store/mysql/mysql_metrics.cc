// MysqlStore: what the metrics read at each scrape of /metrics
// (server/hub_metrics.h): counts that lock nothing, by index.
#include <memory>
#include <string>
#include <vector>

#include "cppconn/prepared_statement.h"
#include "cppconn/resultset.h"
#include "store/mysql/mysql_store.h"
#include "store/mysql/sql_values.h"

namespace cre::mysql {

absl::StatusOr<std::vector<OpenActionCount>> MysqlStore::CountOpenActions(absl::Time now) {
  std::vector<OpenActionCount> counts;
  absl::Status status = RunTransaction(pool_, "count open actions", [&](sql::Connection& c) -> absl::Status {
    counts.clear();
    // case_action holds the open actions only (rewritten at each
    // evaluation that changes them); its owner index (owner_agency_id, due_at) covers the
    // query, so the table itself is never read. A plain read: no lock.
    auto select = Prepare(c,
                          "SELECT IFNULL(owner_agency_id, '') AS owner, COUNT(*) AS open,"
                          " SUM(due_at < ?) AS overdue FROM case_action FORCE INDEX (case_action_owner)"
                          " GROUP BY owner ORDER BY owner");
    select->setString(1, SqlTime(now));
    std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
    while (rows->next()) {
      OpenActionCount count;
      count.owner_agency_id = rows->getString("owner");
      count.open = rows->getInt64("open");
      count.overdue = rows->getInt64("overdue");
      counts.push_back(std::move(count));
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return counts;
}

ConnectionUse MysqlStore::Connections() const {
  const ConnectionPool::Use use = pool_.CurrentUse();
  return ConnectionUse{use.open, use.leased, use.max};
}

}  // namespace cre::mysql
