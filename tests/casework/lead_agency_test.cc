// The case's lead agency (docs/procedure.md, Choice 37) and the routing of a
// decision not to share to it: every shape of case the hub holds, the
// fallbacks when the lead is not registered, the lead agency's own
// decision, and what is refused before anything is routed. Pure: the
// shipped registry and engine (casework_fixture.h). End to end:
// tests/server/decision_not_to_share_test.cc.
#include <string>
#include <vector>

#include "access/case_access.h"
#include "casework/audit_records.h"
#include "casework/casework.h"
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
using ::cre::casework_testing::RegistryWithout;
using ::cre::casework_testing::ShippedEngine;
using ::cre::casework_testing::ShippedRouterOptions;
using ::cre::casework_testing::T;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr char kAssessedAt[] = "2026-03-02T10:00:00Z";
constexpr char kDecidedAt[] = "2026-03-03T11:00:00Z";
constexpr char kAcceptedAt[] = "2026-03-03T11:05:00Z";

v1::RoutedMessage Decision(const std::string& decided_at = kDecidedAt) {
  v1::RoutedMessage m;
  m.set_kind(v1::MESSAGE_KIND_DECISION_NOT_TO_SHARE);
  v1::DecisionNotToShare* d = m.mutable_decision_not_to_share();
  d->set_withheld_information("the child's disclosures at the sexual health clinic");
  d->set_withheld_from_agency_id("derby-police");
  d->set_ground(v1::WITHHOLDING_GROUND_MORE_DETRIMENTAL_TO_CHILD);
  d->set_justification("The child would stop attending the clinic, the only service she still trusts.");
  d->set_decided_by("A. Nurse");
  d->set_decided_by_role(v1::PRACTITIONER_ROLE_PARTNER_PRACTITIONER);
  *d->mutable_decided_at() = ToProtoTime(T(decided_at));
  return m;
}

// The case as DecideSubmission sees it: the decision already appended.
CaseView WithDecision(CaseView view, const v1::RoutedMessage& decision) {
  v1::CaseEvent* kept = view.case_file.add_events();
  kept->set_kind(v1::EVENT_KIND_DECISION_NOT_TO_SHARE);
  *kept->mutable_occurred_at() = decision.decision_not_to_share().decided_at();
  *kept->mutable_decision_not_to_share() = decision.decision_not_to_share();
  return view;
}

absl::StatusOr<Routing> Decide(const Casework& casework, const std::string& sender, const CaseView& view,
                               const v1::RoutedMessage& decision = Decision()) {
  const CaseView with = WithDecision(view, decision);
  return casework.DecideSubmission(Agency(sender), decision, T(kAcceptedAt), &with, nullptr);
}

std::vector<std::string> RecipientsOf(const CaseView& view, const std::string& sender = "derby-health") {
  const Casework casework(DerbyRouter(), ShippedEngine());
  absl::StatusOr<Routing> routing = Decide(casework, sender, view);
  EXPECT_TRUE(routing.ok()) << routing.status();
  return routing.ok() ? routing->recipients : std::vector<std::string>{"(refused)"};
}

const std::vector<std::string> kInvolved = {"derby-health", "derby-csc", "derby-early-help"};

TEST(LeadOfTest, EachShapeOfPathway) {
  struct Row {
    const char* name;
    v1::RiskLevel level;
    v1::OpenPlan plan;
    v1::Placement placement;
    LeadKind lead;
  };
  const Row rows[] = {
      {"HIGH, no plan", v1::RISK_LEVEL_HIGH, v1::OPEN_PLAN_NONE, v1::PLACEMENT_LOCAL, LeadKind::kChildrensSocialCare},
      {"MEDIUM, Early Help", v1::RISK_LEVEL_MEDIUM, v1::OPEN_PLAN_EARLY_HELP, v1::PLACEMENT_LOCAL,
       LeadKind::kChildrensSocialCare},
      {"MEDIUM, placed out", v1::RISK_LEVEL_MEDIUM, v1::OPEN_PLAN_LOOKED_AFTER, v1::PLACEMENT_PLACED_OUT,
       LeadKind::kHostAuthority},
      {"HIGH, placed in", v1::RISK_LEVEL_HIGH, v1::OPEN_PLAN_LOOKED_AFTER, v1::PLACEMENT_PLACED_IN,
       LeadKind::kChildrensSocialCare},
      {"LOW, CiN", v1::RISK_LEVEL_LOW, v1::OPEN_PLAN_CHILD_IN_NEED, v1::PLACEMENT_LOCAL,
       LeadKind::kChildrensSocialCare},
      {"LOW, CP", v1::RISK_LEVEL_LOW, v1::OPEN_PLAN_CHILD_PROTECTION, v1::PLACEMENT_LOCAL,
       LeadKind::kChildrensSocialCare},
      {"LOW, looked after, placed out", v1::RISK_LEVEL_LOW, v1::OPEN_PLAN_LOOKED_AFTER, v1::PLACEMENT_PLACED_OUT,
       LeadKind::kChildrensSocialCare},
      {"LOW, looked after, placed in", v1::RISK_LEVEL_LOW, v1::OPEN_PLAN_LOOKED_AFTER, v1::PLACEMENT_PLACED_IN,
       LeadKind::kHomeAuthority},
      {"LOW, Early Help", v1::RISK_LEVEL_LOW, v1::OPEN_PLAN_EARLY_HELP, v1::PLACEMENT_LOCAL, LeadKind::kEarlyHelp},
      {"LOW, Early Help, placed in", v1::RISK_LEVEL_LOW, v1::OPEN_PLAN_EARLY_HELP, v1::PLACEMENT_PLACED_IN,
       LeadKind::kHomeAuthority},
      {"LOW, no plan", v1::RISK_LEVEL_LOW, v1::OPEN_PLAN_NONE, v1::PLACEMENT_LOCAL, LeadKind::kEarlyHelp},
      {"not assessed, no plan", v1::RISK_LEVEL_UNSPECIFIED, v1::OPEN_PLAN_NONE, v1::PLACEMENT_LOCAL,
       LeadKind::kChildrensSocialCare},
      {"not assessed, Early Help", v1::RISK_LEVEL_UNSPECIFIED, v1::OPEN_PLAN_EARLY_HELP, v1::PLACEMENT_LOCAL,
       LeadKind::kEarlyHelp},
      {"not assessed, CP", v1::RISK_LEVEL_UNSPECIFIED, v1::OPEN_PLAN_CHILD_PROTECTION, v1::PLACEMENT_LOCAL,
       LeadKind::kChildrensSocialCare},
  };
  for (const Row& row : rows) {
    v1::Pathway pathway;
    pathway.mutable_risk()->set_effective_level(row.level);
    pathway.set_current_plan(row.plan);
    pathway.set_placement(row.placement);
    EXPECT_EQ(LeadKindName(LeadOf(pathway)), std::string(LeadKindName(row.lead))) << row.name;
  }
}

TEST(LeadAgencyTest, ACreCaseIsSocialCares) {
  EXPECT_THAT(RecipientsOf(CaseBuilder(kDerby, "", v1::OPEN_PLAN_NONE)
                               .Involved(kInvolved).Assess(kAssessedAt, v1::RISK_LEVEL_HIGH).view()),
              ElementsAre("derby-csc"));
  // Early Help held it; at MEDIUM it is Social Care's.
  EXPECT_THAT(RecipientsOf(CaseBuilder(kDerby, "", v1::OPEN_PLAN_EARLY_HELP)
                               .Involved(kInvolved).Assess(kAssessedAt, v1::RISK_LEVEL_MEDIUM).view()),
              ElementsAre("derby-csc"));
}

TEST(LeadAgencyTest, AnEarlyHelpCaseIsEarlyHelps) {
  EXPECT_THAT(RecipientsOf(CaseBuilder(kDerby, "", v1::OPEN_PLAN_EARLY_HELP)
                               .Involved(kInvolved).Assess(kAssessedAt, v1::RISK_LEVEL_LOW).view()),
              ElementsAre("derby-early-help"));
  // LOW and no plan: recorded Early Help.
  EXPECT_THAT(RecipientsOf(CaseBuilder(kDerby, "", v1::OPEN_PLAN_NONE)
                               .Involved(kInvolved).Assess(kAssessedAt, v1::RISK_LEVEL_LOW).view()),
              ElementsAre("derby-early-help"));
  // Not assessed yet, Early Help's plan.
  EXPECT_THAT(RecipientsOf(CaseBuilder(kDerby, "", v1::OPEN_PLAN_EARLY_HELP).Involved(kInvolved).view()),
              ElementsAre("derby-early-help"));
}

TEST(LeadAgencyTest, LowOnASocialCarePlanIsSocialCares) {
  for (v1::OpenPlan plan : {v1::OPEN_PLAN_CHILD_IN_NEED, v1::OPEN_PLAN_CHILD_PROTECTION, v1::OPEN_PLAN_LOOKED_AFTER}) {
    EXPECT_THAT(RecipientsOf(CaseBuilder(kDerby, "", plan).Involved(kInvolved).Assess(kAssessedAt, v1::RISK_LEVEL_LOW).view()),
                ElementsAre("derby-csc"))
        << v1::OpenPlan_Name(plan);
  }
}

TEST(LeadAgencyTest, NotAssessedAndNoPlanGoesToTheFrontDoor) {
  EXPECT_THAT(RecipientsOf(CaseBuilder(kDerby, "", v1::OPEN_PLAN_NONE).Involved(kInvolved).view()),
              ElementsAre("derby-csc"));
}

TEST(LeadAgencyTest, TheFloorRuleCounts) {
  // Aged 10, assessed LOW with no team manager's approval: MEDIUM, Social Care's.
  CaseBuilder young(kDerby, "", v1::OPEN_PLAN_NONE);
  young.Involved(kInvolved).Assess(kAssessedAt, v1::RISK_LEVEL_LOW);
  CaseView view = young.view();
  view.case_file.mutable_child()->set_date_of_birth("2015-06-01");
  EXPECT_THAT(RecipientsOf(view), ElementsAre("derby-csc"));
}

TEST(LeadAgencyTest, AChildPlacedOutAtMediumOrHighIsTheHostAuthoritys) {
  const CaseView placed_out = CaseBuilder(kDerby, kDerbyshire, v1::OPEN_PLAN_LOOKED_AFTER)
                                  .Involved(kInvolved).Assess(kAssessedAt, v1::RISK_LEVEL_HIGH).view();
  EXPECT_THAT(RecipientsOf(placed_out), ElementsAre("derbyshire-cc"));
  // At LOW this authority's Social Care holds the looked-after child's plan.
  EXPECT_THAT(RecipientsOf(CaseBuilder(kDerby, kDerbyshire, v1::OPEN_PLAN_LOOKED_AFTER)
                               .Involved(kInvolved).Assess(kAssessedAt, v1::RISK_LEVEL_LOW).view()),
              ElementsAre("derby-csc"));
  // A host authority the hub does not know: Social Care here.
  EXPECT_THAT(RecipientsOf(CaseBuilder(kDerby, kUnregistered, v1::OPEN_PLAN_LOOKED_AFTER)
                               .Involved(kInvolved).Assess(kAssessedAt, v1::RISK_LEVEL_HIGH).view()),
              ElementsAre("derby-csc"));
}

TEST(LeadAgencyTest, AnotherAuthoritysChildPlacedHere) {
  // CRE meetings for it are held here (Choice 10).
  EXPECT_THAT(RecipientsOf(CaseBuilder(kNottingham, kDerby, v1::OPEN_PLAN_LOOKED_AFTER)
                               .Involved(kInvolved).Assess(kAssessedAt, v1::RISK_LEVEL_HIGH).view()),
              ElementsAre("derby-csc"));
  // At LOW its plan is its home authority's.
  EXPECT_THAT(RecipientsOf(CaseBuilder(kNottingham, kDerby, v1::OPEN_PLAN_LOOKED_AFTER)
                               .Involved(kInvolved).Assess(kAssessedAt, v1::RISK_LEVEL_LOW).view()),
              ElementsAre("nottingham-cc"));
}

TEST(LeadAgencyTest, AnUnregisteredEarlyHelpFallsBackToSocialCare) {
  const Casework casework(DerbyRouter(ShippedRouterOptions(), RegistryWithout(v1::EARLY_HELP)), ShippedEngine());
  absl::StatusOr<Routing> routing =
      Decide(casework, "derby-health",
             CaseBuilder(kDerby, "", v1::OPEN_PLAN_EARLY_HELP).Involved({"derby-health"}).Assess(kAssessedAt, v1::RISK_LEVEL_LOW).view());
  ASSERT_TRUE(routing.ok()) << routing.status();
  EXPECT_THAT(routing->recipients, ElementsAre("derby-csc"));
}

TEST(LeadAgencyTest, TheLeadAgencysOwnDecisionGoesToTheCpmService) {
  const CaseView high = CaseBuilder(kDerby, "", v1::OPEN_PLAN_NONE)
                            .Involved(kInvolved).Assess(kAssessedAt, v1::RISK_LEVEL_HIGH).view();
  EXPECT_THAT(RecipientsOf(high, "derby-csc"), ElementsAre("derby-cpm"));
  const CaseView early_help = CaseBuilder(kDerby, "", v1::OPEN_PLAN_EARLY_HELP)
                                  .Involved(kInvolved).Assess(kAssessedAt, v1::RISK_LEVEL_LOW).view();
  EXPECT_THAT(RecipientsOf(early_help, "derby-early-help"), ElementsAre("derby-cpm"));
  // No CPM service registered: refused rather than told to nobody.
  const Casework casework(DerbyRouter(ShippedRouterOptions(), RegistryWithout(v1::CPM_SERVICE)), ShippedEngine());
  absl::StatusOr<Routing> routing = Decide(casework, "derby-csc", high);
  EXPECT_EQ(routing.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(routing.status().message()), HasSubstr("CPM service"));
}

TEST(LeadAgencyTest, AnAgencyNotInvolvedIsToldThereIsNoSuchCase) {
  const Casework casework(DerbyRouter(), ShippedEngine());
  const CaseView view = CaseBuilder(kDerby, "", v1::OPEN_PLAN_NONE)
                            .Involved(kInvolved).Assess(kAssessedAt, v1::RISK_LEVEL_HIGH).view();
  absl::StatusOr<Routing> routing = Decide(casework, "derby-pru", view);
  EXPECT_EQ(routing.status(), NoSuchCase(view.case_file.case_id()));
}

TEST(LeadAgencyTest, WhatTheCaseOrTheRegistryRefusesIsNamed) {
  const Casework casework(DerbyRouter(), ShippedEngine());
  const CaseView view = CaseBuilder(kDerby, "", v1::OPEN_PLAN_NONE)
                            .Involved(kInvolved).Assess(kAssessedAt, v1::RISK_LEVEL_HIGH).view();
  absl::StatusOr<Routing> early = Decide(casework, "derby-health", view, Decision("2026-03-01T09:00:00Z"));
  EXPECT_EQ(early.status(), absl::InvalidArgumentError("decision.decided_at: before the case opened"));
  absl::StatusOr<Routing> ahead = Decide(casework, "derby-health", view, Decision("2026-03-03T12:00:00Z"));
  EXPECT_EQ(ahead.status(), absl::InvalidArgumentError("decision.decided_at: in the future"));
  v1::RoutedMessage unknown = Decision();
  unknown.mutable_decision_not_to_share()->set_withheld_from_agency_id("derby-nobody");
  EXPECT_EQ(Decide(casework, "derby-health", view, unknown).status(),
            absl::InvalidArgumentError("decision.withheld_from_agency_id: not an agency of the registry"));
  v1::RoutedMessage itself = Decision();
  itself.mutable_decision_not_to_share()->set_withheld_from_agency_id("derby-health");
  EXPECT_EQ(Decide(casework, "derby-health", view, itself).status().code(), absl::StatusCode::kInvalidArgument);
  // From every agency of a role: no registry check to make.
  v1::RoutedMessage role = Decision();
  role.mutable_decision_not_to_share()->set_withheld_from_role(v1::EDUCATION);
  EXPECT_TRUE(Decide(casework, "derby-health", view, role).ok());
}

TEST(LeadAgencyTest, TheDecisionIsAuditedAsAnEventAndAMessage) {
  v1::CaseUpdate appended;
  v1::CaseEvent* kept = appended.add_events();
  kept->set_kind(v1::EVENT_KIND_DECISION_NOT_TO_SHARE);
  AcceptedSubmission accepted;
  accepted.sender_agency_id = "derby-health";
  accepted.method = "RecordDecisionNotToShare";
  accepted.accepted_at = T(kAcceptedAt);
  accepted.record_append = &appended;
  accepted.kind = v1::MESSAGE_KIND_DECISION_NOT_TO_SHARE;
  v1::SubmitResponse receipt;
  receipt.set_case_id("11111111-2222-4333-8444-555555555555");
  receipt.set_message_id("m");
  const std::vector<v1::AuditRecord> records = AuditOfAcceptance(accepted, {"derby-csc"}, receipt);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].kind(), v1::AUDIT_EVENT_KIND_CASE_EVENT_RECORDED);
  EXPECT_EQ(records[0].event_kind(), v1::EVENT_KIND_DECISION_NOT_TO_SHARE);
  EXPECT_EQ(records[1].kind(), v1::AUDIT_EVENT_KIND_MESSAGE_ACCEPTED);
  EXPECT_EQ(records[1].detail(), "MESSAGE_KIND_DECISION_NOT_TO_SHARE to [derby-csc]");
  // Never the decision's words: the chain cannot be edited.
  for (const v1::AuditRecord& record : records) EXPECT_THAT(record.detail(), ::testing::Not(HasSubstr("clinic")));
}

}  // namespace
}  // namespace cre
