// The working-day calendar against dates checked by hand on a real calendar
// (and against the published England and Wales bank holidays).
#include "pathway/calendar.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pathway/bank_holidays.h"
#include "test_support.h"

namespace cre::pathway {
namespace {

using ::cre::pathway::testing::Day;
using ::cre::pathway::testing::ShippedCalendar;
using ::cre::pathway::testing::T;
using ::testing::ElementsAreArray;

std::vector<std::string> Holidays(int year) {
  std::vector<std::string> out;
  for (absl::CivilDay d : ShippedCalendar().BankHolidays(year)) out.push_back(FormatLocalDate(d));
  return out;
}

// ---- Bank holidays ----

TEST(EasterTest, KnownEasterSundays) {
  EXPECT_EQ(EasterSunday(2024), absl::CivilDay(2024, 3, 31));
  EXPECT_EQ(EasterSunday(2025), absl::CivilDay(2025, 4, 20));
  EXPECT_EQ(EasterSunday(2026), absl::CivilDay(2026, 4, 5));
  EXPECT_EQ(EasterSunday(2027), absl::CivilDay(2027, 3, 28));
  EXPECT_EQ(EasterSunday(2038), absl::CivilDay(2038, 4, 25));  // the latest possible
  EXPECT_EQ(EasterSunday(2285), absl::CivilDay(2285, 3, 22));  // the earliest possible
  EXPECT_EQ(EasterSunday(2000), absl::CivilDay(2000, 4, 23));
}

TEST(BankHolidaysTest, Year2020MovesEarlyMayToVeDay) {
  EXPECT_THAT(Holidays(2020),
              ElementsAreArray({"2020-01-01", "2020-04-10", "2020-04-13", "2020-05-08",
                                "2020-05-25", "2020-08-31", "2020-12-25", "2020-12-28"}));
}

TEST(BankHolidaysTest, Year2021ChristmasOnSaturday) {
  EXPECT_THAT(Holidays(2021),
              ElementsAreArray({"2021-01-01", "2021-04-02", "2021-04-05", "2021-05-03",
                                "2021-05-31", "2021-08-30", "2021-12-27", "2021-12-28"}));
}

TEST(BankHolidaysTest, Year2022JubileeFuneralAndChristmasOnSunday) {
  // New Year on Saturday -> Monday 3rd; Spring holiday moved to 2 and 3 June;
  // the State Funeral; Christmas on Sunday -> Tuesday 27th (Boxing Day keeps
  // Monday 26th).
  EXPECT_THAT(Holidays(2022),
              ElementsAreArray({"2022-01-03", "2022-04-15", "2022-04-18", "2022-05-02",
                                "2022-06-02", "2022-06-03", "2022-08-29", "2022-09-19",
                                "2022-12-26", "2022-12-27"}));
}

TEST(BankHolidaysTest, Year2023Coronation) {
  EXPECT_THAT(Holidays(2023),
              ElementsAreArray({"2023-01-02", "2023-04-07", "2023-04-10", "2023-05-01",
                                "2023-05-08", "2023-05-29", "2023-08-28", "2023-12-25",
                                "2023-12-26"}));
}

TEST(BankHolidaysTest, Years2024And2025) {
  EXPECT_THAT(Holidays(2024),
              ElementsAreArray({"2024-01-01", "2024-03-29", "2024-04-01", "2024-05-06",
                                "2024-05-27", "2024-08-26", "2024-12-25", "2024-12-26"}));
  EXPECT_THAT(Holidays(2025),
              ElementsAreArray({"2025-01-01", "2025-04-18", "2025-04-21", "2025-05-05",
                                "2025-05-26", "2025-08-25", "2025-12-25", "2025-12-26"}));
}

TEST(BankHolidaysTest, Year2026BoxingDayOnSaturday) {
  EXPECT_THAT(Holidays(2026),
              ElementsAreArray({"2026-01-01", "2026-04-03", "2026-04-06", "2026-05-04",
                                "2026-05-25", "2026-08-31", "2026-12-25", "2026-12-28"}));
}

TEST(BankHolidaysTest, Year2027ChristmasOnSaturday) {
  EXPECT_THAT(Holidays(2027),
              ElementsAreArray({"2027-01-01", "2027-03-26", "2027-03-29", "2027-05-03",
                                "2027-05-31", "2027-08-30", "2027-12-27", "2027-12-28"}));
}

TEST(BankHolidaysTest, EarlierOneOffChanges) {
  EXPECT_THAT(Holidays(2012),
              ElementsAreArray({"2012-01-02", "2012-04-06", "2012-04-09", "2012-05-07",
                                "2012-06-04", "2012-06-05", "2012-08-27", "2012-12-25",
                                "2012-12-26"}));
  EXPECT_TRUE(ShippedCalendar().IsBankHoliday(absl::CivilDay(2011, 4, 29)));
  EXPECT_TRUE(ShippedCalendar().IsBankHoliday(absl::CivilDay(1999, 12, 31)));
}

TEST(BankHolidaysTest, StandingRulesWithoutChanges) {
  // 2022 by the standing rules alone: Spring bank holiday on 30 May.
  std::vector<std::string> days;
  for (absl::CivilDay d : StandardBankHolidays(2022)) days.push_back(FormatLocalDate(d));
  EXPECT_THAT(days, ElementsAreArray({"2022-01-03", "2022-04-15", "2022-04-18", "2022-05-02",
                                      "2022-05-30", "2022-08-29", "2022-12-26", "2022-12-27"}));
}

TEST(BankHolidaysTest, FarYearsOutsideTheFastTable) {
  // 2200: Christmas on Thursday, Boxing Day Friday; Easter 6 April.
  EXPECT_EQ(EasterSunday(2200), absl::CivilDay(2200, 4, 6));
  const Calendar& cal = ShippedCalendar();
  EXPECT_FALSE(cal.IsWorkingDay(absl::CivilDay(2200, 12, 25)));
  EXPECT_FALSE(cal.IsWorkingDay(absl::CivilDay(2200, 12, 26)));
  EXPECT_EQ(cal.AddWorkingDays(absl::CivilDay(2200, 12, 24), 1), absl::CivilDay(2200, 12, 29));
  EXPECT_EQ(cal.AddWorkingDays(absl::CivilDay(2200, 12, 29), -1), absl::CivilDay(2200, 12, 24));
}

TEST(BankHolidaysTest, ParseErrorsNameTheField) {
  cre::v1::BankHolidayChanges changes;
  changes.add_changes()->add_add("2022-06-02");
  changes.add_changes()->add_remove("2022-02-30");
  auto parsed = ParseBankHolidayChanges(changes);
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().message(),
            "changes[1].remove[0]: not a date (want YYYY-MM-DD): 2022-02-30");
}

// ---- Working days ----

TEST(WorkingDaysTest, WeekendsAndHolidaysAreNotWorkingDays) {
  const Calendar& cal = ShippedCalendar();
  EXPECT_TRUE(cal.IsWorkingDay(Day("2026-03-27")));   // Friday
  EXPECT_FALSE(cal.IsWorkingDay(Day("2026-03-28")));  // Saturday
  EXPECT_FALSE(cal.IsWorkingDay(Day("2026-04-03")));  // Good Friday
  EXPECT_FALSE(cal.IsWorkingDay(Day("2022-09-19")));  // State Funeral
  EXPECT_TRUE(cal.IsWorkingDay(Day("2022-05-30")));   // moved away in 2022
}

TEST(WorkingDaysTest, WithinNWorkingDaysIsTheNthWorkingDayAfter) {
  const Calendar& cal = ShippedCalendar();
  EXPECT_EQ(cal.AddWorkingDays(Day("2026-03-02"), 15), Day("2026-03-23"));
  EXPECT_EQ(cal.AddWorkingDays(Day("2026-05-22"), 1), Day("2026-05-26"));  // over Spring BH
  EXPECT_EQ(cal.AddWorkingDays(Day("2026-05-22"), 2), Day("2026-05-27"));
  EXPECT_EQ(cal.AddWorkingDays(Day("2026-04-02"), 1), Day("2026-04-07"));  // over Easter
  EXPECT_EQ(cal.AddWorkingDays(Day("2026-12-24"), 1), Day("2026-12-29"));  // over Christmas
  EXPECT_EQ(cal.AddWorkingDays(Day("2026-03-28"), 1), Day("2026-03-30"));  // from a Saturday
  EXPECT_EQ(cal.AddWorkingDays(Day("2026-03-28"), 0), Day("2026-03-28"));
}

TEST(WorkingDaysTest, AtLeastNWorkingDaysBeforeIsTheNthWorkingDayBefore) {
  const Calendar& cal = ShippedCalendar();
  // Meeting on Tuesday 26 May 2026, after the Spring bank holiday.
  EXPECT_EQ(cal.AddWorkingDays(Day("2026-05-26"), -2), Day("2026-05-21"));
  EXPECT_EQ(cal.AddWorkingDays(Day("2026-05-26"), -3), Day("2026-05-20"));
  // Meeting on Tuesday 7 April 2026, after Easter.
  EXPECT_EQ(cal.AddWorkingDays(Day("2026-04-07"), -2), Day("2026-04-01"));
}

TEST(WorkingDaysTest, FastTableAgreesWithDayByDayCounting) {
  const Calendar& cal = ShippedCalendar();
  for (absl::CivilDay d = Day("2019-12-01"); d < Day("2028-02-01"); ++d) {
    absl::CivilDay next = d + 1;
    while (!cal.IsWorkingDay(next)) ++next;
    ASSERT_EQ(cal.AddWorkingDays(d, 1), next) << d;
    absl::CivilDay prev = d - 1;
    while (!cal.IsWorkingDay(prev)) --prev;
    ASSERT_EQ(cal.AddWorkingDays(d, -1), prev) << d;
  }
}

// ---- Working hours ----

TEST(WorkingHoursTest, FridayAfternoonPlus48IsTuesdayAfternoon) {
  EXPECT_EQ(ShippedCalendar().AddWorkingHours(T("2026-03-20T15:00:00Z"), 48),
            T("2026-03-24T15:00:00Z"));
}

TEST(WorkingHoursTest, SaturdayPlus48IsTheEndOfTuesday) {
  EXPECT_EQ(ShippedCalendar().AddWorkingHours(T("2026-03-21T10:00:00Z"), 48),
            T("2026-03-25T00:00:00Z"));
}

TEST(WorkingHoursTest, CountEndingAtMidnightEndsThatDay) {
  EXPECT_EQ(ShippedCalendar().AddWorkingHours(T("2026-03-20T00:00:00Z"), 24),
            T("2026-03-21T00:00:00Z"));
  EXPECT_EQ(ShippedCalendar().AddWorkingHours(T("2026-03-23T09:00:00Z"), 24),
            T("2026-03-24T09:00:00Z"));
}

TEST(WorkingHoursTest, OverEaster) {
  // Thursday 2 April 2026 10:00 BST: 14 h that day, Good Friday to Easter
  // Monday skipped, 24 h on Tuesday, 10 h on Wednesday.
  EXPECT_EQ(ShippedCalendar().AddWorkingHours(T("2026-04-02T10:00:00+01:00"), 48),
            T("2026-04-08T10:00:00+01:00"));
}

TEST(WorkingHoursTest, OverChristmas) {
  // Thursday 24 December 2026 12:00: Christmas Friday and the substitute
  // Boxing Day Monday 28th are skipped.
  EXPECT_EQ(ShippedCalendar().AddWorkingHours(T("2026-12-24T12:00:00Z"), 48),
            T("2026-12-30T12:00:00Z"));
  // 2022: Christmas Sunday, holidays Monday 26 and Tuesday 27.
  EXPECT_EQ(ShippedCalendar().AddWorkingHours(T("2022-12-23T16:00:00Z"), 24),
            T("2022-12-28T16:00:00Z"));
}

TEST(WorkingHoursTest, WeekWithClocksGoingForward) {
  // Clocks go forward on Sunday 29 March 2026. Friday 15:00 GMT + 48 working
  // hours is Tuesday 15:00 BST, 95 real hours later.
  const absl::Time from = T("2026-03-27T15:00:00Z");
  const absl::Time due = ShippedCalendar().AddWorkingHours(from, 48);
  EXPECT_EQ(due, T("2026-03-31T15:00:00+01:00"));
  EXPECT_EQ(due - from, absl::Hours(95));
  EXPECT_EQ(ShippedCalendar().FormatLocal(due), "2026-03-31T15:00:00+01:00");
}

TEST(WorkingHoursTest, WeekWithClocksGoingBack) {
  // Clocks go back on Sunday 25 October 2026: 97 real hours.
  const absl::Time from = T("2026-10-23T15:00:00+01:00");
  const absl::Time due = ShippedCalendar().AddWorkingHours(from, 48);
  EXPECT_EQ(due, T("2026-10-27T15:00:00Z"));
  EXPECT_EQ(due - from, absl::Hours(97));
  EXPECT_EQ(ShippedCalendar().FormatLocal(due), "2026-10-27T15:00:00+00:00");
}

TEST(WorkingHoursTest, StartingOnTheClockChangeSunday) {
  // From Sunday 29 March 2026 12:00 BST: Monday is the only working day
  // counted; its end is local midnight, 23:00 UTC.
  EXPECT_EQ(ShippedCalendar().AddWorkingHours(T("2026-03-29T12:00:00+01:00"), 24),
            T("2026-03-30T23:00:00Z"));
  // From the repeated hour on Sunday 25 October 2026 (01:30 BST).
  EXPECT_EQ(ShippedCalendar().AddWorkingHours(T("2026-10-25T00:30:00Z"), 1),
            T("2026-10-26T01:00:00Z"));
}

TEST(WorkingHoursTest, KeepsFractionsOfASecond) {
  EXPECT_EQ(ShippedCalendar().AddWorkingHours(T("2026-03-20T15:00:00.5Z"), 48),
            T("2026-03-24T15:00:00.5Z"));
}

TEST(WorkingHoursTest, ZeroIsTheSameInstant) {
  EXPECT_EQ(ShippedCalendar().AddWorkingHours(T("2026-03-21T10:00:00Z"), 0),
            T("2026-03-21T10:00:00Z"));
}

// ---- Months, weeks, days ----

TEST(MonthsTest, SameDayOrTheLastDayOfAShorterMonth) {
  EXPECT_EQ(Calendar::AddMonths(Day("2026-08-31"), 6), Day("2027-02-28"));
  EXPECT_EQ(Calendar::AddMonths(Day("2027-08-31"), 6), Day("2028-02-29"));  // leap year
  EXPECT_EQ(Calendar::AddMonths(Day("2026-11-30"), 3), Day("2027-02-28"));
  EXPECT_EQ(Calendar::AddMonths(Day("2026-01-31"), 1), Day("2026-02-28"));
  EXPECT_EQ(Calendar::AddMonths(Day("2026-05-31"), 3), Day("2026-08-31"));
  EXPECT_EQ(Calendar::AddMonths(Day("2026-12-31"), 3), Day("2027-03-31"));
  EXPECT_EQ(Calendar::AddMonths(Day("2026-03-15"), 3), Day("2026-06-15"));
}

TEST(WeeksTest, SevenDaysAWeekOverAClockChange) {
  EXPECT_EQ(Calendar::AddWeeks(Day("2026-03-23"), 6), Day("2026-05-04"));
}

TEST(LocalTimeTest, EndOfDayOnClockChangeDays) {
  const Calendar& cal = ShippedCalendar();
  EXPECT_EQ(cal.EndOfDay(Day("2026-03-28")), T("2026-03-29T00:00:00Z"));
  EXPECT_EQ(cal.EndOfDay(Day("2026-03-29")), T("2026-03-29T23:00:00Z"));  // a 23-hour day
  EXPECT_EQ(cal.EndOfDay(Day("2026-10-25")), T("2026-10-26T00:00:00Z"));  // a 25-hour day
  EXPECT_EQ(cal.LocalDay(T("2026-06-30T23:30:00Z")), Day("2026-07-01"));
}

}  // namespace
}  // namespace cre::pathway

namespace cre::pathway {
namespace {

// The midnight table must agree with absl::TimeZone everywhere, including
// across every clock change.
TEST(LocalTimeTest, FastConversionsAgreeWithTheTimeZone) {
  const Calendar& cal = ::cre::pathway::testing::ShippedCalendar();
  const absl::TimeZone zone = cal.zone();
  for (absl::Time t = ::cre::pathway::testing::T("2019-01-01T00:00:00Z");
       t < ::cre::pathway::testing::T("2028-01-01T00:00:00Z"); t += absl::Minutes(30)) {
    ASSERT_EQ(cal.LocalDay(t), absl::ToCivilDay(t, zone)) << t;
    ASSERT_EQ(cal.LocalSecond(t + absl::Seconds(7)), absl::ToCivilSecond(t + absl::Seconds(7), zone)) << t;
    const absl::CivilSecond local = absl::ToCivilSecond(t, zone);
    ASSERT_EQ(cal.FromLocal(local), absl::FromCivil(local, zone)) << t;
  }
  for (absl::CivilDay d(2019, 1, 1); d < absl::CivilDay(2028, 1, 1); ++d) {
    ASSERT_EQ(cal.EndOfDay(d), absl::FromCivil(absl::CivilSecond(d + 1), zone)) << d;
  }
}

}  // namespace
}  // namespace cre::pathway
