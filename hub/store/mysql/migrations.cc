#include "store/mysql/migrations.h"

#include <algorithm>
#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
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

std::string LockName(const std::string& schema) { return "cre_hub.migrate." + schema; }

// The body of ApplyMigrations, on a connection that holds the migration lock.
absl::StatusOr<int> ApplyLocked(sql::Connection& connection, const std::string& schema,
                                const std::vector<Migration>& migrations) {
  std::unique_ptr<sql::Statement> ddl(connection.createStatement());
  // Identifiers cannot be bound as parameters; the config loader allows only
  // [A-Za-z0-9_] in a schema name, so quoting it is enough.
  ddl->execute(absl::StrCat("CREATE DATABASE IF NOT EXISTS `", schema,
                            "` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"));
  connection.setSchema(schema);
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
    for (const std::string& statement : migration.statements) ddl->execute(statement);
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
  // Waiting up to a minute for another migrator's lock, and DDL on a large
  // table, both outlast the timeout meant for the hub's own statements.
  server_only.read_write_timeout_seconds = 3600;
  absl::StatusOr<std::unique_ptr<sql::Connection>> connection = Connect(server_only);
  if (!connection.ok()) return connection.status();
  try {
    std::unique_ptr<sql::PreparedStatement> lock(
        (*connection)->prepareStatement("SELECT GET_LOCK(?, 60)"));
    lock->setString(1, LockName(settings.schema));
    std::unique_ptr<sql::ResultSet> locked(lock->executeQuery());
    if (!locked->next() || locked->getInt(1) != 1) {
      return absl::UnavailableError(
          "another process has been migrating the schema for 60 s; try again");
    }
    absl::StatusOr<int> applied = ApplyLocked(**connection, settings.schema, migrations);
    std::unique_ptr<sql::PreparedStatement> unlock(
        (*connection)->prepareStatement("SELECT RELEASE_LOCK(?)"));
    unlock->setString(1, LockName(settings.schema));
    std::unique_ptr<sql::ResultSet>(unlock->executeQuery());
    return applied;
  } catch (const sql::SQLException& e) {
    // The lock dies with the connection, which ends here.
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
