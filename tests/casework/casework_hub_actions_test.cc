// HubActions: what the hub sends itself when the pathway asks, the events
// routed messages stand for, overdue alerts and a case's schedule, without
// a hub or a database (the end-to-end versions: tests/server/
// hub_actions_test.cc and deadlines_test.cc).
//
// Pathways come from the shipped engine for the cases the procedure
// describes, so that the rule ids and due instants are the procedure's
// (docs/procedure.md, "The rules"), and from hand-written Pathway protos
// where a test is about HubActions' own choices (which statuses count,
// who an alert goes to).
//
// The dates: the case opens on Monday 2 March 2026 at 09:00 GMT and is
// assessed at 10:00. 24 working hours later is Tuesday 3 March 10:00
// (step-up, handoff, consultation: Choice 3); 48 clock hours later is
// Wednesday 4 March 10:00 (IRO notification: Choice 2), as is 48 working
// hours (the HIGH strategy discussion). No bank holiday in between.
#include <algorithm>
#include <string>
#include <vector>

#include "casework/hub_actions.h"
#include "casework_fixture.h"
#include "common/proto_time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cre {
namespace {

using ::cre::casework_testing::Agency;
using ::cre::casework_testing::CaseBuilder;
using ::cre::casework_testing::DerbyRouter;
using ::cre::casework_testing::kDerby;
using ::cre::casework_testing::kDerbyshire;
using ::cre::casework_testing::kNottingham;
using ::cre::casework_testing::kUnregistered;
using ::cre::casework_testing::Micros;
using ::cre::casework_testing::RegistryWithout;
using ::cre::casework_testing::ShippedEngine;
using ::cre::casework_testing::T;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;
using ::testing::UnorderedElementsAre;

constexpr char kAssessedAt[] = "2026-03-02T10:00:00Z";  // Monday
constexpr char kTuesday10[] = "2026-03-03T10:00:00Z";   // + 24 working hours
constexpr char kWednesday10[] = "2026-03-04T10:00:00Z";  // + 48 clock hours

v1::Pathway Evaluate(const CaseBuilder& c, const std::string& now) {
  absl::StatusOr<v1::Pathway> pathway = ShippedEngine()->Evaluate(c.view().case_file, T(now));
  EXPECT_TRUE(pathway.ok()) << pathway.status();
  return pathway.value_or(v1::Pathway());
}

// The follow-ups HubActions adds for `c` evaluated at `now`.
std::vector<FollowUp> FollowUpsOf(const CaseBuilder& c, const std::string& now, const Router& router = DerbyRouter()) {
  const HubActions actions(&router);
  Routing routing;
  actions.AddFollowUps(Evaluate(c, now), c.view(), &routing);
  return routing.follow_ups;
}

std::vector<FollowUp> AlertsOf(const CaseBuilder& c, const std::string& now, const Router& router = DerbyRouter()) {
  const HubActions actions(&router);
  Routing routing;
  actions.AddOverdueAlerts(Evaluate(c, now), c.view(), &routing);
  return routing.follow_ups;
}

std::vector<std::string> Keys(const std::vector<FollowUp>& follow_ups) {
  std::vector<std::string> keys;
  for (const FollowUp& f : follow_ups) keys.push_back(f.trigger_key);
  return keys;
}

// A hand-written action of a pathway.
v1::Action MakeAction(const std::string& rule_id, v1::ActionKind kind, v1::ActionStatus status,
                      v1::PractitionerRole owner, const std::string& due = "") {
  v1::Action a;
  a.set_rule_id(rule_id);
  a.set_rule("The rule's words.");
  a.set_kind(kind);
  a.set_status(status);
  a.set_owner(owner);
  if (!due.empty()) {
    *a.mutable_due_at() = ToProtoTime(T(due));
    a.set_due_date(due.substr(0, 10));
  }
  return a;
}

// ------------------------------------------------------------ follow-ups

// Every action the hub performs itself (docs/procedure.md, "Hub actions"):
// the follow-up is keyed "<rule id>@<due instant in µs>", sent on behalf
// of the agency whose action it is (Early Help for the step-up, CSC for
// the notifications: answers go there), and stands for the event an agency
// sending it itself would record.
TEST(FollowUpsTest, EachHubPerformedActionIsSentOnceKeyedByRuleAndDueInstant) {
  struct Row {
    std::string name;
    CaseBuilder c;
    v1::RiskLevel level;
    std::string trigger_key;
    v1::MessageKind kind;
    v1::NotificationKind notification;
    std::vector<std::string> recipients;
    std::string on_behalf_of;
    v1::EventKind event;
    std::string acknowledged_by;
  };
  const std::vector<Row> rows = {
      {"looked-after child: the IRO", CaseBuilder(kDerby, kDerby, v1::OPEN_PLAN_LOOKED_AFTER), v1::RISK_LEVEL_HIGH,
       "lac.iro_notification@" + Micros(kWednesday10), v1::MESSAGE_KIND_NOTIFICATION, v1::NOTIFICATION_KIND_IRO,
       {"derby-iro"}, "derby-csc", v1::EVENT_KIND_IRO_NOTIFIED, "derby-iro"},
      {"Early Help case at MEDIUM: step-up", CaseBuilder(kDerby, kDerby, v1::OPEN_PLAN_EARLY_HELP),
       v1::RISK_LEVEL_MEDIUM, "medium.step_up_referral@" + Micros(kTuesday10), v1::MESSAGE_KIND_STEP_UP_REFERRAL,
       v1::NOTIFICATION_KIND_UNSPECIFIED, {"derby-csc"}, "derby-early-help", v1::EVENT_KIND_STEP_UP_REFERRAL,
       "derby-csc"},
      {"Early Help case at HIGH: step-up", CaseBuilder(kDerby, kDerby, v1::OPEN_PLAN_EARLY_HELP), v1::RISK_LEVEL_HIGH,
       "high.step_up_referral@" + Micros(kTuesday10), v1::MESSAGE_KIND_STEP_UP_REFERRAL,
       v1::NOTIFICATION_KIND_UNSPECIFIED, {"derby-csc"}, "derby-early-help", v1::EVENT_KIND_STEP_UP_REFERRAL,
       "derby-csc"},
      // A handoff is done when the host accepts, not on an acknowledgement:
      // no event is recorded for the message itself.
      {"placed out at HIGH: handoff", CaseBuilder(kDerby, kDerbyshire, v1::OPEN_PLAN_CHILD_IN_NEED),
       v1::RISK_LEVEL_HIGH, "placed_out.host_authority_handoff@" + Micros(kTuesday10), v1::MESSAGE_KIND_NOTIFICATION,
       v1::NOTIFICATION_KIND_HOST_AUTHORITY_HANDOFF, {"derbyshire-cc"}, "derby-csc", v1::EVENT_KIND_UNSPECIFIED, ""},
      {"placed in at MEDIUM: consultation", CaseBuilder(kNottingham, kDerby, v1::OPEN_PLAN_NONE), v1::RISK_LEVEL_MEDIUM,
       "placed_in.home_authority_consultation@" + Micros(kTuesday10), v1::MESSAGE_KIND_NOTIFICATION,
       v1::NOTIFICATION_KIND_HOME_AUTHORITY_CONSULTATION, {"nottingham-cc"}, "derby-csc",
       v1::EVENT_KIND_CONSULTATION_SENT, "nottingham-cc"},
  };
  for (const Row& row : rows) {
    CaseBuilder c = row.c;
    c.Assess(kAssessedAt, row.level);
    const std::vector<FollowUp> follow_ups = FollowUpsOf(c, kAssessedAt);
    ASSERT_EQ(follow_ups.size(), 1u) << row.name << ": " << ::testing::PrintToString(Keys(follow_ups));
    const FollowUp& f = follow_ups[0];
    EXPECT_EQ(f.trigger_key, row.trigger_key) << row.name;
    EXPECT_EQ(f.message.kind(), row.kind) << row.name;
    if (row.kind == v1::MESSAGE_KIND_NOTIFICATION) {
      EXPECT_EQ(f.message.notification().kind(), row.notification) << row.name;
      EXPECT_EQ(f.message.notification().level(), row.level) << row.name;
    } else {
      EXPECT_EQ(f.message.step_up_referral().level(), row.level) << row.name;
    }
    EXPECT_EQ(f.recipients, row.recipients) << row.name;
    EXPECT_EQ(f.on_behalf_of, row.on_behalf_of) << row.name;
    EXPECT_EQ(f.event_kind, row.event) << row.name;
    EXPECT_EQ(f.acknowledged_by, row.acknowledged_by) << row.name;
  }
}

// Another authority's looked-after child placed here: the IRO notification
// goes to its home authority, whose acknowledgement completes it (Choice
// 33), and the home authority is consulted too (Choice 10): two follow-ups.
TEST(FollowUpsTest, AnotherAuthoritysLookedAfterChildIsNotifiedToAndConsultedWithItsHomeAuthority) {
  CaseBuilder c(kDerbyshire, kDerby, v1::OPEN_PLAN_LOOKED_AFTER);
  c.Assess(kAssessedAt, v1::RISK_LEVEL_HIGH);
  const std::vector<FollowUp> follow_ups = FollowUpsOf(c, kAssessedAt);
  EXPECT_THAT(Keys(follow_ups), UnorderedElementsAre("lac.iro_notification@" + Micros(kWednesday10),
                                                     "placed_in.home_authority_consultation@" + Micros(kTuesday10)));
  for (const FollowUp& f : follow_ups) {
    EXPECT_THAT(f.recipients, ElementsAre("derbyshire-cc")) << f.trigger_key;
    EXPECT_EQ(f.acknowledged_by, "derbyshire-cc") << f.trigger_key;
  }
}

// The policy's copy to this authority's IRO service: told, but its
// acknowledgement does not complete the action; the home authority's does.
TEST(FollowUpsTest, TheIroServicesCopyDoesNotCompleteTheNotification) {
  RouterOptions copy;
  copy.iro_for_child_of_another_authority = v1::IRO_RECIPIENT_HOME_AUTHORITY_AND_LOCAL_IRO_SERVICE;
  CaseBuilder c(kDerbyshire, kDerby, v1::OPEN_PLAN_LOOKED_AFTER);
  c.Assess(kAssessedAt, v1::RISK_LEVEL_HIGH);
  for (const FollowUp& f : FollowUpsOf(c, kAssessedAt, DerbyRouter(copy))) {
    if (f.message.notification().kind() != v1::NOTIFICATION_KIND_IRO) continue;
    EXPECT_THAT(f.recipients, UnorderedElementsAre("derbyshire-cc", "derby-iro"));
    EXPECT_EQ(f.acknowledged_by, "derbyshire-cc");
  }
}

// Choice 33: the home authority is not registered, so this authority's IRO
// service is told and asked to pass it on, rather than no IRO within the
// 48 hours; the consultation nobody can receive goes to the Duty CPM.
TEST(FollowUpsTest, AChildOfAnUnregisteredAuthorityIsNotifiedToThisAuthoritysIroService) {
  CaseBuilder c(kUnregistered, kDerby, v1::OPEN_PLAN_LOOKED_AFTER);
  c.Assess(kAssessedAt, v1::RISK_LEVEL_HIGH);
  const std::vector<FollowUp> follow_ups = FollowUpsOf(c, kAssessedAt);
  EXPECT_THAT(Keys(follow_ups),
              UnorderedElementsAre("lac.iro_notification@" + Micros(kWednesday10),
                                   "unroutable:placed_in.home_authority_consultation@" + Micros(kTuesday10)));
  for (const FollowUp& f : follow_ups) {
    if (f.message.notification().kind() == v1::NOTIFICATION_KIND_IRO) {
      EXPECT_THAT(f.recipients, ElementsAre("derby-iro"));
      EXPECT_EQ(f.acknowledged_by, "derby-iro");
      EXPECT_THAT(f.message.notification().summary(),
                  HasSubstr("home authority E06000099 is not registered with the hub: pass this on"));
    } else {
      EXPECT_EQ(f.message.notification().kind(), v1::NOTIFICATION_KIND_DUTY_CPM_ESCALATION);
      EXPECT_EQ(f.message.notification().action_kind(), v1::HOME_AUTHORITY_CONSULTATION);
      EXPECT_THAT(f.recipients, ElementsAre("derby-cpm"));
    }
  }
}

// An action nobody registered can receive is escalated to the Duty CPM to
// arrange by other means (Choice 32), keyed apart from the action itself;
// the submission is never refused for it.
TEST(FollowUpsTest, AnActionNobodyCanReceiveIsEscalatedToTheDutyCpm) {
  CaseBuilder c(kDerby, kUnregistered, v1::OPEN_PLAN_CHILD_IN_NEED);
  c.Assess(kAssessedAt, v1::RISK_LEVEL_HIGH);
  const std::vector<FollowUp> follow_ups = FollowUpsOf(c, kAssessedAt);
  ASSERT_EQ(follow_ups.size(), 1u);
  const FollowUp& f = follow_ups[0];
  EXPECT_EQ(f.trigger_key, "unroutable:placed_out.host_authority_handoff@" + Micros(kTuesday10));
  EXPECT_EQ(f.message.kind(), v1::MESSAGE_KIND_NOTIFICATION);
  EXPECT_EQ(f.message.notification().kind(), v1::NOTIFICATION_KIND_DUTY_CPM_ESCALATION);
  EXPECT_EQ(f.message.notification().action_kind(), v1::HOST_AUTHORITY_HANDOFF);
  // For people: the action in words, why, and what to do; the code named.
  EXPECT_THAT(f.message.notification().summary(), HasSubstr("E06000099"));
  EXPECT_THAT(f.message.notification().summary(), HasSubstr("Arrange it by other means."));
  EXPECT_THAT(f.message.notification().summary(), ::testing::Not(HasSubstr("HOST_AUTHORITY_HANDOFF")));
  EXPECT_THAT(f.recipients, ElementsAre("derby-cpm"));
  EXPECT_TRUE(f.on_behalf_of.empty());  // the hub itself
}

// Sent and not yet acknowledged (awaiting_acknowledgement), or acknowledged
// (DONE): not sent again.
TEST(FollowUpsTest, ANotificationAlreadySentIsNotSentAgain) {
  CaseBuilder awaiting(kDerby, kDerby, v1::OPEN_PLAN_LOOKED_AFTER);
  awaiting.Assess(kAssessedAt, v1::RISK_LEVEL_HIGH).Event(v1::EVENT_KIND_IRO_NOTIFIED, "2026-03-02T10:00:01Z");
  EXPECT_THAT(FollowUpsOf(awaiting, "2026-03-02T11:00:00Z"), IsEmpty());

  CaseBuilder done(kDerby, kDerby, v1::OPEN_PLAN_LOOKED_AFTER);
  done.Assess(kAssessedAt, v1::RISK_LEVEL_HIGH)
      .Event(v1::EVENT_KIND_IRO_NOTIFIED, "2026-03-02T10:00:01Z", "2026-03-02T10:30:00Z");
  EXPECT_THAT(FollowUpsOf(done, "2026-03-02T11:00:00Z"), IsEmpty());

  CaseBuilder stepped_up(kDerby, kDerby, v1::OPEN_PLAN_EARLY_HELP);
  stepped_up.Assess(kAssessedAt, v1::RISK_LEVEL_MEDIUM).Event(v1::EVENT_KIND_STEP_UP_REFERRAL, "2026-03-02T10:00:01Z");
  EXPECT_THAT(FollowUpsOf(stepped_up, "2026-03-02T11:00:00Z"), IsEmpty());

  CaseBuilder consulted(kNottingham, kDerby, v1::OPEN_PLAN_NONE);
  consulted.Assess(kAssessedAt, v1::RISK_LEVEL_MEDIUM).Event(v1::EVENT_KIND_CONSULTATION_SENT, "2026-03-02T10:00:01Z");
  EXPECT_THAT(FollowUpsOf(consulted, "2026-03-02T11:00:00Z"), IsEmpty());
}

// The same trigger seen again (another assessment at the same level, a
// later look) has the same key: the store acts on it once. A new trigger
// (the level rising: Choice 9, the IRO is told again) has a new one.
TEST(FollowUpsTest, TheSameTriggerHasTheSameKeyAndANewTriggerANewOne) {
  CaseBuilder c(kDerby, kDerby, v1::OPEN_PLAN_LOOKED_AFTER);
  c.Assess(kAssessedAt, v1::RISK_LEVEL_MEDIUM);
  const std::vector<std::string> first = Keys(FollowUpsOf(c, kAssessedAt));
  EXPECT_THAT(first, ElementsAre("lac.iro_notification@" + Micros(kWednesday10)));

  c.Assess("2026-03-02T15:00:00Z", v1::RISK_LEVEL_MEDIUM);  // same level: same trigger
  EXPECT_EQ(Keys(FollowUpsOf(c, "2026-03-02T15:00:00Z")), first);

  // The first was sent and acknowledged; the level then rises to HIGH.
  c.Event(v1::EVENT_KIND_IRO_NOTIFIED, "2026-03-02T10:00:01Z", "2026-03-02T11:00:00Z");
  c.Assess("2026-03-03T09:00:00Z", v1::RISK_LEVEL_HIGH);
  EXPECT_THAT(Keys(FollowUpsOf(c, "2026-03-03T09:00:00Z")),
              ElementsAre("lac.iro_notification@" + Micros("2026-03-05T09:00:00Z")));
}

// What HubActions itself decides, on hand-written pathways: only actions the
// hub performs, PENDING or OVERDUE, not awaiting an acknowledgement; the
// Operation Liberty report is written by a practitioner, never by the hub.
TEST(FollowUpsTest, OnlyHubPerformedActionsDueNowAndNotAwaitingAnAcknowledgement) {
  const CaseBuilder c(kDerby, kDerby, v1::OPEN_PLAN_LOOKED_AFTER);
  auto hub = [](v1::Action a) {
    a.set_performed_by_hub(true);
    return a;
  };
  v1::Pathway pathway;
  pathway.mutable_risk()->set_effective_level(v1::RISK_LEVEL_HIGH);
  *pathway.add_actions() = hub(MakeAction("pending", v1::IRO_NOTIFICATION, v1::ACTION_STATUS_PENDING,
                                          v1::PRACTITIONER_ROLE_SOCIAL_WORKER, kWednesday10));
  *pathway.add_actions() = hub(MakeAction("overdue", v1::IRO_NOTIFICATION, v1::ACTION_STATUS_OVERDUE,
                                          v1::PRACTITIONER_ROLE_SOCIAL_WORKER, kAssessedAt));
  *pathway.add_actions() = hub(MakeAction("done", v1::IRO_NOTIFICATION, v1::ACTION_STATUS_DONE,
                                          v1::PRACTITIONER_ROLE_SOCIAL_WORKER, kWednesday10));
  *pathway.add_actions() = hub(MakeAction("waiting", v1::IRO_NOTIFICATION, v1::ACTION_STATUS_WAITING,
                                          v1::PRACTITIONER_ROLE_SOCIAL_WORKER));
  v1::Action awaiting = hub(MakeAction("awaiting", v1::IRO_NOTIFICATION, v1::ACTION_STATUS_PENDING,
                                       v1::PRACTITIONER_ROLE_SOCIAL_WORKER, kWednesday10));
  awaiting.set_awaiting_acknowledgement(true);
  *pathway.add_actions() = awaiting;
  *pathway.add_actions() = MakeAction("not-the-hubs", v1::IRO_NOTIFICATION, v1::ACTION_STATUS_PENDING,
                                      v1::PRACTITIONER_ROLE_SOCIAL_WORKER, kWednesday10);
  *pathway.add_actions() = hub(MakeAction("olr", v1::OPERATION_LIBERTY_REPORT, v1::ACTION_STATUS_PENDING,
                                          v1::PRACTITIONER_ROLE_SOCIAL_WORKER, kTuesday10));
  const Router router = DerbyRouter();
  Routing routing;
  HubActions(&router).AddFollowUps(pathway, c.view(), &routing);
  EXPECT_THAT(Keys(routing.follow_ups),
              ElementsAre("pending@" + Micros(kWednesday10), "overdue@" + Micros(kAssessedAt)));
}

// ------------------------------------------------------ message events

// The event a routed message stands for, and whose acknowledgement
// completes it (hub_actions.h; docs/procedure.md, "The rules": a
// hub-routed action is done when its recipient acknowledges it).
TEST(MessageEventTest, EachMessageStandsForItsEvent) {
  auto message = [](v1::MessageKind kind, v1::NotificationKind notification = v1::NOTIFICATION_KIND_UNSPECIFIED) {
    v1::RoutedMessage m;
    m.set_kind(kind);
    if (kind == v1::MESSAGE_KIND_NOTIFICATION) m.mutable_notification()->set_kind(notification);
    return m;
  };
  struct Row {
    std::string name;
    v1::RoutedMessage message;
    std::vector<std::string> recipients;
    v1::EventKind event;
    std::string acknowledged_by;
  };
  const std::vector<Row> rows = {
      {"Operation Liberty report: the PRU's acknowledgement",
       message(v1::MESSAGE_KIND_OPERATION_LIBERTY_REPORT), {"derby-csc", "derby-pru"},
       v1::EVENT_KIND_OPERATION_LIBERTY_REPORT_SENT, "derby-pru"},
      {"step-up: CSC's", message(v1::MESSAGE_KIND_STEP_UP_REFERRAL), {"derby-csc"}, v1::EVENT_KIND_STEP_UP_REFERRAL,
       "derby-csc"},
      {"IRO notification: the IRO service's", message(v1::MESSAGE_KIND_NOTIFICATION, v1::NOTIFICATION_KIND_IRO),
       {"derby-iro"}, v1::EVENT_KIND_IRO_NOTIFIED, "derby-iro"},
      {"IRO notification with a copy: the home authority's, not the copy's",
       message(v1::MESSAGE_KIND_NOTIFICATION, v1::NOTIFICATION_KIND_IRO), {"derby-iro", "derbyshire-cc"},
       v1::EVENT_KIND_IRO_NOTIFIED, "derbyshire-cc"},
      {"consultation of the home authority: its",
       message(v1::MESSAGE_KIND_NOTIFICATION, v1::NOTIFICATION_KIND_HOME_AUTHORITY_CONSULTATION), {"nottingham-cc"},
       v1::EVENT_KIND_CONSULTATION_SENT, "nottingham-cc"},
      // The home authority consulting CSC about its own child is not this
      // authority's consultation.
      {"consultation from the home authority: none",
       message(v1::MESSAGE_KIND_NOTIFICATION, v1::NOTIFICATION_KIND_HOME_AUTHORITY_CONSULTATION), {"derby-csc"},
       v1::EVENT_KIND_UNSPECIFIED, ""},
      {"Duty CPM escalation: complete as sent",
       message(v1::MESSAGE_KIND_NOTIFICATION, v1::NOTIFICATION_KIND_DUTY_CPM_ESCALATION), {"derby-cpm"},
       v1::EVENT_KIND_DUTY_CPM_ESCALATION_RAISED, ""},
      // Done when the host accepts: its answer is the event.
      {"handoff: none", message(v1::MESSAGE_KIND_NOTIFICATION, v1::NOTIFICATION_KIND_HOST_AUTHORITY_HANDOFF),
       {"derbyshire-cc"}, v1::EVENT_KIND_UNSPECIFIED, ""},
      {"concern: none", message(v1::MESSAGE_KIND_CONCERN), {"derby-csc"}, v1::EVENT_KIND_UNSPECIFIED, ""},
      {"case update: none", message(v1::MESSAGE_KIND_CASE_UPDATE), {"derby-csc"}, v1::EVENT_KIND_UNSPECIFIED, ""},
  };
  const Router router = DerbyRouter();
  for (const Row& row : rows) {
    Routing routing;
    routing.recipients = row.recipients;
    HubActions(&router).AddMessageEvent(row.message, nullptr, &routing);
    EXPECT_EQ(routing.event_kind, row.event) << row.name;
    EXPECT_EQ(routing.acknowledged_by, row.acknowledged_by) << row.name;
    EXPECT_THAT(routing.follow_ups, IsEmpty()) << row.name;
  }
}

// README: "A host authority's dispute is escalated to the Duty CPM", at
// once, keyed by the handoff disputed; an acceptance completes the handoff.
TEST(MessageEventTest, AHostAuthoritysDisputeIsEscalatedToTheDutyCpmAndAnAcceptanceRecorded) {
  RepliedMessage handoff;
  handoff.message_id = "99999999-8888-4777-8666-555555555555";
  handoff.sender_agency_id = "derby-csc";
  handoff.kind = v1::MESSAGE_KIND_NOTIFICATION;
  handoff.message.set_kind(v1::MESSAGE_KIND_NOTIFICATION);
  handoff.message.mutable_notification()->set_kind(v1::NOTIFICATION_KIND_HOST_AUTHORITY_HANDOFF);
  handoff.message.mutable_notification()->set_level(v1::RISK_LEVEL_HIGH);
  const Router router = DerbyRouter();

  v1::RoutedMessage dispute;
  dispute.set_kind(v1::MESSAGE_KIND_RESPONSE);
  dispute.mutable_response()->set_kind(v1::RESPONSE_KIND_DISPUTE);
  dispute.mutable_response()->set_reason("The placement ended last week.");
  Routing disputed;
  disputed.recipients = {"derby-csc"};
  HubActions(&router).AddMessageEvent(dispute, &handoff, &disputed);
  EXPECT_EQ(disputed.event_kind, v1::EVENT_KIND_HOST_AUTHORITY_DISPUTED);
  ASSERT_EQ(disputed.follow_ups.size(), 1u);
  const FollowUp& escalation = disputed.follow_ups[0];
  EXPECT_EQ(escalation.trigger_key, "dispute@" + handoff.message_id);
  EXPECT_EQ(escalation.message.notification().kind(), v1::NOTIFICATION_KIND_DUTY_CPM_ESCALATION);
  EXPECT_EQ(escalation.message.notification().level(), v1::RISK_LEVEL_HIGH);
  EXPECT_THAT(escalation.message.notification().summary(), HasSubstr("The placement ended last week."));
  EXPECT_THAT(escalation.recipients, ElementsAre("derby-cpm"));
  EXPECT_EQ(escalation.event_kind, v1::EVENT_KIND_DUTY_CPM_ESCALATION_RAISED);

  v1::RoutedMessage accept;
  accept.set_kind(v1::MESSAGE_KIND_RESPONSE);
  accept.mutable_response()->set_kind(v1::RESPONSE_KIND_ACCEPT);
  Routing accepted;
  HubActions(&router).AddMessageEvent(accept, &handoff, &accepted);
  EXPECT_EQ(accepted.event_kind, v1::EVENT_KIND_HOST_AUTHORITY_ACCEPTED);
  EXPECT_THAT(accepted.follow_ups, IsEmpty());

  // A plain acknowledgement of the handoff decides nothing.
  v1::RoutedMessage ack;
  ack.set_kind(v1::MESSAGE_KIND_RESPONSE);
  ack.mutable_response()->set_kind(v1::RESPONSE_KIND_ACKNOWLEDGE);
  Routing acknowledged;
  HubActions(&router).AddMessageEvent(ack, &handoff, &acknowledged);
  EXPECT_EQ(acknowledged.event_kind, v1::EVENT_KIND_UNSPECIFIED);
  EXPECT_THAT(acknowledged.follow_ups, IsEmpty());

  // A dispute of anything else (a step-up, say) is not a host authority's.
  RepliedMessage step_up = handoff;
  step_up.kind = v1::MESSAGE_KIND_STEP_UP_REFERRAL;
  step_up.message.set_kind(v1::MESSAGE_KIND_STEP_UP_REFERRAL);
  step_up.message.mutable_step_up_referral()->set_level(v1::RISK_LEVEL_HIGH);
  Routing other;
  HubActions(&router).AddMessageEvent(dispute, &step_up, &other);
  EXPECT_EQ(other.event_kind, v1::EVENT_KIND_UNSPECIFIED);
  EXPECT_THAT(other.follow_ups, IsEmpty());
}

// ------------------------------------------------------ overdue alerts

// README: "An action that is overdue is alerted once, to the Duty CPM (the
// CPM service) and to the agency that owns it". The IRO notification was
// never sent; on Thursday it is a day overdue. Its owner is the social
// worker ("Owners and chairs"): CSC.
TEST(OverdueAlertsTest, AnOverdueActionIsAlertedToTheCpmServiceAndTheOwnersAgency) {
  CaseBuilder c(kDerby, kDerby, v1::OPEN_PLAN_LOOKED_AFTER);
  c.Assess(kAssessedAt, v1::RISK_LEVEL_HIGH);
  const std::vector<FollowUp> alerts = AlertsOf(c, "2026-03-05T10:00:00Z");
  const auto iro = std::find_if(alerts.begin(), alerts.end(), [](const FollowUp& f) {
    return f.message.notification().action_kind() == v1::IRO_NOTIFICATION;
  });
  ASSERT_NE(iro, alerts.end()) << ::testing::PrintToString(Keys(alerts));
  EXPECT_EQ(iro->trigger_key, "alert:lac.iro_notification@" + Micros(kWednesday10));
  EXPECT_EQ(iro->message.kind(), v1::MESSAGE_KIND_NOTIFICATION);
  const v1::Notification& n = iro->message.notification();
  EXPECT_EQ(n.kind(), v1::NOTIFICATION_KIND_OVERDUE_ALERT);
  EXPECT_EQ(n.level(), v1::RISK_LEVEL_HIGH);
  EXPECT_EQ(n.owner(), v1::PRACTITIONER_ROLE_SOCIAL_WORKER);
  EXPECT_EQ(FromProtoTime(n.due_at()), T(kWednesday10));
  // In words and in local time (GMT in early March): no enum name.
  EXPECT_THAT(n.summary(), StartsWith("The notification of the Independent Reviewing Officer is overdue: it was due "
                                      "before 10:00 on Wednesday 4 March 2026."));
  EXPECT_THAT(iro->recipients, UnorderedElementsAre("derby-cpm", "derby-csc"));
  EXPECT_TRUE(iro->on_behalf_of.empty());  // from the hub, which takes no answer
  EXPECT_EQ(iro->event_kind, v1::EVENT_KIND_UNSPECIFIED);
  // Every overdue action has its alert, each keyed "alert:<rule>@<due>"
  // (the HIGH strategy discussion, 48 working hours, is overdue too).
  EXPECT_THAT(Keys(alerts), UnorderedElementsAre("alert:lac.iro_notification@" + Micros(kWednesday10),
                                                 "alert:high.strategy_discussion@" + Micros(kWednesday10)));
}

// Reviewed again later, the same overdue actions have the same keys: the
// store sends each once, however often the case is reviewed. Before the
// deadline, nothing is alerted.
TEST(OverdueAlertsTest, EachAlertIsKeyedOncePerRuleAndDueInstant) {
  CaseBuilder c(kDerby, kDerby, v1::OPEN_PLAN_LOOKED_AFTER);
  c.Assess(kAssessedAt, v1::RISK_LEVEL_HIGH);
  EXPECT_THAT(AlertsOf(c, "2026-03-04T09:59:59Z"), IsEmpty());
  const std::vector<std::string> thursday = Keys(AlertsOf(c, "2026-03-05T10:00:00Z"));
  const std::vector<std::string> friday = Keys(AlertsOf(c, "2026-03-06T16:00:00Z"));
  ASSERT_FALSE(thursday.empty());
  for (const std::string& key : thursday) {
    EXPECT_EQ(std::count(friday.begin(), friday.end(), key), 1) << key;
  }
}

// Hand-written: who is told for each kind of owner, and what is not alerted.
TEST(OverdueAlertsTest, TheOwnersAgencyIsToldOnceAndDiscretionaryActionsNever) {
  const CaseBuilder c(kDerby, kDerby, v1::OPEN_PLAN_EARLY_HELP);
  v1::Pathway pathway;
  *pathway.add_actions() = MakeAction("lead", v1::EARLY_HELP_ASSESSMENT, v1::ACTION_STATUS_OVERDUE,
                                      v1::PRACTITIONER_ROLE_LEAD_PRACTITIONER, kAssessedAt);
  // A partner practitioner may be any agency: the CPM service alone.
  *pathway.add_actions() = MakeAction("partner", v1::OPERATION_LIBERTY_REPORT, v1::ACTION_STATUS_OVERDUE,
                                      v1::PRACTITIONER_ROLE_PARTNER_PRACTITIONER, kAssessedAt);
  // The CPM service owns it: it is told once, not twice.
  *pathway.add_actions() =
      MakeAction("cpm", v1::CRE_MEETING, v1::ACTION_STATUS_OVERDUE, v1::PRACTITIONER_ROLE_CPM, kAssessedAt);
  v1::Action discretionary = MakeAction("discretionary", v1::TAF_MEETING, v1::ACTION_STATUS_OVERDUE,
                                        v1::PRACTITIONER_ROLE_LEAD_PRACTITIONER, kAssessedAt);
  discretionary.set_discretionary(true);
  *pathway.add_actions() = discretionary;
  *pathway.add_actions() = MakeAction("pending", v1::EARLY_HELP_ASSESSMENT, v1::ACTION_STATUS_PENDING,
                                      v1::PRACTITIONER_ROLE_LEAD_PRACTITIONER, kWednesday10);
  const Router router = DerbyRouter();
  Routing routing;
  HubActions(&router).AddOverdueAlerts(pathway, c.view(), &routing);
  ASSERT_THAT(Keys(routing.follow_ups),
              ElementsAre("alert:lead@" + Micros(kAssessedAt), "alert:partner@" + Micros(kAssessedAt),
                          "alert:cpm@" + Micros(kAssessedAt)));
  EXPECT_THAT(routing.follow_ups[0].recipients, UnorderedElementsAre("derby-cpm", "derby-early-help"));
  EXPECT_THAT(routing.follow_ups[1].recipients, ElementsAre("derby-cpm"));
  // The CPM service owns it too: named once, so that no writer of the
  // decision has to deduplicate it.
  EXPECT_THAT(routing.follow_ups[2].recipients, ElementsAre("derby-cpm"));
}

// -------------------------------------------------------------- schedule

// The schedule lists every open action with a due time (for managers'
// queries) and the next look: the earliest due time still ahead, among
// actions that can fall overdue (an overdue one has had its alert; a
// discretionary one never falls overdue).
TEST(ScheduleTest, TheNextDeadlineIsTheEarliestDueTimeAhead) {
  const CaseBuilder c(kDerby, kDerby, v1::OPEN_PLAN_LOOKED_AFTER);
  v1::Pathway pathway;
  *pathway.add_actions() = MakeAction("friday", v1::STRATEGY_DISCUSSION, v1::ACTION_STATUS_PENDING,
                                      v1::PRACTITIONER_ROLE_SOCIAL_WORKER, "2026-03-06T17:00:00Z");
  *pathway.add_actions() = MakeAction("wednesday", v1::IRO_NOTIFICATION, v1::ACTION_STATUS_PENDING,
                                      v1::PRACTITIONER_ROLE_SOCIAL_WORKER, kWednesday10);
  *pathway.add_actions() = MakeAction("overdue", v1::CRE_MEETING, v1::ACTION_STATUS_OVERDUE,
                                      v1::PRACTITIONER_ROLE_CPM, kAssessedAt);
  *pathway.add_actions() = MakeAction("done", v1::S47_ENQUIRY, v1::ACTION_STATUS_DONE,
                                      v1::PRACTITIONER_ROLE_SOCIAL_WORKER, kTuesday10);
  *pathway.add_actions() = MakeAction("waiting", v1::CPM_THRESHOLD_DISCUSSION, v1::ACTION_STATUS_WAITING,
                                      v1::PRACTITIONER_ROLE_TEAM_MANAGER);
  v1::Action discretionary = MakeAction("discretionary", v1::TAF_MEETING, v1::ACTION_STATUS_PENDING,
                                        v1::PRACTITIONER_ROLE_LEAD_PRACTITIONER, kTuesday10);
  discretionary.set_discretionary(true);
  *pathway.add_actions() = discretionary;
  const Router router = DerbyRouter();
  const CaseSchedule schedule = HubActions(&router).ScheduleOf(pathway, c.view());
  EXPECT_EQ(schedule.next_deadline, T(kWednesday10));
  std::vector<std::string> open;
  for (const OpenAction& a : schedule.open_actions) open.push_back(a.rule_id);
  EXPECT_THAT(open, ElementsAre("friday", "wednesday", "overdue", "discretionary"));
  const OpenAction& iro = schedule.open_actions[1];
  EXPECT_EQ(iro.kind, v1::IRO_NOTIFICATION);
  EXPECT_EQ(iro.owner, v1::PRACTITIONER_ROLE_SOCIAL_WORKER);
  EXPECT_EQ(iro.owner_agency_id, "derby-csc");
  EXPECT_EQ(iro.due_at, T(kWednesday10));
  EXPECT_EQ(iro.due_date, "2026-03-04");
  EXPECT_EQ(schedule.open_actions[2].owner_agency_id, "derby-cpm");
}

TEST(ScheduleTest, NothingAheadIsNeverLookedAtAgain) {
  const CaseBuilder c(kDerby, kDerby, v1::OPEN_PLAN_NONE);
  v1::Pathway pathway;
  *pathway.add_actions() = MakeAction("overdue", v1::CRE_MEETING, v1::ACTION_STATUS_OVERDUE,
                                      v1::PRACTITIONER_ROLE_CPM, kAssessedAt);
  const Router router = DerbyRouter();
  EXPECT_EQ(HubActions(&router).ScheduleOf(pathway, c.view()).next_deadline, absl::InfiniteFuture());
  EXPECT_EQ(HubActions(&router).ScheduleOf(v1::Pathway(), c.view()).next_deadline, absl::InfiniteFuture());
}

// With the engine: a looked-after child assessed HIGH on Monday at 10:00
// is next looked at on Wednesday at 10:00, when both the IRO notification
// (48 clock hours) and the strategy discussion (48 working hours) fall due.
TEST(ScheduleTest, ALookedAfterChildAssessedHighIsNextLookedAtWhenItsFirstDeadlinePasses) {
  CaseBuilder c(kDerby, kDerby, v1::OPEN_PLAN_LOOKED_AFTER);
  c.Assess(kAssessedAt, v1::RISK_LEVEL_HIGH);
  const Router router = DerbyRouter();
  const CaseSchedule monday = HubActions(&router).ScheduleOf(Evaluate(c, kAssessedAt), c.view());
  EXPECT_EQ(monday.next_deadline, T(kWednesday10));
  // On Thursday both are overdue (still open, listed) and the next look is later.
  const CaseSchedule thursday = HubActions(&router).ScheduleOf(Evaluate(c, "2026-03-05T10:00:00Z"), c.view());
  EXPECT_GT(thursday.next_deadline, T("2026-03-05T10:00:00Z"));
  std::vector<std::string> open;
  for (const OpenAction& a : thursday.open_actions) open.push_back(a.rule_id);
  EXPECT_THAT(open, ::testing::IsSupersetOf({"lac.iro_notification", "high.strategy_discussion"}));
}

}  // namespace
}  // namespace cre
