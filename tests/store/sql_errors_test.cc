// Every database error becomes the status code the store promises.
#include "store/mysql/sql_errors.h"

#include "gtest/gtest.h"

namespace cre::mysql {
namespace {

struct Case {
  int error_code;
  absl::StatusCode expected;
};

class SqlErrorsTest : public ::testing::TestWithParam<Case> {};

TEST_P(SqlErrorsTest, MapsToTheDocumentedCode) {
  const sql::SQLException e("boom", "HY000", GetParam().error_code);
  absl::Status status = StatusFromSqlException(e, "test");
  EXPECT_EQ(status.code(), GetParam().expected) << GetParam().error_code;
  EXPECT_NE(status.message().find("test: database error"), absl::string_view::npos);
}

INSTANTIATE_TEST_SUITE_P(
    Codes, SqlErrorsTest,
    ::testing::Values(Case{1213, absl::StatusCode::kAborted},     // deadlock
                      Case{1205, absl::StatusCode::kAborted},     // lock wait timeout
                      Case{2006, absl::StatusCode::kUnavailable}, // server gone
                      Case{2013, absl::StatusCode::kUnavailable}, // lost connection
                      Case{2003, absl::StatusCode::kUnavailable}, // cannot connect
                      Case{1062, absl::StatusCode::kAlreadyExists},
                      Case{1146, absl::StatusCode::kUnavailable},  // not migrated: not the caller's fault
                      Case{1064, absl::StatusCode::kInternal}));  // syntax: the hub's fault

TEST(SqlErrorsTest, RetryClassification) {
  EXPECT_TRUE(IsRetryableConflict(1213));
  EXPECT_TRUE(IsRetryableConflict(1205));
  EXPECT_TRUE(IsRetryableConflict(1020));  // a snapshot-isolation conflict (MariaDB 11.6+)
  EXPECT_FALSE(IsRetryableConflict(1062));
  EXPECT_TRUE(IsBrokenTriggerLoad(1064, "Unknown trigger has an error in its body: 'Query was empty'"));
  // The same failure once the parse had read the trigger's name (seen in CI).
  EXPECT_TRUE(IsBrokenTriggerLoad(1064,
                                  "Trigger 'audit_journal_no_update' has an error in its body: 'You have an error "
                                  "in your SQL syntax; check the manual that corresponds to your MariaDB server "
                                  "version for the right syntax to use near '' at line 1'"));
  EXPECT_FALSE(IsBrokenTriggerLoad(1064, "You have an error in your SQL syntax"));
  EXPECT_FALSE(IsBrokenTriggerLoad(1062, "Trigger 't' has an error in its body: 'x'"));
  EXPECT_TRUE(IsConnectionLost(2006));
  EXPECT_TRUE(IsConnectionLost(2013));
  EXPECT_FALSE(IsConnectionLost(1213));
}

}  // namespace
}  // namespace cre::mysql
