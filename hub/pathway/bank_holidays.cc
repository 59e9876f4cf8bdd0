#include "pathway/bank_holidays.h"

#include <algorithm>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "pathway/text_io.h"

namespace cre::pathway {
namespace {

// How a standing holiday's date is found.
enum class DateRule { kFixed, kEasterOffset, kFirstMonday, kLastMonday };

struct HolidayRule {
  const char* name;
  DateRule rule;
  int month;  // kFixed, kFirstMonday, kLastMonday
  int day;    // kFixed: day of month; kEasterOffset: days from Easter Sunday
};

// The standing rules (Banking and Financial Dealings Act 1971 and the
// proclamations that have renewed them every year since 1978).
constexpr HolidayRule kRules[] = {
    {"New Year's Day", DateRule::kFixed, 1, 1},
    {"Good Friday", DateRule::kEasterOffset, 0, -2},
    {"Easter Monday", DateRule::kEasterOffset, 0, 1},
    {"Early May bank holiday", DateRule::kFirstMonday, 5, 0},
    {"Spring bank holiday", DateRule::kLastMonday, 5, 0},
    {"Summer bank holiday", DateRule::kLastMonday, 8, 0},
    {"Christmas Day", DateRule::kFixed, 12, 25},
    {"Boxing Day", DateRule::kFixed, 12, 26},
};

bool IsWeekend(absl::CivilDay d) {
  absl::Weekday w = absl::GetWeekday(d);
  return w == absl::Weekday::saturday || w == absl::Weekday::sunday;
}

absl::CivilDay FirstMonday(int year, int month) {
  absl::CivilDay first(year, month, 1);
  return absl::NextWeekday(first - 1, absl::Weekday::monday);
}

absl::CivilDay LastMonday(int year, int month) {
  absl::CivilDay next_month_first(absl::CivilMonth(year, month) + 1);
  return absl::PrevWeekday(next_month_first, absl::Weekday::monday);
}

absl::CivilDay RuleDate(const HolidayRule& r, int year) {
  switch (r.rule) {
    case DateRule::kFixed:
      return absl::CivilDay(year, r.month, r.day);
    case DateRule::kEasterOffset:
      return EasterSunday(year) + r.day;
    case DateRule::kFirstMonday:
      return FirstMonday(year, r.month);
    case DateRule::kLastMonday:
      return LastMonday(year, r.month);
  }
  return absl::CivilDay(year, 1, 1);
}

bool Contains(const std::vector<absl::CivilDay>& days, absl::CivilDay d) {
  return std::find(days.begin(), days.end(), d) != days.end();
}

}  // namespace

absl::CivilDay EasterSunday(int year) {
  const int a = year % 19, b = year / 100, c = year % 100;
  const int d = b / 4, e = b % 4, f = (b + 8) / 25, g = (b - f + 1) / 3;
  const int h = (19 * a + b - d - g + 15) % 30;
  const int i = c / 4, k = c % 4;
  const int l = (32 + 2 * e + 2 * i - h - k) % 7;
  const int m = (a + 11 * h + 22 * l) / 451;
  const int month = (h + l - 7 * m + 114) / 31;
  const int day = (h + l - 7 * m + 114) % 31 + 1;
  return absl::CivilDay(year, month, day);
}

std::vector<absl::CivilDay> StandardBankHolidays(int year) {
  // Weekday holidays first, so that a substitute day never lands on another
  // holiday (Christmas on a Sunday: Boxing Day keeps Monday the 26th and
  // Christmas moves to Tuesday the 27th).
  std::vector<absl::CivilDay> days;
  std::vector<absl::CivilDay> on_weekend;
  for (const HolidayRule& r : kRules) {
    absl::CivilDay d = RuleDate(r, year);
    (IsWeekend(d) ? on_weekend : days).push_back(d);
  }
  std::sort(on_weekend.begin(), on_weekend.end());
  for (absl::CivilDay d : on_weekend) {
    absl::CivilDay sub = d + 1;
    while (IsWeekend(sub) || Contains(days, sub)) ++sub;
    days.push_back(sub);
  }
  std::sort(days.begin(), days.end());
  return days;
}

bool ParseLocalDate(absl::string_view text, absl::CivilDay* day) {
  // absl::ParseCivilTime accepts what FormatCivilTime prints, and normalises
  // out-of-range fields (2022-02-30 -> 2022-03-02); both are refused here.
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return false;
  absl::CivilDay parsed;
  if (!absl::ParseCivilTime(text, &parsed)) return false;
  if (FormatLocalDate(parsed) != text) return false;
  *day = parsed;
  return true;
}

std::string FormatLocalDate(absl::CivilDay day) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", static_cast<int>(day.year()),
                day.month(), day.day());
  return buf;
}

namespace {

absl::Status ParseDates(const google::protobuf::RepeatedPtrField<std::string>& texts,
                        const std::string& field, std::vector<absl::CivilDay>* out) {
  for (int i = 0; i < texts.size(); ++i) {
    absl::CivilDay d;
    if (!ParseLocalDate(texts[i], &d)) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "%s[%d]: not a date (want YYYY-MM-DD): %s", field, i, texts[i]));
    }
    out->push_back(d);
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<BankHolidayChangeSet> ParseBankHolidayChanges(
    const cre::v1::BankHolidayChanges& changes) {
  BankHolidayChangeSet set;
  for (int i = 0; i < changes.changes_size(); ++i) {
    const auto& c = changes.changes(i);
    const std::string prefix = absl::StrCat("changes[", i, "]");
    if (c.remove().empty() && c.add().empty()) {
      return absl::InvalidArgumentError(absl::StrCat(prefix, ": neither add nor remove"));
    }
    absl::Status s = ParseDates(c.remove(), prefix + ".remove", &set.removed);
    if (!s.ok()) return s;
    s = ParseDates(c.add(), prefix + ".add", &set.added);
    if (!s.ok()) return s;
  }
  return set;
}

absl::StatusOr<BankHolidayChangeSet> LoadBankHolidayChangesFile(const std::string& path) {
  cre::v1::BankHolidayChanges changes;
  absl::Status s = ReadTextProtoFile(path, &changes);
  if (!s.ok()) return s;
  absl::StatusOr<BankHolidayChangeSet> set = ParseBankHolidayChanges(changes);
  if (!set.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", set.status().message()));
  }
  return set;
}

}  // namespace cre::pathway
