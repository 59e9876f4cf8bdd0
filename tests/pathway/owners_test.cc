// Who owns and who chairs each action, checked against the procedure
// (docs/procedure.md, Owners and chairs): the table below was written from
// the source documents, not from rules.cc, so a change to either shows here.
#include <fstream>
#include <sstream>
#include <string>

#include "case_builder.h"
#include "gtest/gtest.h"
#include "pathway/engine.h"
#include "pathway/rules.h"

namespace cre::pathway {
namespace {

using namespace ::cre::pathway::testing;  // NOLINT: test helpers
namespace v1 = ::cre::v1;

constexpr char kTeen[] = "2010-01-01";
constexpr v1::PractitionerRole kNone = v1::PRACTITIONER_ROLE_UNSPECIFIED;
constexpr v1::PractitionerRole kLead = v1::PRACTITIONER_ROLE_LEAD_PRACTITIONER;
constexpr v1::PractitionerRole kSw = v1::PRACTITIONER_ROLE_SOCIAL_WORKER;
constexpr v1::PractitionerRole kTm = v1::PRACTITIONER_ROLE_TEAM_MANAGER;
constexpr v1::PractitionerRole kCpm = v1::PRACTITIONER_ROLE_CPM;
constexpr v1::PractitionerRole kCpmVc = v1::PRACTITIONER_ROLE_CPM_VC;

struct Expected {
  const char* rule;
  v1::PractitionerRole owner;
  v1::PractitionerRole chair;
};

// The table's defaults; where the case decides (the assessor, the case
// owner, the level's chair) the engine tests below check it.
constexpr Expected kOwners[] = {
    {"all.operation_liberty_report", kLead, kNone},      // the identifying practitioner
    {"all.missing_episode_assessment", kLead, kNone},    // whoever holds the case
    {"lac.iro_notification", kSw, kNone},
    {"placed_in.home_authority_consultation", kSw, kNone},
    {"placed_out.host_authority_handoff", kSw, kNone},
    {"placed_out.duty_cpm_escalation", kSw, kNone},      // "the social worker or team manager"
    {"low.early_help_assessment", kLead, kNone},         // "by the identifying agency"
    {"low.taf_meeting", kLead, kLead},                   // "they should call a TAF meeting"
    {"medium.step_up_referral", kLead, kNone},           // "the practitioner (if Early Help)"
    {"high.step_up_referral", kLead, kNone},
    {"medium.single_assessment", kSw, kNone},
    {"high.strategy_discussion", kSw, kTm},              // "Children's Social Care will hold"
    {"high.threshold_discussion", kTm, kNone},           // "The manager will ... hold"
    {"medium.threshold_discussion", kTm, kNone},
    {"all.cre_tasking_group", kCpmVc, kNone},            // "by Child Protection Manager for VC"
    {"high.s47_enquiry", kSw, kNone},                    // "Social worker to complete"
    {"high.cp_conference_request", kTm, kNone},          // "by the Social Care Team Manager"
    {"high.icpc", kCpm, kCpm},
    {"threshold.icpc", kCpm, kCpm},
    {"cp.conference_brought_forward", kCpm, kCpm},       // "chaired by the CPM"
    {"cre.meeting", kCpm, kCpm},                         // "the CPM will convene"
    {"cre.meeting_papers", kLead, kNone},                // "The lead practitioner will submit"
    {"cre.outline_plan", kCpm, kNone},                   // the meeting's chair
    {"cre.meeting_minutes", kCpm, kNone},                // the convener circulates
    {"cre.first_review", kCpm, kCpm},                    // "reviewed ... by a CPM"
    {"cre.later_review", kCpm, kCpm},
    {"cre.review_papers", kLead, kNone},                 // "the lead practitioner will ... submit"
    {"high.first_cin_meeting", kSw, kTm},
    {"high.cin_meeting", kSw, kTm},
    {"high.first_core_group_meeting", kSw, kTm},         // "The team manager will chair"
    {"high.core_group_meeting", kSw, kTm},
    {"all.risk_assessment_review", kLead, kNone},        // whoever holds the case
    {"high.risk_assessment_review_cp", kSw, kNone},
};

TEST(OwnersTest, EveryRuleHasTheOwnerAndChairOfTheProcedure) {
  ASSERT_EQ(std::size(kOwners), AllRules().size()) << "a rule was added: add it here and to the doc";
  for (const Expected& e : kOwners) {
    const RuleInfo* rule = FindRule(e.rule);
    ASSERT_NE(rule, nullptr) << e.rule;
    EXPECT_EQ(rule->owner, e.owner) << e.rule << " owner";
    EXPECT_EQ(rule->chair, e.chair) << e.rule << " chair";
  }
}

TEST(OwnersTest, EveryRuleIsListedInTheDoc) {
  std::ifstream in(SourceRoot() + "/docs/procedure.md");
  std::stringstream text;
  text << in.rdbuf();
  const std::string doc = text.str();
  const size_t start = doc.find("\n## Owners and chairs\n");
  ASSERT_NE(start, std::string::npos) << "docs/procedure.md has no \"## Owners and chairs\"";
  const std::string section = doc.substr(start, doc.find("\n## ", start + 1) - start);
  for (const RuleInfo& rule : AllRules()) {
    // A row may list rules that share their owner and chair: "| `a`, `b` |".
    EXPECT_NE(section.find(std::string("`") + rule.id + "`"), std::string::npos)
        << rule.id << " is not in docs/procedure.md, Owners and chairs";
  }
}

PathwayEngine WithMediumChair(v1::PractitionerRole chair) {
  v1::PathwayPolicy policy = DefaultPolicy();
  policy.set_medium_cre_meeting_chair(chair);
  return EngineWith(policy);
}

// MEDIUM, a CRE meeting held on Wednesday 11 March 2026 and a review
// scheduled: every meeting action of the case.
CaseBuilder MediumWithAMeeting() {
  CaseBuilder c(kTeen, v1::OPEN_PLAN_NONE);
  c.Assess("2026-03-02T10:00:00Z", v1::RISK_LEVEL_MEDIUM);
  c.Event(v1::EVENT_KIND_CRE_MEETING_REQUESTED, "2026-03-03T10:00:00Z");
  c.Event(v1::EVENT_KIND_CRE_MEETING_HELD, "2026-03-11T10:00:00Z");
  return c;
}

// The CPM convenes the meeting, circulates the minutes and convenes the
// review, whoever the policy has chair MEDIUM meetings; the chair makes the
// outline plan available at the end of the meeting.
TEST(OwnersTest, TheCpmServiceConvenesWhoeverChairs) {
  const PathwayEngine tm_chairs = WithMediumChair(kTm);
  const v1::Pathway p = Evaluate(MediumWithAMeeting(), "2026-03-12T09:00:00Z", tm_chairs);
  for (v1::ActionKind kind : {v1::CRE_MEETING, v1::CRE_REVIEW}) {
    const v1::Action* a = Find(p, kind);
    ASSERT_NE(a, nullptr) << v1::ActionKind_Name(kind);
    EXPECT_EQ(a->owner(), kCpm) << v1::ActionKind_Name(kind);
    EXPECT_EQ(a->chair(), kTm) << v1::ActionKind_Name(kind);
  }
  EXPECT_EQ(Find(p, v1::CRE_MEETING_MINUTES)->owner(), kCpm);
  EXPECT_EQ(Find(p, v1::CRE_MEETING_MINUTES)->chair(), kNone);
  EXPECT_EQ(Find(p, v1::OUTLINE_PLAN)->owner(), kTm);
  EXPECT_EQ(Find(p, v1::CRE_MEETING_PAPERS)->owner(), kLead);
}

TEST(OwnersTest, TheCpmVcChairsHighMeetingsTheCpmServiceConvenesThem) {
  CaseBuilder c(kTeen, v1::OPEN_PLAN_NONE);
  c.Assess("2026-03-02T10:00:00Z", v1::RISK_LEVEL_HIGH);
  c.Event(v1::EVENT_KIND_STRATEGY_DISCUSSION_HELD, "2026-03-03T10:00:00Z");
  c.Threshold("2026-03-03T15:00:00Z", v1::THRESHOLD_OUTCOME_CRE_MEETING);
  c.Event(v1::EVENT_KIND_CRE_MEETING_HELD, "2026-03-11T10:00:00Z");
  const v1::Pathway p = Evaluate(c, "2026-03-12T09:00:00Z");
  for (v1::ActionKind kind : {v1::CRE_MEETING, v1::CRE_REVIEW}) {
    EXPECT_EQ(Find(p, kind)->owner(), kCpm) << v1::ActionKind_Name(kind);
    EXPECT_EQ(Find(p, kind)->chair(), kCpmVc) << v1::ActionKind_Name(kind);
  }
  EXPECT_EQ(Find(p, v1::OUTLINE_PLAN)->owner(), kCpmVc);
  EXPECT_EQ(Find(p, v1::STRATEGY_DISCUSSION)->owner(), kSw);
  EXPECT_EQ(Find(p, v1::STRATEGY_DISCUSSION)->chair(), kTm);
  EXPECT_EQ(Find(p, v1::CPM_THRESHOLD_DISCUSSION)->owner(), kTm);
  EXPECT_EQ(Find(p, v1::CIN_MEETING)->chair(), kTm);
  EXPECT_EQ(Find(p, v1::CRE_TASKING_GROUP)->owner(), kCpmVc);
}

// On a CP plan the social worker liaises with the existing CPM, who chairs
// the conference brought forward.
TEST(OwnersTest, OnACpPlanTheSocialWorkerLiaisesAndTheCpmChairs) {
  CaseBuilder c(kTeen, v1::OPEN_PLAN_CHILD_PROTECTION);
  c.Assess("2026-03-02T10:00:00Z", v1::RISK_LEVEL_MEDIUM);
  c.Threshold("2026-03-03T10:00:00Z", v1::THRESHOLD_OUTCOME_CRE_MEETING);
  const v1::Pathway p = Evaluate(c, "2026-03-04T09:00:00Z");
  EXPECT_EQ(Find(p, v1::CPM_THRESHOLD_DISCUSSION)->owner(), kSw);
  EXPECT_EQ(Find(p, v1::CP_CONFERENCE_BROUGHT_FORWARD)->owner(), kCpm);
  EXPECT_EQ(Find(p, v1::CP_CONFERENCE_BROUGHT_FORWARD)->chair(), kCpm);
}

}  // namespace
}  // namespace cre::pathway
