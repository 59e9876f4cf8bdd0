// ValidateCaseFile: every problem is reported with the field that has it.
#include "pathway/validate.h"

#include <string>

#include "case_builder.h"
#include "gtest/gtest.h"

namespace cre::pathway {
namespace {

using namespace ::cre::pathway::testing;  // NOLINT: test helpers
namespace v1 = ::cre::v1;

std::string Check(const CaseBuilder& c) {
  absl::Status s = ShippedEngine().Validate(c.file());
  if (!s.ok()) {
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  }
  return s.ok() ? "OK" : std::string(s.message());
}

CaseBuilder Valid() {
  CaseBuilder c("2010-01-01", v1::OPEN_PLAN_NONE);
  c.Assess("2026-03-02T10:00:00Z", v1::RISK_LEVEL_MEDIUM);
  c.Threshold("2026-03-03T10:00:00Z", v1::THRESHOLD_OUTCOME_CRE_MEETING);
  return c;
}

TEST(ValidateTest, AValidCaseFile) { EXPECT_EQ(Check(Valid()), "OK"); }

TEST(ValidateTest, DateOfBirthAfterAnAssessment) {
  CaseBuilder c("2026-03-10", v1::OPEN_PLAN_NONE, "2026-03-01T09:00:00Z");
  c.Assess("2026-03-11T10:00:00Z", v1::RISK_LEVEL_LOW);
  c.Assess("2026-03-02T10:00:00Z", v1::RISK_LEVEL_LOW);
  EXPECT_EQ(Check(c), "risk_assessments[1].assessed_at: before child.date_of_birth");
}

TEST(ValidateTest, CaseOpenedBeforeBirth) {
  CaseBuilder c("2026-03-10", v1::OPEN_PLAN_NONE, "2026-03-01T09:00:00Z");
  EXPECT_EQ(Check(c), "opened_at: before child.date_of_birth");
}

TEST(ValidateTest, EventBeforeTheCaseOpened) {
  CaseBuilder c = Valid();
  c.Event(v1::EVENT_KIND_MISSING_EPISODE, "2025-12-31T10:00:00Z");
  EXPECT_EQ(Check(c), "events[1].occurred_at: before opened_at");
}

TEST(ValidateTest, AssessmentBeforeTheCaseOpened) {
  CaseBuilder c = Valid();
  c.Assess("2026-01-05T08:59:59Z", v1::RISK_LEVEL_LOW);
  EXPECT_EQ(Check(c), "risk_assessments[1].assessed_at: before opened_at");
}

TEST(ValidateTest, UnknownEnumValues) {
  CaseBuilder c = Valid();
  c.mutable_file()->mutable_risk_assessments(0)->set_level(static_cast<v1::RiskLevel>(7));
  EXPECT_EQ(Check(c), "risk_assessments[0].level: unknown value 7");
  c = Valid();
  c.mutable_file()->mutable_events(0)->set_kind(static_cast<v1::EventKind>(99));
  EXPECT_EQ(Check(c), "events[0].kind: unknown value 99");
  c = Valid();
  c.mutable_file()->mutable_child()->set_open_plan(static_cast<v1::OpenPlan>(42));
  EXPECT_EQ(Check(c), "child.open_plan: unknown value 42");
}

TEST(ValidateTest, RequiredFields) {
  CaseBuilder c = Valid();
  c.mutable_file()->clear_child();
  EXPECT_EQ(Check(c), "child: required");
  c = Valid();
  c.mutable_file()->clear_opened_at();
  EXPECT_EQ(Check(c), "opened_at: required");
  c = Valid();
  c.mutable_file()->mutable_risk_assessments(0)->set_level(v1::RISK_LEVEL_UNSPECIFIED);
  EXPECT_EQ(Check(c), "risk_assessments[0].level: required");
  c = Valid();
  c.mutable_file()->mutable_events(0)->clear_occurred_at();
  EXPECT_EQ(Check(c), "events[0].occurred_at: required");
  c = Valid();
  c.mutable_file()->mutable_events(0)->set_threshold_outcome(v1::THRESHOLD_OUTCOME_UNSPECIFIED);
  EXPECT_EQ(Check(c), "events[0].threshold_outcome: required");
  c = Valid();
  c.Event(v1::EVENT_KIND_CRE_MEETING_SCHEDULED, "2026-03-04T10:00:00Z");
  EXPECT_EQ(Check(c), "events[1].scheduled_for: required");
  c = Valid();
  c.Event(v1::EVENT_KIND_S47_OUTCOME, "2026-03-04T10:00:00Z");
  EXPECT_EQ(Check(c), "events[1].s47_outcome: required");
}

TEST(ValidateTest, MalformedDateOfBirth) {
  CaseBuilder c = Valid();
  c.mutable_file()->mutable_child()->set_date_of_birth("2010-13-01");
  EXPECT_EQ(Check(c), "child.date_of_birth: not a date (want YYYY-MM-DD): 2010-13-01");
  c.mutable_file()->mutable_child()->set_date_of_birth("1/1/2010");
  EXPECT_EQ(Check(c), "child.date_of_birth: not a date (want YYYY-MM-DD): 1/1/2010");
}

TEST(ValidateTest, LookedAfterMustAgreeWithThePlan) {
  CaseBuilder c = Valid();
  c.mutable_file()->mutable_child()->set_looked_after(true);
  EXPECT_EQ(Check(c),
            "child.looked_after: must be true exactly when child.open_plan is "
            "OPEN_PLAN_LOOKED_AFTER");
}

TEST(ValidateTest, TheChildMustBeOfOrPlacedInThisAuthority) {
  CaseBuilder c = Valid();
  c.Placed("E10000007", "E10000007");
  EXPECT_EQ(Check(c),
            "child.placement_authority_code: neither it nor child.home_authority_code is this "
            "authority (E06000015)");
}

TEST(ValidateTest, TeamManagerApproval) {
  CaseBuilder c = Valid();
  c.mutable_file()->mutable_risk_assessments(0)->mutable_low_risk_approval()->set_team_manager("x");
  EXPECT_EQ(Check(c), "risk_assessments[0].low_risk_approval: only a LOW assessment can carry one");
  c = Valid();
  c.Assess("2026-03-04T10:00:00Z", v1::RISK_LEVEL_LOW).mutable_low_risk_approval();
  EXPECT_EQ(Check(c),
            "risk_assessments[1].low_risk_approval.team_manager: required (the team manager's "
            "identity)");
}

TEST(ValidateTest, AcknowledgedBeforeSent) {
  CaseBuilder c = Valid();
  c.Routed(v1::EVENT_KIND_IRO_NOTIFIED, "2026-03-04T10:00:00Z", "2026-03-04T09:00:00Z");
  EXPECT_EQ(Check(c), "events[1].acknowledged_at: before occurred_at");
}

TEST(ValidateTest, TimestampOutOfRange) {
  CaseBuilder c = Valid();
  c.mutable_file()->mutable_events(0)->mutable_occurred_at()->set_nanos(-1);
  EXPECT_EQ(Check(c), "events[0].occurred_at: not a valid timestamp");
}

TEST(ValidateTest, TheEngineRefusesAnInvalidFile) {
  CaseBuilder c = Valid();
  c.mutable_file()->clear_child();
  auto pathway = ShippedEngine().Evaluate(c.file(), T("2026-03-05T10:00:00Z"));
  EXPECT_FALSE(pathway.ok());
}

}  // namespace
}  // namespace cre::pathway
