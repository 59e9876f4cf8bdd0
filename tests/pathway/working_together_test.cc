// The ICPC and the S47 enquiry count from the strategy discussion at which
// the enquiry began, even when further strategy meetings are held as new
// risks emerge (Working Together 2023; docs/procedure.md, Choice 34), and a
// partnership can configure its own reading and strategy-discussion period.
// Dates worked out by hand: March 2026 has no bank holiday (Easter is 3-6
// April); clocks go forward on Sunday 29 March.
#include <string>

#include "case_builder.h"
#include "gtest/gtest.h"
#include "pathway/engine.h"
#include "pathway/policy.h"

namespace cre::pathway {
namespace {

using namespace ::cre::pathway::testing;  // NOLINT: test helpers
namespace v1 = ::cre::v1;

constexpr char kTeen[] = "2010-01-01";

PathwayEngine CountingFromTheLatest() {
  v1::PathwayPolicy policy = DefaultPolicy();
  policy.set_icpc_counted_from(v1::ICPC_COUNTED_FROM_LATEST);
  return EngineWith(policy);
}

// HIGH on Monday 2 March; the enquiry begins at the strategy discussion of
// Tuesday 3 March; a further one on Tuesday 10 March as new risks emerge;
// the outcome (CP threshold met) on Friday 13 March.
CaseBuilder TwoStrategyMeetings() {
  CaseBuilder c(kTeen, v1::OPEN_PLAN_NONE);
  c.Assess("2026-03-02T10:00:00Z", v1::RISK_LEVEL_HIGH);
  c.Event(v1::EVENT_KIND_STRATEGY_DISCUSSION_HELD, "2026-03-03T10:00:00Z");
  c.Event(v1::EVENT_KIND_STRATEGY_DISCUSSION_HELD, "2026-03-10T10:00:00Z");
  c.Event(v1::EVENT_KIND_S47_OUTCOME, "2026-03-13T16:00:00Z")
      .mutable_s47_outcome()->set_cp_threshold_met(true);
  return c;
}

TEST(WorkingTogetherTest, TheIcpcCountsFromTheFirstStrategyMeetingByDefault) {
  const v1::Pathway p = Evaluate(TwoStrategyMeetings(), "2026-03-16T09:00:00Z");
  const v1::Action* icpc = Find(p, v1::ICPC);
  ASSERT_NE(icpc, nullptr);
  EXPECT_EQ(icpc->rule_id(), "high.icpc");
  // 15 working days after Tuesday 3 March: 4-6 (3), 9-13 (8), 16-20 (13), 23, 24.
  EXPECT_EQ(icpc->due_date(), "2026-03-24");
  EXPECT_EQ(icpc->status(), v1::ACTION_STATUS_PENDING);
  EXPECT_NE(icpc->rule().find("the strategy meeting at which the S47 enquiry began"),
            std::string::npos)
      << icpc->rule();
  EXPECT_EQ(Find(p, v1::S47_ENQUIRY)->due_date(), "2026-03-24");
}

TEST(WorkingTogetherTest, ALaterStrategyMeetingDoesNotPutOffAnOverdueIcpc) {
  const v1::Pathway p = Evaluate(TwoStrategyMeetings(), "2026-03-25T09:00:00Z");
  EXPECT_EQ(Find(p, v1::ICPC)->status(), v1::ACTION_STATUS_OVERDUE);
}

TEST(WorkingTogetherTest, APolicyCanCountFromTheLatestStrategyMeeting) {
  const PathwayEngine latest = CountingFromTheLatest();
  v1::Pathway p = Evaluate(TwoStrategyMeetings(), "2026-03-25T09:00:00Z", latest);
  const v1::Action* icpc = Find(p, v1::ICPC);
  ASSERT_NE(icpc, nullptr);
  // 15 working days after Tuesday 10 March: 11-13 (3), 16-20 (8), 23-27 (13), 30, 31.
  EXPECT_EQ(icpc->due_date(), "2026-03-31");
  EXPECT_EQ(icpc->status(), v1::ACTION_STATUS_PENDING);
  EXPECT_NE(icpc->rule().find("the latest strategy meeting of the S47 enquiry"),
            std::string::npos)
      << icpc->rule();
  // The enquiry itself still began at the first.
  EXPECT_EQ(Find(p, v1::S47_ENQUIRY)->due_date(), "2026-03-24");
}

TEST(WorkingTogetherTest, CountingFromTheLatestIgnoresStrategyMeetingsAfterTheIcpc) {
  CaseBuilder c = TwoStrategyMeetings();
  c.Event(v1::EVENT_KIND_ICPC_HELD, "2026-03-20T10:00:00Z").set_cp_plan(true);
  c.Event(v1::EVENT_KIND_STRATEGY_DISCUSSION_HELD, "2026-03-26T10:00:00Z");
  const v1::Pathway p = Evaluate(c, "2026-03-27T09:00:00Z", CountingFromTheLatest());
  const v1::Action* icpc = Find(p, v1::ICPC);
  ASSERT_NE(icpc, nullptr);
  EXPECT_EQ(icpc->status(), v1::ACTION_STATUS_DONE);
  EXPECT_EQ(icpc->due_date(), "2026-03-31");  // still of 10 March, not of 26 March
}

// Not HIGH any more, the enquiry still open: it began at the first strategy
// discussion, not at the latest one.
TEST(WorkingTogetherTest, AnOpenEnquiryAfterTheLevelFallsCountsFromItsFirstStrategyMeeting) {
  CaseBuilder c(kTeen, v1::OPEN_PLAN_NONE);
  c.Assess("2026-03-02T10:00:00Z", v1::RISK_LEVEL_HIGH);
  c.Event(v1::EVENT_KIND_STRATEGY_DISCUSSION_HELD, "2026-03-03T10:00:00Z");
  c.Assess("2026-03-05T10:00:00Z", v1::RISK_LEVEL_MEDIUM);
  c.Event(v1::EVENT_KIND_STRATEGY_DISCUSSION_HELD, "2026-03-10T10:00:00Z");
  const v1::Action* s47 = nullptr;
  const v1::Pathway p = Evaluate(c, "2026-03-11T09:00:00Z");
  s47 = Find(p, v1::S47_ENQUIRY);
  ASSERT_NE(s47, nullptr);
  EXPECT_EQ(s47->due_date(), "2026-03-24");
  EXPECT_EQ(s47->status(), v1::ACTION_STATUS_PENDING);
}

// A strategy discussion after the outcome opens a new enquiry.
TEST(WorkingTogetherTest, AStrategyMeetingAfterAnOutcomeOpensANewEnquiry) {
  CaseBuilder c(kTeen, v1::OPEN_PLAN_NONE);
  c.Assess("2026-03-02T10:00:00Z", v1::RISK_LEVEL_HIGH);
  c.Event(v1::EVENT_KIND_STRATEGY_DISCUSSION_HELD, "2026-03-03T10:00:00Z");
  c.Assess("2026-03-05T10:00:00Z", v1::RISK_LEVEL_MEDIUM);
  c.Event(v1::EVENT_KIND_S47_OUTCOME, "2026-03-06T10:00:00Z")
      .mutable_s47_outcome()->set_cp_threshold_met(false);
  c.Event(v1::EVENT_KIND_STRATEGY_DISCUSSION_HELD, "2026-03-10T10:00:00Z");
  const v1::Pathway p = Evaluate(c, "2026-03-11T09:00:00Z");
  const v1::Action* s47 = Find(p, v1::S47_ENQUIRY);
  ASSERT_NE(s47, nullptr);
  EXPECT_EQ(s47->due_date(), "2026-03-31");  // 15 working days of 10 March
}

// The example in docs/procedure.md, "Configuring another local procedure".
TEST(WorkingTogetherTest, TheDocumentedLocalProcedureExampleLoadsAndApplies) {
  auto proto = LoadPolicyFile(SourceRoot() + "/config/examples/policy-local-strategy-period.textproto");
  ASSERT_TRUE(proto.ok()) << proto.status();
  EXPECT_EQ(proto->high_strategy_discussion().working_days(), 1u);
  EXPECT_EQ(proto->icpc().working_days(), 15u);  // left out: the shipped default
  const PathwayEngine local = EngineWith(*proto);

  // HIGH on Friday 27 March at 15:00 UTC: by the end of the next working
  // day, Monday 30 March (the shipped 48 working hours run into Tuesday 31 March).
  CaseBuilder c(kTeen, v1::OPEN_PLAN_NONE);
  c.Assess("2026-03-27T15:00:00Z", v1::RISK_LEVEL_HIGH);
  const v1::Action* strategy = nullptr;
  const v1::Pathway p = Evaluate(c, "2026-03-28T09:00:00Z", local);
  strategy = Find(p, v1::STRATEGY_DISCUSSION);
  ASSERT_NE(strategy, nullptr);
  EXPECT_EQ(strategy->due_date(), "2026-03-30");
  EXPECT_EQ(strategy->due_basis(), v1::DUE_BASIS_END_OF_DAY);
  EXPECT_EQ(Utc(strategy->due_at()), "2026-03-30T23:00:00Z");  // midnight BST

  EXPECT_EQ(Find(Evaluate(TwoStrategyMeetings(), "2026-03-16T09:00:00Z", local), v1::ICPC)
                ->due_date(),
            "2026-03-31");
}

}  // namespace
}  // namespace cre::pathway
