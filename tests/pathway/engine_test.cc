// The pathway engine against docs/procedure.md, with every expected date worked out
// by hand on a calendar (March 2026: Friday 27th, clocks forward Sunday 29th;
// Easter 3-6 April 2026; Spring bank holiday Monday 25 May 2026).
#include "pathway/engine.h"

#include <set>
#include <string>
#include <tuple>

#include "case_builder.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "pathway/rules.h"

namespace cre::pathway {
namespace {

using namespace ::cre::pathway::testing;  // NOLINT: test helpers
namespace v1 = ::cre::v1;
using ::testing::ElementsAre;

constexpr char kTeen[] = "2010-01-01";  // 16 in 2026: no floor

// ---- How the case is recorded (docs/procedure.md, Risk levels and recording) ----

class RecordingTest
    : public ::testing::TestWithParam<std::tuple<v1::RiskLevel, v1::OpenPlan, v1::Recording>> {};

TEST_P(RecordingTest, FollowsTheTable) {
  const auto [level, plan, recording] = GetParam();
  CaseBuilder c(kTeen, plan);
  c.Assess("2026-03-02T10:00:00Z", level);
  const v1::Pathway p = Evaluate(c, "2026-03-03T10:00:00Z");
  EXPECT_EQ(p.recording(), recording);
  const bool cre_meetings = recording == v1::RECORDING_CRE_STRATEGY ||
                            recording == v1::RECORDING_LAC_WITH_CRE_STRATEGY;
  EXPECT_EQ(Find(p, v1::CRE_MEETING) != nullptr, cre_meetings);
  EXPECT_EQ(Find(p, v1::EARLY_HELP_ASSESSMENT) != nullptr,
            recording == v1::RECORDING_EARLY_HELP);
  EXPECT_EQ(Find(p, v1::CP_CONFERENCE_BROUGHT_FORWARD) != nullptr,
            recording == v1::RECORDING_CP_PATHWAY);
  ASSERT_NE(Find(p, v1::RISK_ASSESSMENT_REVIEW), nullptr);
}

INSTANTIATE_TEST_SUITE_P(
    Table, RecordingTest,
    ::testing::Values(
        std::make_tuple(v1::RISK_LEVEL_LOW, v1::OPEN_PLAN_NONE, v1::RECORDING_EARLY_HELP),
        std::make_tuple(v1::RISK_LEVEL_LOW, v1::OPEN_PLAN_EARLY_HELP, v1::RECORDING_WITHIN_EXISTING_PLAN),
        std::make_tuple(v1::RISK_LEVEL_LOW, v1::OPEN_PLAN_CHILD_IN_NEED, v1::RECORDING_WITHIN_EXISTING_PLAN),
        std::make_tuple(v1::RISK_LEVEL_LOW, v1::OPEN_PLAN_CHILD_PROTECTION, v1::RECORDING_WITHIN_EXISTING_PLAN),
        std::make_tuple(v1::RISK_LEVEL_LOW, v1::OPEN_PLAN_LOOKED_AFTER, v1::RECORDING_WITHIN_EXISTING_PLAN),
        std::make_tuple(v1::RISK_LEVEL_MEDIUM, v1::OPEN_PLAN_NONE, v1::RECORDING_CRE_STRATEGY),
        std::make_tuple(v1::RISK_LEVEL_MEDIUM, v1::OPEN_PLAN_EARLY_HELP, v1::RECORDING_CRE_STRATEGY),
        std::make_tuple(v1::RISK_LEVEL_MEDIUM, v1::OPEN_PLAN_CHILD_IN_NEED, v1::RECORDING_CRE_STRATEGY),
        std::make_tuple(v1::RISK_LEVEL_MEDIUM, v1::OPEN_PLAN_CHILD_PROTECTION, v1::RECORDING_CP_PATHWAY),
        std::make_tuple(v1::RISK_LEVEL_MEDIUM, v1::OPEN_PLAN_LOOKED_AFTER, v1::RECORDING_LAC_WITH_CRE_STRATEGY),
        std::make_tuple(v1::RISK_LEVEL_HIGH, v1::OPEN_PLAN_NONE, v1::RECORDING_CRE_STRATEGY),
        std::make_tuple(v1::RISK_LEVEL_HIGH, v1::OPEN_PLAN_EARLY_HELP, v1::RECORDING_CRE_STRATEGY),
        std::make_tuple(v1::RISK_LEVEL_HIGH, v1::OPEN_PLAN_CHILD_IN_NEED, v1::RECORDING_CRE_STRATEGY),
        std::make_tuple(v1::RISK_LEVEL_HIGH, v1::OPEN_PLAN_CHILD_PROTECTION, v1::RECORDING_CP_PATHWAY),
        std::make_tuple(v1::RISK_LEVEL_HIGH, v1::OPEN_PLAN_LOOKED_AFTER, v1::RECORDING_LAC_WITH_CRE_STRATEGY)));

// ---- LOW ----

TEST(LowTest, NoOpenPlanIsEarlyHelp) {
  CaseBuilder c(kTeen, v1::OPEN_PLAN_NONE);
  c.Assess("2026-03-02T10:00:00Z", v1::RISK_LEVEL_LOW, v1::PRACTITIONER_ROLE_PARTNER_PRACTITIONER);
  const v1::Pathway p = Evaluate(c, "2026-03-03T10:00:00Z");
  const v1::Action* eha = Find(p, v1::EARLY_HELP_ASSESSMENT);
  ASSERT_NE(eha, nullptr);
  EXPECT_EQ(eha->owner(), v1::PRACTITIONER_ROLE_PARTNER_PRACTITIONER);  // the identifying agency
  EXPECT_EQ(eha->due_date(), "2026-05-07");  // 45 working days, over Easter and 4 May
  EXPECT_EQ(eha->due_basis(), v1::DUE_BASIS_END_OF_DAY);
  EXPECT_EQ(Utc(eha->due_at()), "2026-05-07T23:00:00Z");  // midnight BST
  const v1::Action* taf = Find(p, v1::TAF_MEETING);
  ASSERT_NE(taf, nullptr);
  EXPECT_TRUE(taf->discretionary());
  EXPECT_FALSE(taf->has_due_at());
  const v1::Action* review = Find(p, v1::RISK_ASSESSMENT_REVIEW);
  EXPECT_EQ(review->due_date(), "2026-04-13");  // 6 weeks
  EXPECT_EQ(review->owner(), v1::PRACTITIONER_ROLE_LEAD_PRACTITIONER);
  EXPECT_EQ(p.actions_size(), 3);
}

TEST(LowTest, ExistingPlanHasNoAdditionalCreMeetings) {
  CaseBuilder c(kTeen, v1::OPEN_PLAN_CHILD_IN_NEED);
  c.Assess("2026-03-02T10:00:00Z", v1::RISK_LEVEL_LOW);
  const v1::Pathway p = Evaluate(c, "2026-03-03T10:00:00Z");
  ASSERT_EQ(p.actions_size(), 1);
  EXPECT_EQ(p.actions(0).kind(), v1::RISK_ASSESSMENT_REVIEW);
  EXPECT_EQ(p.actions(0).owner(), v1::PRACTITIONER_ROLE_SOCIAL_WORKER);
}

// ---- HIGH: strategy discussion, threshold, S47, ICPC ----

TEST(HighTest, StrategyDiscussionWithin48WorkingHoursOverTheClockChange) {
  CaseBuilder c(kTeen, v1::OPEN_PLAN_NONE);
  c.Assess("2026-03-27T15:00:00Z", v1::RISK_LEVEL_HIGH);  // Friday 15:00 GMT
  const v1::Pathway p = Evaluate(c, "2026-03-30T09:00:00Z");
  const v1::Action* s = Find(p, v1::STRATEGY_DISCUSSION);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->status(), v1::ACTION_STATUS_PENDING);
  EXPECT_EQ(Utc(s->due_at()), "2026-03-31T14:00:00Z");  // Tuesday 15:00 BST
  EXPECT_EQ(s->due_local(), "2026-03-31T15:00:00+01:00");
  EXPECT_EQ(s->due_date(), "2026-03-31");
  EXPECT_EQ(s->due_basis(), v1::DUE_BASIS_INSTANT);
  EXPECT_EQ(s->owner(), v1::PRACTITIONER_ROLE_SOCIAL_WORKER);
  EXPECT_EQ(s->rule_id(), "high.strategy_discussion");
  EXPECT_NE(s->rule().find("48 working hours"), std::string::npos);
}

TEST(HighTest, OverdueFromTheDueInstant) {
  CaseBuilder c(kTeen, v1::OPEN_PLAN_NONE);
  c.Assess("2026-03-27T15:00:00Z", v1::RISK_LEVEL_HIGH);
  EXPECT_EQ(Find(Evaluate(c, "2026-03-31T13:59:59Z"), v1::STRATEGY_DISCUSSION)->status(),
            v1::ACTION_STATUS_PENDING);
  EXPECT_EQ(Find(Evaluate(c, "2026-03-31T14:00:00Z"), v1::STRATEGY_DISCUSSION)->status(),
            v1::ACTION_STATUS_OVERDUE);
}

TEST(HighTest, BeforeTheStrategyDiscussionItsFollowersWait) {
  CaseBuilder c(kTeen, v1::OPEN_PLAN_NONE);
  c.Assess("2026-03-27T15:00:00Z", v1::RISK_LEVEL_HIGH);
  const v1::Pathway p = Evaluate(c, "2026-03-30T09:00:00Z");
  for (v1::ActionKind kind : {v1::CPM_THRESHOLD_DISCUSSION, v1::S47_ENQUIRY, v1::CIN_MEETING}) {
    const v1::Action* a = Find(p, kind);
    ASSERT_NE(a, nullptr) << kind;
    EXPECT_EQ(a->status(), v1::ACTION_STATUS_WAITING) << kind;
    EXPECT_EQ(a->waiting_for(), v1::STRATEGY_DISCUSSION) << kind;
    EXPECT_FALSE(a->has_due_at()) << kind;
  }
  EXPECT_EQ(Find(p, v1::CRE_MEETING)->waiting_for(), v1::CPM_THRESHOLD_DISCUSSION);
  EXPECT_EQ(Find(p, v1::CRE_MEETING)->chair(), v1::PRACTITIONER_ROLE_CPM_VC);
  EXPECT_EQ(Find(p, v1::CRE_TASKING_GROUP)->due_date(), "2026-04-28");  // 20 working days
  EXPECT_EQ(Find(p, v1::RISK_ASSESSMENT_REVIEW)->due_date(), "2026-05-08");  // 6 weeks
}

TEST(HighTest, AfterTheStrategyDiscussion) {
  CaseBuilder c(kTeen, v1::OPEN_PLAN_NONE);
  c.Assess("2026-03-27T15:00:00Z", v1::RISK_LEVEL_HIGH);
  c.Event(v1::EVENT_KIND_STRATEGY_DISCUSSION_HELD, "2026-03-30T11:00:00+01:00");
  const v1::Pathway p = Evaluate(c, "2026-03-30T12:00:00+01:00");
  EXPECT_EQ(Find(p, v1::STRATEGY_DISCUSSION)->status(), v1::ACTION_STATUS_DONE);
  EXPECT_EQ(Utc(Find(p, v1::STRATEGY_DISCUSSION)->done_at()), "2026-03-30T10:00:00Z");
  const v1::Action* t = Find(p, v1::CPM_THRESHOLD_DISCUSSION);
  EXPECT_EQ(t->status(), v1::ACTION_STATUS_PENDING);
  EXPECT_EQ(t->due_local(), "2026-03-31T11:00:00+01:00");  // 24 working hours
  EXPECT_EQ(t->owner(), v1::PRACTITIONER_ROLE_TEAM_MANAGER);
  EXPECT_EQ(Find(p, v1::S47_ENQUIRY)->due_date(), "2026-04-22");  // 15 working days, Easter
  const v1::Action* icpc = Find(p, v1::ICPC);
  EXPECT_EQ(icpc->status(), v1::ACTION_STATUS_WAITING);
  EXPECT_EQ(icpc->waiting_for(), v1::S47_ENQUIRY);
  EXPECT_EQ(Find(p, v1::CIN_MEETING)->due_date(), "2026-05-11");  // 6 weeks after
}

TEST(HighTest, CpThresholdMetLeadsToIcpcThenCoreGroups) {
  CaseBuilder c(kTeen, v1::OPEN_PLAN_NONE);
  c.Assess("2026-03-27T15:00:00Z", v1::RISK_LEVEL_HIGH);
  c.Event(v1::EVENT_KIND_STRATEGY_DISCUSSION_HELD, "2026-03-30T11:00:00+01:00");
  c.Threshold("2026-03-31T09:00:00+01:00", v1::THRESHOLD_OUTCOME_CRE_MEETING);
  c.Event(v1::EVENT_KIND_S47_OUTCOME, "2026-04-08T16:00:00+01:00")
      .mutable_s47_outcome()->set_cp_threshold_met(true);
  v1::Pathway p = Evaluate(c, "2026-04-09T09:00:00+01:00");
  const v1::Action* icpc = Find(p, v1::ICPC);
  EXPECT_EQ(icpc->status(), v1::ACTION_STATUS_PENDING);
  EXPECT_EQ(icpc->due_date(), "2026-04-22");  // 15 working days of the strategy meeting
  EXPECT_EQ(icpc->chair(), v1::PRACTITIONER_ROLE_CPM);
  EXPECT_EQ(Find(p, v1::S47_ENQUIRY)->status(), v1::ACTION_STATUS_DONE);
  EXPECT_EQ(Find(p, v1::CP_CONFERENCE_REQUEST), nullptr);

  c.Event(v1::EVENT_KIND_ICPC_HELD, "2026-04-16T10:00:00+01:00").set_cp_plan(true);
  p = Evaluate(c, "2026-04-17T09:00:00+01:00");
  EXPECT_EQ(p.current_plan(), v1::OPEN_PLAN_CHILD_PROTECTION);
  EXPECT_EQ(p.recording(), v1::RECORDING_CP_PATHWAY);
  EXPECT_EQ(Find(p, v1::ICPC)->status(), v1::ACTION_STATUS_DONE);
  const v1::Action* core = Find(p, v1::CORE_GROUP_MEETING);
  ASSERT_NE(core, nullptr);
  EXPECT_EQ(core->due_date(), "2026-04-30");  // 10 working days of the ICPC
  EXPECT_EQ(core->chair(), v1::PRACTITIONER_ROLE_TEAM_MANAGER);
  EXPECT_EQ(Find(p, v1::CIN_MEETING), nullptr);
  // The toolkit now follows the core group rhythm: 4 weeks.
  EXPECT_EQ(Find(p, v1::RISK_ASSESSMENT_REVIEW)->rule_id(), "high.risk_assessment_review_cp");

  c.Event(v1::EVENT_KIND_CORE_GROUP_MEETING_HELD, "2026-04-29T10:00:00+01:00");
  EXPECT_EQ(Find(Evaluate(c, "2026-04-30T09:00:00+01:00"), v1::CORE_GROUP_MEETING)->due_date(),
            "2026-05-27");  // 4 weeks after the last
}

TEST(HighTest, OtherConcernsNeedACpConferenceRequest) {
  CaseBuilder c(kTeen, v1::OPEN_PLAN_CHILD_IN_NEED);
  c.Assess("2026-03-27T15:00:00Z", v1::RISK_LEVEL_HIGH);
  c.Event(v1::EVENT_KIND_STRATEGY_DISCUSSION_HELD, "2026-03-30T11:00:00+01:00");
  c.Event(v1::EVENT_KIND_S47_OUTCOME, "2026-04-08T16:00:00+01:00")
      .mutable_s47_outcome()->set_other_concerns(true);
  v1::Pathway p = Evaluate(c, "2026-04-09T09:00:00+01:00");
  const v1::Action* request = Find(p, v1::CP_CONFERENCE_REQUEST);
  ASSERT_NE(request, nullptr);
  EXPECT_EQ(request->owner(), v1::PRACTITIONER_ROLE_TEAM_MANAGER);
  EXPECT_EQ(request->due_date(), "2026-04-09");
  EXPECT_EQ(Find(p, v1::ICPC)->waiting_for(), v1::CP_CONFERENCE_REQUEST);
  c.Event(v1::EVENT_KIND_CP_CONFERENCE_REQUESTED, "2026-04-09T10:00:00+01:00");
  p = Evaluate(c, "2026-04-09T11:00:00+01:00");
  EXPECT_EQ(Find(p, v1::CP_CONFERENCE_REQUEST)->status(), v1::ACTION_STATUS_DONE);
  EXPECT_EQ(Find(p, v1::ICPC)->due_date(), "2026-04-22");
}

TEST(HighTest, NotMetAndNoOtherConcernsNeedsNoIcpc) {
  CaseBuilder c(kTeen, v1::OPEN_PLAN_NONE);
  c.Assess("2026-03-27T15:00:00Z", v1::RISK_LEVEL_HIGH);
  c.Event(v1::EVENT_KIND_STRATEGY_DISCUSSION_HELD, "2026-03-30T11:00:00+01:00");
  c.Event(v1::EVENT_KIND_S47_OUTCOME, "2026-04-08T16:00:00+01:00").mutable_s47_outcome();
  EXPECT_EQ(Find(Evaluate(c, "2026-04-09T09:00:00+01:00"), v1::ICPC), nullptr);
}

// ---- MEDIUM and CRE meetings ----

TEST(MediumTest, ThresholdDiscussionThenCreMeeting) {
  CaseBuilder c(kTeen, v1::OPEN_PLAN_NONE);
  c.Assess("2026-03-02T10:00:00Z", v1::RISK_LEVEL_MEDIUM);
  v1::Pathway p = Evaluate(c, "2026-03-03T10:00:00Z");
  EXPECT_EQ(Find(p, v1::CPM_THRESHOLD_DISCUSSION)->due_date(), "2026-03-09");  // 5 working days
  EXPECT_EQ(Find(p, v1::SINGLE_ASSESSMENT)->discretionary(), true);
  EXPECT_EQ(Find(p, v1::STRATEGY_DISCUSSION), nullptr);
  EXPECT_EQ(Find(p, v1::CRE_MEETING)->status(), v1::ACTION_STATUS_WAITING);

  c.Threshold("2026-05-11T10:00:00+01:00", v1::THRESHOLD_OUTCOME_CRE_MEETING);
  p = Evaluate(c, "2026-05-12T10:00:00+01:00");
  const v1::Action* meeting = Find(p, v1::CRE_MEETING);
  EXPECT_EQ(meeting->status(), v1::ACTION_STATUS_PENDING);
  EXPECT_EQ(meeting->due_date(), "2026-06-02");  // 15 working days, over 25 May
  EXPECT_EQ(meeting->chair(), v1::PRACTITIONER_ROLE_CPM);  // the policy's MEDIUM chair
  EXPECT_EQ(Find(p, v1::CRE_MEETING_PAPERS)->waiting_for(), v1::CRE_MEETING);
  EXPECT_EQ(Find(p, v1::OUTLINE_PLAN)->waiting_for(), v1::CRE_MEETING);
  EXPECT_EQ(Find(p, v1::CRE_MEETING_MINUTES)->waiting_for(), v1::CRE_MEETING);
  EXPECT_EQ(Find(p, v1::CRE_REVIEW)->waiting_for(), v1::CRE_MEETING);
  // Done, if late: it was due on 9 March.
  EXPECT_EQ(Find(p, v1::CPM_THRESHOLD_DISCUSSION)->status(), v1::ACTION_STATUS_DONE);
}

TEST(MediumTest, PapersBeforeAMeetingThatFollowsABankHoliday) {
  CaseBuilder c(kTeen, v1::OPEN_PLAN_NONE);
  c.Assess("2026-03-02T10:00:00Z", v1::RISK_LEVEL_MEDIUM);
  c.Threshold("2026-05-11T10:00:00+01:00", v1::THRESHOLD_OUTCOME_CRE_MEETING);
  c.Scheduled(v1::EVENT_KIND_CRE_MEETING_SCHEDULED, "2026-05-12T10:00:00+01:00",
              "2026-05-26T10:00:00+01:00");  // Tuesday after the Spring bank holiday
  v1::Pathway p = Evaluate(c, "2026-05-21T12:00:00+01:00");
  const v1::Action* papers = Find(p, v1::CRE_MEETING_PAPERS);
  EXPECT_EQ(papers->due_date(), "2026-05-21");  // Thursday: Mon 25 is not a working day
  EXPECT_EQ(papers->status(), v1::ACTION_STATUS_PENDING);
  EXPECT_EQ(Find(Evaluate(c, "2026-05-22T00:00:00+01:00"), v1::CRE_MEETING_PAPERS)->status(),
            v1::ACTION_STATUS_OVERDUE);
  c.Event(v1::EVENT_KIND_CRE_MEETING_PAPERS_SUBMITTED, "2026-05-21T16:00:00+01:00");
  EXPECT_EQ(Find(Evaluate(c, "2026-05-22T09:00:00+01:00"), v1::CRE_MEETING_PAPERS)->status(),
            v1::ACTION_STATUS_DONE);
}

TEST(MediumTest, MeetingScheduledAfterItsDueDateIsFlagged) {
  CaseBuilder c(kTeen, v1::OPEN_PLAN_NONE);
  c.Assess("2026-03-02T10:00:00Z", v1::RISK_LEVEL_MEDIUM);
  c.Event(v1::EVENT_KIND_CRE_MEETING_REQUESTED, "2026-05-11T10:00:00+01:00");
  c.Scheduled(v1::EVENT_KIND_CRE_MEETING_SCHEDULED, "2026-05-12T10:00:00+01:00",
              "2026-06-03T10:00:00+01:00");
  EXPECT_EQ(Find(Evaluate(c, "2026-05-13T09:00:00+01:00"), v1::CRE_MEETING)->note(),
            "scheduled after the due date");
}

TEST(MediumTest, AfterTheMeetingMinutesOutlineAndThreeMonthReviewAtMonthEnd) {
  CaseBuilder c(kTeen, v1::OPEN_PLAN_NONE);
  c.Assess("2026-11-02T10:00:00Z", v1::RISK_LEVEL_MEDIUM);
  c.Threshold("2026-11-09T10:00:00Z", v1::THRESHOLD_OUTCOME_CRE_MEETING);
  c.Event(v1::EVENT_KIND_CRE_MEETING_HELD, "2026-11-30T10:00:00Z");
  v1::Pathway p = Evaluate(c, "2026-12-01T10:00:00Z");
  EXPECT_EQ(Find(p, v1::CRE_MEETING)->status(), v1::ACTION_STATUS_DONE);
  const v1::Action* outline = Find(p, v1::OUTLINE_PLAN);
  EXPECT_EQ(outline->due_date(), "2026-11-30");  // at the end of the meeting('s day)
  EXPECT_EQ(outline->status(), v1::ACTION_STATUS_OVERDUE);
  const v1::Action* minutes = Find(p, v1::CRE_MEETING_MINUTES);
  EXPECT_EQ(minutes->due_date(), "2026-12-30");  // 20 working days over Christmas
  const v1::Action* review = Find(p, v1::CRE_REVIEW);
  EXPECT_EQ(review->rule_id(), "cre.first_review");
  EXPECT_EQ(review->due_date(), "2027-02-28");  // 30 Nov + 3 months
  EXPECT_EQ(Find(p, v1::CRE_REVIEW_PAPERS)->waiting_for(), v1::CRE_REVIEW);

  c.Scheduled(v1::EVENT_KIND_CRE_REVIEW_SCHEDULED, "2026-12-02T10:00:00Z",
              "2027-02-26T10:00:00Z");
  p = Evaluate(c, "2026-12-03T10:00:00Z");
  EXPECT_EQ(Find(p, v1::CRE_REVIEW_PAPERS)->due_date(), "2027-02-23");  // 3 working days before
}

TEST(MediumTest, SixMonthReviewsAtMonthEndsAndMinutesOfEachMeeting) {
  CaseBuilder c(kTeen, v1::OPEN_PLAN_NONE);
  c.Assess("2027-01-04T10:00:00Z", v1::RISK_LEVEL_MEDIUM);
  c.Event(v1::EVENT_KIND_CRE_MEETING_REQUESTED, "2027-01-04T11:00:00Z");
  c.Event(v1::EVENT_KIND_CRE_MEETING_HELD, "2027-01-20T10:00:00Z");
  c.Event(v1::EVENT_KIND_MINUTES_CIRCULATED, "2027-02-01T10:00:00Z");
  c.Event(v1::EVENT_KIND_CRE_REVIEW_HELD, "2027-04-20T10:00:00+01:00");
  c.Event(v1::EVENT_KIND_CRE_REVIEW_HELD, "2027-08-31T10:00:00+01:00");
  const v1::Pathway p = Evaluate(c, "2027-09-01T10:00:00+01:00");
  const v1::Action* review = Find(p, v1::CRE_REVIEW);
  EXPECT_EQ(review->rule_id(), "cre.later_review");
  EXPECT_EQ(review->due_date(), "2028-02-29");  // 31 Aug + 6 months, a leap year
  ASSERT_EQ(Count(p, v1::CRE_MEETING_MINUTES), 3);
  EXPECT_EQ(Find(p, v1::CRE_MEETING_MINUTES, 0)->status(), v1::ACTION_STATUS_DONE);
  EXPECT_EQ(Find(p, v1::CRE_MEETING_MINUTES, 1)->status(), v1::ACTION_STATUS_OVERDUE);
  EXPECT_EQ(Find(p, v1::CRE_MEETING_MINUTES, 2)->status(), v1::ACTION_STATUS_PENDING);
}

TEST(MediumTest, ThePolicyChoosesTheMediumChair) {
  v1::PathwayPolicy policy = DefaultPolicy();
  policy.set_medium_cre_meeting_chair(v1::PRACTITIONER_ROLE_TEAM_MANAGER);
  auto changes = LoadBankHolidayChangesFile(HolidaysFile());
  auto engine = PathwayEngine::Create(policy, *changes);
  ASSERT_TRUE(engine.ok());
  CaseBuilder c(kTeen, v1::OPEN_PLAN_NONE);
  c.Assess("2026-03-02T10:00:00Z", v1::RISK_LEVEL_MEDIUM);
  c.Event(v1::EVENT_KIND_CRE_MEETING_REQUESTED, "2026-03-03T10:00:00Z");
  EXPECT_EQ(Find(Evaluate(c, "2026-03-04T10:00:00Z", *engine), v1::CRE_MEETING)->chair(),
            v1::PRACTITIONER_ROLE_TEAM_MANAGER);
}

TEST(MediumTest, EarlyHelpCaseIsSteppedUpByTheHub) {
  CaseBuilder c(kTeen, v1::OPEN_PLAN_EARLY_HELP);
  c.Assess("2026-03-27T15:00:00Z", v1::RISK_LEVEL_MEDIUM,
           v1::PRACTITIONER_ROLE_EARLY_HELP_PRACTITIONER);
  v1::Pathway p = Evaluate(c, "2026-03-28T10:00:00Z");
  const v1::Action* step_up = Find(p, v1::STEP_UP_REFERRAL);
  ASSERT_NE(step_up, nullptr);
  EXPECT_TRUE(step_up->performed_by_hub());
  EXPECT_EQ(step_up->recipient(), v1::PRACTITIONER_ROLE_CHILDRENS_SOCIAL_CARE);
  EXPECT_EQ(step_up->due_local(), "2026-03-30T15:00:00+01:00");  // 24 working hours
  EXPECT_EQ(Find(p, v1::CPM_THRESHOLD_DISCUSSION)->waiting_for(), v1::STEP_UP_REFERRAL);
  EXPECT_EQ(Find(p, v1::SINGLE_ASSESSMENT)->waiting_for(), v1::STEP_UP_REFERRAL);

  c.Routed(v1::EVENT_KIND_STEP_UP_REFERRAL, "2026-03-27T15:01:00Z", "");
  p = Evaluate(c, "2026-03-28T10:00:00Z");
  EXPECT_EQ(Find(p, v1::STEP_UP_REFERRAL)->status(), v1::ACTION_STATUS_PENDING);
  EXPECT_EQ(Find(p, v1::STEP_UP_REFERRAL)->note(), "sent; awaiting acknowledgement");

  c.mutable_file()->mutable_events(0)->mutable_acknowledged_at()->set_seconds(
      absl::ToUnixSeconds(T("2026-03-30T09:00:00+01:00")));
  p = Evaluate(c, "2026-03-30T10:00:00+01:00");
  EXPECT_EQ(Find(p, v1::STEP_UP_REFERRAL)->status(), v1::ACTION_STATUS_DONE);
  EXPECT_EQ(Find(p, v1::CPM_THRESHOLD_DISCUSSION)->status(), v1::ACTION_STATUS_PENDING);
}

// ---- Looked after, CP plan, placed out, placed in ----

TEST(LookedAfterTest, IroInformedWithin48ClockHours) {
  CaseBuilder c(kTeen, v1::OPEN_PLAN_LOOKED_AFTER);
  c.Assess("2026-03-28T12:00:00Z", v1::RISK_LEVEL_MEDIUM);  // Saturday, before the clock change
  v1::Pathway p = Evaluate(c, "2026-03-29T12:00:00Z");
  const v1::Action* iro = Find(p, v1::IRO_NOTIFICATION);
  ASSERT_NE(iro, nullptr);
  EXPECT_EQ(Utc(iro->due_at()), "2026-03-30T12:00:00Z");  // 48 real hours
  EXPECT_EQ(iro->due_local(), "2026-03-30T13:00:00+01:00");
  EXPECT_EQ(iro->recipient(), v1::PRACTITIONER_ROLE_IRO);
  EXPECT_TRUE(iro->performed_by_hub());
  EXPECT_EQ(p.recording(), v1::RECORDING_LAC_WITH_CRE_STRATEGY);
  EXPECT_THAT(Find(p, v1::CRE_MEETING)->participants(), ElementsAre(v1::PRACTITIONER_ROLE_IRO));
  EXPECT_EQ(Find(Evaluate(c, "2026-03-30T12:00:00Z"), v1::IRO_NOTIFICATION)->status(),
            v1::ACTION_STATUS_OVERDUE);
  c.Routed(v1::EVENT_KIND_IRO_NOTIFIED, "2026-03-28T12:05:00Z", "2026-03-30T09:00:00+01:00");
  EXPECT_EQ(Find(Evaluate(c, "2026-03-30T10:00:00+01:00"), v1::IRO_NOTIFICATION)->status(),
            v1::ACTION_STATUS_DONE);
}

TEST(LookedAfterTest, ARiseInLevelIsANewEmergingConcern) {
  CaseBuilder c(kTeen, v1::OPEN_PLAN_LOOKED_AFTER);
  c.Assess("2026-03-02T10:00:00Z", v1::RISK_LEVEL_LOW);
  c.Routed(v1::EVENT_KIND_IRO_NOTIFIED, "2026-03-02T11:00:00Z", "2026-03-02T12:00:00Z");
  c.Assess("2026-03-16T10:00:00Z", v1::RISK_LEVEL_HIGH);
  const v1::Pathway p = Evaluate(c, "2026-03-16T11:00:00Z");
  EXPECT_EQ(Find(p, v1::IRO_NOTIFICATION)->status(), v1::ACTION_STATUS_PENDING);
  EXPECT_EQ(Utc(Find(p, v1::IRO_NOTIFICATION)->due_at()), "2026-03-18T10:00:00Z");
  EXPECT_EQ(Find(p, v1::CIN_MEETING), nullptr);  // reviewed at looked-after reviews instead
}

TEST(CpPlanTest, ConferenceBroughtForwardInsteadOfACreMeeting) {
  CaseBuilder c(kTeen, v1::OPEN_PLAN_CHILD_PROTECTION);
  c.Assess("2026-02-27T10:00:00Z", v1::RISK_LEVEL_MEDIUM);
  v1::Pathway p = Evaluate(c, "2026-02-28T10:00:00Z");
  EXPECT_EQ(p.recording(), v1::RECORDING_CP_PATHWAY);
  EXPECT_EQ(Find(p, v1::CPM_THRESHOLD_DISCUSSION)->owner(), v1::PRACTITIONER_ROLE_SOCIAL_WORKER);
  EXPECT_EQ(Find(p, v1::CP_CONFERENCE_BROUGHT_FORWARD)->waiting_for(),
            v1::CPM_THRESHOLD_DISCUSSION);
  c.Threshold("2026-03-02T10:00:00Z", v1::THRESHOLD_OUTCOME_CRE_MEETING);
  p = Evaluate(c, "2026-03-03T10:00:00Z");
  const v1::Action* forward = Find(p, v1::CP_CONFERENCE_BROUGHT_FORWARD);
  EXPECT_EQ(forward->status(), v1::ACTION_STATUS_PENDING);
  EXPECT_EQ(forward->due_date(), "2026-03-23");  // 15 working days
  EXPECT_EQ(forward->chair(), v1::PRACTITIONER_ROLE_CPM);
  EXPECT_EQ(Find(p, v1::CRE_MEETING), nullptr);
  EXPECT_EQ(Find(p, v1::ICPC), nullptr);
}

TEST(CpPlanTest, HighFollowsTheS47AndKeepsCoreGroups) {
  CaseBuilder c(kTeen, v1::OPEN_PLAN_CHILD_PROTECTION);
  c.Assess("2026-03-27T15:00:00Z", v1::RISK_LEVEL_HIGH);
  c.Event(v1::EVENT_KIND_CORE_GROUP_MEETING_HELD, "2026-03-27T16:00:00Z");
  v1::Pathway p = Evaluate(c, "2026-03-30T09:00:00Z");
  EXPECT_EQ(Find(p, v1::CP_CONFERENCE_BROUGHT_FORWARD)->waiting_for(),
            v1::CPM_THRESHOLD_DISCUSSION);
  EXPECT_EQ(Find(p, v1::CPM_THRESHOLD_DISCUSSION)->waiting_for(), v1::STRATEGY_DISCUSSION);
  EXPECT_EQ(Find(p, v1::CORE_GROUP_MEETING)->due_date(), "2026-04-24");  // 4 weeks
  c.Event(v1::EVENT_KIND_STRATEGY_DISCUSSION_HELD, "2026-03-30T11:00:00+01:00");
  c.Threshold("2026-03-31T10:00:00+01:00", v1::THRESHOLD_OUTCOME_CRE_MEETING);
  p = Evaluate(c, "2026-03-31T11:00:00+01:00");
  EXPECT_EQ(Find(p, v1::CP_CONFERENCE_BROUGHT_FORWARD)->due_date(), "2026-04-23");
}

TEST(PlacedOutTest, HostAuthorityCoordinates) {
  CaseBuilder c(kTeen, v1::OPEN_PLAN_LOOKED_AFTER);
  c.Placed(CaseBuilder::kDerby, CaseBuilder::kDerbyshire);
  c.Assess("2026-03-27T15:00:00Z", v1::RISK_LEVEL_HIGH);
  v1::Pathway p = Evaluate(c, "2026-03-28T10:00:00Z");
  EXPECT_EQ(p.placement(), v1::PLACEMENT_PLACED_OUT);
  const v1::Action* handoff = Find(p, v1::HOST_AUTHORITY_HANDOFF);
  ASSERT_NE(handoff, nullptr);
  EXPECT_EQ(handoff->recipient(), v1::PRACTITIONER_ROLE_HOST_AUTHORITY);
  EXPECT_EQ(handoff->due_local(), "2026-03-30T15:00:00+01:00");  // 24 working hours
  EXPECT_EQ(Find(p, v1::STRATEGY_DISCUSSION), nullptr);
  EXPECT_EQ(Find(p, v1::CRE_MEETING), nullptr);
  EXPECT_NE(Find(p, v1::IRO_NOTIFICATION), nullptr);
  EXPECT_EQ(Find(p, v1::DUTY_CPM_ESCALATION), nullptr);

  c.Event(v1::EVENT_KIND_HOST_AUTHORITY_DISPUTED, "2026-03-30T10:00:00+01:00");
  p = Evaluate(c, "2026-03-31T10:00:00+01:00");
  EXPECT_EQ(Find(p, v1::HOST_AUTHORITY_HANDOFF)->note(), "disputed by the host authority");
  const v1::Action* escalation = Find(p, v1::DUTY_CPM_ESCALATION);
  ASSERT_NE(escalation, nullptr);
  EXPECT_EQ(escalation->due_date(), "2026-03-31");  // 1 working day
  EXPECT_EQ(escalation->recipient(), v1::PRACTITIONER_ROLE_DUTY_CPM);
  EXPECT_EQ(escalation->status(), v1::ACTION_STATUS_PENDING);
  EXPECT_EQ(Find(Evaluate(c, "2026-04-01T00:00:00+01:00"), v1::DUTY_CPM_ESCALATION)->status(),
            v1::ACTION_STATUS_OVERDUE);

  c.Event(v1::EVENT_KIND_DUTY_CPM_ESCALATION_RAISED, "2026-03-31T12:00:00+01:00");
  c.Event(v1::EVENT_KIND_HOST_AUTHORITY_ACCEPTED, "2026-04-02T12:00:00+01:00");
  p = Evaluate(c, "2026-04-02T13:00:00+01:00");
  EXPECT_EQ(Find(p, v1::HOST_AUTHORITY_HANDOFF)->status(), v1::ACTION_STATUS_DONE);
  EXPECT_EQ(Find(p, v1::DUTY_CPM_ESCALATION)->status(), v1::ACTION_STATUS_DONE);
}

TEST(PlacedInTest, HomeAuthorityIsConsultedAndMeetingsAreHeldHere) {
  CaseBuilder c(kTeen, v1::OPEN_PLAN_LOOKED_AFTER);
  c.Placed(CaseBuilder::kDerbyshire, CaseBuilder::kDerby);
  c.Assess("2026-03-02T10:00:00Z", v1::RISK_LEVEL_MEDIUM);
  c.Event(v1::EVENT_KIND_CRE_MEETING_REQUESTED, "2026-03-03T10:00:00Z");
  const v1::Pathway p = Evaluate(c, "2026-03-03T11:00:00Z");
  EXPECT_EQ(p.placement(), v1::PLACEMENT_PLACED_IN);
  const v1::Action* consult = Find(p, v1::HOME_AUTHORITY_CONSULTATION);
  ASSERT_NE(consult, nullptr);
  EXPECT_EQ(consult->recipient(), v1::PRACTITIONER_ROLE_HOME_AUTHORITY);
  EXPECT_EQ(Utc(consult->due_at()), "2026-03-03T10:00:00Z");
  const v1::Action* meeting = Find(p, v1::CRE_MEETING);
  ASSERT_NE(meeting, nullptr);
  EXPECT_EQ(meeting->due_date(), "2026-03-24");  // 15 working days of the request
  EXPECT_THAT(meeting->participants(),
              ElementsAre(v1::PRACTITIONER_ROLE_IRO, v1::PRACTITIONER_ROLE_HOME_AUTHORITY));
  EXPECT_EQ(Find(p, v1::HOST_AUTHORITY_HANDOFF), nullptr);
}

// ---- Missing episodes, Operation Liberty, closure, "now" ----

TEST(MissingEpisodeTest, ToolkitWithNarrativeAndReturnInterview) {
  CaseBuilder c(kTeen, v1::OPEN_PLAN_CHILD_IN_NEED);
  c.Assess("2026-03-02T10:00:00Z", v1::RISK_LEVEL_LOW);
  c.Event(v1::EVENT_KIND_MISSING_EPISODE, "2026-03-20T18:00:00Z");
  v1::Pathway p = Evaluate(c, "2026-03-21T10:00:00Z");
  const v1::Action* m = Find(p, v1::MISSING_EPISODE_ASSESSMENT);
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(Utc(m->due_at()), "2026-03-23T18:00:00Z");  // 72 hours
  EXPECT_EQ(m->note(), "toolkit with narrative and return interview not yet recorded");
  c.Event(v1::EVENT_KIND_RETURN_INTERVIEW, "2026-03-21T11:00:00Z");
  c.Assess("2026-03-21T12:00:00Z", v1::RISK_LEVEL_LOW);  // no narrative: does not count
  EXPECT_EQ(Find(Evaluate(c, "2026-03-21T13:00:00Z"), v1::MISSING_EPISODE_ASSESSMENT)->note(),
            "toolkit with narrative not yet recorded");
  c.Assess("2026-03-22T12:00:00Z", v1::RISK_LEVEL_LOW).set_narrative("Went missing with ...");
  p = Evaluate(c, "2026-03-22T13:00:00Z");
  EXPECT_EQ(Find(p, v1::MISSING_EPISODE_ASSESSMENT)->status(), v1::ACTION_STATUS_DONE);
  EXPECT_EQ(Utc(Find(p, v1::MISSING_EPISODE_ASSESSMENT)->done_at()), "2026-03-22T12:00:00Z");
}

TEST(OperationLibertyTest, RoutedToThePruWhenIndividualsOrPlacesAreIdentified) {
  CaseBuilder c(kTeen, v1::OPEN_PLAN_CHILD_IN_NEED);
  c.Assess("2026-03-27T15:00:00Z", v1::RISK_LEVEL_LOW, v1::PRACTITIONER_ROLE_PARTNER_PRACTITIONER)
      .set_risk_individuals_or_places_identified(true);
  v1::Pathway p = Evaluate(c, "2026-03-28T10:00:00Z");
  const v1::Action* report = Find(p, v1::OPERATION_LIBERTY_REPORT);
  ASSERT_NE(report, nullptr);
  EXPECT_EQ(report->owner(), v1::PRACTITIONER_ROLE_PARTNER_PRACTITIONER);
  EXPECT_EQ(report->recipient(), v1::PRACTITIONER_ROLE_POLICE_REFERRAL_UNIT);
  EXPECT_EQ(report->due_local(), "2026-03-30T15:00:00+01:00");
  c.Routed(v1::EVENT_KIND_OPERATION_LIBERTY_REPORT_SENT, "2026-03-27T16:00:00Z",
           "2026-03-27T16:30:00Z");
  EXPECT_EQ(Find(Evaluate(c, "2026-03-28T10:00:00Z"), v1::OPERATION_LIBERTY_REPORT)->status(),
            v1::ACTION_STATUS_DONE);
}

TEST(ClosedTest, AClosedCaseRequiresNothing) {
  CaseBuilder c(kTeen, v1::OPEN_PLAN_NONE);
  c.Assess("2026-03-02T10:00:00Z", v1::RISK_LEVEL_HIGH);
  c.Event(v1::EVENT_KIND_CASE_CLOSED, "2026-06-01T10:00:00+01:00");
  const v1::Pathway closed = Evaluate(c, "2026-06-02T10:00:00+01:00");
  EXPECT_EQ(closed.recording(), v1::RECORDING_CLOSED);
  EXPECT_EQ(closed.actions_size(), 0);
  EXPECT_EQ(Utc(closed.closed_at()), "2026-06-01T09:00:00Z");
  // Before the closure it was open, and the strategy discussion is overdue.
  const v1::Pathway open = Evaluate(c, "2026-05-01T10:00:00+01:00");
  EXPECT_EQ(open.recording(), v1::RECORDING_CRE_STRATEGY);
  EXPECT_EQ(Find(open, v1::STRATEGY_DISCUSSION)->status(), v1::ACTION_STATUS_OVERDUE);
}

TEST(NowTest, WhatWasRecordedAfterNowIsIgnored) {
  CaseBuilder c(kTeen, v1::OPEN_PLAN_NONE);
  c.Assess("2026-03-02T10:00:00Z", v1::RISK_LEVEL_HIGH);
  c.Event(v1::EVENT_KIND_STRATEGY_DISCUSSION_HELD, "2026-03-03T10:00:00Z");
  EXPECT_EQ(Find(Evaluate(c, "2026-03-03T09:00:00Z"), v1::STRATEGY_DISCUSSION)->status(),
            v1::ACTION_STATUS_PENDING);
  EXPECT_EQ(Find(Evaluate(c, "2026-03-03T10:00:00Z"), v1::STRATEGY_DISCUSSION)->status(),
            v1::ACTION_STATUS_DONE);
  const v1::Pathway before = Evaluate(c, "2026-03-01T10:00:00Z");
  EXPECT_FALSE(before.risk().has_assessment_index());
  EXPECT_EQ(before.actions_size(), 0);
}

TEST(NowTest, EvaluationIsDeterministic) {
  CaseBuilder c(kTeen, v1::OPEN_PLAN_EARLY_HELP);
  c.Assess("2026-03-02T10:00:00Z", v1::RISK_LEVEL_HIGH);
  const std::string a = Evaluate(c, "2026-03-05T10:00:00Z").SerializeAsString();
  EXPECT_EQ(a, Evaluate(c, "2026-03-05T10:00:00Z").SerializeAsString());
}

// ---- Names and rules ----

TEST(JsonTest, ActionNamesAreDomainNames) {
  CaseBuilder c(kTeen, v1::OPEN_PLAN_NONE);
  c.Assess("2026-03-27T15:00:00Z", v1::RISK_LEVEL_HIGH);
  std::string json;
  ASSERT_TRUE(google::protobuf::util::MessageToJsonString(Evaluate(c, "2026-03-28T10:00:00Z"),
                                                          &json).ok());
  EXPECT_NE(json.find("\"kind\":\"STRATEGY_DISCUSSION\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"status\":\"ACTION_STATUS_PENDING\""), std::string::npos);
}

TEST(RulesTest, EveryRuleIdIsUniqueAndItsPeriodIsDescribed) {
  std::set<std::string> ids;
  for (const RuleInfo& r : AllRules()) {
    EXPECT_TRUE(ids.insert(r.id).second) << r.id;
    EXPECT_NE(r.kind, v1::ACTION_KIND_UNSPECIFIED) << r.id;
  }
  EXPECT_EQ(FindRule("cre.meeting_papers")->kind, v1::CRE_MEETING_PAPERS);
  EXPECT_EQ(FindRule("lac.iro_notification")->kind, v1::IRO_NOTIFICATION);
  EXPECT_EQ(RuleText(*FindRule("cre.meeting_papers"), ShippedEngine().policy()),
            "At least 2 working days before the initial meeting the lead practitioner submits "
            "the updated toolkit, the single assessment and a proposed CRE plan.");
}

}  // namespace
}  // namespace cre::pathway
