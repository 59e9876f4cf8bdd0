// Migrations parse from their files, apply once, and refuse to run against a
// schema that disagrees with them.
#include "store/mysql/migrations.h"

#include <algorithm>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "cppconn/exception.h"
#include "cppconn/statement.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "store/mysql/connection_pool.h"
#include "store/mysql/trigger_repair.h"
#include "support/test_database.h"

namespace cre::mysql {
namespace {

using ::cre::testing::TestDatabase;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::vector<Migration> Embedded() {
  absl::StatusOr<std::vector<Migration>> migrations = ParseMigrations(EmbeddedMigrationFiles());
  EXPECT_TRUE(migrations.ok()) << migrations.status();
  return migrations.ok() ? *migrations : std::vector<Migration>{};
}

TEST(ParseMigrationsTest, SplitsStatementsAndDropsComments) {
  absl::StatusOr<std::vector<Migration>> parsed = ParseMigrations({
      {"0002_b.sql", "-- comment; with a semicolon\nCREATE TABLE b (x INT);\nINSERT INTO b\n VALUES (1);\n"},
      {"0001_a.sql", "CREATE TABLE a (x INT);"},
  });
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  ASSERT_EQ(parsed->size(), 2u);
  EXPECT_EQ((*parsed)[0].version, 1);  // sorted by version
  EXPECT_EQ((*parsed)[1].name, "0002_b.sql");
  EXPECT_THAT((*parsed)[1].statements,
              ElementsAre("CREATE TABLE b (x INT)", "INSERT INTO b\n VALUES (1)"));
  EXPECT_EQ((*parsed)[0].checksum.size(), 64u);
}

TEST(ParseMigrationsTest, RefusesBadNamesAndDuplicateVersions) {
  EXPECT_THAT(ParseMigrations({{"1_a.sql", ""}}).status().message(), HasSubstr("1_a.sql"));
  EXPECT_THAT(ParseMigrations({{"0000_a.sql", ""}}).status().message(), HasSubstr("0000_a.sql"));
  EXPECT_THAT(ParseMigrations({{"0001_a.sql", ""}, {"0001_b.sql", ""}}).status().message(),
              HasSubstr("same version"));
}

TEST(ParseMigrationsTest, EmbeddedFilesParse) {
  std::vector<Migration> migrations = Embedded();
  ASSERT_FALSE(migrations.empty());
  EXPECT_EQ(migrations.front().version, 1);
  for (size_t i = 0; i < migrations.size(); ++i) {
    EXPECT_EQ(migrations[i].version, static_cast<int>(i + 1)) << "versions have a gap";
  }
}

TEST(ApplyMigrationsTest, SecondRunChangesNothing) {
  TestDatabase db(TestDatabase::Migrate::kNo);
  const std::vector<Migration> migrations = Embedded();

  absl::StatusOr<int> first = ApplyMigrations(db.settings(), migrations);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(*first, static_cast<int>(migrations.size()));
  const std::string tables_after_first = db.QueryString(
      "SELECT GROUP_CONCAT(table_name ORDER BY table_name) FROM information_schema.tables"
      " WHERE table_schema = DATABASE()");
  EXPECT_THAT(tables_after_first, HasSubstr("agency"));

  absl::StatusOr<int> second = ApplyMigrations(db.settings(), migrations);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(*second, 0);
  EXPECT_EQ(db.QueryString("SELECT COUNT(*) FROM schema_migrations"),
            std::to_string(migrations.size()));
  EXPECT_EQ(db.QueryString(
                "SELECT GROUP_CONCAT(table_name ORDER BY table_name) FROM information_schema.tables"
                " WHERE table_schema = DATABASE()"),
            tables_after_first);
}

TEST(ApplyMigrationsTest, CreatesTheSchemaIfAbsent) {
  TestDatabase db(TestDatabase::Migrate::kNo);
  db.Execute("DROP DATABASE `" + db.schema() + "`");
  ASSERT_TRUE(ApplyMigrations(db.settings(), Embedded()).ok());
  absl::StatusOr<std::vector<int>> versions = AppliedMigrationVersions(db.settings());
  ASSERT_TRUE(versions.ok()) << versions.status();
  EXPECT_EQ(versions->size(), Embedded().size());
}

TEST(ApplyMigrationsTest, RefusesAnAppliedMigrationThatChanged) {
  TestDatabase db;
  std::vector<Migration> edited = Embedded();
  edited[0].checksum = std::string(64, '0');
  absl::StatusOr<int> applied = ApplyMigrations(db.settings(), edited);
  EXPECT_EQ(applied.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(applied.status().message(), HasSubstr(edited[0].name));
}

TEST(ApplyMigrationsTest, RefusesASchemaNewerThanTheBinary) {
  TestDatabase db;
  db.Execute("INSERT INTO schema_migrations (version, name, checksum) VALUES (9999, 'x', 'y')");
  absl::StatusOr<int> applied = ApplyMigrations(db.settings(), Embedded());
  EXPECT_EQ(applied.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(applied.status().message(), HasSubstr("9999"));
}

TEST(ApplyMigrationsTest, ConcurrentMigratorsApplyEachMigrationOnce) {
  TestDatabase db(TestDatabase::Migrate::kNo);
  const std::vector<Migration> migrations = Embedded();
  absl::StatusOr<int> a, b;
  std::thread other([&] { b = ApplyMigrations(db.settings(), migrations); });
  a = ApplyMigrations(db.settings(), migrations);
  other.join();
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(*a + *b, static_cast<int>(migrations.size()));
}

// Galera replicates rows by their primary key: a table without one is
// replicated badly (each row found by a full scan on every other node) or
// refused. Every table of the schema, the runner's own included, has one.
TEST(ApplyMigrationsTest, EveryTableHasAPrimaryKey) {
  TestDatabase db;
  EXPECT_NE(db.QueryString("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE()"), "0");
  EXPECT_EQ(db.QueryString(
                "SELECT IFNULL(GROUP_CONCAT(t.table_name ORDER BY t.table_name), '') FROM information_schema.tables t"
                " WHERE t.table_schema = DATABASE() AND t.table_type = 'BASE TABLE' AND NOT EXISTS ("
                "  SELECT 1 FROM information_schema.table_constraints k WHERE k.table_schema = t.table_schema"
                "  AND k.table_name = t.table_name AND k.constraint_type = 'PRIMARY KEY')"),
            "")
      << "tables without a primary key";
}

// The transaction runner's repair of triggers that failed to load on a node
// (trigger_repair.h) reopens kTablesWithTriggers, setting their comment to
// none: the list must name every table a migration gives a trigger, and
// none of them may carry a comment the repair would wipe. After the repair
// the triggers are there and still refuse an edit.
TEST(ApplyMigrationsTest, TheTriggerRepairKnowsEveryTableWithTriggers) {
  TestDatabase db;
  std::vector<std::string> listed(kTablesWithTriggers.begin(), kTablesWithTriggers.end());
  std::sort(listed.begin(), listed.end());
  EXPECT_EQ(db.QueryString("SELECT GROUP_CONCAT(DISTINCT event_object_table ORDER BY event_object_table)"
                           " FROM information_schema.triggers WHERE trigger_schema = DATABASE()"),
            absl::StrJoin(listed, ","));
  EXPECT_EQ(db.QueryString(absl::StrCat("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema ="
                                        " DATABASE() AND table_name IN ('",
                                        absl::StrJoin(listed, "', '"), "') AND table_comment <> ''")),
            "0");

  absl::StatusOr<std::unique_ptr<sql::Connection>> connection = Connect(db.settings());
  ASSERT_TRUE(connection.ok()) << connection.status();
  ASSERT_NO_THROW(ReopenTablesWithTriggers(**connection, "the test asks for it"));
  EXPECT_EQ(db.QueryString("SELECT COUNT(*) FROM information_schema.triggers WHERE trigger_schema = DATABASE()"),
            "3");
  db.Execute("INSERT INTO audit_log (seq, record, prev_hash, row_hash) VALUES (1, 'r', 'p', 'h')");
  std::unique_ptr<sql::Statement> statement((*connection)->createStatement());
  try {
    statement->execute("UPDATE audit_log SET record = 'x' WHERE seq = 1");
    ADD_FAILURE() << "audit_log took an edit after the repair";
  } catch (const sql::SQLException& e) {
    EXPECT_THAT(e.what(), HasSubstr("append-only"));
  }
}

// 0017 moves every instant from TIMESTAMP to DATETIME(6). On a schema that
// holds rows, each instant must read back as it was (UTC in, UTC out), and
// instants past January 2038 must then be storable.
TEST(ApplyMigrationsTest, InstantsKeepTheirValueWhenTheyBecomeDatetime) {
  TestDatabase db(TestDatabase::Migrate::kNo);
  std::vector<Migration> before, all = Embedded();
  for (const Migration& m : all) {
    if (m.version < 17) before.push_back(m);
  }
  ASSERT_LT(before.size(), all.size());
  ASSERT_TRUE(ApplyMigrations(db.settings(), before).ok());
  ASSERT_EQ(db.QueryString("SELECT DATA_TYPE FROM information_schema.columns WHERE table_schema = DATABASE()"
                           " AND table_name = 'agency' AND column_name = 'retired_at'"),
            "timestamp");
  db.Execute(
      "INSERT INTO agency (id, display_name, role, retired_at, updated_at) VALUES"
      " ('a', 'A', 'HEALTH', '2030-06-01 12:34:56.123456', '2026-03-29 01:30:00.000001')");
  // A row with no instant given takes the default, as the hub's own inserts do.
  db.Execute("INSERT INTO agency (id, display_name, role) VALUES ('b', 'B', 'HEALTH')");
  const std::string defaulted = db.QueryString("SELECT updated_at FROM agency WHERE id = 'b'");

  ASSERT_TRUE(ApplyMigrations(db.settings(), all).ok());

  EXPECT_EQ(db.QueryString("SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = DATABASE()"
                           " AND DATA_TYPE = 'timestamp'"),
            "0");
  EXPECT_EQ(db.QueryString("SELECT retired_at FROM agency WHERE id = 'a'"), "2030-06-01 12:34:56.123456");
  EXPECT_EQ(db.QueryString("SELECT updated_at FROM agency WHERE id = 'a'"), "2026-03-29 01:30:00.000001");
  EXPECT_EQ(db.QueryString("SELECT updated_at FROM agency WHERE id = 'b'"), defaulted);
  db.Execute("UPDATE agency SET retired_at = '2099-12-31 23:59:59.999999' WHERE id = 'a'");
  EXPECT_EQ(db.QueryString("SELECT retired_at FROM agency WHERE id = 'a'"), "2099-12-31 23:59:59.999999");
}

// 0024 puts a case's messages together (primary key (case_key, message_id)):
// rows from before keep their ids, their deliveries and replies, and each
// statement may run again.
TEST(ApplyMigrationsTest, MessagesFromBeforeGoWithTheirCase) {
  TestDatabase db(TestDatabase::Migrate::kNo);
  std::vector<Migration> before, all = Embedded();
  for (const Migration& m : all) {
    if (m.version < 24) before.push_back(m);
  }
  ASSERT_TRUE(ApplyMigrations(db.settings(), before).ok());
  db.Execute("INSERT INTO agency (id, display_name, role) VALUES ('police', 'Police', 'POLICE'),"
             " ('school', 'School', 'EDUCATION')");
  db.Execute("INSERT INTO child (child_id, details, facts) VALUES ('child-1', '', '')");
  db.Execute("INSERT INTO cre_case (case_id, child_id, opened_at, opened_by, record) VALUES"
             " ('case-1', 'child-1', '2026-01-05 10:00:00', 'police', '')");
  db.Execute(
      "INSERT INTO message (message_id, kind, sender_agency_id, case_id, in_reply_to, accepted_at, body) VALUES"
      " ('m-1', 'CONCERN', 'police', 'case-1', NULL, '2026-01-05 10:00:00', 'one'),"
      " ('m-2', 'OPERATION_LIBERTY_REPORT', 'school', NULL, NULL, '2026-01-06 10:00:00', 'two'),"
      " ('m-3', 'CASE_EVENT', 'school', 'case-1', 'm-1', '2026-01-07 10:00:00', 'three')");
  db.Execute("INSERT INTO delivery (message_id, recipient_agency_id, order_key, next_attempt_at) VALUES"
             " ('m-1', 'school', 'case-1', '2026-01-05 10:00:00'), ('m-2', 'police', 'm-2', '2026-01-06 10:00:00')");

  ASSERT_TRUE(ApplyMigrations(db.settings(), all).ok());
  // Each statement again, as after a migration cut short.
  for (const Migration& m : all) {
    if (m.version != 24) continue;
    for (const std::string& statement : m.statements) db.Execute(statement);
  }

  EXPECT_EQ(db.QueryString("SELECT GROUP_CONCAT(CONCAT(case_key, ':', message_id, ':', body) ORDER BY case_key,"
                           " message_id) FROM message"),
            "case-1:m-1:one,case-1:m-3:three,m-2:m-2:two");
  EXPECT_EQ(db.QueryString("SELECT GROUP_CONCAT(column_name ORDER BY seq_in_index) FROM information_schema.statistics"
                           " WHERE table_schema = DATABASE() AND table_name = 'message' AND index_name = 'PRIMARY'"),
            "case_key,message_id");
  // The keys that name a message still hold.
  EXPECT_THROW(db.Execute("INSERT INTO delivery (message_id, recipient_agency_id, order_key, next_attempt_at)"
                          " VALUES ('m-9', 'school', 'case-1', '2026-01-08 10:00:00')"),
               std::exception);
  EXPECT_THROW(db.Execute("INSERT INTO message (message_id, case_key, kind, sender_agency_id, case_id, accepted_at,"
                          " body) VALUES ('m-1', 'other', 'CONCERN', 'police', NULL, '2026-01-08 10:00:00', '')"),
               std::exception);
  EXPECT_EQ(db.QueryString("SELECT GROUP_CONCAT(message_id ORDER BY message_id) FROM delivery FORCE INDEX"
                           " (delivery_case_order) WHERE recipient_agency_id = 'school' AND order_key = 'case-1'"),
            "m-1");
}

}  // namespace
}  // namespace cre::mysql
