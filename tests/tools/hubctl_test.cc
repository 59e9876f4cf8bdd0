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

  testing::HubctlRun both = testing::RunHubctl("deliveries requeue --all 7 --reason fixed --config " + config);
  EXPECT_EQ(both.exit_code, 2) << both.output;
  testing::HubctlRun requeued =
      testing::RunHubctl("deliveries requeue --all --reason 'the PRU adapter is fixed' --config " + config);
  EXPECT_EQ(requeued.exit_code, 0) << requeued.output;
  EXPECT_THAT(requeued.output, HasSubstr("requeued 1 dead delivery"));
  EXPECT_EQ(db.QueryString("SELECT state FROM delivery WHERE recipient_agency_id = 'derby-pru'"), "PENDING");
  testing::HubctlRun empty = testing::RunHubctl("deliveries dead --config " + config);
  EXPECT_EQ(std::count(empty.output.begin(), empty.output.end(), '\n'), 1) << empty.output;
}

// An operator adds a member of staff, who gets a second-factor key to
// enrol; a weak password is refused naming the rule; disabling, resetting
// and listing work on the real store.
TEST(HubctlTest, StaffAreAddedListedDisabledAndReset) {
  testing::TestDatabase db;
  const v1::HubConfig hub_config = testing::TestHubConfig(db);
  const std::string config = testing::WriteHubConfigFile(hub_config, "staff.textproto");
  mysql::MysqlStore store(db.settings(), 2, testing::TestCipher());
  ASSERT_TRUE(store.SyncAgencies({hub_config.agency_registry().agencies().begin(),
                                  hub_config.agency_registry().agencies().end()})
                  .ok());
  const std::string password_file = ::testing::TempDir() + "staff-password";
  {
    std::FILE* f = std::fopen(password_file.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs("correct horse battery staple\n", f);
    std::fclose(f);
  }
  const std::string add = "staff add --config " + config +
                          " --username a.khan --agency derby-cpm --role cpm --display-name Aisha"
                          " --password-file " + password_file;
  testing::HubctlRun added = testing::RunHubctl(add);
  ASSERT_EQ(added.exit_code, 0) << added.output;
  EXPECT_THAT(added.output, HasSubstr("added a.khan (STAFF_ROLE_CPM, derby-cpm)"));
  EXPECT_THAT(added.output, ::testing::ContainsRegex("key: [A-Z2-7]{32}\n"));
  EXPECT_THAT(added.output, HasSubstr("uri: otpauth://totp/"));
  EXPECT_EQ(testing::RunHubctl(add).exit_code, 1) << "the username is taken";

  testing::HubctlRun weak = testing::RunHubctl(
      "staff add --config " + config + " --username b.lee --agency derby-cpm --role cpm --display-name B"
      " --password-file /dev/null");
  EXPECT_EQ(weak.exit_code, 1);
  EXPECT_THAT(weak.output, HasSubstr("password"));
  testing::HubctlRun bad_role = testing::RunHubctl(
      "staff add --config " + config + " --username b.lee --agency derby-cpm --role captain --display-name B");
  EXPECT_EQ(bad_role.exit_code, 2);
  EXPECT_THAT(bad_role.output, HasSubstr("--role: not a staff role: captain"));

  testing::HubctlRun disabled = testing::RunHubctl("staff disable --config " + config + " a.khan");
  EXPECT_EQ(disabled.exit_code, 0) << disabled.output;
  testing::HubctlRun listed = testing::RunHubctl("staff list --config " + config);
  EXPECT_THAT(listed.output, HasSubstr("a.khan\tderby-cpm\tSTAFF_ROLE_CPM\tyes\tAisha\n"));
  EXPECT_EQ(testing::RunHubctl("staff enable --config " + config + " a.khan").exit_code, 0);

  const std::string old_secret = store.FindStaff("a.khan")->totp_secret;
  testing::HubctlRun totp = testing::RunHubctl("staff reset-totp --config " + config + " a.khan");
  EXPECT_EQ(totp.exit_code, 0) << totp.output;
  EXPECT_NE(store.FindStaff("a.khan")->totp_secret, old_secret);
  testing::HubctlRun reset =
      testing::RunHubctl("staff reset-password --config " + config + " a.khan --password-file " + password_file);
  EXPECT_EQ(reset.exit_code, 0) << reset.output;
  EXPECT_EQ(testing::RunHubctl("staff disable --config " + config + " nobody").exit_code, 1);
  EXPECT_EQ(db.QueryString("SELECT COUNT(*) FROM audit_journal") != "0", true) << "each change journalled";
}

// From the config alone: the record can be printed (and signed) before the
// hub first runs, so nothing here needs the schema.
TEST(HubctlTest, GovernanceReportPrintsTheRecordOfProcessingFromTheConfig) {
  testing::TestDatabase db(testing::TestDatabase::Migrate::kNo);
  const std::string config = testing::WriteHubConfigFile(testing::TestHubConfig(db), "governance.textproto");
  testing::HubctlRun report = testing::RunHubctl("governance report --config " + config);
  EXPECT_EQ(report.exit_code, 0) << report.output;
  EXPECT_THAT(report.output, HasSubstr("# Record of processing activities"));
  EXPECT_THAT(report.output, HasSubstr("## 8. Register of information-sharing agreements"));
  EXPECT_THAT(report.output, HasSubstr("| `derby-cre-isa-2026` |"));
  EXPECT_THAT(report.output, HasSubstr("| Police Referral Unit |"));
  EXPECT_THAT(report.output, HasSubstr("| case, looked-after child | to the 75th birthday"));
}

// The retention schedule on demand: a dry run says what is due and writes
// nothing; a run purges it and the chain still verifies; status reports
// each class against its policy; a legal hold is placed and released.
TEST(HubctlTest, RetentionRunDryRunStatusAndHolds) {
  testing::TestDatabase db;
  const v1::HubConfig hub_config = testing::TestHubConfig(db);
  const std::string config = testing::WriteHubConfigFile(hub_config, "retention.textproto");
  mysql::MysqlStore store(db.settings(), 2, testing::TestCipher());
  ASSERT_TRUE(store.SyncAgencies({hub_config.agency_registry().agencies().begin(),
                                  hub_config.agency_registry().agencies().end()})
                  .ok());
  // An Operation Liberty report about no child, routed to nobody, two years
  // ago: its payload is due (a year after delivery, by default).
  Submission report;
  report.sender_agency_id = "derby-health";
  report.method = "SubmitOperationLibertyReport";
  report.idempotency_key = report.request_sha256 = "old";
  report.message.set_kind(v1::MESSAGE_KIND_OPERATION_LIBERTY_REPORT);
  report.accepted_at = absl::Now() - absl::Hours(2 * 366 * 24);
  const RouteFn nobody = [](const CaseView*, const RepliedMessage*) -> absl::StatusOr<Routing> {
    return Routing();
  };
  ASSERT_TRUE(store.Accept(report, nobody).ok());
  // A case opened today: kept.
  v1::NewChild child;
  child.mutable_details()->set_family_name("Example");
  child.mutable_child()->set_date_of_birth("2013-01-02");
  child.mutable_child()->set_open_plan(v1::OPEN_PLAN_CHILD_PROTECTION);
  Submission concern;
  concern.sender_agency_id = "derby-health";
  concern.method = "SubmitConcern";
  concern.idempotency_key = concern.request_sha256 = "new";
  concern.message.set_kind(v1::MESSAGE_KIND_CONCERN);
  concern.accepted_at = concern.opened_at = absl::Now();
  concern.new_child = &child;
  absl::StatusOr<Accepted> opened = store.Accept(concern, nobody);
  ASSERT_TRUE(opened.ok()) << opened.status();
  const std::string case_id = opened->receipt.case_id();

  testing::HubctlRun dry = testing::RunHubctl("retention run --dry-run --config " + config);
  EXPECT_EQ(dry.exit_code, 0) << dry.output;
  EXPECT_THAT(dry.output, HasSubstr("dry run: nothing written; 1 record(s) due and not held would be purged"));
  EXPECT_THAT(dry.output, ::testing::ContainsRegex("message_payload +2 +0 +1 "));
  EXPECT_EQ(db.QueryString("SELECT COUNT(*) FROM message WHERE purged_at IS NULL"), "2");

  testing::HubctlRun run = testing::RunHubctl("retention run --config " + config);
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_THAT(run.output, HasSubstr("purged 1 record(s)"));
  EXPECT_EQ(db.QueryString("SELECT COUNT(*) FROM message WHERE purged_at IS NULL"), "1");

  testing::HubctlRun hold = testing::RunHubctl("retention hold --config " + config + " --case " + case_id +
                                               " --reason 'subject access request pending'");
  EXPECT_EQ(hold.exit_code, 0) << hold.output;
  EXPECT_THAT(hold.output, HasSubstr("legal hold placed on case " + case_id));
  EXPECT_EQ(testing::RunHubctl("retention hold --config " + config + " --case " + case_id + " --reason again")
                .exit_code,
            1);
  EXPECT_EQ(testing::RunHubctl("retention hold --config " + config + " --case " + case_id).exit_code, 2)
      << "--reason is required";

  testing::HubctlRun status = testing::RunHubctl("retention status --config " + config);
  EXPECT_EQ(status.exit_code, 0) << status.output;
  EXPECT_THAT(status.output, ::testing::ContainsRegex("message_payload +1 +1 +0 +- +1 "));
  EXPECT_THAT(status.output, ::testing::ContainsRegex("case_child_protection +1 +1 +0 "));
  EXPECT_THAT(status.output, HasSubstr("35 years after the last contact"));
  EXPECT_THAT(status.output, HasSubstr("legal holds: 1"));
  EXPECT_THAT(status.output, HasSubstr("subject access request pending"));

  testing::HubctlRun release = testing::RunHubctl("retention release --config " + config + " --case " + case_id +
                                                  " --reason 'request answered'");
  EXPECT_EQ(release.exit_code, 0) << release.output;
  testing::HubctlRun verify = testing::RunHubctl("audit verify --config " + config);
  EXPECT_EQ(verify.exit_code, 0) << verify.output;
  EXPECT_THAT(verify.output, HasSubstr("intact"));
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
