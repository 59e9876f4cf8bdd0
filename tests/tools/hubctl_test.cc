// hubctl, the operator's command line, run as an operator runs it: the real
// binary, a config file, the real MariaDB.
#include <algorithm>
#include <cstdio>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "store/mysql/mysql_store.h"
#include "support/hub_process.h"
#include "support/test_environment.h"
#include "support/test_hub.h"

namespace cre {
namespace {

using ::testing::HasSubstr;


TEST(HubctlTest, MigrateAppliesOnceAndReportsTheVersions) {
  testing::TestDatabase db(testing::TestDatabase::Migrate::kNo);
  const std::string config = testing::WriteHubConfigFile(testing::TestHubConfig(db), "migrate.textproto");
  testing::HubctlRun first = testing::RunHubctl("migrate --config " + config);
  EXPECT_EQ(first.exit_code, 0) << first.output;
  EXPECT_THAT(first.output, ::testing::ContainsRegex("applied [1-9][0-9]* migration"));
  testing::HubctlRun second = testing::RunHubctl("migrate --config " + config);
  EXPECT_EQ(second.exit_code, 0) << second.output;
  EXPECT_THAT(second.output, HasSubstr("applied 0 migration(s)"));
  EXPECT_THAT(second.output, HasSubstr("has migrations: 1, 2"));
}

TEST(HubctlTest, ListsAndRequeuesDeadDeliveries) {
  testing::TestDatabase db;
  const std::string config = testing::WriteHubConfigFile(testing::TestHubConfig(db), "dead.textproto");
  // A delivery to the PRU that was never acknowledged, max_attempts times.
  mysql::MysqlStore store(db.settings(), 2, testing::TestCipher());
  v1::Agency sender, pru;
  sender.set_id("derby-health");
  sender.set_display_name("Health");
  sender.set_role(v1::HEALTH);
  pru.set_id("derby-pru");
  pru.set_display_name("PRU");
  pru.set_role(v1::POLICE_REFERRAL_UNIT);
  ASSERT_TRUE(store.SyncAgencies({sender, pru}).ok());
  Submission s;
  s.sender_agency_id = "derby-health";
  s.method = "SubmitOperationLibertyReport";
  s.idempotency_key = s.request_sha256 = "k";
  s.message.set_kind(v1::MESSAGE_KIND_OPERATION_LIBERTY_REPORT);
  s.accepted_at = absl::Now();
  ASSERT_TRUE(store.Accept(s, [](const CaseView*, const RepliedMessage*) -> absl::StatusOr<Routing> {
                     Routing routing;
                     routing.recipients = {"derby-pru"};
                     return routing;
                   }).ok());
  DeliveryPolicy once;
  once.max_attempts = 1;
  once.lease = absl::Milliseconds(1);
  ASSERT_EQ(store.ClaimDeliveries("derby-pru", "s", 1, once)->size(), 1u);
  absl::SleepFor(absl::Milliseconds(20));
  ASSERT_EQ(*store.ExpireLeases(once), 1);

  testing::HubctlRun listed = testing::RunHubctl("deliveries dead --config " + config);
  EXPECT_EQ(listed.exit_code, 0) << listed.output;
  EXPECT_THAT(listed.output, ::testing::ContainsRegex("\n[0-9]+\tderby-pru\tOperation Liberty report\t1\t"));

  testing::HubctlRun both = testing::RunHubctl("deliveries requeue --all 7 --config " + config);
  EXPECT_EQ(both.exit_code, 2) << both.output;
  testing::HubctlRun requeued = testing::RunHubctl("deliveries requeue --all --config " + config);
  EXPECT_EQ(requeued.exit_code, 0) << requeued.output;
  EXPECT_THAT(requeued.output, HasSubstr("requeued 1 dead delivery"));
  EXPECT_EQ(db.QueryString("SELECT state FROM delivery"), "PENDING");
  testing::HubctlRun empty = testing::RunHubctl("deliveries dead --config " + config);
  EXPECT_EQ(std::count(empty.output.begin(), empty.output.end(), '\n'), 1) << empty.output;
}

TEST(HubctlTest, BadUsageAndBadConfigSayWhatIsWrong) {
  testing::HubctlRun no_command = testing::RunHubctl("");
  EXPECT_EQ(no_command.exit_code, 2);
  testing::HubctlRun unknown = testing::RunHubctl("frobnicate");
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_THAT(unknown.output, HasSubstr("unknown command frobnicate"));
  testing::HubctlRun missing = testing::RunHubctl("deliveries dead --config /nonexistent/hub.textproto");
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_THAT(missing.output, HasSubstr("/nonexistent/hub.textproto"));
}

}  // namespace
}  // namespace cre
