// The working-day calendar: the authority's local time (Europe/London),
// England and Wales bank holidays, and the procedure's time arithmetic
// (docs/procedure.md, Time): working days, working hours, clock hours, months and
// weeks.
//
//   absl::StatusOr<Calendar> cal = Calendar::Create("Europe/London", changes);
//   absl::CivilDay d = cal->AddWorkingDays(absl::CivilDay(2026, 5, 22), 1);  // 2026-05-26
//   absl::Time t = cal->AddWorkingHours(friday_1500, 48);                   // Tuesday 15:00
//
// Clock changes. Working days and working hours are counted in local civil
// time: a working day runs from local midnight to local midnight and holds
// 24 working hours, and an instant is converted to and from local time only
// at the ends of a computation. In the United Kingdom the clocks change at
// 01:00 UTC on a Sunday, which is never a working day, so every working day
// is 24 real hours long; the result is right (and DST-proof) either way:
// 48 working hours from Friday 27 March 2026 15:00 GMT is Tuesday 31 March
// 15:00 BST, 95 real hours later. Clock hours are real elapsed time.
//
// Speed: working-day lookups are O(1) from a table built once for the years
// kFirstFastYear..kLastFastYear; other years are computed on demand. For the
// same years the instant of every local midnight is read once from the tz
// database, so that converting between instants and local time on a day
// without a clock change is arithmetic; days with a change, and other years,
// go to absl::TimeZone. A Calendar is immutable after Create and safe to
// share between threads.
#ifndef CRE_HUB_PATHWAY_CALENDAR_H_
#define CRE_HUB_PATHWAY_CALENDAR_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "pathway/bank_holidays.h"

namespace cre::pathway {

class Calendar {
 public:
  static constexpr int kFirstFastYear = 1950;
  static constexpr int kLastFastYear = 2149;

  // Loads the zone from the system tz database; NOT_FOUND if it is unknown.
  static absl::StatusOr<Calendar> Create(const std::string& time_zone,
                                         BankHolidayChangeSet changes);

  const absl::TimeZone& zone() const { return zone_; }

  // Bank holidays of `year` (standing rules and one-off changes), sorted.
  std::vector<absl::CivilDay> BankHolidays(int year) const;
  bool IsBankHoliday(absl::CivilDay day) const;
  // Monday to Friday and not a bank holiday.
  bool IsWorkingDay(absl::CivilDay day) const;

  // n > 0: the nth working day after `day` ("within n working days of day").
  // n < 0: the |n|th working day before `day` ("at least |n| working days
  // before day"). n == 0: `day` itself.
  absl::CivilDay AddWorkingDays(absl::CivilDay day, int n) const;

  // "within `hours` working hours of t": counts forward from t only the time
  // that lies on working days, 24 hours to a working day. When the count
  // ends exactly at the end of a working day the result is that day's end
  // (the next local midnight), not the start of the next working day.
  absl::Time AddWorkingHours(absl::Time t, int64_t hours) const;
  absl::Time AddWorkingTime(absl::Time t, absl::Duration working_time) const;

  // "within n months of day": the same day of the month n months later, or
  // that month's last day if it is shorter (31 Aug + 6 months = 28/29 Feb).
  static absl::CivilDay AddMonths(absl::CivilDay day, int n);
  // "every n weeks": n x 7 days.
  static absl::CivilDay AddWeeks(absl::CivilDay day, int n) { return day + 7 * n; }

  // Local time.
  absl::CivilDay LocalDay(absl::Time t) const;
  absl::CivilSecond LocalSecond(absl::Time t) const;
  // The instant of a local civil time (a time repeated when the clocks go
  // back takes the earlier instant; one skipped when they go forward maps to
  // the transition).
  absl::Time FromLocal(absl::CivilSecond local) const;
  // The first instant of the local day after `day`: a day-based deadline.
  absl::Time EndOfDay(absl::CivilDay day) const;
  // RFC 3339 in local time with the offset, e.g. 2026-03-31T15:00:00+01:00
  // (fractional seconds only when present).
  std::string FormatLocal(absl::Time t) const;

 private:
  Calendar(absl::TimeZone zone, BankHolidayChangeSet changes);
  void BuildFastTable();
  bool InFastRange(absl::CivilDay day) const {
    return day >= first_fast_day_ && day <= last_fast_day_;
  }
  bool IsWorkingDaySlow(absl::CivilDay day) const;
  absl::CivilDay StepWorkingDays(absl::CivilDay day, int n) const;
  void BuildMidnightTable();
  // Index of the fast-range day holding t, or -1 outside the range.
  int64_t FastDayIndex(absl::Time t) const;
  // The instant `offset` of local civil time after the start of `day`.
  absl::Time AtLocalOffset(absl::CivilDay day, absl::Duration offset) const;

  absl::TimeZone zone_;
  BankHolidayChangeSet changes_;
  absl::CivilDay first_fast_day_;
  absl::CivilDay last_fast_day_;
  // working_before_[i]: working days in [first_fast_day_, first_fast_day_ + i).
  std::vector<int32_t> working_before_;
  // Every working day, ascending. Days are stored, not offsets: adding a
  // large offset to an absl::CivilDay walks year by year.
  std::vector<absl::CivilDay> working_days_;
  // days_[i]: first_fast_day_ + i, for the same reason.
  std::vector<absl::CivilDay> days_;
  // midnight_[i]: Unix seconds of the local midnight that starts day
  // first_fast_day_ + i (one more entry than days, for the end of the last).
  std::vector<int64_t> midnight_;
  // regular_[i]: day i has no UTC offset change, so local time within it is
  // midnight_[i] plus the seconds since midnight.
  std::vector<bool> regular_;
};

}  // namespace cre::pathway

#endif  // CRE_HUB_PATHWAY_CALENDAR_H_
