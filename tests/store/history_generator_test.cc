// The history generator of the benchmarks (benchmarks/history) writes what
// the store reads: a small generation, read back through MysqlStore as the
// hub reads it, its audit chain verified as hubctl verifies it.
#include <memory>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "audit/audit_chain.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "history_generator.h"
#include "store/mysql/mysql_store.h"
#include "support/test_database.h"
#include "support/test_environment.h"

namespace cre::history {
namespace {

v1::AgencyRegistry Registry() {
  v1::AgencyRegistry registry;
  for (const auto& [id, role] : {std::pair<const char*, v1::AgencyRole>{"pru", v1::POLICE_REFERRAL_UNIT},
                                 {"police", v1::POLICE},
                                 {"school", v1::EDUCATION},
                                 {"health", v1::HEALTH},
                                 {"csc", v1::CHILDRENS_SOCIAL_CARE}}) {
    v1::Agency* agency = registry.add_agencies();
    agency->set_id(id);
    agency->set_display_name(id);
    agency->set_role(role);
    agency->set_local_authority_code("E06000015");
  }
  return registry;
}

TEST(HistoryGeneratorTest, WritesCasesTheStoreReadsAndAChainThatVerifies) {
  testing::TestDatabase db;
  HistoryOptions options;
  options.settings = db.settings();
  options.cipher = testing::TestCipher();
  options.registry = Registry();
  options.children = 50;
  options.messages = 300;
  absl::StatusOr<HistoryResult> made = GenerateHistory(options);
  ASSERT_TRUE(made.ok()) << made.status();
  EXPECT_FALSE(made->already);
  EXPECT_EQ(db.QueryString("SELECT COUNT(*) FROM cre_case"), "50");
  EXPECT_EQ(db.QueryString("SELECT COUNT(*) FROM message"), "300");
  EXPECT_EQ(db.QueryString("SELECT COUNT(*) FROM delivery WHERE state <> 'ACKED'"), "0");
  // Nothing for the deadline watcher in the history: no open action is due.
  EXPECT_EQ(db.QueryString("SELECT COUNT(*) FROM cre_case WHERE next_deadline <= NOW(6)"), "0");

  // The oldest case (its payloads purged long ago) and the newest, as their
  // opener reads them.
  mysql::MysqlStore store(db.settings(), 2, testing::TestCipher());
  for (const char* order : {"ASC", "DESC"}) {
    const std::string case_id = db.QueryString(absl::StrCat("SELECT case_id FROM cre_case ORDER BY case_id ", order, " LIMIT 1"));
    const std::string opener = db.QueryString(absl::StrCat("SELECT opened_by FROM cre_case WHERE case_id = '", case_id, "'"));
    absl::StatusOr<v1::GetCaseResponse> read = store.ReadCase(case_id, opener, "");
    ASSERT_TRUE(read.ok()) << case_id << ": " << read.status();
    EXPECT_FALSE(read->child_details().given_name().empty());
    EXPECT_GE(read->messages_size(), 1);
    EXPECT_GE(read->involved_agency_ids_size(), 2);
  }

  ASSERT_TRUE(store.SealAudit(1000).ok());  // the read's CASE_READ records
  audit::ChainVerifier verifier;
  for (int64_t from = 1;;) {
    absl::StatusOr<std::vector<audit::StoredRow>> rows = store.ReadAudit(from, 1000);
    ASSERT_TRUE(rows.ok()) << rows.status();
    if (rows->empty()) break;
    for (const audit::StoredRow& row : *rows) ASSERT_TRUE(verifier.Add(row).ok()) << "row " << row.seq;
    from = rows->back().seq + 1;
  }
  EXPECT_TRUE(verifier.Finish().ok());
  EXPECT_EQ(verifier.rows_checked(), made->audit_rows + 2);

  // The same generation again: left as it is.
  absl::StatusOr<HistoryResult> again = GenerateHistory(options);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->already);
}

}  // namespace
}  // namespace cre::history
