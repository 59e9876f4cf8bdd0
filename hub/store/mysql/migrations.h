// Versioned schema migrations, compiled into the hub and hubctl.
//
// The SQL files in migrations/ are embedded at build time, so a deployed
// binary carries the schema it needs. Applying them is idempotent and safe
// from several processes at once, on one server or on the nodes of a
// Galera cluster: a lease row (schema_migration_lock, made by the runner
// itself) serialises migrators, and schema_migrations records what is
// applied with a SHA-256 of each file, so an applied file that was later
// edited is refused.
//
//   CRE_ASSIGN_OR_RETURN(int applied, ApplyMigrations(settings, ParsedEmbeddedMigrations()));
#ifndef CRE_HUB_STORE_MYSQL_MIGRATIONS_H_
#define CRE_HUB_STORE_MYSQL_MIGRATIONS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "store/mysql/connection_pool.h"

namespace cre::mysql {

// A migration file as embedded: its file name and contents.
struct MigrationFile {
  const char* file_name;
  const char* sql;
};

// Every file of migrations/, in file-name order.
const std::vector<MigrationFile>& EmbeddedMigrationFiles();

struct Migration {
  int version = 0;            // NNNN of NNNN_name.sql
  std::string name;           // the file name
  std::string checksum;       // SHA-256 of the contents, hex
  std::vector<std::string> statements;
};

// Parses files into migrations: versions from the names, statements split at
// ';' at the end of a line, comment lines dropped. INVALID_ARGUMENT names a
// badly named file or a duplicate version.
absl::StatusOr<std::vector<Migration>> ParseMigrations(const std::vector<MigrationFile>& files);

// Creates `settings.schema` if absent and applies, in version order, every
// migration not yet recorded. Returns how many were applied (0 when the
// schema is current). FAILED_PRECONDITION if an applied migration's checksum
// differs, or the database has a version this binary does not know.
absl::StatusOr<int> ApplyMigrations(const ConnectionSettings& settings,
                                    const std::vector<Migration>& migrations);

// The migration versions recorded in the schema, ascending.
absl::StatusOr<std::vector<int>> AppliedMigrationVersions(const ConnectionSettings& settings);

}  // namespace cre::mysql

#endif  // CRE_HUB_STORE_MYSQL_MIGRATIONS_H_
