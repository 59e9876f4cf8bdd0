// Actions evidenced by later steps (docs/pathway.md): one case per row of
// the evidence table and per evidencing event, built from the table itself,
// so a new row fails here until it has a scenario. Dates worked out by hand
// (Easter 3-6 April 2026; clocks forward Sunday 29 March 2026).
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "case_builder.h"
#include "gtest/gtest.h"
#include "pathway/rules.h"

namespace cre::pathway {
namespace {

using namespace ::cre::pathway::testing;  // NOLINT: test helpers
namespace v1 = ::cre::v1;

constexpr char kTeen[] = "2010-01-01";  // 16 in 2026: no floor

// A case in which the row's action is OVERDUE at `now` and not recorded;
// the evidencing event added at `after` makes it DONE, at `before` (earlier
// than the point from which the rule counts) it does not.
struct Scenario {
  std::function<void(CaseBuilder&)> build;
  v1::ActionKind action;
  std::string before;
  std::string after;
  std::string now;
};

const std::map<std::string, Scenario>& Scenarios() {
  static const auto* scenarios = new std::map<std::string, Scenario>{
      {"high.threshold_discussion",
       {[](CaseBuilder& c) {
          c.Assess("2026-03-27T15:00:00Z", v1::RISK_LEVEL_HIGH);
          // Due 24 working hours later: Tuesday 31 March 11:00 BST.
          c.Event(v1::EVENT_KIND_STRATEGY_DISCUSSION_HELD, "2026-03-30T11:00:00+01:00");
        },
        v1::CPM_THRESHOLD_DISCUSSION,
        "2026-03-30T10:00:00+01:00",  // before the strategy discussion
        "2026-04-01T10:00:00+01:00", "2026-04-02T10:00:00+01:00"}},
      {"medium.threshold_discussion",
       {[](CaseBuilder& c) {
          // Due 5 working days later: Monday 9 March.
          c.Assess("2026-03-02T10:00:00Z", v1::RISK_LEVEL_MEDIUM);
        },
        v1::CPM_THRESHOLD_DISCUSSION,
        "2026-02-20T10:00:00Z",  // before the risk reached MEDIUM
        "2026-03-10T10:00:00Z", "2026-03-12T10:00:00Z"}},
      {"high.cp_conference_request",
       {[](CaseBuilder& c) {
          c.Assess("2026-03-27T15:00:00Z", v1::RISK_LEVEL_HIGH);
          c.Event(v1::EVENT_KIND_STRATEGY_DISCUSSION_HELD, "2026-03-30T11:00:00+01:00");
          c.Threshold("2026-03-31T09:00:00+01:00", v1::THRESHOLD_OUTCOME_CRE_MEETING);
          // Due 1 working day later: Thursday 9 April.
          c.Event(v1::EVENT_KIND_S47_OUTCOME, "2026-04-08T16:00:00+01:00")
              .mutable_s47_outcome()
              ->set_other_concerns(true);
        },
        v1::CP_CONFERENCE_REQUEST,
        "2026-04-07T10:00:00+01:00",  // before the S47 outcome
        "2026-04-10T10:00:00+01:00", "2026-04-13T10:00:00+01:00"}},
  };
  return *scenarios;
}

struct RowCase {
  const EvidenceInfo* row;
  v1::EventKind by;
};

std::vector<RowCase> AllRowCases() {
  std::vector<RowCase> cases;
  for (const EvidenceInfo& row : AllEvidence()) {
    for (v1::EventKind by : row.by) {
      if (by != v1::EVENT_KIND_UNSPECIFIED) cases.push_back({&row, by});
    }
  }
  return cases;
}

std::string RowCaseName(const ::testing::TestParamInfo<RowCase>& info) {
  std::string name = std::string(info.param.row->rule->id) + "_" + v1::EventKind_Name(info.param.by);
  for (char& ch : name) {
    if (ch == '.') ch = '_';
  }
  return name;
}

// The case of the scenario, on a CP plan where the evidencing event is the
// CP plan's review conference brought forward.
CaseBuilder Build(const Scenario& s, v1::EventKind by) {
  CaseBuilder c(kTeen, by == v1::EVENT_KIND_CP_CONFERENCE_HELD ? v1::OPEN_PLAN_CHILD_PROTECTION
                                                              : v1::OPEN_PLAN_CHILD_IN_NEED);
  s.build(c);
  return c;
}

void AddEvent(CaseBuilder& c, v1::EventKind kind, const std::string& at) {
  if (kind == v1::EVENT_KIND_CRE_MEETING_SCHEDULED) {
    c.Scheduled(kind, at, "2026-05-20T10:00:00+01:00");
  } else {
    c.Event(kind, at);
  }
}

// The action of the row's rule, or null.
const v1::Action* RuleAction(const v1::Pathway& p, const EvidenceInfo& row) {
  for (const v1::Action& a : p.actions()) {
    if (a.rule_id() == row.rule->id) return &a;
  }
  return nullptr;
}

class EvidenceTest : public ::testing::TestWithParam<RowCase> {};

TEST_P(EvidenceTest, OverdueWithoutTheLaterStepDoneWithIt) {
  const EvidenceInfo& row = *GetParam().row;
  const v1::EventKind by = GetParam().by;
  auto it = Scenarios().find(row.rule->id);
  ASSERT_NE(it, Scenarios().end()) << "no scenario for the evidence row " << row.rule->id;
  const Scenario& s = it->second;
  ASSERT_EQ(row.rule->kind, s.action);

  // Each pathway is kept in a variable: RuleAction points into it.
  CaseBuilder without = Build(s, by);
  const v1::Pathway before = Evaluate(without, s.now);
  const v1::Action* a = RuleAction(before, row);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->status(), v1::ACTION_STATUS_OVERDUE);

  CaseBuilder with = Build(s, by);
  AddEvent(with, by, s.after);
  const v1::Pathway p = Evaluate(with, s.now);
  a = RuleAction(p, row);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->status(), v1::ACTION_STATUS_DONE);
  EXPECT_EQ(absl::FromUnixSeconds(a->done_at().seconds()), T(s.after));
  // Nothing is left waiting on an action the later step showed done.
  for (const v1::Action& other : p.actions()) {
    if (other.status() != v1::ACTION_STATUS_WAITING) continue;
    EXPECT_NE(other.waiting_for(), row.rule->kind) << v1::ActionKind_Name(other.kind());
  }

  // Recorded before the point the rule counts from, it shows nothing.
  CaseBuilder early = Build(s, by);
  AddEvent(early, by, s.before);
  const v1::Pathway too_early = Evaluate(early, s.now);
  a = RuleAction(too_early, row);
  ASSERT_NE(a, nullptr);
  EXPECT_NE(a->status(), v1::ACTION_STATUS_DONE);
}

INSTANTIATE_TEST_SUITE_P(Table, EvidenceTest, ::testing::ValuesIn(AllRowCases()), RowCaseName);

TEST(EvidenceTableTest, EveryRowHasAReasonAndIsDocumented) {
  std::ifstream in(SourceRoot() + "/docs/pathway.md");
  ASSERT_TRUE(in) << "docs/pathway.md";
  std::stringstream text;
  text << in.rdbuf();
  const std::string docs = text.str();
  for (const EvidenceInfo& row : AllEvidence()) {
    ASSERT_NE(row.rule, nullptr);
    EXPECT_NE(std::string(row.reason), "") << row.rule->id;
    const size_t section = docs.find(std::string("## ") + row.section);
    ASSERT_NE(section, std::string::npos) << row.section;
    EXPECT_NE(docs.find(std::string("`") + row.rule->id + "`", section), std::string::npos)
        << row.rule->id << " is not listed under \"" << row.section << "\"";
  }
}

// Issue 22: a HIGH case with a CRE meeting requested and no threshold
// discussion recorded. The discussion evidently took place: DONE, so the
// deadline watcher stops alerting the Duty CPM.
TEST(EvidenceTableTest, CreMeetingRequestedShowsTheThresholdDiscussionHeld) {
  CaseBuilder c(kTeen, v1::OPEN_PLAN_NONE);
  c.Assess("2026-03-27T15:00:00Z", v1::RISK_LEVEL_HIGH);
  c.Event(v1::EVENT_KIND_STRATEGY_DISCUSSION_HELD, "2026-03-30T11:00:00+01:00");
  c.Event(v1::EVENT_KIND_CRE_MEETING_REQUESTED, "2026-03-31T10:00:00+01:00");
  const v1::Pathway p = Evaluate(c, "2026-04-02T10:00:00+01:00");
  const v1::Action* threshold = Find(p, v1::CPM_THRESHOLD_DISCUSSION);
  ASSERT_NE(threshold, nullptr);
  EXPECT_EQ(threshold->status(), v1::ACTION_STATUS_DONE);
  EXPECT_EQ(Utc(threshold->done_at()), "2026-03-31T09:00:00Z");
  const v1::Action* meeting = Find(p, v1::CRE_MEETING);
  ASSERT_NE(meeting, nullptr);
  EXPECT_EQ(meeting->status(), v1::ACTION_STATUS_PENDING);
  EXPECT_EQ(meeting->due_date(), "2026-04-23");  // 15 working days of the request, over Easter
  for (const v1::Action& a : p.actions()) {
    EXPECT_NE(a.status(), v1::ACTION_STATUS_OVERDUE) << v1::ActionKind_Name(a.kind());
  }
}

// A CRE meeting held with neither a request nor a threshold discussion
// recorded: the meeting is the request, and nothing waits on the discussion.
TEST(EvidenceTableTest, AMeetingHeldWithoutARecordedRequestIsTheRequest) {
  CaseBuilder c(kTeen, v1::OPEN_PLAN_NONE);
  c.Assess("2026-03-02T10:00:00Z", v1::RISK_LEVEL_MEDIUM);
  c.Event(v1::EVENT_KIND_CRE_MEETING_HELD, "2026-03-10T10:00:00Z");
  const v1::Pathway p = Evaluate(c, "2026-03-12T10:00:00Z");
  EXPECT_EQ(Find(p, v1::CPM_THRESHOLD_DISCUSSION)->status(), v1::ACTION_STATUS_DONE);
  EXPECT_EQ(Find(p, v1::CRE_MEETING)->status(), v1::ACTION_STATUS_DONE);
  EXPECT_EQ(Find(p, v1::CRE_MEETING_MINUTES)->due_date(), "2026-04-09");  // 20 working days, over Easter
}

// A CP conference requested with no threshold discussion recorded: the
// discussion took place and decided on an ICPC, which is now due, and no CRE
// meeting is asked for.
TEST(EvidenceTableTest, ACpConferenceRequestedWithoutADiscussionLeadsToTheIcpc) {
  CaseBuilder c(kTeen, v1::OPEN_PLAN_NONE);
  c.Assess("2026-03-02T10:00:00Z", v1::RISK_LEVEL_MEDIUM);
  c.Event(v1::EVENT_KIND_CP_CONFERENCE_REQUESTED, "2026-03-04T10:00:00Z");
  v1::Pathway p = Evaluate(c, "2026-03-05T10:00:00Z");
  EXPECT_EQ(Find(p, v1::CPM_THRESHOLD_DISCUSSION)->status(), v1::ACTION_STATUS_DONE);
  EXPECT_EQ(Find(p, v1::CRE_MEETING), nullptr);
  const v1::Action* icpc = Find(p, v1::ICPC);
  ASSERT_NE(icpc, nullptr);
  EXPECT_EQ(icpc->rule_id(), "threshold.icpc");
  EXPECT_EQ(icpc->status(), v1::ACTION_STATUS_PENDING);
  EXPECT_EQ(icpc->due_date(), "2026-03-25");  // 15 working days of Wednesday 4 March

  c.Event(v1::EVENT_KIND_ICPC_HELD, "2026-03-20T10:00:00Z");
  p = Evaluate(c, "2026-03-26T10:00:00Z");
  EXPECT_EQ(Find(p, v1::ICPC)->status(), v1::ACTION_STATUS_DONE);
}

}  // namespace
}  // namespace cre::pathway
