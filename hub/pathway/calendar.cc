#include "pathway/calendar.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace cre::pathway {
namespace {

bool IsWeekend(absl::CivilDay d) {
  absl::Weekday w = absl::GetWeekday(d);
  return w == absl::Weekday::saturday || w == absl::Weekday::sunday;
}

bool Contains(const std::vector<absl::CivilDay>& days, absl::CivilDay d) {
  return std::find(days.begin(), days.end(), d) != days.end();
}

}  // namespace

absl::StatusOr<Calendar> Calendar::Create(const std::string& time_zone,
                                          BankHolidayChangeSet changes) {
  absl::TimeZone zone;
  if (!absl::LoadTimeZone(time_zone, &zone)) {
    return absl::NotFoundError(absl::StrCat("time zone not in the tz database: ", time_zone));
  }
  Calendar calendar(zone, std::move(changes));
  calendar.BuildFastTable();
  calendar.BuildMidnightTable();
  return calendar;
}

Calendar::Calendar(absl::TimeZone zone, BankHolidayChangeSet changes)
    : zone_(zone),
      changes_(std::move(changes)),
      first_fast_day_(kFirstFastYear, 1, 1),
      last_fast_day_(kLastFastYear, 12, 31) {}

std::vector<absl::CivilDay> Calendar::BankHolidays(int year) const {
  std::vector<absl::CivilDay> days = StandardBankHolidays(year);
  days.erase(std::remove_if(days.begin(), days.end(),
                            [&](absl::CivilDay d) { return Contains(changes_.removed, d); }),
             days.end());
  for (absl::CivilDay d : changes_.added) {
    if (d.year() == year && !Contains(days, d)) days.push_back(d);
  }
  std::sort(days.begin(), days.end());
  return days;
}

bool Calendar::IsBankHoliday(absl::CivilDay day) const {
  return Contains(BankHolidays(static_cast<int>(day.year())), day);
}

bool Calendar::IsWorkingDaySlow(absl::CivilDay day) const {
  return !IsWeekend(day) && !IsBankHoliday(day);
}

void Calendar::BuildFastTable() {
  const int64_t size = (last_fast_day_ - first_fast_day_) + 1;
  std::vector<bool> working(size, true);
  absl::CivilDay day = first_fast_day_;
  for (int64_t i = 0; i < size; ++i, ++day) working[i] = !IsWeekend(day);
  for (int year = kFirstFastYear; year <= kLastFastYear; ++year) {
    for (absl::CivilDay d : BankHolidays(year)) {
      // A substitute for 31 December of the last year can fall outside.
      if (InFastRange(d)) working[d - first_fast_day_] = false;
    }
  }
  working_before_.assign(size + 1, 0);
  working_days_.clear();
  days_.clear();
  day = first_fast_day_;
  for (int64_t i = 0; i < size; ++i, ++day) {
    days_.push_back(day);
    working_before_[i + 1] = working_before_[i] + (working[i] ? 1 : 0);
    if (working[i]) working_days_.push_back(day);
  }
}

bool Calendar::IsWorkingDay(absl::CivilDay day) const {
  if (!InFastRange(day)) return IsWorkingDaySlow(day);
  const int64_t i = day - first_fast_day_;
  return working_before_[i + 1] != working_before_[i];
}

absl::CivilDay Calendar::StepWorkingDays(absl::CivilDay day, int n) const {
  const int step = n > 0 ? 1 : -1;
  for (int left = n > 0 ? n : -n; left > 0;) {
    day += step;
    if (IsWorkingDay(day)) --left;
  }
  return day;
}

absl::CivilDay Calendar::AddWorkingDays(absl::CivilDay day, int n) const {
  if (n == 0) return day;
  if (InFastRange(day)) {
    const int64_t i = day - first_fast_day_;
    // Working days after `day` start at index working_before_[i + 1] of
    // working_days_; those before it end just below working_before_[i].
    const int64_t k = n > 0 ? working_before_[i + 1] + (n - 1) : working_before_[i] + n;
    if (k >= 0 && k < static_cast<int64_t>(working_days_.size())) {
      return working_days_[k];
    }
  }
  return StepWorkingDays(day, n);
}

absl::Time Calendar::AddWorkingHours(absl::Time t, int64_t hours) const {
  return AddWorkingTime(t, absl::Hours(hours));
}

absl::Time Calendar::AtLocalOffset(absl::CivilDay day, absl::Duration offset) const {
  const absl::Duration whole_seconds = absl::Trunc(offset, absl::Seconds(1));
  const int64_t seconds = absl::ToInt64Seconds(whole_seconds);
  if (InFastRange(day) && regular_[day - first_fast_day_]) {
    return absl::FromUnixSeconds(midnight_[day - first_fast_day_] + seconds) +
           (offset - whole_seconds);
  }
  return FromLocal(absl::CivilSecond(day) + seconds) + (offset - whole_seconds);
}

absl::Time Calendar::AddWorkingTime(absl::Time t, absl::Duration working_time) const {
  constexpr absl::Duration kDay = absl::Hours(24);
  if (working_time <= absl::ZeroDuration()) return t;
  // Split t into its local day and the (civil) time into that day, so that
  // the whole computation happens in local civil time.
  const absl::Time whole = absl::FromUnixSeconds(absl::ToUnixSeconds(t));
  const absl::CivilSecond local = LocalSecond(whole);
  const absl::CivilDay day(local);
  absl::Duration left = working_time;
  absl::CivilDay next = day;
  if (IsWorkingDay(day)) {
    const absl::Duration into_day =
        absl::Seconds(local - absl::CivilSecond(day)) + (t - whole);
    if (left <= kDay - into_day) return AtLocalOffset(day, into_day + left);
    left -= kDay - into_day;
    next = day + 1;
  }
  // Whole working days to pass over, then what is left of the last one
  // (in (0, 24h], so that a count ending at midnight ends that day).
  const int64_t full_days = absl::IDivDuration(left - absl::Nanoseconds(1), kDay, &left);
  left += absl::Nanoseconds(1);
  const absl::CivilDay first = AddWorkingDays(next - 1, 1);
  return AtLocalOffset(AddWorkingDays(first, static_cast<int>(full_days)), left);
}

absl::CivilDay Calendar::AddMonths(absl::CivilDay day, int n) {
  const absl::CivilMonth month = absl::CivilMonth(day) + n;
  const absl::CivilDay last_of_month = absl::CivilDay(month + 1) - 1;
  return absl::CivilDay(month.year(), month.month(), std::min(day.day(), last_of_month.day()));
}

void Calendar::BuildMidnightTable() {
  const int64_t days = (last_fast_day_ - first_fast_day_) + 1;
  midnight_.resize(days + 1);
  for (int64_t i = 0; i <= days; ++i) {
    const absl::CivilDay day = i < days ? days_[i] : last_fast_day_ + 1;
    midnight_[i] = absl::ToUnixSeconds(absl::FromCivil(absl::CivilSecond(day), zone_));
  }
  regular_.assign(days, true);
  for (int64_t i = 0; i < days; ++i) {
    if (midnight_[i + 1] - midnight_[i] != 86400) regular_[i] = false;
  }
  // A day can keep 24 hours and still change offset (two changes): mark
  // every day on either side of a transition.
  absl::TimeZone::CivilTransition transition;
  absl::Time t = absl::FromUnixSeconds(midnight_[0]);
  const absl::Time end = absl::FromUnixSeconds(midnight_[days]);
  while (zone_.NextTransition(t, &transition)) {
    // The instant of the change: the first instant of `to` when clocks go
    // forward, the transition of the repeated `to` when they go back.
    const absl::TimeZone::TimeInfo info = zone_.At(transition.to);
    const absl::Time at = info.kind == absl::TimeZone::TimeInfo::UNIQUE ? info.pre : info.trans;
    if (at >= end) break;
    for (absl::Time edge : {at - absl::Seconds(1), at}) {
      const int64_t i = FastDayIndex(edge);
      if (i >= 0) regular_[i] = false;
    }
    t = std::max(at, t + absl::Seconds(1));
  }
}

absl::Time Calendar::EndOfDay(absl::CivilDay day) const {
  if (InFastRange(day)) return absl::FromUnixSeconds(midnight_[day - first_fast_day_ + 1]);
  return absl::FromCivil(absl::CivilSecond(day + 1), zone_);
}

int64_t Calendar::FastDayIndex(absl::Time t) const {
  const int64_t s = absl::ToUnixSeconds(t);
  const int64_t days = static_cast<int64_t>(midnight_.size()) - 1;
  if (days <= 0 || s < midnight_[0] || s >= midnight_[days]) return -1;
  // Local days are within a day of UTC days: guess, then step.
  int64_t i = (s - midnight_[0]) / 86400;
  if (i >= days) i = days - 1;
  while (midnight_[i] > s) --i;
  while (midnight_[i + 1] <= s) ++i;
  return i;
}

absl::CivilDay Calendar::LocalDay(absl::Time t) const {
  const int64_t i = FastDayIndex(t);
  return i >= 0 ? days_[i] : absl::ToCivilDay(t, zone_);
}

absl::CivilSecond Calendar::LocalSecond(absl::Time t) const {
  const int64_t i = FastDayIndex(t);
  if (i < 0 || !regular_[i]) return absl::ToCivilSecond(t, zone_);
  return absl::CivilSecond(days_[i]) + (absl::ToUnixSeconds(t) - midnight_[i]);
}

absl::Time Calendar::FromLocal(absl::CivilSecond local) const {
  const absl::CivilDay day(local);
  if (InFastRange(day)) {
    const int64_t i = day - first_fast_day_;
    const int64_t into_day = local - absl::CivilSecond(day);
    if (regular_[i] || into_day == 0) return absl::FromUnixSeconds(midnight_[i] + into_day);
  }
  return absl::FromCivil(local, zone_);
}

std::string Calendar::FormatLocal(absl::Time t) const {
  const bool whole_second = absl::FromUnixSeconds(absl::ToUnixSeconds(t)) == t;
  return absl::FormatTime(whole_second ? "%Y-%m-%d%ET%H:%M:%S%Ez" : "%Y-%m-%d%ET%H:%M:%E*S%Ez",
                          t, zone_);
}

}  // namespace cre::pathway
