// The hub acts on the pathway: when a recorded assessment makes an action
// the hub can perform required (an IRO notification, a step-up from Early
// Help, a host-authority handoff, a home-authority consultation), the hub
// routes it in the same transaction, once per trigger, and the action is
// DONE when its recipient acknowledges. The hub runs on a FakeClock, which
// stands still: a test's submissions and acknowledgements share one instant.
#include <fstream>
#include <memory>
#include <thread>

#include "absl/strings/str_cat.h"
#include "cre/v1/referrals.grpc.pb.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/time_util.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "support/fake_clock.h"
#include "support/inbox_stream.h"
#include "support/test_governance.h"
#include "support/test_hub.h"

namespace cre {
namespace {

using ::cre::testing::Acknowledge;
using ::cre::testing::FakeClock;
using ::cre::testing::InboxStream;
using ::cre::testing::TestHub;
using ::google::protobuf::util::TimeUtil;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

// The hub started with the shipped policy file, or with `policy_text`
// (over the defaults) instead.
TestHub::Adjust WithPolicy(const std::string& name, const std::string& policy_text) {
  return [name, policy_text](v1::HubConfig& config) {
    const std::string path = ::testing::TempDir() + name;
    std::ofstream(path) << policy_text;
    config.set_pathway_policy_file(path);
  };
}

class HubActionsTest : public ::testing::Test {
 protected:
  HubActionsTest() : hub_(nullptr, clock_) {}
  explicit HubActionsTest(const TestHub::Adjust& adjust) : hub_(adjust, clock_) {}

  std::shared_ptr<grpc::Channel> As(const std::string& agency) { return hub_.ChannelFor(agency); }

  // `minutes` before the hub's now.
  google::protobuf::Timestamp MinutesAgo(int minutes) const {
    return TimeUtil::SecondsToTimestamp(absl::ToUnixSeconds(clock_.Now() - absl::Minutes(minutes)));
  }

  // Opens a case about a child with a LOW concern (routed to nobody).
  std::string OpenCase(const std::string& agency, const std::string& home, const std::string& placement,
                       v1::OpenPlan plan) {
    v1::SubmitConcernRequest request;
    request.set_idempotency_key("open");
    *request.mutable_governance() = testing::TestGovernance();
    v1::NewChild* child = request.mutable_new_child();
    child->mutable_details()->set_family_name("Example");
    child->mutable_child()->set_date_of_birth("2012-03-04");
    child->mutable_child()->set_open_plan(plan);
    child->mutable_child()->set_looked_after(plan == v1::OPEN_PLAN_LOOKED_AFTER);
    child->mutable_child()->set_home_authority_code(home);
    child->mutable_child()->set_placement_authority_code(placement);
    request.mutable_concern()->set_indicated_level(v1::RISK_LEVEL_LOW);
    request.mutable_concern()->set_narrative("A concern.");
    *request.mutable_concern()->mutable_identified_at() = MinutesAgo(60);
    grpc::ClientContext context;
    v1::SubmitResponse response;
    grpc::Status status = v1::Referrals::NewStub(As(agency))->SubmitConcern(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.case_id();
  }

  v1::SubmitResponse Assess(const std::string& agency, const std::string& case_id, v1::RiskLevel level,
                            const std::string& key, const std::shared_ptr<grpc::Channel>& channel = nullptr) {
    v1::RecordRiskAssessmentRequest request;
    request.set_idempotency_key(key);
    *request.mutable_governance() = testing::TestGovernance();
    request.set_case_id(case_id);
    *request.mutable_assessment()->mutable_assessed_at() = MinutesAgo(30);
    request.mutable_assessment()->set_level(level);
    request.mutable_assessment()->set_assessor_role(v1::PRACTITIONER_ROLE_SOCIAL_WORKER);
    request.mutable_assessment()->set_narrative("Toolkit completed with partners.");
    grpc::ClientContext context;
    v1::SubmitResponse response;
    grpc::Status status = v1::Referrals::NewStub(channel ? channel : As(agency))
                              ->RecordRiskAssessment(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }

  v1::Action ActionOf(const std::string& reader, const std::string& case_id, v1::ActionKind kind) {
    v1::GetCaseRequest request;
    request.set_case_id(case_id);
    grpc::ClientContext context;
    v1::GetCaseResponse response;
    EXPECT_TRUE(v1::Referrals::NewStub(As(reader))->GetCase(&context, request, &response).ok());
    for (const v1::Action& action : response.pathway().actions()) {
      if (action.kind() == kind) return action;
    }
    ADD_FAILURE() << v1::ActionKind_Name(kind) << " is not on the pathway";
    return {};
  }

  // The hub action that is a notification of `kind`.
  v1::HubActionReceipt HubActionOf(const v1::SubmitResponse& response, v1::NotificationKind kind) {
    for (const v1::HubActionReceipt& action : response.hub_actions()) {
      if (action.notification_kind() == kind) return action;
    }
    ADD_FAILURE() << v1::NotificationKind_Name(kind) << " was not sent";
    return {};
  }

  // Receives the next message of `stream` (`agency`'s), acknowledges it,
  // and returns it.
  v1::RoutedMessage ReceiveAndAck(InboxStream& stream, const std::string& agency) {
    absl::optional<v1::RoutedMessage> received = stream.Next();
    EXPECT_TRUE(received.has_value()) << agency << " received nothing";
    if (!received) return {};
    EXPECT_TRUE(Acknowledge(As(agency), {received->delivery_id()}).ok());
    return *received;
  }

  std::string Count(const std::string& where) {
    return hub_.database().QueryString("SELECT COUNT(*) FROM message WHERE " + where);
  }

  // Before the hub, which reads it until it stops.
  FakeClock clock_;
  TestHub hub_;
};

TEST_F(HubActionsTest, LookedAfterChildAssessedNotifiesTheIroOnceAndIsDoneOnAck) {
  InboxStream iro(As("derby-iro"));
  const std::string case_id = OpenCase("derby-csc", "E06000015", "E06000015", v1::OPEN_PLAN_LOOKED_AFTER);

  v1::SubmitResponse first = Assess("derby-csc", case_id, v1::RISK_LEVEL_HIGH, "a1");
  ASSERT_EQ(first.hub_actions_size(), 1);
  EXPECT_EQ(first.hub_actions(0).notification_kind(), v1::NOTIFICATION_KIND_IRO);
  EXPECT_THAT(first.hub_actions(0).recipient_agency_ids(), ElementsAre("derby-iro"));
  EXPECT_TRUE(ActionOf("derby-csc", case_id, v1::IRO_NOTIFICATION).awaiting_acknowledgement());

  // The same trigger seen again (another assessment, same level): nothing new.
  v1::SubmitResponse again = Assess("derby-csc", case_id, v1::RISK_LEVEL_HIGH, "a2");
  EXPECT_THAT(again.hub_actions(), IsEmpty());
  EXPECT_EQ(Count("kind = 'MESSAGE_KIND_NOTIFICATION'"), "1");

  absl::optional<v1::RoutedMessage> received = iro.Next();
  ASSERT_TRUE(received.has_value());
  EXPECT_TRUE(received->sent_by_hub());
  EXPECT_EQ(received->notification().level(), v1::RISK_LEVEL_HIGH);
  EXPECT_EQ(received->case_id(), case_id);
  ASSERT_TRUE(Acknowledge(As("derby-iro"), {received->delivery_id()}).ok());
  const v1::Action done = ActionOf("derby-csc", case_id, v1::IRO_NOTIFICATION);
  EXPECT_EQ(done.status(), v1::ACTION_STATUS_DONE);
  EXPECT_FALSE(done.awaiting_acknowledgement());
}

// Another authority's looked-after child placed here: its IRO is appointed
// by its home authority, which the hub tells instead of this authority's IRO
// service, and whose acknowledgement completes the action.
TEST_F(HubActionsTest, AnotherAuthoritysLookedAfterChildsIroNotificationGoesToItsHomeAuthority) {
  InboxStream home(As("derbyshire-cc"));
  const std::string case_id = OpenCase("derby-csc", "E10000007", "E06000015", v1::OPEN_PLAN_LOOKED_AFTER);
  v1::SubmitResponse assessed = Assess("derby-csc", case_id, v1::RISK_LEVEL_HIGH, "a1");
  const v1::HubActionReceipt iro = HubActionOf(assessed, v1::NOTIFICATION_KIND_IRO);
  EXPECT_THAT(iro.recipient_agency_ids(), ElementsAre("derbyshire-cc"));
  EXPECT_TRUE(ActionOf("derby-csc", case_id, v1::IRO_NOTIFICATION).awaiting_acknowledgement());

  // The assessment also consults the home authority: both reach it, in order.
  bool received_iro = false;
  for (int i = 0; i < assessed.hub_actions_size() && !received_iro; ++i) {
    received_iro = ReceiveAndAck(home, "derbyshire-cc").message_id() == iro.message_id();
  }
  ASSERT_TRUE(received_iro);
  const v1::Action done = ActionOf("derby-csc", case_id, v1::IRO_NOTIFICATION);
  EXPECT_EQ(done.status(), v1::ACTION_STATUS_DONE);
  EXPECT_FALSE(done.awaiting_acknowledgement());
  EXPECT_EQ(hub_.database().QueryString(
                "SELECT COUNT(*) FROM delivery WHERE recipient_agency_id = 'derby-iro'"),
            "0");
}

// Its home authority is not registered: rather than no IRO hearing of the
// concern within the 48 hours, this authority's IRO service is told, and
// asked to pass it on.
TEST_F(HubActionsTest, IroNotificationForAChildOfAnUnregisteredAuthorityGoesToTheIroService) {
  InboxStream local_iro(As("derby-iro"));
  const std::string case_id = OpenCase("derby-csc", "E06000099", "E06000015", v1::OPEN_PLAN_LOOKED_AFTER);
  v1::SubmitResponse assessed = Assess("derby-csc", case_id, v1::RISK_LEVEL_HIGH, "a1");
  const v1::HubActionReceipt iro = HubActionOf(assessed, v1::NOTIFICATION_KIND_IRO);
  EXPECT_THAT(iro.recipient_agency_ids(), ElementsAre("derby-iro"));
  const v1::RoutedMessage received = ReceiveAndAck(local_iro, "derby-iro");
  EXPECT_EQ(received.message_id(), iro.message_id());
  EXPECT_THAT(received.notification().summary(),
              ::testing::HasSubstr("home authority E06000099 is not registered with the hub"));
  EXPECT_EQ(ActionOf("derby-csc", case_id, v1::IRO_NOTIFICATION).status(), v1::ACTION_STATUS_DONE);
}

TEST_F(HubActionsTest, AgencySentIroNotificationIsNotDuplicatedByTheHub) {
  const std::string case_id = OpenCase("derby-csc", "E06000015", "E06000015", v1::OPEN_PLAN_LOOKED_AFTER);
  v1::SendNotificationRequest notify;
  notify.set_idempotency_key("n");
  *notify.mutable_governance() = testing::TestGovernance();
  notify.set_case_id(case_id);
  notify.mutable_notification()->set_kind(v1::NOTIFICATION_KIND_IRO);
  notify.mutable_notification()->set_summary("Told the IRO ourselves.");
  grpc::ClientContext context;
  v1::SubmitResponse sent;
  ASSERT_TRUE(v1::Referrals::NewStub(As("derby-csc"))->SendNotification(&context, notify, &sent).ok());
  v1::SubmitResponse assessed = Assess("derby-csc", case_id, v1::RISK_LEVEL_MEDIUM, "a1");
  EXPECT_THAT(assessed.hub_actions(), IsEmpty());
  EXPECT_EQ(Count("kind = 'MESSAGE_KIND_NOTIFICATION'"), "1");
}

TEST_F(HubActionsTest, EarlyHelpCaseAssessedMediumIsSteppedUpToCscOnce) {
  InboxStream csc(As("derby-csc"));
  const std::string case_id = OpenCase("derby-early-help", "E06000015", "", v1::OPEN_PLAN_EARLY_HELP);
  v1::SubmitResponse assessed = Assess("derby-early-help", case_id, v1::RISK_LEVEL_MEDIUM, "a1");
  ASSERT_EQ(assessed.hub_actions_size(), 1);
  EXPECT_EQ(assessed.hub_actions(0).kind(), v1::MESSAGE_KIND_STEP_UP_REFERRAL);
  EXPECT_THAT(assessed.hub_actions(0).recipient_agency_ids(), ElementsAre("derby-csc"));
  EXPECT_THAT(Assess("derby-early-help", case_id, v1::RISK_LEVEL_MEDIUM, "a2").hub_actions(), IsEmpty());

  absl::optional<v1::RoutedMessage> referral = csc.Next();
  ASSERT_TRUE(referral.has_value());
  EXPECT_EQ(referral->kind(), v1::MESSAGE_KIND_STEP_UP_REFERRAL);
  EXPECT_EQ(referral->sender_agency_id(), "derby-early-help");
  EXPECT_EQ(referral->step_up_referral().level(), v1::RISK_LEVEL_MEDIUM);
  ASSERT_TRUE(Acknowledge(As("derby-csc"), {referral->delivery_id()}).ok());
  EXPECT_EQ(ActionOf("derby-early-help", case_id, v1::STEP_UP_REFERRAL).status(), v1::ACTION_STATUS_DONE);
}

TEST_F(HubActionsTest, PlacedOutChildIsHandedOffAndADisputeEscalatesToTheDutyCpm) {
  InboxStream host(As("derbyshire-cc"));
  InboxStream cpm(As("derby-cpm"));
  const std::string case_id = OpenCase("derby-csc", "E06000015", "E10000007", v1::OPEN_PLAN_CHILD_IN_NEED);
  v1::SubmitResponse assessed = Assess("derby-csc", case_id, v1::RISK_LEVEL_HIGH, "a1");
  ASSERT_EQ(assessed.hub_actions_size(), 1);
  EXPECT_EQ(assessed.hub_actions(0).notification_kind(), v1::NOTIFICATION_KIND_HOST_AUTHORITY_HANDOFF);

  absl::optional<v1::RoutedMessage> handoff = host.Next();
  ASSERT_TRUE(handoff.has_value());
  ASSERT_TRUE(Acknowledge(As("derbyshire-cc"), {handoff->delivery_id()}).ok());
  v1::RespondRequest dispute;
  dispute.set_idempotency_key("d");
  *dispute.mutable_governance() = testing::TestGovernance();
  dispute.set_message_id(handoff->message_id());
  dispute.mutable_response()->set_kind(v1::RESPONSE_KIND_DISPUTE);
  dispute.mutable_response()->set_reason("Placement ended.");
  grpc::ClientContext context;
  v1::SubmitResponse disputed;
  ASSERT_TRUE(v1::Referrals::NewStub(As("derbyshire-cc"))->Respond(&context, dispute, &disputed).ok());
  EXPECT_THAT(disputed.recipient_agency_ids(), ElementsAre("derby-csc"));
  ASSERT_EQ(disputed.hub_actions_size(), 1);
  EXPECT_EQ(disputed.hub_actions(0).notification_kind(), v1::NOTIFICATION_KIND_DUTY_CPM_ESCALATION);

  absl::optional<v1::RoutedMessage> escalation = cpm.Next();
  ASSERT_TRUE(escalation.has_value());
  EXPECT_EQ(escalation->notification().kind(), v1::NOTIFICATION_KIND_DUTY_CPM_ESCALATION);
  EXPECT_EQ(ActionOf("derby-csc", case_id, v1::DUTY_CPM_ESCALATION).status(), v1::ACTION_STATUS_DONE);
  EXPECT_NE(ActionOf("derby-csc", case_id, v1::HOST_AUTHORITY_HANDOFF).status(), v1::ACTION_STATUS_DONE);
}

TEST_F(HubActionsTest, AnswersToAHandoffGoToCscEvenWhenAPartnersAssessmentTriggeredIt) {
  InboxStream host(As("derbyshire-cc"));
  InboxStream csc(As("derby-csc"));
  const std::string case_id = OpenCase("derby-school-ashgrove", "E06000015", "E10000007", v1::OPEN_PLAN_CHILD_IN_NEED);
  v1::SubmitResponse assessed = Assess("derby-school-ashgrove", case_id, v1::RISK_LEVEL_MEDIUM, "a1");
  ASSERT_EQ(assessed.hub_actions_size(), 1);
  absl::optional<v1::RoutedMessage> handoff = host.Next();
  ASSERT_TRUE(handoff.has_value());
  EXPECT_EQ(handoff->sender_agency_id(), "derby-csc");  // the hub acts for CSC, not for the school
  v1::RespondRequest dispute;
  dispute.set_idempotency_key("d");
  *dispute.mutable_governance() = testing::TestGovernance();
  dispute.set_message_id(handoff->message_id());
  dispute.mutable_response()->set_kind(v1::RESPONSE_KIND_DISPUTE);
  dispute.mutable_response()->set_reason("Not ours.");
  grpc::ClientContext context;
  v1::SubmitResponse disputed;
  ASSERT_TRUE(v1::Referrals::NewStub(As("derbyshire-cc"))->Respond(&context, dispute, &disputed).ok());
  EXPECT_THAT(disputed.recipient_agency_ids(), ElementsAre("derby-csc"));
}

TEST_F(HubActionsTest, AnActionNobodyCanReceiveIsEscalatedAndTheSubmissionStands) {
  InboxStream cpm(As("derby-cpm"));
  // Placed in an authority the registry does not know (E06000099).
  const std::string case_id = OpenCase("derby-csc", "E06000015", "E06000099", v1::OPEN_PLAN_CHILD_IN_NEED);
  v1::SubmitResponse assessed = Assess("derby-csc", case_id, v1::RISK_LEVEL_HIGH, "a1");
  ASSERT_FALSE(assessed.message_id().empty());  // accepted
  ASSERT_EQ(assessed.hub_actions_size(), 1);
  EXPECT_EQ(assessed.hub_actions(0).notification_kind(), v1::NOTIFICATION_KIND_DUTY_CPM_ESCALATION);
  absl::optional<v1::RoutedMessage> escalation = cpm.Next();
  ASSERT_TRUE(escalation.has_value());
  EXPECT_EQ(escalation->notification().action_kind(), v1::HOST_AUTHORITY_HANDOFF);
  EXPECT_THAT(escalation->notification().summary(), ::testing::HasSubstr("E06000099"));
  // Later submissions on the case are not refused either.
  EXPECT_FALSE(Assess("derby-csc", case_id, v1::RISK_LEVEL_HIGH, "a2").message_id().empty());
}

TEST_F(HubActionsTest, PlacedInChildAssessedConsultsItsHomeAuthority) {
  const std::string case_id = OpenCase("derby-csc", "E06000018", "E06000015", v1::OPEN_PLAN_NONE);
  v1::SubmitResponse assessed = Assess("derby-csc", case_id, v1::RISK_LEVEL_MEDIUM, "a1");
  ASSERT_EQ(assessed.hub_actions_size(), 1);
  EXPECT_EQ(assessed.hub_actions(0).notification_kind(), v1::NOTIFICATION_KIND_HOME_AUTHORITY_CONSULTATION);
  EXPECT_THAT(assessed.hub_actions(0).recipient_agency_ids(), ElementsAre("nottingham-cc"));
}

TEST_F(HubActionsTest, TwoHubProcessesActOnOneTriggerOnce) {
  TestHub other(hub_.database(), nullptr, clock_);
  const std::string case_id = OpenCase("derby-csc", "E06000015", "E06000015", v1::OPEN_PLAN_LOOKED_AFTER);
  // The same kind of assessment through both processes at once.
  std::thread there([&] {
    for (int i = 0; i < 5; ++i) Assess("derby-csc", case_id, v1::RISK_LEVEL_HIGH, absl::StrCat("b", i), other.ChannelFor("derby-csc"));
  });
  for (int i = 0; i < 5; ++i) Assess("derby-csc", case_id, v1::RISK_LEVEL_HIGH, absl::StrCat("a", i));
  there.join();
  EXPECT_EQ(Count("kind = 'MESSAGE_KIND_NOTIFICATION'"), "1");
  EXPECT_EQ(hub_.database().QueryString("SELECT COUNT(*) FROM hub_action"), "1");
}

// The policy's other choice: the home authority, and a copy to this
// authority's IRO service.
class HubActionsCopyingTheIroServiceTest : public HubActionsTest {
 protected:
  HubActionsCopyingTheIroServiceTest()
      : HubActionsTest(WithPolicy(
            "iro_copy_policy.textproto",
            "iro_for_child_of_another_authority: IRO_RECIPIENT_HOME_AUTHORITY_AND_LOCAL_IRO_SERVICE\n")) {}
};

TEST_F(HubActionsCopyingTheIroServiceTest, BothAreToldAndTheHomeAuthoritysAcknowledgementCompletesIt) {
  InboxStream home(As("derbyshire-cc"));
  InboxStream local_iro(As("derby-iro"));
  const std::string case_id = OpenCase("derby-csc", "E10000007", "E06000015", v1::OPEN_PLAN_LOOKED_AFTER);
  v1::SubmitResponse assessed = Assess("derby-csc", case_id, v1::RISK_LEVEL_HIGH, "a1");
  const v1::HubActionReceipt iro = HubActionOf(assessed, v1::NOTIFICATION_KIND_IRO);
  EXPECT_THAT(iro.recipient_agency_ids(), ElementsAre("derby-iro", "derbyshire-cc"));

  // The copy's acknowledgement does not complete the action.
  EXPECT_EQ(ReceiveAndAck(local_iro, "derby-iro").message_id(), iro.message_id());
  EXPECT_TRUE(ActionOf("derby-csc", case_id, v1::IRO_NOTIFICATION).awaiting_acknowledgement());
  bool received_iro = false;
  for (int i = 0; i < assessed.hub_actions_size() && !received_iro; ++i) {
    received_iro = ReceiveAndAck(home, "derbyshire-cc").message_id() == iro.message_id();
  }
  ASSERT_TRUE(received_iro);
  EXPECT_EQ(ActionOf("derby-csc", case_id, v1::IRO_NOTIFICATION).status(), v1::ACTION_STATUS_DONE);

  // CSC's own IRO notification is copied the same way.
  v1::SendNotificationRequest notify;
  notify.set_idempotency_key("n");
  *notify.mutable_governance() = testing::TestGovernance();
  notify.set_case_id(case_id);
  notify.mutable_notification()->set_kind(v1::NOTIFICATION_KIND_IRO);
  notify.mutable_notification()->set_summary("A further concern.");
  grpc::ClientContext context;
  v1::SubmitResponse sent;
  ASSERT_TRUE(v1::Referrals::NewStub(As("derby-csc"))->SendNotification(&context, notify, &sent).ok());
  EXPECT_THAT(sent.recipient_agency_ids(), ElementsAre("derby-iro", "derbyshire-cc"));
}

TEST_F(HubActionsCopyingTheIroServiceTest, ThisAuthoritysOwnChildIsStillTheIroServices) {
  const std::string case_id = OpenCase("derby-csc", "E06000015", "E06000015", v1::OPEN_PLAN_LOOKED_AFTER);
  v1::SubmitResponse assessed = Assess("derby-csc", case_id, v1::RISK_LEVEL_HIGH, "a1");
  EXPECT_THAT(HubActionOf(assessed, v1::NOTIFICATION_KIND_IRO).recipient_agency_ids(),
              ElementsAre("derby-iro"));
}

}  // namespace
}  // namespace cre
