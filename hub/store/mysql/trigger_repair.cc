#include "store/mysql/trigger_repair.h"

#include <atomic>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "cppconn/statement.h"
#include "spdlog/spdlog.h"

namespace cre::mysql {

void ReopenTablesWithTriggers(sql::Connection& connection, absl::string_view error) {
  static std::atomic<int64_t> last_repair_ms{0};
  const int64_t now_ms = absl::ToUnixMillis(absl::Now());
  int64_t last = last_repair_ms.load();
  if (now_ms - last < 1000 || !last_repair_ms.compare_exchange_strong(last, now_ms)) return;

  spdlog::warn(
      "database: a table's triggers failed to load on the node ({}); "
      "having the node open the audit tables afresh, then retrying",
      std::string(error));
  std::unique_ptr<sql::Statement> statement(connection.createStatement());
  for (const char* table : kTablesWithTriggers) {
    // The comment the migrations give these tables: none (migrations_test).
    // INSTANT: should the server ever want to rebuild the table for this, it
    // refuses instead of copying the audit record.
    statement->execute(absl::StrCat("ALTER TABLE ", table, " COMMENT = '', ALGORITHM = INSTANT"));
  }
}

}  // namespace cre::mysql
