// The retention schedule (access/retention.h): each record's class, the
// instant it becomes due, birthdays (leap-day births among them), the
// longest reading where the plan or date of birth is unknown, and the
// config's checks and defaults.
#include "access/retention.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cre {
namespace {

using ::testing::HasSubstr;

absl::Time Utc(int y, int m, int d, int hh = 0, int mm = 0) {
  return absl::FromCivil(absl::CivilSecond(y, m, d, hh, mm, 0), absl::UTCTimeZone());
}

v1::Child ChildOf(v1::OpenPlan plan, const std::string& born) {
  v1::Child child;
  child.set_open_plan(plan);
  child.set_looked_after(plan == v1::OPEN_PLAN_LOOKED_AFTER);
  child.set_date_of_birth(born);
  return child;
}

RetentionSchedule Defaults() {
  v1::RetentionConfig config;
  EXPECT_TRUE(CompleteRetentionConfig(&config).ok());
  return RetentionSchedule(config);
}

TEST(RetentionTest, EachPlanHasItsClass) {
  EXPECT_EQ(CaseClassOf(ChildOf(v1::OPEN_PLAN_LOOKED_AFTER, "")), v1::RECORD_CLASS_CASE_LOOKED_AFTER);
  EXPECT_EQ(CaseClassOf(ChildOf(v1::OPEN_PLAN_CHILD_PROTECTION, "")), v1::RECORD_CLASS_CASE_CHILD_PROTECTION);
  EXPECT_EQ(CaseClassOf(ChildOf(v1::OPEN_PLAN_CHILD_IN_NEED, "")), v1::RECORD_CLASS_CASE_CHILD_IN_NEED);
  EXPECT_EQ(CaseClassOf(ChildOf(v1::OPEN_PLAN_EARLY_HELP, "")), v1::RECORD_CLASS_CASE_EARLY_HELP);
  EXPECT_EQ(CaseClassOf(ChildOf(v1::OPEN_PLAN_NONE, "")), v1::RECORD_CLASS_CASE_NO_PLAN);
  EXPECT_EQ(CaseClassOf(ChildOf(v1::OPEN_PLAN_UNSPECIFIED, "")), v1::RECORD_CLASS_CASE_PLAN_UNKNOWN);
  // Looked after says so whatever the plan field.
  v1::Child lac = ChildOf(v1::OPEN_PLAN_CHILD_IN_NEED, "");
  lac.set_looked_after(true);
  EXPECT_EQ(CaseClassOf(lac), v1::RECORD_CLASS_CASE_LOOKED_AFTER);
  EXPECT_EQ(RecordClassName(v1::RECORD_CLASS_CASE_CHILD_PROTECTION), "case_child_protection");
}

TEST(RetentionTest, BirthdaysEndAtTheDaysEndAndALeapDayBirthdayIsTheFirstOfMarch) {
  EXPECT_EQ(BirthdayEnds(absl::CivilDay(2013, 1, 2), 75), Utc(2088, 1, 3));
  // Born 29 February 2012: 18 on 1 March 2030 (no 29 February), 76 on 29
  // February 2088 (a leap year).
  EXPECT_EQ(BirthdayEnds(absl::CivilDay(2012, 2, 29), 18), Utc(2030, 3, 2));
  EXPECT_EQ(BirthdayEnds(absl::CivilDay(2012, 2, 29), 76), Utc(2088, 3, 1));
  // Plus years from an instant: 29 February plus a year is 1 March.
  EXPECT_EQ(AddYearsAndDays(Utc(2028, 2, 29, 10, 30), 1, 0), Utc(2029, 3, 1, 10, 30));
  EXPECT_EQ(AddYearsAndDays(Utc(2028, 2, 29, 10, 30), 4, 0), Utc(2032, 2, 29, 10, 30));
  EXPECT_EQ(AddYearsAndDays(Utc(2026, 12, 31), 0, 1), Utc(2027, 1, 1));
  EXPECT_EQ(AddYearsAndDays(absl::InfiniteFuture(), 1, 0), absl::InfiniteFuture());
}

TEST(RetentionTest, TheDefaultsDueDates) {
  const RetentionSchedule schedule = Defaults();
  const absl::Time last_contact = Utc(2026, 6, 1, 9);
  // Looked after: to the 75th birthday.
  EXPECT_EQ(schedule.CaseDueAt(ChildOf(v1::OPEN_PLAN_LOOKED_AFTER, "2013-01-02"), last_contact), Utc(2088, 1, 3));
  // Child protection: 35 years after the last contact, whatever the age.
  EXPECT_EQ(schedule.CaseDueAt(ChildOf(v1::OPEN_PLAN_CHILD_PROTECTION, "2013-01-02"), last_contact),
            Utc(2061, 6, 1, 9));
  // Child in need: the 18th birthday, plus three years.
  EXPECT_EQ(schedule.CaseDueAt(ChildOf(v1::OPEN_PLAN_CHILD_IN_NEED, "2013-01-02"), last_contact), Utc(2034, 1, 3));
  EXPECT_EQ(schedule.CaseDueAt(ChildOf(v1::OPEN_PLAN_EARLY_HELP, "2013-01-02"), last_contact), Utc(2034, 1, 3));
  // Message payloads: a year after their deliveries are settled.
  EXPECT_EQ(schedule.MessageDueAt(Utc(2026, 6, 1, 9)), Utc(2027, 6, 1, 9));
  EXPECT_EQ(schedule.purge_interval(), absl::Hours(1));
}

TEST(RetentionTest, ALastContactAfterTheBirthdayKeepsTheRecordLonger) {
  const RetentionSchedule schedule = Defaults();
  // A child in need still in contact at 20: three years from that contact.
  EXPECT_EQ(schedule.CaseDueAt(ChildOf(v1::OPEN_PLAN_CHILD_IN_NEED, "2006-05-05"), Utc(2026, 6, 1)),
            Utc(2029, 6, 1));
  // A looked-after adult in contact at 80: kept to that contact.
  EXPECT_EQ(schedule.CaseDueAt(ChildOf(v1::OPEN_PLAN_LOOKED_AFTER, "1946-01-01"), Utc(2026, 6, 1)),
            Utc(2026, 6, 1));
}

TEST(RetentionTest, UnknownPlanOrBirthTakesTheLongestReading) {
  const RetentionSchedule schedule = Defaults();
  const absl::Time last_contact = Utc(2026, 6, 1);
  // Plan not recorded: the longest of the case policies, here looked after.
  const v1::Child unknown = ChildOf(v1::OPEN_PLAN_UNSPECIFIED, "2013-01-02");
  EXPECT_EQ(schedule.CaseDueAt(unknown, last_contact), Utc(2088, 1, 3));
  // Born 2000: the 75th birthday is still the longest.
  EXPECT_EQ(schedule.CaseDueAt(ChildOf(v1::OPEN_PLAN_UNSPECIFIED, "2000-01-01"), last_contact), Utc(2075, 1, 2));
  // Date of birth not known (or not a date): born at the last contact.
  EXPECT_EQ(schedule.CaseDueAt(ChildOf(v1::OPEN_PLAN_LOOKED_AFTER, ""), last_contact), Utc(2101, 6, 2));
  EXPECT_EQ(schedule.CaseDueAt(ChildOf(v1::OPEN_PLAN_CHILD_IN_NEED, "yesterday"), last_contact), Utc(2047, 6, 2));
}

TEST(RetentionTest, TheConfigIsCompletedWithTheDefaultsAndTheirSources) {
  v1::RetentionConfig config;
  v1::RetentionPolicy* cp = config.add_policies();
  cp->set_record_class(v1::RECORD_CLASS_CASE_CHILD_PROTECTION);
  cp->set_years(40);
  ASSERT_TRUE(CompleteRetentionConfig(&config).ok());
  EXPECT_EQ(config.policies_size(), 6);
  EXPECT_EQ(config.purge_interval_seconds(), 3600);
  const RetentionSchedule schedule(config);
  EXPECT_EQ(schedule.PolicyOf(v1::RECORD_CLASS_CASE_CHILD_PROTECTION).years(), 40);
  EXPECT_THAT(schedule.PolicyOf(v1::RECORD_CLASS_CASE_LOOKED_AFTER).source(), HasSubstr("reg. 50"));
  EXPECT_THAT(schedule.PolicyOf(v1::RECORD_CLASS_CASE_CHILD_IN_NEED).source(), HasSubstr("Devon"));
  EXPECT_EQ(schedule.PolicyInWords(v1::RECORD_CLASS_CASE_CHILD_PROTECTION), "40 years after the last contact");
  EXPECT_EQ(schedule.PolicyInWords(v1::RECORD_CLASS_CASE_LOOKED_AFTER),
            "to the 75th birthday (or the last contact, if later)");
  EXPECT_EQ(schedule.PolicyInWords(v1::RECORD_CLASS_CASE_CHILD_IN_NEED),
            "to the 18th birthday (or the last contact, if later) plus 3 years");
  EXPECT_EQ(schedule.PolicyInWords(v1::RECORD_CLASS_MESSAGE_PAYLOAD), "1 year after its deliveries are settled");
}

TEST(RetentionTest, ABadPolicyIsRefusedByName) {
  struct Case {
    v1::RecordClass record_class;
    int until_age, years, days;
    const char* refusal;
  };
  const Case cases[] = {
      {v1::RECORD_CLASS_UNSPECIFIED, 0, 1, 0, "retention.policies[0].record_class: required"},
      {v1::RECORD_CLASS_CASE_CHILD_PROTECTION, 0, -2, 0,
       "retention.policies[0].years: -2 is not a number of years (0 to 200)"},
      {v1::RECORD_CLASS_CASE_CHILD_PROTECTION, 0, 1, -1,
       "retention.policies[0].days: -1 is not a number of days (0 to 36500)"},
      {v1::RECORD_CLASS_CASE_LOOKED_AFTER, 130, 0, 0, "retention.policies[0].until_age: 130 is not an age"},
      {v1::RECORD_CLASS_MESSAGE_PAYLOAD, 18, 0, 0,
       "retention.policies[0].until_age: a message payload is kept from its delivery"},
      {v1::RECORD_CLASS_CASE_NO_PLAN, 0, 0, 0, "retention.policies[0]: no period for RECORD_CLASS_CASE_NO_PLAN"},
      {v1::RECORD_CLASS_CASE_PLAN_UNKNOWN, 0, 1, 0,
       "retention.policies[0].record_class: RECORD_CLASS_CASE_PLAN_UNKNOWN takes the longest case policy"},
  };
  for (const Case& c : cases) {
    v1::RetentionConfig config;
    v1::RetentionPolicy* p = config.add_policies();
    p->set_record_class(c.record_class);
    p->set_until_age(c.until_age);
    p->set_years(c.years);
    p->set_days(c.days);
    absl::Status status = CompleteRetentionConfig(&config);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << c.refusal;
    EXPECT_THAT(status.message(), HasSubstr(c.refusal));
  }
  v1::RetentionConfig twice;
  twice.add_policies()->set_record_class(v1::RECORD_CLASS_MESSAGE_PAYLOAD);
  twice.mutable_policies(0)->set_days(30);
  *twice.add_policies() = twice.policies(0);
  EXPECT_THAT(CompleteRetentionConfig(&twice).message(),
              HasSubstr("retention.policies[1].record_class: RECORD_CLASS_MESSAGE_PAYLOAD has a policy already"));
  v1::RetentionConfig too_often;
  too_often.set_purge_interval_seconds(1);
  EXPECT_THAT(CompleteRetentionConfig(&too_often).message(),
              HasSubstr("retention.purge_interval_seconds: 1 is out of range"));
}

}  // namespace
}  // namespace cre
