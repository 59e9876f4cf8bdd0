// The record, end to end: a real hub writes the audit chain as it works,
// and `hubctl audit verify` (the real binary) names the first row an insider
// altered, deleted or inserted, and a truncation when given an anchor.
#include <cstdio>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "cre/v1/referrals.grpc.pb.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/time_util.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "support/hub_process.h"
#include "support/inbox_stream.h"
#include "support/test_governance.h"
#include "support/test_hub.h"

namespace cre {
namespace {

using ::testing::HasSubstr;


class AuditRecordTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config_ = testing::WriteHubConfigFile(hub_.config(), "audit.textproto");
    // Some work: a concern routed to CSC, handed out and acknowledged, a
    // case read, and a refused call.
    v1::SubmitConcernRequest concern;
    concern.set_idempotency_key("c");
    *concern.mutable_governance() = testing::TestGovernance();
    concern.mutable_new_child()->mutable_details()->set_family_name("Example");
    concern.mutable_new_child()->mutable_child()->set_date_of_birth("2013-01-02");
    concern.mutable_new_child()->mutable_child()->set_open_plan(v1::OPEN_PLAN_NONE);
    concern.mutable_new_child()->mutable_child()->set_home_authority_code("E06000015");
    concern.mutable_concern()->set_indicated_level(v1::RISK_LEVEL_HIGH);
    concern.mutable_concern()->set_narrative("n");
    *concern.mutable_concern()->mutable_identified_at() =
        google::protobuf::util::TimeUtil::SecondsToTimestamp(absl::ToUnixSeconds(absl::Now()));
    v1::SubmitResponse receipt;
    {
      // The stream ends here, before the hub is stopped below: a client
      // stream the hub ends itself retries for seconds.
      testing::InboxStream csc(hub_.ChannelFor("derby-csc"));
      grpc::ClientContext context;
      ASSERT_TRUE(v1::Referrals::NewStub(hub_.ChannelFor("derby-school-ashgrove"))
                      ->SubmitConcern(&context, concern, &receipt).ok());
      absl::optional<v1::RoutedMessage> received = csc.Next();
      ASSERT_TRUE(received.has_value());
      ASSERT_TRUE(testing::Acknowledge(hub_.ChannelFor("derby-csc"), {received->delivery_id()}).ok());
    }
    {
      grpc::ClientContext context;
      v1::GetCaseRequest get;
      get.set_case_id(receipt.case_id());
      v1::GetCaseResponse read;
      ASSERT_TRUE(v1::Referrals::NewStub(hub_.ChannelFor("derby-csc"))->GetCase(&context, get, &read).ok());
    }
    {
      grpc::ClientContext context;
      v1::SendNotificationRequest notify;
      v1::SubmitResponse refused;
      ASSERT_EQ(v1::Referrals::NewStub(hub_.ChannelFor("derby-school-ashgrove"))
                    ->SendNotification(&context, notify, &refused).error_code(),
                grpc::StatusCode::PERMISSION_DENIED);
    }
    // The refusal is recorded off the call's thread, and sealed into the
    // chain after the records before it: once it is there, all of them are.
    // Bounded generously: on a loaded machine (a sanitizer build alongside)
    // sealing once took more than the 5 s this waited before, and the tests
    // then found rows 2 and 3 missing rather than altered.
    for (int i = 0; i < 600 && Rows("record LIKE '%PERMISSION_DENIED%'") == "0"; ++i) {
      absl::SleepFor(absl::Milliseconds(50));
    }
    ASSERT_NE(Rows("record LIKE '%PERMISSION_DENIED%'"), "0") << "the refusal was not sealed within 30 s";
    // The insider edits below are made with the hub stopped: a row the hub
    // sealed after one (a lease released when the stream above ended, say)
    // would chain on from the edited or deleted row, and make the chain
    // break somewhere other than where each test looks.
    hub_.Stop();
  }

  std::string Rows(const std::string& where) {
    return hub_.database().QueryString("SELECT COUNT(*) FROM audit_log WHERE " + where);
  }
  // What an insider with the database's rights can do.
  void AsInsider(const std::string& statement) {
    hub_.database().Execute("DROP TRIGGER IF EXISTS audit_log_no_update");
    hub_.database().Execute("DROP TRIGGER IF EXISTS audit_log_no_delete");
    hub_.database().Execute(statement);
  }
  std::string Head() { return hub_.database().QueryString("SELECT CONCAT(seq, ':', row_hash) FROM audit_head"); }

  testing::TestHub hub_;
  std::string config_;
};

TEST_F(AuditRecordTest, TheWorkIsRecordedAndTheChainVerifies) {
  const testing::HubctlRun exported = testing::RunHubctl("audit export --config " + config_);
  ASSERT_EQ(exported.exit_code, 0) << exported.output;
  for (const char* kind : {"AUDIT_EVENT_KIND_CASE_OPENED", "AUDIT_EVENT_KIND_MESSAGE_ACCEPTED",
                           "AUDIT_EVENT_KIND_DELIVERY_HANDED_OUT", "AUDIT_EVENT_KIND_DELIVERY_ACKNOWLEDGED",
                           "AUDIT_EVENT_KIND_CASE_READ", "AUDIT_EVENT_KIND_CALL_REFUSED"}) {
    EXPECT_THAT(exported.output, HasSubstr(kind));
  }
  EXPECT_THAT(exported.output, HasSubstr("\"status_code\":\"PERMISSION_DENIED\""));
  EXPECT_THAT(exported.output, ::testing::Not(HasSubstr("Example")));  // no personal data

  const testing::HubctlRun verified = testing::RunHubctl("audit verify --config " + config_ + " --anchor " + Head());
  EXPECT_EQ(verified.exit_code, 0) << verified.output;
  EXPECT_THAT(verified.output, HasSubstr("audit chain intact"));
}

TEST_F(AuditRecordTest, TheHubCannotUpdateOrDeleteTheRecord) {
  EXPECT_ANY_THROW(hub_.database().Execute("DELETE FROM audit_log WHERE seq = 1"));
  EXPECT_ANY_THROW(hub_.database().Execute("UPDATE audit_log SET prev_hash = row_hash WHERE seq = 1"));
}

TEST_F(AuditRecordTest, AnAlteredRowIsNamed) {
  // Same length, so the record still parses: only the hash tells.
  AsInsider("UPDATE audit_log SET record = REPLACE(record, 'MESSAGE_KIND_CONCERN', 'MESSAGE_KIND_CONCERX') WHERE seq = 2");
  const testing::HubctlRun verified = testing::RunHubctl("audit verify --config " + config_);
  EXPECT_EQ(verified.exit_code, 1) << verified.output;
  EXPECT_THAT(verified.output, HasSubstr("audit row 2 was altered"));
}

TEST_F(AuditRecordTest, ADeletedRowIsNamed) {
  AsInsider("DELETE FROM audit_log WHERE seq = 3");
  const testing::HubctlRun verified = testing::RunHubctl("audit verify --config " + config_);
  EXPECT_EQ(verified.exit_code, 1) << verified.output;
  EXPECT_THAT(verified.output, HasSubstr("audit row 3 is missing"));
}

TEST_F(AuditRecordTest, AnInsertedRowIsNamed) {
  // Everything after row 2 moves up one, and a forged row takes seq 3.
  AsInsider("ALTER TABLE audit_log DROP PRIMARY KEY");
  AsInsider("UPDATE audit_log SET seq = seq + 1 WHERE seq >= 3");
  AsInsider("INSERT INTO audit_log (seq, record, prev_hash, row_hash)"
            " SELECT 3, record, row_hash, SHA2(CONCAT(row_hash, record), 256) FROM audit_log WHERE seq = 2");
  const testing::HubctlRun verified = testing::RunHubctl("audit verify --config " + config_);
  EXPECT_EQ(verified.exit_code, 1) << verified.output;
  EXPECT_THAT(verified.output, HasSubstr("audit row 3"));
}

TEST_F(AuditRecordTest, DeletingTheNewestRowsIsCaughtByTheAnchor) {
  const std::string anchor = Head();
  AsInsider("DELETE FROM audit_log WHERE seq = (SELECT MAX(seq) FROM (SELECT seq FROM audit_log) AS newest)");
  EXPECT_EQ(testing::RunHubctl("audit verify --config " + config_).exit_code, 0);  // the chain alone cannot tell
  const testing::HubctlRun anchored = testing::RunHubctl("audit verify --config " + config_ + " --anchor " + anchor);
  EXPECT_EQ(anchored.exit_code, 1) << anchored.output;
  EXPECT_THAT(anchored.output, HasSubstr("were deleted"));
}

}  // namespace
}  // namespace cre
