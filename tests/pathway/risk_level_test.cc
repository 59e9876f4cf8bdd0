// The floor rule: a child aged 12 or under, or with SEND, is at least MEDIUM
// unless a team manager approves LOW. Ages are checked on the local date of
// the assessment.
#include "pathway/risk_level.h"

#include "case_builder.h"
#include "gtest/gtest.h"

namespace cre::pathway {
namespace {

using namespace ::cre::pathway::testing;  // NOLINT: test helpers
namespace v1 = ::cre::v1;

TEST(AgeTest, CompletedYears) {
  EXPECT_EQ(AgeInYears(Day("2014-06-15"), Day("2026-06-14")), 11);
  EXPECT_EQ(AgeInYears(Day("2014-06-15"), Day("2026-06-15")), 12);
  EXPECT_EQ(AgeInYears(Day("2013-06-15"), Day("2026-06-14")), 12);
  EXPECT_EQ(AgeInYears(Day("2013-06-15"), Day("2026-06-15")), 13);
}

TEST(AgeTest, BornOnTwentyNinthFebruary) {
  // A year older on 1 March in common years.
  EXPECT_EQ(AgeInYears(Day("2012-02-29"), Day("2025-02-28")), 12);
  EXPECT_EQ(AgeInYears(Day("2012-02-29"), Day("2025-03-01")), 13);
  EXPECT_EQ(AgeInYears(Day("2012-02-29"), Day("2024-02-29")), 12);
}

v1::RiskDecision Risk(CaseBuilder& c) { return Evaluate(c, "2026-07-01T12:00:00Z").risk(); }

TEST(FloorTest, OnTheTwelfthBirthdayLowIsRaisedToMedium) {
  CaseBuilder c("2014-06-15", v1::OPEN_PLAN_NONE);
  c.Assess("2026-06-15T10:00:00+01:00", v1::RISK_LEVEL_LOW);
  const v1::RiskDecision r = Risk(c);
  EXPECT_EQ(r.recorded_level(), v1::RISK_LEVEL_LOW);
  EXPECT_EQ(r.effective_level(), v1::RISK_LEVEL_MEDIUM);
  EXPECT_EQ(r.reason(), v1::LEVEL_REASON_FLOOR_AGE);
  EXPECT_EQ(r.age_at_assessment(), 12);
  EXPECT_EQ(Evaluate(c, "2026-07-01T12:00:00Z").recording(), v1::RECORDING_CRE_STRATEGY);
}

TEST(FloorTest, TheDayBeforeTheThirteenthBirthdayLowIsRaised) {
  CaseBuilder c("2013-06-15", v1::OPEN_PLAN_NONE);
  c.Assess("2026-06-14T10:00:00+01:00", v1::RISK_LEVEL_LOW);
  EXPECT_EQ(Risk(c).effective_level(), v1::RISK_LEVEL_MEDIUM);
  EXPECT_EQ(Risk(c).age_at_assessment(), 12);
}

TEST(FloorTest, OnTheThirteenthBirthdayLowStands) {
  CaseBuilder c("2013-06-15", v1::OPEN_PLAN_NONE);
  c.Assess("2026-06-15T10:00:00+01:00", v1::RISK_LEVEL_LOW);
  const v1::RiskDecision r = Risk(c);
  EXPECT_EQ(r.effective_level(), v1::RISK_LEVEL_LOW);
  EXPECT_EQ(r.reason(), v1::LEVEL_REASON_AS_RECORDED);
  EXPECT_EQ(r.age_at_assessment(), 13);
}

TEST(FloorTest, TheLocalDateDecidesTheAge) {
  // 23:30 UTC on 14 June is 00:30 BST on 15 June, the 13th birthday.
  CaseBuilder c("2013-06-15", v1::OPEN_PLAN_NONE);
  c.Assess("2026-06-14T23:30:00Z", v1::RISK_LEVEL_LOW);
  EXPECT_EQ(Risk(c).effective_level(), v1::RISK_LEVEL_LOW);
  EXPECT_EQ(Risk(c).age_at_assessment(), 13);
}

TEST(FloorTest, SendRaisesLowAtAnyAge) {
  CaseBuilder c("2010-01-01", v1::OPEN_PLAN_NONE);
  c.Send();
  c.Assess("2026-06-15T10:00:00+01:00", v1::RISK_LEVEL_LOW);
  EXPECT_EQ(Risk(c).effective_level(), v1::RISK_LEVEL_MEDIUM);
  EXPECT_EQ(Risk(c).reason(), v1::LEVEL_REASON_FLOOR_SEND);
}

TEST(FloorTest, YoungAndSend) {
  CaseBuilder c("2016-01-01", v1::OPEN_PLAN_NONE);
  c.Send();
  c.Assess("2026-06-15T10:00:00+01:00", v1::RISK_LEVEL_LOW);
  EXPECT_EQ(Risk(c).reason(), v1::LEVEL_REASON_FLOOR_AGE_AND_SEND);
}

TEST(FloorTest, TeamManagerApprovalKeepsLowAndRecordsWho) {
  CaseBuilder c("2016-01-01", v1::OPEN_PLAN_NONE);
  auto& a = c.Assess("2026-06-15T10:00:00+01:00", v1::RISK_LEVEL_LOW);
  a.mutable_low_risk_approval()->set_team_manager("tm.jones");
  a.mutable_low_risk_approval()->set_rationale("strong protective factors at home and school");
  const v1::Pathway p = Evaluate(c, "2026-07-01T12:00:00Z");
  EXPECT_EQ(p.risk().effective_level(), v1::RISK_LEVEL_LOW);
  EXPECT_EQ(p.risk().reason(), v1::LEVEL_REASON_LOW_APPROVED_BY_TEAM_MANAGER);
  EXPECT_EQ(p.risk().approved_by(), "tm.jones");
  EXPECT_NE(p.risk().explanation().find("tm.jones"), std::string::npos);
  EXPECT_EQ(p.recording(), v1::RECORDING_EARLY_HELP);
}

TEST(FloorTest, MediumAndHighAreNeverLowered) {
  CaseBuilder c("2016-01-01", v1::OPEN_PLAN_NONE);
  c.Assess("2026-06-15T10:00:00+01:00", v1::RISK_LEVEL_HIGH);
  EXPECT_EQ(Risk(c).effective_level(), v1::RISK_LEVEL_HIGH);
  EXPECT_EQ(Risk(c).reason(), v1::LEVEL_REASON_AS_RECORDED);
}

TEST(FloorTest, TheLatestAssessmentDecides) {
  CaseBuilder c("2010-01-01", v1::OPEN_PLAN_NONE);
  c.Assess("2026-03-02T10:00:00Z", v1::RISK_LEVEL_HIGH);
  c.Assess("2026-05-11T10:00:00+01:00", v1::RISK_LEVEL_MEDIUM);
  c.Assess("2026-06-15T10:00:00+01:00", v1::RISK_LEVEL_LOW);
  EXPECT_EQ(Risk(c).assessment_index(), 2);
  EXPECT_EQ(Risk(c).effective_level(), v1::RISK_LEVEL_LOW);
  // Before the last one was recorded, the one before stood.
  EXPECT_EQ(Evaluate(c, "2026-06-01T12:00:00Z").risk().effective_level(), v1::RISK_LEVEL_MEDIUM);
}

TEST(FloorTest, ThePolicySetsTheAge) {
  Policy policy;
  policy.floor_max_age_years = 11;
  const LevelDecision d = DecideLevel(Day("2026-06-15"), Day("2014-06-15"), false,
                                      v1::RISK_LEVEL_LOW, false, policy);
  EXPECT_EQ(d.effective, v1::RISK_LEVEL_LOW);
  policy.floor_applies_to_send = false;
  EXPECT_EQ(DecideLevel(Day("2026-06-15"), Day("2000-06-15"), true, v1::RISK_LEVEL_LOW, false,
                        policy).effective,
            v1::RISK_LEVEL_LOW);
}

}  // namespace
}  // namespace cre::pathway
