// The console in a real browser (label browser): a real hub with its
// console on MariaDB and a fake clock, staff added to the store, a real
// submission that leaves an action overdue, read by Children's Social Care
// (an access the CPM's case page lists); then console_test.mjs drives
// Debian's chromium through it (playwright-core). Between its two phases the
// hub's clock moves past the idle expiry of a session the first phase kept.
// Screenshots go to build/browser-screenshots/.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "cre/v1/referrals.grpc.pb.h"
#include "grpcpp/client_context.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "staff/password_hash.h"
#include "staff/totp.h"
#include "store/mysql/mysql_store.h"
#include "support/fake_clock.h"
#include "support/inbox_stream.h"
#include "support/staff_accounts.h"
#include "support/test_cases.h"
#include "support/test_environment.h"
#include "support/test_governance.h"
#include "support/test_hub.h"

namespace cre {
namespace {

constexpr char kPassword[] = "a long console password";

// Runs `command`, returns its exit status; its output goes to the test's log.
int RunCommand(const std::string& command) {
  std::FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return -1;
  char buffer[4096];
  while (size_t n = fread(buffer, 1, sizeof buffer, pipe)) fwrite(buffer, 1, n, stdout);
  const int status = pclose(pipe);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

class ConsoleBrowserTest : public ::testing::Test {
 protected:
  void AddStaff(const std::string& username, const std::string& agency, v1::StaffRole role) {
    secrets_[username] = testing::AddTestStaff(store_, username, agency, role, kPassword, clock_.Now());
  }
  std::string Code(const std::string& username) { return staff::TotpCode(secrets_[username], clock_.Now()); }

  testing::FakeClock clock_;
  testing::TestHub hub_{[](v1::HubConfig& config) {
                          v1::ConsoleConfig* console = config.mutable_console();
                          console->set_listen_address("127.0.0.1:0");
                          console->set_server_cert_file(testing::CertsDir() + "/hub.crt");
                          console->set_server_key_file(testing::CertsDir() + "/hub.key");
                          console->set_static_dir(testing::SourceRoot() + "/console");
                          console->set_session_idle_minutes(30);
                          console->set_session_absolute_minutes(720);
                          // The Deliveries page's open streams, within the test.
                          config.set_presence_report_interval_ms(200);
                        },
                        clock_};
  mysql::MysqlStore store_{hub_.database().settings(), 2, testing::TestCipher()};
  std::map<std::string, std::string> secrets_;
};

TEST_F(ConsoleBrowserTest, StaffSignInSeeWhatIsOverdueOpenItsCaseAndAreRefusedWhatIsNotTheirs) {
  ASSERT_NE(hub_.console_port(), 0);
  AddStaff("duty.cpm", "derby-cpm", v1::STAFF_ROLE_CPM);
  AddStaff("school.staff", "derby-school-ashgrove", v1::STAFF_ROLE_TEAM_MANAGER);
  AddStaff("stale.user", "derby-cpm", v1::STAFF_ROLE_CPM);
  AddStaff("hub.operator", "derby-cpm", v1::STAFF_ROLE_HUB_OPERATOR);
  AddStaff("keyboard.cpm", "derby-cpm", v1::STAFF_ROLE_CPM);
  // A looked-after child assessed HIGH three days ago: the IRO notification
  // (due within 48 hours) is overdue.
  absl::StatusOr<std::string> case_id =
      testing::OpenLookedAfterChildAssessedHigh(hub_, clock_.Now() - absl::Hours(72), "browser");
  ASSERT_TRUE(case_id.ok()) << case_id.status();

  // An Operation Liberty report the PRU never acknowledged, its last
  // attempt used: a dead letter. (The hub's own lease expiry may take a
  // claim back first, as PENDING; the next claim then uses the last attempt.)
  v1::SubmitOperationLibertyReportRequest report;
  report.set_idempotency_key("browser-dead-letter");
  *report.mutable_governance() = testing::TestGovernance();
  report.mutable_report()->set_narrative("seen near the bus station");
  report.mutable_report()->add_places()->set_address("bus station");
  {
    grpc::ClientContext context;
    v1::SubmitResponse submitted;
    grpc::Status status =
        v1::Referrals::NewStub(hub_.ChannelFor("derby-health"))->SubmitOperationLibertyReport(&context, report, &submitted);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }
  DeliveryPolicy last_attempt;
  last_attempt.max_attempts = 1;
  last_attempt.lease = absl::Milliseconds(1);
  int64_t dead_delivery_id = 0;
  for (int i = 0; i < 50 && dead_delivery_id == 0; ++i) {
    ASSERT_TRUE(store_.ClaimDeliveries("derby-pru", "browser-test", 1, last_attempt).ok());
    absl::SleepFor(absl::Milliseconds(5));
    ASSERT_TRUE(store_.ExpireLeases(last_attempt).ok());
    absl::StatusOr<std::vector<DeadDelivery>> dead = store_.ListDeadDeliveries(10);
    ASSERT_TRUE(dead.ok());
    if (!dead->empty()) dead_delivery_id = dead->front().delivery_id;
  }
  ASSERT_NE(dead_delivery_id, 0) << "no dead letter made";
  const std::string reason = "the PRU adapter was restarted after the outage";
  // An agency connected with nothing waiting: the Deliveries page shows it
  // seen, with its stream.
  testing::InboxStream connected(hub_.ChannelFor("derby-youth-justice"));

  // Children's Social Care reads the case: an access the CPM's case page
  // lists, once the hub has sealed it.
  {
    grpc::ClientContext context;
    v1::GetCaseRequest get;
    get.set_case_id(*case_id);
    v1::GetCaseResponse read;
    ASSERT_TRUE(v1::Referrals::NewStub(hub_.ChannelFor("derby-csc"))->GetCase(&context, get, &read).ok());
    for (int i = 0; i < 200 && hub_.database().QueryString(
                                   "SELECT COUNT(*) FROM audit_access WHERE case_id = '" + *case_id + "'") == "0";
         ++i) {
      absl::SleepFor(absl::Milliseconds(20));
    }
  }
  const std::string build = CRE_TEST_BUILD_DIR;
  const std::string env = absl::StrCat(
      "CONSOLE_URL=https://localhost:", hub_.console_port(), "/", " SCREENSHOTS=", build, "/browser-screenshots",
      " STATE_FILE=", ::testing::TempDir(), "stale-session.json", " PASSWORD='", kPassword, "'",
      " CPM_CODE=", Code("duty.cpm"), " SCHOOL_CODE=", Code("school.staff"), " STALE_CODE=", Code("stale.user"),
      " CASE_ID=", *case_id, " OVERDUE_ACTION_WORDS='notification of the Independent Reviewing Officer'",
      " OPERATOR_CODE=", Code("hub.operator"), " KEYBOARD_CODE=", Code("keyboard.cpm"),
      " DEAD_DELIVERY_ID=", dead_delivery_id, " REQUEUE_REASON='", reason, "'",
      " CONNECTED_AGENCY=derby-youth-justice NEVER_SEEN_AGENCY=derby-pru");
  const std::string node = absl::StrCat("cd ", build, "/browser && env ", env, " node console_test.mjs");
  ASSERT_EQ(RunCommand(node + " before"), 0);

  // In the audit chain: the school's refusal and the operator's requeue
  // with its reason, each naming the member of staff.
  auto in_chain = [&](const std::function<bool(const v1::AuditRecord&)>& wanted) {
    for (int i = 0; i < 50; ++i) {
      absl::StatusOr<std::vector<audit::StoredRow>> rows = store_.ReadAudit(1, 100000);
      if (rows.ok()) {
        for (const audit::StoredRow& row : *rows) {
          v1::AuditRecord record;
          if (record.ParseFromString(row.record_bytes) && wanted(record)) return true;
        }
      }
      absl::SleepFor(absl::Milliseconds(100));  // the sealer chains a record within milliseconds
    }
    return false;
  };
  EXPECT_TRUE(in_chain([](const v1::AuditRecord& r) {
    return r.kind() == v1::AUDIT_EVENT_KIND_CALL_REFUSED && r.staff_id() == "school.staff" &&
           r.method() == "/cre.v1.Oversight/ListOpenActions";
  })) << "the school's refusal is not in the audit chain";
  EXPECT_TRUE(in_chain([](const v1::AuditRecord& r) {
    return r.kind() == v1::AUDIT_EVENT_KIND_ACCESS_LOG_READ && r.staff_id() == "duty.cpm" &&
           r.actor_agency_id() == "derby-cpm";
  })) << "the CPM's read of the access list is not in the audit chain";
  EXPECT_TRUE(in_chain([&](const v1::AuditRecord& r) {
    return r.kind() == v1::AUDIT_EVENT_KIND_DELIVERY_REQUEUED && r.staff_id() == "hub.operator" &&
           absl::StrContains(r.detail(), reason);
  })) << "the requeue and its reason are not in the audit chain";
  absl::StatusOr<std::vector<DeadDelivery>> still_dead = store_.ListDeadDeliveries(10);
  ASSERT_TRUE(still_dead.ok());
  EXPECT_TRUE(still_dead->empty()) << "the dead letter was not requeued";

  // Half an hour and a minute later, the kept session must sign in again.
  clock_.Advance(absl::Minutes(31));
  ASSERT_EQ(RunCommand(node + " after"), 0);
}

}  // namespace
}  // namespace cre
