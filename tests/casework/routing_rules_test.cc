// Router: who may write to a case and who receives what, every route of the
// README's routing table ("Routing: who receives what", and the same table
// in docs/procedure.md), without a hub or a database. The end-to-end
// versions are tests/server/routing_test.cc and hub_actions_test.cc; the
// agencies are the shipped registry's (casework_fixture.h).
#include <map>
#include <string>
#include <vector>

#include "access/case_access.h"
#include "casework/routing_rules.h"
#include "casework_fixture.h"
#include "cre/v1/case_file.pb.h"
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
using ::cre::casework_testing::RegistryWith;
using ::cre::casework_testing::RegistryWithout;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::StartsWith;
using ::testing::UnorderedElementsAre;

v1::RoutedMessage ConcernAt(v1::RiskLevel level) {
  v1::RoutedMessage m;
  m.set_kind(v1::MESSAGE_KIND_CONCERN);
  m.mutable_concern()->set_indicated_level(level);
  m.mutable_concern()->set_narrative("Seen getting into cars with older men after school.");
  return m;
}

v1::RoutedMessage OperationLibertyReport() {
  v1::RoutedMessage m;
  m.set_kind(v1::MESSAGE_KIND_OPERATION_LIBERTY_REPORT);
  m.mutable_operation_liberty_report()->add_vehicles()->set_registration("AB12 CDE");
  return m;
}

v1::RoutedMessage CaseUpdate() {
  v1::RoutedMessage m;
  m.set_kind(v1::MESSAGE_KIND_CASE_UPDATE);
  m.mutable_case_update()->add_risk_assessments()->set_level(v1::RISK_LEVEL_HIGH);
  return m;
}

v1::RoutedMessage StepUp() {
  v1::RoutedMessage m;
  m.set_kind(v1::MESSAGE_KIND_STEP_UP_REFERRAL);
  m.mutable_step_up_referral()->set_level(v1::RISK_LEVEL_MEDIUM);
  return m;
}

v1::RoutedMessage Notification(v1::NotificationKind kind) {
  v1::RoutedMessage m;
  m.set_kind(v1::MESSAGE_KIND_NOTIFICATION);
  m.mutable_notification()->set_kind(kind);
  m.mutable_notification()->set_summary("For your information.");
  return m;
}

v1::RoutedMessage Response(v1::ResponseKind kind) {
  v1::RoutedMessage m;
  m.set_kind(v1::MESSAGE_KIND_RESPONSE);
  m.mutable_response()->set_kind(kind);
  return m;
}

// The message `id` from `sender`, as its recipient received it.
RepliedMessage Replied(const std::string& sender, const v1::RoutedMessage& body) {
  RepliedMessage replied;
  replied.message_id = "99999999-8888-4777-8666-555555555555";
  replied.sender_agency_id = sender;
  replied.kind = body.kind();
  replied.message = body;
  return replied;
}

// Children, by where they live and whose they are.
CaseBuilder LocalChild(v1::OpenPlan plan = v1::OPEN_PLAN_NONE) { return CaseBuilder(kDerby, kDerby, plan); }
CaseBuilder LookedAfterLocalChild() { return CaseBuilder(kDerby, kDerby, v1::OPEN_PLAN_LOOKED_AFTER); }
// Derby's child placed in Derbyshire (the host authority).
CaseBuilder PlacedOut(v1::OpenPlan plan = v1::OPEN_PLAN_CHILD_IN_NEED, const std::string& host = kDerbyshire) {
  return CaseBuilder(kDerby, host, plan);
}
// Another authority's child placed in Derby.
CaseBuilder PlacedIn(const std::string& home, v1::OpenPlan plan = v1::OPEN_PLAN_LOOKED_AFTER) {
  return CaseBuilder(home, kDerby, plan);
}

// ---------------------------------------------------------------- MayWrite

TEST(MayWriteTest, AnInvolvedAgencyMayWrite) {
  const CaseBuilder c = LocalChild().Involved({"derby-school-ashgrove", "derby-csc"});
  EXPECT_TRUE(DerbyRouter().MayWrite(Agency("derby-csc"), &c.view(), nullptr).ok());
  EXPECT_TRUE(DerbyRouter().MayWrite(Agency("derby-school-ashgrove"), &c.view(), nullptr).ok());
}

// An outsider hears what it would hear of a case id never issued, word for
// word (README: "case_id: no case <id> is shared with you").
TEST(MayWriteTest, AnAgencyNotInvolvedIsToldThereIsNoSuchCase) {
  const CaseBuilder c = LocalChild().Involved({"derby-school-ashgrove", "derby-csc"});
  const absl::Status status = DerbyRouter().MayWrite(Agency("derby-police"), &c.view(), nullptr);
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(status.message(), "case_id: no case " + c.case_id() + " is shared with you");
  EXPECT_EQ(status, NoSuchCase(c.case_id()));
}

// Every agency of the registry that is not involved gets the same answer,
// whatever its role: the CPM service and the IRO service are not readers
// of every case by virtue of their role.
TEST(MayWriteTest, EveryRegisteredAgencyNotInvolvedGetsTheSameAnswer) {
  const CaseBuilder c = LocalChild().Involved({"derby-school-ashgrove"});
  for (const v1::Agency& agency : casework_testing::ShippedRegistry()->agencies()) {
    if (agency.id() == "derby-school-ashgrove") continue;
    EXPECT_EQ(DerbyRouter().MayWrite(agency, &c.view(), nullptr), NoSuchCase(c.case_id())) << agency.id();
  }
}

// The first message opens the case: nobody is involved yet.
TEST(MayWriteTest, TheMessageThatOpensACaseMayBeWrittenByAnyone) {
  const CaseBuilder c = LocalChild().Involved({});
  EXPECT_TRUE(DerbyRouter().MayWrite(Agency("derby-police"), &c.view(), nullptr).ok());
  EXPECT_TRUE(DerbyRouter().MayWrite(Agency("nottingham-cc"), &c.view(), nullptr).ok());
}

TEST(MayWriteTest, AMessageAboutNoCaseMayBeWrittenByAnyone) {
  EXPECT_TRUE(DerbyRouter().MayWrite(Agency("derby-health"), nullptr, nullptr).ok());
}

// Answering a message the agency received about the case (the store has
// checked that it received it: a message it never received is NOT_FOUND
// there, before this).
TEST(MayWriteTest, AnAgencyAnsweringAMessageItReceivedMayWrite) {
  const CaseBuilder c = PlacedOut().Involved({"derby-csc"});
  const RepliedMessage handoff = Replied("derby-csc", Notification(v1::NOTIFICATION_KIND_HOST_AUTHORITY_HANDOFF));
  EXPECT_TRUE(DerbyRouter().MayWrite(Agency("derbyshire-cc"), &c.view(), &handoff).ok());
}

// Recipients checks MayWrite first: an outsider is told there is no such
// case even for a message the case would refuse for another reason (an
// IRO notification about a child who is not looked after).
TEST(MayWriteTest, RecipientsRefusesAnOutsiderBeforeLookingAtTheCase) {
  const CaseBuilder c = LocalChild().Involved({"derby-csc"});
  absl::StatusOr<std::vector<std::string>> to =
      DerbyRouter().Recipients(Agency("derby-police"), Notification(v1::NOTIFICATION_KIND_IRO), &c.view(), nullptr);
  EXPECT_EQ(to.status(), NoSuchCase(c.case_id()));
}

// ------------------------------------------------------------- Recipients

// README: "Operation Liberty report | every Police Referral Unit, and every
// agency involved with the linked child". Never the sender.
TEST(RecipientsTest, OperationLibertyReportGoesToThePruAndTheAgenciesInvolved) {
  const CaseBuilder c = LocalChild().Involved({"derby-school-ashgrove", "derby-csc"});
  absl::StatusOr<std::vector<std::string>> to =
      DerbyRouter().Recipients(Agency("derby-school-ashgrove"), OperationLibertyReport(), &c.view(), nullptr);
  ASSERT_TRUE(to.ok()) << to.status();
  // Neighbourhood policing, not involved, is not told.
  EXPECT_THAT(*to, UnorderedElementsAre("derby-pru", "derby-csc"));
}

TEST(RecipientsTest, OperationLibertyReportWithoutALinkedChildGoesToThePruOnly) {
  absl::StatusOr<std::vector<std::string>> to =
      DerbyRouter().Recipients(Agency("derby-health"), OperationLibertyReport(), nullptr, nullptr);
  ASSERT_TRUE(to.ok()) << to.status();
  EXPECT_THAT(*to, ElementsAre("derby-pru"));
}

// An involved agency that is also a PRU is told once; the PRU writing the
// report is not sent its own report.
TEST(RecipientsTest, OperationLibertyReportNamesEachRecipientOnceAndNeverTheSender) {
  const CaseBuilder c = LocalChild().Involved({"derby-pru", "derby-csc", "derby-health"});
  absl::StatusOr<std::vector<std::string>> from_health =
      DerbyRouter().Recipients(Agency("derby-health"), OperationLibertyReport(), &c.view(), nullptr);
  ASSERT_TRUE(from_health.ok()) << from_health.status();
  EXPECT_THAT(*from_health, UnorderedElementsAre("derby-pru", "derby-csc"));
  absl::StatusOr<std::vector<std::string>> from_pru =
      DerbyRouter().Recipients(Agency("derby-pru"), OperationLibertyReport(), &c.view(), nullptr);
  ASSERT_TRUE(from_pru.ok()) << from_pru.status();
  EXPECT_THAT(*from_pru, UnorderedElementsAre("derby-csc", "derby-health"));
}

// "every Police Referral Unit": a second PRU of this authority is told too.
TEST(RecipientsTest, OperationLibertyReportGoesToEveryPoliceReferralUnit) {
  v1::Agency second;
  second.set_id("derby-pru-north");
  second.set_display_name("Police Referral Unit, North");
  second.set_role(v1::POLICE_REFERRAL_UNIT);
  second.set_local_authority_code(kDerby);
  const Router router = DerbyRouter(casework_testing::ShippedRouterOptions(), RegistryWith({second}));
  absl::StatusOr<std::vector<std::string>> to =
      router.Recipients(Agency("derby-health"), OperationLibertyReport(), nullptr, nullptr);
  ASSERT_TRUE(to.ok()) << to.status();
  EXPECT_THAT(*to, UnorderedElementsAre("derby-pru", "derby-pru-north"));
}

TEST(RecipientsTest, OperationLibertyReportWithNoPruRegisteredIsRefused) {
  const Router router = DerbyRouter(casework_testing::ShippedRouterOptions(), RegistryWithout(v1::POLICE_REFERRAL_UNIT));
  absl::StatusOr<std::vector<std::string>> to =
      router.Recipients(Agency("derby-health"), OperationLibertyReport(), nullptr, nullptr);
  EXPECT_EQ(to.status().code(), absl::StatusCode::kFailedPrecondition);
}

// README: "concern at MEDIUM or HIGH | Children's Social Care (a LOW concern
// is recorded, not routed: the identifying agency leads the Early Help
// Assessment)".
TEST(RecipientsTest, ConcernsGoToChildrensSocialCareFromMediumUp) {
  struct Row {
    v1::RiskLevel level;
    std::vector<std::string> recipients;
  };
  const std::vector<Row> rows = {
      {v1::RISK_LEVEL_LOW, {}},
      {v1::RISK_LEVEL_MEDIUM, {"derby-csc"}},
      {v1::RISK_LEVEL_HIGH, {"derby-csc"}},
  };
  for (const Row& row : rows) {
    // A concern that opens a case about a new child (nobody involved yet).
    const CaseBuilder c = LocalChild().Involved({});
    absl::StatusOr<std::vector<std::string>> to =
        DerbyRouter().Recipients(Agency("derby-school-ashgrove"), ConcernAt(row.level), &c.view(), nullptr);
    ASSERT_TRUE(to.ok()) << v1::RiskLevel_Name(row.level) << ": " << to.status();
    EXPECT_EQ(*to, row.recipients) << v1::RiskLevel_Name(row.level);
  }
}

// Another authority raising a concern about its own child placed here
// reaches this authority's CSC like anyone's (routing_test.cc,
// ConsultationsGoBothWays...).
TEST(RecipientsTest, AConcernFromAnotherAuthorityGoesToChildrensSocialCare) {
  const CaseBuilder c = PlacedIn(kNottingham).Involved({});
  absl::StatusOr<std::vector<std::string>> to =
      DerbyRouter().Recipients(Agency("nottingham-cc"), ConcernAt(v1::RISK_LEVEL_MEDIUM), &c.view(), nullptr);
  ASSERT_TRUE(to.ok()) << to.status();
  EXPECT_THAT(*to, ElementsAre("derby-csc"));
}

// CSC's own concern does not come back to it.
TEST(RecipientsTest, ChildrensSocialCaresOwnConcernIsRecordedOnly) {
  const CaseBuilder c = LocalChild().Involved({});
  absl::StatusOr<std::vector<std::string>> to =
      DerbyRouter().Recipients(Agency("derby-csc"), ConcernAt(v1::RISK_LEVEL_HIGH), &c.view(), nullptr);
  ASSERT_TRUE(to.ok()) << to.status();
  EXPECT_THAT(*to, IsEmpty());
}

// README: "risk assessment, case events | the agencies involved with the child".
TEST(RecipientsTest, CaseUpdatesGoToEveryOtherInvolvedAgency) {
  const CaseBuilder c = LocalChild().Involved({"derby-school-ashgrove", "derby-csc", "derby-pru"});
  absl::StatusOr<std::vector<std::string>> to =
      DerbyRouter().Recipients(Agency("derby-csc"), CaseUpdate(), &c.view(), nullptr);
  ASSERT_TRUE(to.ok()) << to.status();
  EXPECT_THAT(*to, UnorderedElementsAre("derby-school-ashgrove", "derby-pru"));
}

TEST(RecipientsTest, CaseUpdatesNeedACase) {
  absl::StatusOr<std::vector<std::string>> to =
      DerbyRouter().Recipients(Agency("derby-csc"), CaseUpdate(), nullptr, nullptr);
  EXPECT_EQ(to.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(to.status().message()), StartsWith("case_id: "));
}

// README: "step-up referral (Early Help) | Children's Social Care".
TEST(RecipientsTest, StepUpGoesToChildrensSocialCare) {
  const CaseBuilder c = LocalChild(v1::OPEN_PLAN_EARLY_HELP).Involved({"derby-early-help"});
  absl::StatusOr<std::vector<std::string>> to =
      DerbyRouter().Recipients(Agency("derby-early-help"), StepUp(), &c.view(), nullptr);
  ASSERT_TRUE(to.ok()) << to.status();
  EXPECT_THAT(*to, ElementsAre("derby-csc"));
}

// "its outcome (Respond ACCEPT/DECLINE) back to Early Help"; README:
// "response | the sender of the message answered", whatever the kind.
TEST(RecipientsTest, AResponseGoesToTheSenderOfTheMessageAnswered) {
  const CaseBuilder c = LocalChild(v1::OPEN_PLAN_EARLY_HELP).Involved({"derby-early-help", "derby-csc"});
  const RepliedMessage step_up = Replied("derby-early-help", StepUp());
  for (v1::ResponseKind kind : {v1::RESPONSE_KIND_ACKNOWLEDGE, v1::RESPONSE_KIND_ACCEPT, v1::RESPONSE_KIND_DECLINE}) {
    absl::StatusOr<std::vector<std::string>> to =
        DerbyRouter().Recipients(Agency("derby-csc"), Response(kind), &c.view(), &step_up);
    ASSERT_TRUE(to.ok()) << v1::ResponseKind_Name(kind) << ": " << to.status();
    EXPECT_THAT(*to, ElementsAre("derby-early-help")) << v1::ResponseKind_Name(kind);
  }
}

// A host authority's acceptance or dispute goes back to CSC, on whose
// behalf the hub sent the handoff.
TEST(RecipientsTest, AHostAuthoritysAnswerGoesBackToChildrensSocialCare) {
  const CaseBuilder c = PlacedOut().Involved({"derby-csc", "derbyshire-cc"});
  const RepliedMessage handoff = Replied("derby-csc", Notification(v1::NOTIFICATION_KIND_HOST_AUTHORITY_HANDOFF));
  for (v1::ResponseKind kind : {v1::RESPONSE_KIND_ACCEPT, v1::RESPONSE_KIND_DISPUTE}) {
    absl::StatusOr<std::vector<std::string>> to =
        DerbyRouter().Recipients(Agency("derbyshire-cc"), Response(kind), &c.view(), &handoff);
    ASSERT_TRUE(to.ok()) << to.status();
    EXPECT_THAT(*to, ElementsAre("derby-csc"));
  }
}

TEST(RecipientsTest, AResponseNeedsTheMessageItAnswers) {
  const CaseBuilder c = LocalChild().Involved({"derby-csc"});
  absl::StatusOr<std::vector<std::string>> to =
      DerbyRouter().Recipients(Agency("derby-csc"), Response(v1::RESPONSE_KIND_ACKNOWLEDGE), &c.view(), nullptr);
  EXPECT_EQ(to.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(to.status().message()), StartsWith("message_id: "));
}

// An alert from the hub has no sender to answer (deadlines_test.cc).
TEST(RecipientsTest, AnAlertFromTheHubTakesNoResponse) {
  const CaseBuilder c = LocalChild().Involved({"derby-cpm"});
  const RepliedMessage alert = Replied("", Notification(v1::NOTIFICATION_KIND_OVERDUE_ALERT));
  absl::StatusOr<std::vector<std::string>> to =
      DerbyRouter().Recipients(Agency("derby-cpm"), Response(v1::RESPONSE_KIND_ACKNOWLEDGE), &c.view(), &alert);
  EXPECT_EQ(to.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(to.status().message()), StartsWith("message_id: "));
}

// README: "IRO notification | the IRO service (looked-after children only)".
TEST(RecipientsTest, IroNotificationAboutThisAuthoritysLookedAfterChildGoesToTheIroService) {
  const CaseBuilder c = LookedAfterLocalChild().Involved({"derby-csc"});
  absl::StatusOr<std::vector<std::string>> to =
      DerbyRouter().Recipients(Agency("derby-csc"), Notification(v1::NOTIFICATION_KIND_IRO), &c.view(), nullptr);
  ASSERT_TRUE(to.ok()) << to.status();
  EXPECT_THAT(*to, ElementsAre("derby-iro"));
}

// README, "Bad input": FAILED_PRECONDITION when the case does not allow the
// message, naming the field.
TEST(RecipientsTest, IroNotificationAboutAChildNotLookedAfterIsRefusedNamingTheField) {
  for (v1::OpenPlan plan : {v1::OPEN_PLAN_NONE, v1::OPEN_PLAN_EARLY_HELP, v1::OPEN_PLAN_CHILD_IN_NEED,
                            v1::OPEN_PLAN_CHILD_PROTECTION}) {
    const CaseBuilder c = LocalChild(plan).Involved({"derby-csc"});
    absl::StatusOr<std::vector<std::string>> to =
        DerbyRouter().Recipients(Agency("derby-csc"), Notification(v1::NOTIFICATION_KIND_IRO), &c.view(), nullptr);
    EXPECT_EQ(to.status().code(), absl::StatusCode::kFailedPrecondition) << v1::OpenPlan_Name(plan);
    EXPECT_THAT(std::string(to.status().message()), StartsWith("notification.kind: ")) << v1::OpenPlan_Name(plan);
  }
}

// "for another authority's child placed here, its home authority, which
// appoints the child's IRO" (policy iro_for_child_of_another_authority, and
// its default, UNSPECIFIED, reads as HOME_AUTHORITY).
TEST(RecipientsTest, IroNotificationAboutAnotherAuthoritysChildGoesToItsHomeAuthority) {
  const CaseBuilder c = PlacedIn(kDerbyshire).Involved({"derby-csc"});
  for (v1::IroRecipient policy : {v1::IRO_RECIPIENT_HOME_AUTHORITY, v1::IRO_RECIPIENT_UNSPECIFIED}) {
    RouterOptions options;
    options.iro_for_child_of_another_authority = policy;
    absl::StatusOr<std::vector<std::string>> to = DerbyRouter(options).Recipients(
        Agency("derby-csc"), Notification(v1::NOTIFICATION_KIND_IRO), &c.view(), nullptr);
    ASSERT_TRUE(to.ok()) << to.status();
    EXPECT_THAT(*to, ElementsAre("derbyshire-cc")) << v1::IroRecipient_Name(policy);
  }
}

TEST(RecipientsTest, ThePolicyMayCopyTheIroNotificationToThisAuthoritysIroService) {
  RouterOptions copy;
  copy.iro_for_child_of_another_authority = v1::IRO_RECIPIENT_HOME_AUTHORITY_AND_LOCAL_IRO_SERVICE;
  const CaseBuilder theirs = PlacedIn(kDerbyshire).Involved({"derby-csc"});
  absl::StatusOr<std::vector<std::string>> to =
      DerbyRouter(copy).Recipients(Agency("derby-csc"), Notification(v1::NOTIFICATION_KIND_IRO), &theirs.view(), nullptr);
  ASSERT_TRUE(to.ok()) << to.status();
  EXPECT_THAT(*to, UnorderedElementsAre("derbyshire-cc", "derby-iro"));
  // This authority's own child is the IRO service's alone, whatever the policy.
  const CaseBuilder ours = LookedAfterLocalChild().Involved({"derby-csc"});
  to = DerbyRouter(copy).Recipients(Agency("derby-csc"), Notification(v1::NOTIFICATION_KIND_IRO), &ours.view(), nullptr);
  ASSERT_TRUE(to.ok()) << to.status();
  EXPECT_THAT(*to, ElementsAre("derby-iro"));
}

// Choice 33: "A home authority the hub does not know: an agency's
// notification is refused (FAILED_PRECONDITION, naming
// child.home_authority_code)" (routing_test.cc has the same words).
TEST(RecipientsTest, IroNotificationAboutAChildOfAnUnregisteredAuthorityNamesItsCode) {
  const CaseBuilder c = PlacedIn(kUnregistered).Involved({"derby-csc"});
  absl::StatusOr<std::vector<std::string>> to =
      DerbyRouter().Recipients(Agency("derby-csc"), Notification(v1::NOTIFICATION_KIND_IRO), &c.view(), nullptr);
  EXPECT_EQ(to.status(), absl::FailedPreconditionError(
                             "child.home_authority_code: no local authority E06000099 is registered with the hub"));
}

// README: "host-authority handoff | the authority where this authority's
// child is placed".
TEST(RecipientsTest, HostAuthorityHandoffGoesToThePlacementAuthority) {
  const CaseBuilder c = PlacedOut().Involved({"derby-csc"});
  absl::StatusOr<std::vector<std::string>> to = DerbyRouter().Recipients(
      Agency("derby-csc"), Notification(v1::NOTIFICATION_KIND_HOST_AUTHORITY_HANDOFF), &c.view(), nullptr);
  ASSERT_TRUE(to.ok()) << to.status();
  EXPECT_THAT(*to, ElementsAre("derbyshire-cc"));
}

// A child living at home, or another authority's child, is nobody's to hand off.
TEST(RecipientsTest, HostAuthorityHandoffIsOnlyForThisAuthoritysChildPlacedOut) {
  for (const CaseBuilder& c : {LocalChild(v1::OPEN_PLAN_CHILD_IN_NEED), CaseBuilder(kDerby, "", v1::OPEN_PLAN_CHILD_IN_NEED),
                               PlacedIn(kNottingham)}) {
    CaseBuilder involved = c;
    involved.Involved({"derby-csc"});
    absl::StatusOr<std::vector<std::string>> to = DerbyRouter().Recipients(
        Agency("derby-csc"), Notification(v1::NOTIFICATION_KIND_HOST_AUTHORITY_HANDOFF), &involved.view(), nullptr);
    EXPECT_EQ(to.status().code(), absl::StatusCode::kFailedPrecondition)
        << c.view().case_file.child().ShortDebugString();
    EXPECT_THAT(std::string(to.status().message()), StartsWith("notification.kind: "));
  }
}

TEST(RecipientsTest, HostAuthorityHandoffToAnUnregisteredAuthorityNamesThePlacementCode) {
  const CaseBuilder c = PlacedOut(v1::OPEN_PLAN_CHILD_IN_NEED, kUnregistered).Involved({"derby-csc"});
  absl::StatusOr<std::vector<std::string>> to = DerbyRouter().Recipients(
      Agency("derby-csc"), Notification(v1::NOTIFICATION_KIND_HOST_AUTHORITY_HANDOFF), &c.view(), nullptr);
  EXPECT_EQ(to.status(), absl::FailedPreconditionError(
                             "child.placement_authority_code: no local authority E06000099 is registered with the hub"));
}

// README: "home-authority consultation | the home authority of a child
// placed here; from that authority about its child: CSC".
TEST(RecipientsTest, HomeAuthorityConsultationGoesBothWays) {
  const CaseBuilder c = PlacedIn(kNottingham).Involved({"derby-csc", "nottingham-cc"});
  const v1::RoutedMessage consult = Notification(v1::NOTIFICATION_KIND_HOME_AUTHORITY_CONSULTATION);
  absl::StatusOr<std::vector<std::string>> to_home =
      DerbyRouter().Recipients(Agency("derby-csc"), consult, &c.view(), nullptr);
  ASSERT_TRUE(to_home.ok()) << to_home.status();
  EXPECT_THAT(*to_home, ElementsAre("nottingham-cc"));
  absl::StatusOr<std::vector<std::string>> from_home =
      DerbyRouter().Recipients(Agency("nottingham-cc"), consult, &c.view(), nullptr);
  ASSERT_TRUE(from_home.ok()) << from_home.status();
  EXPECT_THAT(*from_home, ElementsAre("derby-csc"));
}

TEST(RecipientsTest, HomeAuthorityConsultationAboutThisAuthoritysOwnChildIsRefused) {
  const CaseBuilder c = LocalChild().Involved({"derby-csc"});
  absl::StatusOr<std::vector<std::string>> to = DerbyRouter().Recipients(
      Agency("derby-csc"), Notification(v1::NOTIFICATION_KIND_HOME_AUTHORITY_CONSULTATION), &c.view(), nullptr);
  EXPECT_EQ(to.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(to.status().message()), StartsWith("notification.kind: "));
}

// Only the child's own home authority consults about it, even when another
// authority is involved with the case.
TEST(RecipientsTest, AnotherAuthorityMayNotConsultAboutAChildThatIsNotItsOwn) {
  const CaseBuilder c = PlacedIn(kNottingham).Involved({"derby-csc", "derbyshire-cc"});
  absl::StatusOr<std::vector<std::string>> to = DerbyRouter().Recipients(
      Agency("derbyshire-cc"), Notification(v1::NOTIFICATION_KIND_HOME_AUTHORITY_CONSULTATION), &c.view(), nullptr);
  EXPECT_EQ(to.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(std::string(to.status().message()), StartsWith("case_id: "));
}

// docs/procedure.md routing table: "Duty CPM escalation | the CPM service".
TEST(RecipientsTest, DutyCpmEscalationGoesToTheCpmService) {
  const CaseBuilder c = PlacedOut().Involved({"derby-csc"});
  absl::StatusOr<std::vector<std::string>> to = DerbyRouter().Recipients(
      Agency("derby-csc"), Notification(v1::NOTIFICATION_KIND_DUTY_CPM_ESCALATION), &c.view(), nullptr);
  ASSERT_TRUE(to.ok()) << to.status();
  EXPECT_THAT(*to, ElementsAre("derby-cpm"));
}

// Notifications, step-ups and responses are about a case: without one
// they are refused, naming case_id.
TEST(RecipientsTest, NotificationsAndStepUpsNeedACase) {
  for (const v1::RoutedMessage& message : {Notification(v1::NOTIFICATION_KIND_IRO), StepUp()}) {
    absl::StatusOr<std::vector<std::string>> to =
        DerbyRouter().Recipients(Agency("derby-csc"), message, nullptr, nullptr);
    EXPECT_EQ(to.status().code(), absl::StatusCode::kInvalidArgument) << message.ShortDebugString();
    EXPECT_THAT(std::string(to.status().message()), StartsWith("case_id: "));
  }
}

// ---------------------------------------------------- HubActionRecipients

// What the hub sends itself goes where an agency's own message would go,
// except that an IRO notification about a child of an unregistered
// authority falls back to this authority's IRO service (Choice 33).
TEST(HubActionRecipientsTest, EachHubActionHasItsRecipient) {
  struct Row {
    std::string name;
    CaseBuilder c;
    v1::RoutedMessage message;
    std::vector<std::string> recipients;
  };
  const std::vector<Row> rows = {
      {"step-up", LocalChild(v1::OPEN_PLAN_EARLY_HELP), StepUp(), {"derby-csc"}},
      {"IRO, this authority's child", LookedAfterLocalChild(), Notification(v1::NOTIFICATION_KIND_IRO), {"derby-iro"}},
      {"IRO, Derbyshire's child", PlacedIn(kDerbyshire), Notification(v1::NOTIFICATION_KIND_IRO), {"derbyshire-cc"}},
      {"IRO, unregistered authority's child", PlacedIn(kUnregistered), Notification(v1::NOTIFICATION_KIND_IRO),
       {"derby-iro"}},
      {"handoff", PlacedOut(), Notification(v1::NOTIFICATION_KIND_HOST_AUTHORITY_HANDOFF), {"derbyshire-cc"}},
      {"consultation", PlacedIn(kNottingham, v1::OPEN_PLAN_NONE),
       Notification(v1::NOTIFICATION_KIND_HOME_AUTHORITY_CONSULTATION), {"nottingham-cc"}},
  };
  for (const Row& row : rows) {
    absl::StatusOr<std::vector<std::string>> to = DerbyRouter().HubActionRecipients(row.message, row.c.view());
    ASSERT_TRUE(to.ok()) << row.name << ": " << to.status();
    EXPECT_EQ(*to, row.recipients) << row.name;
  }
}

TEST(HubActionRecipientsTest, AnAuthorityNobodyRegisteredIsFailedPreconditionNamingTheField) {
  absl::StatusOr<std::vector<std::string>> handoff = DerbyRouter().HubActionRecipients(
      Notification(v1::NOTIFICATION_KIND_HOST_AUTHORITY_HANDOFF),
      PlacedOut(v1::OPEN_PLAN_CHILD_IN_NEED, kUnregistered).view());
  EXPECT_EQ(handoff.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(handoff.status().message()), StartsWith("child.placement_authority_code: "));
  absl::StatusOr<std::vector<std::string>> consultation = DerbyRouter().HubActionRecipients(
      Notification(v1::NOTIFICATION_KIND_HOME_AUTHORITY_CONSULTATION), PlacedIn(kUnregistered).view());
  EXPECT_EQ(consultation.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(consultation.status().message()), StartsWith("child.home_authority_code: "));
}

TEST(HubActionRecipientsTest, NoChildrensSocialCareRegisteredIsFailedPrecondition) {
  const Router router = DerbyRouter(casework_testing::ShippedRouterOptions(), RegistryWithout(v1::CHILDRENS_SOCIAL_CARE));
  absl::StatusOr<std::vector<std::string>> to =
      router.HubActionRecipients(StepUp(), LocalChild(v1::OPEN_PLAN_EARLY_HELP).view());
  EXPECT_EQ(to.status().code(), absl::StatusCode::kFailedPrecondition);
}

// ------------------------------------------------------- OfRole, OwnerAgency

// This authority's agencies of a role, and those with no authority code
// (the youth club, a PARTNER); never another authority's.
TEST(OfRoleTest, ThisAuthoritysAgenciesOfTheRole) {
  const Router router = DerbyRouter();
  EXPECT_THAT(router.OfRole(v1::CHILDRENS_SOCIAL_CARE), ElementsAre("derby-csc"));
  EXPECT_THAT(router.OfRole(v1::CPM_SERVICE), ElementsAre("derby-cpm"));
  EXPECT_THAT(router.OfRole(v1::PARTNER), ElementsAre("derby-youth-club"));
  EXPECT_THAT(router.OfRole(v1::OTHER_LOCAL_AUTHORITY), IsEmpty());
  EXPECT_EQ(router.FirstAgencyOfRole(v1::IRO_SERVICE), "derby-iro");
  EXPECT_EQ(RegistryWithout(v1::IRO_SERVICE)->FindById("derby-iro"), nullptr);
  EXPECT_EQ(DerbyRouter(casework_testing::ShippedRouterOptions(), RegistryWithout(v1::IRO_SERVICE))
                .FirstAgencyOfRole(v1::IRO_SERVICE),
            "");
}

// docs/procedure.md, "Owners and chairs": "SW, TM and Social Care to
// Children's Social Care; the lead practitioner to Early Help while the case
// is open to Early Help, else Social Care; the CPM, CPM VC and Duty CPM to
// the CPM service"; the IRO to the IRO service, the PRU to the PRU, the
// host and home authorities to theirs; a partner practitioner may be any
// agency: nobody. Every value of PractitionerRole is in the table, so that
// a role added later fails here until someone decides whose it is.
TEST(OwnerAgencyTest, EveryPractitionerRoleHasItsAgency) {
  // Three cases: Derby's own child held by Early Help; Derby's child placed
  // in Derbyshire; Nottingham's looked-after child placed here.
  const CaseBuilder early_help = LocalChild(v1::OPEN_PLAN_EARLY_HELP);
  const CaseBuilder placed_out = PlacedOut();
  const CaseBuilder placed_in = PlacedIn(kNottingham);
  struct Owners {
    std::string early_help, placed_out, placed_in;
  };
  const std::map<v1::PractitionerRole, Owners> expected = {
      {v1::PRACTITIONER_ROLE_UNSPECIFIED, {"", "", ""}},
      {v1::PRACTITIONER_ROLE_LEAD_PRACTITIONER, {"derby-early-help", "derby-csc", "derby-csc"}},
      {v1::PRACTITIONER_ROLE_SOCIAL_WORKER, {"derby-csc", "derby-csc", "derby-csc"}},
      {v1::PRACTITIONER_ROLE_TEAM_MANAGER, {"derby-csc", "derby-csc", "derby-csc"}},
      {v1::PRACTITIONER_ROLE_CPM, {"derby-cpm", "derby-cpm", "derby-cpm"}},
      {v1::PRACTITIONER_ROLE_CPM_VC, {"derby-cpm", "derby-cpm", "derby-cpm"}},
      {v1::PRACTITIONER_ROLE_DUTY_CPM, {"derby-cpm", "derby-cpm", "derby-cpm"}},
      {v1::PRACTITIONER_ROLE_IRO, {"derby-iro", "derby-iro", "derby-iro"}},
      {v1::PRACTITIONER_ROLE_EARLY_HELP_PRACTITIONER, {"derby-early-help", "derby-early-help", "derby-early-help"}},
      {v1::PRACTITIONER_ROLE_PARTNER_PRACTITIONER, {"", "", ""}},
      {v1::PRACTITIONER_ROLE_CHILDRENS_SOCIAL_CARE, {"derby-csc", "derby-csc", "derby-csc"}},
      {v1::PRACTITIONER_ROLE_POLICE_REFERRAL_UNIT, {"derby-pru", "derby-pru", "derby-pru"}},
      // Only a child placed out has a host authority; only another
      // authority's child has a home authority other than this one.
      {v1::PRACTITIONER_ROLE_HOST_AUTHORITY, {"", "derbyshire-cc", ""}},
      {v1::PRACTITIONER_ROLE_HOME_AUTHORITY, {"", "", "nottingham-cc"}},
  };
  const Router router = DerbyRouter();
  const google::protobuf::EnumDescriptor* roles = v1::PractitionerRole_descriptor();
  for (int i = 0; i < roles->value_count(); ++i) {
    const auto role = static_cast<v1::PractitionerRole>(roles->value(i)->number());
    auto it = expected.find(role);
    ASSERT_NE(it, expected.end()) << roles->value(i)->name() << " has no row in this test";
    EXPECT_EQ(router.OwnerAgency(role, early_help.view()), it->second.early_help) << roles->value(i)->name();
    EXPECT_EQ(router.OwnerAgency(role, placed_out.view()), it->second.placed_out) << roles->value(i)->name();
    EXPECT_EQ(router.OwnerAgency(role, placed_in.view()), it->second.placed_in) << roles->value(i)->name();
  }
  EXPECT_EQ(expected.size(), static_cast<size_t>(roles->value_count()));
}

TEST(OwnerAgencyTest, AnAuthorityNobodyRegisteredOwnsNothing) {
  const Router router = DerbyRouter();
  EXPECT_EQ(router.OwnerAgency(v1::PRACTITIONER_ROLE_HOST_AUTHORITY,
                               PlacedOut(v1::OPEN_PLAN_CHILD_IN_NEED, kUnregistered).view()),
            "");
  EXPECT_EQ(router.OwnerAgency(v1::PRACTITIONER_ROLE_HOME_AUTHORITY, PlacedIn(kUnregistered).view()), "");
}

TEST(OtherAuthorityTest, AChildIsAnotherAuthoritysWhenItsHomeCodeIsKnownAndNotThisOne) {
  const Router router = DerbyRouter();
  EXPECT_FALSE(router.OfAnotherAuthority(LocalChild().view().case_file.child()));
  EXPECT_FALSE(router.OfAnotherAuthority(PlacedOut().view().case_file.child()));
  EXPECT_TRUE(router.OfAnotherAuthority(PlacedIn(kNottingham).view().case_file.child()));
  EXPECT_FALSE(router.OfAnotherAuthority(CaseBuilder("", "", v1::OPEN_PLAN_NONE).view().case_file.child()));
}

}  // namespace
}  // namespace cre
