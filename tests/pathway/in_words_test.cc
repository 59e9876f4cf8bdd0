// Deadlines and enums in words (hub/pathway/in_words.h), every date worked out
// by hand on a calendar: 1 January 2026 is a Thursday; Good Friday 3 April and
// Easter Monday 6 April 2026, early May bank holiday Monday 4 May 2026; the
// clocks go forward on Sunday 29 March 2026 and back on Sunday 25 October
// 2026 (01:00 UTC); Christmas Day 2026 is a Friday, so Boxing Day's bank
// holiday is Monday 28 December; 1 January 2027 is a Friday.
#include "pathway/in_words.h"

#include <set>
#include <string>

#include "case_builder.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
#include "gtest/gtest.h"

namespace cre::pathway {
namespace {

using namespace ::cre::pathway::testing;  // NOLINT: test helpers
namespace v1 = ::cre::v1;

const absl::TimeZone& London() { return ShippedCalendar().zone(); }

// ---- Dates ----

TEST(DayInWordsTest, WeekdayDayMonthYear) {
  EXPECT_EQ(DayInWords(absl::CivilDay(2027, 1, 7)), "Thursday 7 January 2027");
  EXPECT_EQ(DayInWords(absl::CivilDay(2028, 2, 29)), "Tuesday 29 February 2028");
  EXPECT_EQ(DayInWords(absl::CivilDay(2026, 12, 31)), "Thursday 31 December 2026");
}

TEST(DueInWordsTest, DayBasedIsTheEndOfTheLocalDayNotTheMidnightAfter) {
  // 1 working day from Thursday 24 December 2026: Friday 25 (Christmas),
  // the weekend and Monday 28 (Boxing Day's bank holiday) do not count.
  const absl::CivilDay due = ShippedCalendar().AddWorkingDays(absl::CivilDay(2026, 12, 24), 1);
  EXPECT_EQ(due, absl::CivilDay(2026, 12, 29));
  const absl::Time due_at = ShippedCalendar().EndOfDay(due);
  EXPECT_EQ(due_at, T("2026-12-30T00:00:00Z"));
  EXPECT_EQ(DueInWords(v1::DUE_BASIS_END_OF_DAY, due_at, due, London()),
            "by the end of Tuesday 29 December 2026");
}

TEST(DueInWordsTest, DayBasedAcrossTheOctoberClockChange) {
  // Friday 23 October 2026 (BST) + 1 working day: Monday 26 October (GMT).
  const absl::CivilDay due = ShippedCalendar().AddWorkingDays(absl::CivilDay(2026, 10, 23), 1);
  EXPECT_EQ(due, absl::CivilDay(2026, 10, 26));
  const absl::Time due_at = ShippedCalendar().EndOfDay(due);
  EXPECT_EQ(due_at, T("2026-10-27T00:00:00Z"));
  EXPECT_EQ(DueInWords(v1::DUE_BASIS_END_OF_DAY, due_at, due, London()),
            "by the end of Monday 26 October 2026");
  // The end of Friday 23 October is midnight BST, 23:00 UTC that day: in UTC
  // it still reads as the Friday, in local time as Saturday 00:00.
  const absl::Time friday_end = ShippedCalendar().EndOfDay(absl::CivilDay(2026, 10, 23));
  EXPECT_EQ(friday_end, T("2026-10-23T23:00:00Z"));
  EXPECT_EQ(DueInWords(v1::DUE_BASIS_END_OF_DAY, friday_end, absl::CivilDay(2026, 10, 23), London()),
            "by the end of Friday 23 October 2026");
}

TEST(DeadlineInWordsTest, ExactTimeInLocalTimeOnEitherSideOfTheClockChanges) {
  // 48 working hours from Friday 23 October 2026 15:00 BST: Tuesday 27
  // October 15:00 GMT.
  const absl::Time due = ShippedCalendar().AddWorkingHours(T("2026-10-23T14:00:00Z"), 48);
  EXPECT_EQ(due, T("2026-10-27T15:00:00Z"));
  EXPECT_EQ(DeadlineInWords(due, London()), "before 15:00 on Tuesday 27 October 2026");
  // The same from Friday 27 March 2026 15:00 GMT: Tuesday 31 March 15:00 BST.
  EXPECT_EQ(DeadlineInWords(T("2026-03-31T14:00:00Z"), London()),
            "before 15:00 on Tuesday 31 March 2026");
  EXPECT_EQ(DueInWords(v1::DUE_BASIS_INSTANT, T("2027-01-07T14:30:00Z"), absl::CivilDay(2027, 1, 7),
                       London()),
            "before 14:30 on Thursday 7 January 2027");
}

TEST(DeadlineInWordsTest, SecondsAreCutOffNeverRoundedUp) {
  EXPECT_EQ(DeadlineInWords(T("2027-01-07T14:30:59.5Z"), London()),
            "before 14:30 on Thursday 7 January 2027");
}

TEST(DeadlineInWordsTest, LocalMidnightIsTheEndOfTheDayBefore) {
  // 48 working hours from Saturday 21 March 2026 10:00: the end of Tuesday 24.
  const absl::Time due = ShippedCalendar().AddWorkingHours(T("2026-03-21T10:00:00Z"), 48);
  EXPECT_EQ(due, T("2026-03-25T00:00:00Z"));
  EXPECT_EQ(DeadlineInWords(due, London()), "by the end of Tuesday 24 March 2026");
  // Midnight BST (23:00 UTC the day before) likewise.
  EXPECT_EQ(DeadlineInWords(T("2026-03-30T23:00:00Z"), London()),
            "by the end of Monday 30 March 2026");
  // A minute later is the next day.
  EXPECT_EQ(DeadlineInWords(T("2026-03-30T23:01:00Z"), London()),
            "before 00:01 on Tuesday 31 March 2026");
}

TEST(DeadlineInWordsTest, TheRepeatedHourNamesItsZone) {
  // Sunday 25 October 2026: 01:30 happens at 00:30 UTC (BST) and 01:30 UTC (GMT).
  EXPECT_EQ(DeadlineInWords(T("2026-10-25T00:30:00Z"), London()),
            "before 01:30 BST on Sunday 25 October 2026");
  EXPECT_EQ(DeadlineInWords(T("2026-10-25T01:30:00Z"), London()),
            "before 01:30 GMT on Sunday 25 October 2026");
  EXPECT_EQ(DeadlineInWords(T("2026-10-25T02:30:00Z"), London()),
            "before 02:30 on Sunday 25 October 2026");
}

TEST(DueInWordsTest, NoBasisNoWords) {
  EXPECT_EQ(DueInWords(v1::DUE_BASIS_UNSPECIFIED, absl::InfinitePast(), absl::CivilDay(), London()),
            "");
}

// ---- Through the engine: every action with a due time carries it ----

TEST(PathwayInWordsTest, DayBasedRuleOverEasterMayDayAndTheClockChange) {
  CaseBuilder c("2010-01-01", v1::OPEN_PLAN_NONE);
  c.Assess("2026-03-02T10:00:00Z", v1::RISK_LEVEL_LOW, v1::PRACTITIONER_ROLE_PARTNER_PRACTITIONER);
  const v1::Pathway p = Evaluate(c, "2026-03-03T10:00:00Z");
  const v1::Action* eha = Find(p, v1::EARLY_HELP_ASSESSMENT);
  ASSERT_NE(eha, nullptr);
  // 45 working days from Monday 2 March 2026: March 3-31 (21), April 1-2
  // and 7-30 (20, without Good Friday and Easter Monday), May 1 and 5-7
  // (4, without 4 May): Thursday 7 May; due_at is its midnight BST.
  EXPECT_EQ(Utc(eha->due_at()), "2026-05-07T23:00:00Z");
  EXPECT_EQ(eha->due_in_words(), "by the end of Thursday 7 May 2026");
  EXPECT_EQ(WhenInWords(*eha), "by the end of Thursday 7 May 2026");
  // The TAF meeting is discretionary: no due time, no words.
  const v1::Action* taf = Find(p, v1::TAF_MEETING);
  ASSERT_NE(taf, nullptr);
  EXPECT_EQ(taf->due_in_words(), "");
  EXPECT_EQ(WhenInWords(*taf), "no deadline");
  for (const v1::Action& a : p.actions()) EXPECT_EQ(a.has_due_at(), !a.due_in_words().empty());
}

TEST(PathwayInWordsTest, HourBasedRules) {
  CaseBuilder c("2010-01-01", v1::OPEN_PLAN_NONE);
  c.Assess("2026-03-27T15:00:00Z", v1::RISK_LEVEL_HIGH);  // Friday 15:00 GMT
  v1::Pathway p = Evaluate(c, "2026-03-30T09:00:00Z");
  const v1::Action* s = Find(p, v1::STRATEGY_DISCUSSION);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->due_in_words(), "before 15:00 on Tuesday 31 March 2026");
  // The threshold discussion waits for the strategy discussion.
  const v1::Action* t = Find(p, v1::CPM_THRESHOLD_DISCUSSION);
  ASSERT_NE(t, nullptr);
  ASSERT_EQ(t->status(), v1::ACTION_STATUS_WAITING);
  EXPECT_EQ(WhenInWords(*t), "once the strategy discussion is done");

  // Assessed on a Saturday: 48 working hours end with Tuesday.
  CaseBuilder weekend("2010-01-01", v1::OPEN_PLAN_NONE);
  weekend.Assess("2026-03-21T10:00:00Z", v1::RISK_LEVEL_HIGH);
  p = Evaluate(weekend, "2026-03-23T09:00:00Z");
  s = Find(p, v1::STRATEGY_DISCUSSION);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(Utc(s->due_at()), "2026-03-25T00:00:00Z");
  EXPECT_EQ(s->due_date(), "2026-03-24");
  EXPECT_EQ(s->due_in_words(), "by the end of Tuesday 24 March 2026");
}

// ---- Enums: every value in words, none an enum name, none empty ----

// Calls InWords for every value of the enum E and checks the words.
template <typename E>
void ExpectAllInWords(const google::protobuf::EnumDescriptor* descriptor) {
  std::set<std::string> seen;
  for (int i = 0; i < descriptor->value_count(); ++i) {
    const google::protobuf::EnumValueDescriptor* value = descriptor->value(i);
    const std::string words = InWords(static_cast<E>(value->number()));
    SCOPED_TRACE(value->name());
    EXPECT_FALSE(words.empty());
    EXPECT_NE(words, value->name());
    // No enum name in it: no run of capitals joined by an underscore.
    EXPECT_THAT(words, ::testing::Not(::testing::ContainsRegex("[A-Z0-9]_[A-Z0-9]")));
    EXPECT_THAT(words, ::testing::Not(::testing::HasSubstr("unknown")));
    // Two values never read the same.
    EXPECT_TRUE(seen.insert(words).second) << words;
  }
  // A value the enum does not declare says so, with its number.
  EXPECT_THAT(InWords(static_cast<E>(57)), ::testing::MatchesRegex("unknown .* \\(57\\)"));
}

TEST(EnumInWordsTest, EveryValueOfEveryEnum) {
  ExpectAllInWords<v1::ActionKind>(v1::ActionKind_descriptor());
  ExpectAllInWords<v1::ActionStatus>(v1::ActionStatus_descriptor());
  ExpectAllInWords<v1::PractitionerRole>(v1::PractitionerRole_descriptor());
  ExpectAllInWords<v1::RiskLevel>(v1::RiskLevel_descriptor());
  ExpectAllInWords<v1::Recording>(v1::Recording_descriptor());
  ExpectAllInWords<v1::Placement>(v1::Placement_descriptor());
  ExpectAllInWords<v1::LevelReason>(v1::LevelReason_descriptor());
  ExpectAllInWords<v1::DueBasis>(v1::DueBasis_descriptor());
  ExpectAllInWords<v1::OpenPlan>(v1::OpenPlan_descriptor());
  ExpectAllInWords<v1::MessageKind>(v1::MessageKind_descriptor());
  ExpectAllInWords<v1::NotificationKind>(v1::NotificationKind_descriptor());
  ExpectAllInWords<v1::ResponseKind>(v1::ResponseKind_descriptor());
  ExpectAllInWords<v1::Purpose>(v1::Purpose_descriptor());
  ExpectAllInWords<v1::Article6Basis>(v1::Article6Basis_descriptor());
  ExpectAllInWords<v1::Article9Condition>(v1::Article9Condition_descriptor());
  ExpectAllInWords<v1::Consent>(v1::Consent_descriptor());
}

TEST(EnumInWordsTest, AGovernanceEnvelopeInWords) {
  v1::Governance g;
  EXPECT_EQ(InWords(g), "no governance envelope");
  g.set_purpose(v1::PURPOSE_SAFEGUARDING_CHILD);
  g.set_article6_basis(v1::ARTICLE6_BASIS_PUBLIC_TASK);
  g.set_article9_condition(v1::ARTICLE9_CONDITION_SAFEGUARDING_CHILDREN);
  g.set_sharing_agreement_id("derby-cre-isa-2026");
  g.set_consent(v1::CONSENT_NOT_SOUGHT_OTHER);
  g.set_consent_note("the family could not be reached");
  EXPECT_EQ(InWords(g),
            "safeguarding the child; public task (Article 6(1)(e)); safeguarding of children and individuals at "
            "risk (DPA 2018 Schedule 1 paragraph 18); under agreement derby-cre-isa-2026; consent not sought (the "
            "family could not be reached)");
}

TEST(EnumInWordsTest, TheWordsPeopleUse) {
  EXPECT_EQ(InWords(v1::ACTION_STATUS_PENDING), "pending");
  EXPECT_EQ(InWords(v1::ACTION_STATUS_OVERDUE), "overdue");
  EXPECT_EQ(InWords(v1::PRACTITIONER_ROLE_SOCIAL_WORKER), "social worker");
  EXPECT_EQ(InWords(v1::PRACTITIONER_ROLE_CPM), "Child Protection Manager");
  EXPECT_EQ(InWords(v1::STRATEGY_DISCUSSION), "strategy discussion");
  EXPECT_EQ(InWords(v1::RISK_LEVEL_HIGH), "high");
  EXPECT_EQ(InWords(v1::MESSAGE_KIND_OPERATION_LIBERTY_REPORT), "Operation Liberty report");
}

}  // namespace
}  // namespace cre::pathway
