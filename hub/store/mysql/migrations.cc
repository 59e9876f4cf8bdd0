#include "store/mysql/migrations.h"

#include <algorithm>
#include <atomic>
#include <initializer_list>
#include <map>
#include <memory>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "common/status_macros.h"
#include "common/ids.h"
#include "cppconn/exception.h"
#include "cppconn/prepared_statement.h"
#include "cppconn/resultset.h"
#include "cppconn/statement.h"
#include "store/mysql/sql_errors.h"

namespace cre::mysql {
namespace {

std::vector<std::string> SplitStatements(absl::string_view sql) {
  std::vector<std::string> statements;
  std::string current;
  for (absl::string_view line : absl::StrSplit(sql, '\n')) {
    absl::string_view trimmed = absl::StripAsciiWhitespace(line);
    if (trimmed.empty() || absl::StartsWith(trimmed, "--")) continue;
    absl::StrAppend(&current, line, "\n");
    if (absl::EndsWith(trimmed, ";")) {
      statements.push_back(std::string(absl::StripSuffix(
          absl::StripTrailingAsciiWhitespace(current), ";")));
      current.clear();
    }
  }
  if (!absl::StripAsciiWhitespace(current).empty()) statements.push_back(current);
  return statements;
}

// How long a migrator's lease on the schema lasts unless renewed, how often
// its holder renews it, and how long another migrator waits for it. A
// holder that died keeps the others waiting kLeaseTime at most. A long
// statement does not stop the renewals (they have a connection and a thread
// of their own); a holder whose renewals stop for kLeaseTime anyway may
// lose the lease, and then stops before its next statement.
constexpr absl::Duration kLeaseTime = absl::Seconds(30);
constexpr absl::Duration kRenewEvery = absl::Seconds(5);
constexpr absl::Duration kWaitForLease = absl::Seconds(60);
constexpr absl::Duration kPollLease = absl::Milliseconds(200);

// Migrators take turns through a lease row in the schema itself, which
// every node of a Galera cluster sees. (A named lock, GET_LOCK, is held on
// one node only: migrators on two nodes would both hold it.) Each lease
// statement is autocommitted and conditional, and its affected-row count
// says whether it did what it asked. Two nodes taking the lease at once
// both see it free; the one whose write loses certification fails with a
// deadlock (1213): the other node won, and this one waits its turn.
class MigrationLease {
 public:
  // The schema and the lease row, each made if absent: harmless if another
  // migrator is making them at the same time.
  static absl::StatusOr<std::unique_ptr<MigrationLease>> Open(const ConnectionSettings& server_only,
                                                              const std::string& schema) {
    absl::StatusOr<std::unique_ptr<sql::Connection>> connection = Connect(server_only);
    if (!connection.ok()) return connection.status();
    std::unique_ptr<MigrationLease> lease(new MigrationLease(*std::move(connection)));
    try {
      std::unique_ptr<sql::Statement> ddl(lease->connection_->createStatement());
      // Identifiers cannot be bound as parameters; the config loader allows
      // only [A-Za-z0-9_] in a schema name, so quoting it is enough.
      ddl->execute(absl::StrCat("CREATE DATABASE IF NOT EXISTS `", schema,
                                "` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"));
      lease->connection_->setSchema(schema);
      // DATETIME(6), in UTC, as every instant of the schema (0017).
      ddl->execute(
          "CREATE TABLE IF NOT EXISTS schema_migration_lock ("
          " id TINYINT NOT NULL,"
          " owner VARCHAR(80) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT '',"
          " expires_at DATETIME(6) NOT NULL,"
          " PRIMARY KEY (id)"
          ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci");
      try {
        ddl->execute(
            "INSERT IGNORE INTO schema_migration_lock (id, owner, expires_at)"
            " VALUES (1, '', '1970-01-01 00:00:01')");
      } catch (const sql::SQLException& e) {
        // Another node inserted the row at the same time: it is there.
        if (e.getErrorCode() != kErrDeadlock) throw;
      }
    } catch (const sql::SQLException& e) {
      return StatusFromSqlException(e, "make the migration lease");
    }
    return lease;
  }

  ~MigrationLease() { Release(); }

  // Takes the lease, waiting up to kWaitForLease for another migrator to
  // finish; then renews it in the background until Release().
  absl::Status Take() {
    const absl::Time give_up = absl::Now() + kWaitForLease;
    while (true) {
      absl::StatusOr<bool> won = Update(
          "UPDATE schema_migration_lock SET owner = ?, expires_at = UTC_TIMESTAMP(6) + INTERVAL ? MICROSECOND"
          " WHERE id = 1 AND (owner = '' OR expires_at < UTC_TIMESTAMP(6))",
          {Param::kOwner, Param::kLeaseTime});
      if (!won.ok()) return won.status();
      if (*won) break;
      if (absl::Now() >= give_up) {
        return absl::UnavailableError(absl::StrCat("another process has been migrating the schema for ",
                                                   absl::FormatDuration(kWaitForLease), "; try again"));
      }
      absl::SleepFor(kPollLease);
    }
    renewer_ = std::thread([this] {
      while (!stop_.WaitForNotificationWithTimeout(kRenewEvery)) {
        absl::StatusOr<bool> renewed = Update(
            "UPDATE schema_migration_lock SET expires_at = UTC_TIMESTAMP(6) + INTERVAL ? MICROSECOND"
            " WHERE id = 1 AND owner = ?",
            {Param::kLeaseTime, Param::kOwner});
        // A renewal that failed is tried again at the next turn; the lease
        // is lost only once another migrator has it.
        if (renewed.ok() && !*renewed) {
          lost_ = true;
          return;
        }
      }
    });
    return absl::OkStatus();
  }

  // ABORTED once the lease ran out and another migrator took it: this one
  // must not change the schema any further.
  absl::Status StillHeld() const {
    if (!lost_) return absl::OkStatus();
    return absl::AbortedError(absl::StrCat("the migration lease was not renewed for ",
                                           absl::FormatDuration(kLeaseTime),
                                           " and another process took it; migrate again"));
  }

  // Gives the lease back, if held. Safe to call twice.
  void Release() {
    if (!renewer_.joinable()) return;
    stop_.Notify();
    renewer_.join();
    if (lost_) return;
    // Left held (the database is gone, say), it runs out within kLeaseTime.
    Update("UPDATE schema_migration_lock SET owner = '', expires_at = UTC_TIMESTAMP(6) WHERE id = 1 AND owner = ?",
           {Param::kOwner})
        .IgnoreError();
  }

 private:
  enum class Param { kOwner, kLeaseTime };

  explicit MigrationLease(std::unique_ptr<sql::Connection> connection)
      : connection_(std::move(connection)), owner_(NewUuid()) {}

  // Runs one lease statement, autocommitted, with `params` bound in order;
  // whether it changed the row. A certification failure (another node's
  // lease write won) is "no".
  absl::StatusOr<bool> Update(const char* sql, std::initializer_list<Param> params) {
    absl::MutexLock lock(&mu_);
    try {
      std::unique_ptr<sql::PreparedStatement> update(connection_->prepareStatement(sql));
      int index = 1;
      for (Param param : params) {
        if (param == Param::kOwner) {
          update->setString(index++, owner_);
        } else {
          update->setInt64(index++, absl::ToInt64Microseconds(kLeaseTime));
        }
      }
      return update->executeUpdate() == 1;
    } catch (const sql::SQLException& e) {
      if (e.getErrorCode() == kErrDeadlock) return false;
      return StatusFromSqlException(e, "migration lease");
    }
  }

  absl::Mutex mu_;
  std::unique_ptr<sql::Connection> connection_ ABSL_GUARDED_BY(mu_);
  const std::string owner_;
  std::thread renewer_;
  absl::Notification stop_;
  std::atomic<bool> lost_{false};
};

// The body of ApplyMigrations, on a connection to the schema, while `lease`
// is held.
absl::StatusOr<int> ApplyLocked(sql::Connection& connection, const std::string& schema,
                                const std::vector<Migration>& migrations, const MigrationLease& lease) {
  std::unique_ptr<sql::Statement> ddl(connection.createStatement());
  ddl->execute(
      "CREATE TABLE IF NOT EXISTS schema_migrations ("
      " version INT NOT NULL PRIMARY KEY,"
      " name VARCHAR(255) NOT NULL,"
      " checksum CHAR(64) NOT NULL,"
      " applied_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)"
      ") ENGINE=InnoDB");

  std::map<int, std::string> applied;  // version -> checksum
  {
    std::unique_ptr<sql::PreparedStatement> select(
        connection.prepareStatement("SELECT version, checksum FROM schema_migrations"));
    std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
    while (rows->next()) applied[rows->getInt(1)] = rows->getString(2);
  }
  const int newest_known = migrations.empty() ? 0 : migrations.back().version;
  if (!applied.empty() && applied.rbegin()->first > newest_known) {
    return absl::FailedPreconditionError(absl::StrCat(
        "schema ", schema, " has migration ", applied.rbegin()->first,
        " but this binary knows only up to ", newest_known, ": run a newer hub"));
  }

  int count = 0;
  for (const Migration& migration : migrations) {
    auto it = applied.find(migration.version);
    if (it != applied.end()) {
      if (it->second != migration.checksum) {
        return absl::FailedPreconditionError(absl::StrCat(
            "migration ", migration.name, " was applied with checksum ", it->second,
            " but the file now has ", migration.checksum,
            ": an applied migration must not change; add a new one"));
      }
      continue;
    }
    for (const std::string& statement : migration.statements) {
      CRE_RETURN_IF_ERROR(lease.StillHeld());
      ddl->execute(statement);
    }
    CRE_RETURN_IF_ERROR(lease.StillHeld());
    std::unique_ptr<sql::PreparedStatement> record(connection.prepareStatement(
        "INSERT INTO schema_migrations (version, name, checksum) VALUES (?, ?, ?)"));
    record->setInt(1, migration.version);
    record->setString(2, migration.name);
    record->setString(3, migration.checksum);
    record->executeUpdate();
    ++count;
  }
  return count;
}

}  // namespace

absl::StatusOr<std::vector<Migration>> ParseMigrations(const std::vector<MigrationFile>& files) {
  std::vector<Migration> migrations;
  for (const MigrationFile& file : files) {
    Migration migration;
    migration.name = file.file_name;
    const std::string digits = migration.name.substr(0, migration.name.find('_'));
    if (digits.size() != 4 || !absl::SimpleAtoi(digits, &migration.version) ||
        migration.version <= 0 || !absl::EndsWith(migration.name, ".sql")) {
      return absl::InvalidArgumentError(absl::StrCat(
          "migration file ", migration.name, ": name must be NNNN_name.sql with NNNN > 0000"));
    }
    migration.checksum = Sha256Hex(file.sql);
    migration.statements = SplitStatements(file.sql);
    migrations.push_back(std::move(migration));
  }
  std::sort(migrations.begin(), migrations.end(),
            [](const Migration& a, const Migration& b) { return a.version < b.version; });
  for (size_t i = 1; i < migrations.size(); ++i) {
    if (migrations[i].version == migrations[i - 1].version) {
      return absl::InvalidArgumentError(absl::StrCat("migration files ", migrations[i - 1].name,
                                                     " and ", migrations[i].name,
                                                     " have the same version"));
    }
  }
  return migrations;
}

absl::StatusOr<int> ApplyMigrations(const ConnectionSettings& settings,
                                    const std::vector<Migration>& migrations) {
  ConnectionSettings server_only = settings;
  server_only.schema.clear();  // The schema may not exist yet.
  // DDL on a large table outlasts the timeout meant for the hub's own
  // statements.
  server_only.read_write_timeout_seconds = 3600;
  // Given back when it goes, whatever happens below.
  CRE_ASSIGN_OR_RETURN(std::unique_ptr<MigrationLease> lease, MigrationLease::Open(server_only, settings.schema));
  CRE_RETURN_IF_ERROR(lease->Take());
  ConnectionSettings with_schema = server_only;
  with_schema.schema = settings.schema;
  absl::StatusOr<std::unique_ptr<sql::Connection>> connection = Connect(with_schema);
  if (!connection.ok()) return connection.status();
  try {
    return ApplyLocked(**connection, settings.schema, migrations, *lease);
  } catch (const sql::SQLException& e) {
    return StatusFromSqlException(e, "apply migrations");
  }
}

absl::StatusOr<std::vector<int>> AppliedMigrationVersions(const ConnectionSettings& settings) {
  absl::StatusOr<std::unique_ptr<sql::Connection>> connection = Connect(settings);
  if (!connection.ok()) return connection.status();
  try {
    std::unique_ptr<sql::PreparedStatement> select((*connection)->prepareStatement(
        "SELECT version FROM schema_migrations ORDER BY version"));
    std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
    std::vector<int> versions;
    while (rows->next()) versions.push_back(rows->getInt(1));
    return versions;
  } catch (const sql::SQLException& e) {
    return StatusFromSqlException(e, "read applied migrations");
  }
}

}  // namespace cre::mysql
