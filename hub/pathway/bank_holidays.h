// The bank holidays of England and Wales: the standing rules, computed for
// any year, plus the one-off changes proclaimed from time to time, which are
// data (config/bank_holiday_changes.textproto), not code.
//
//   absl::CivilDay easter = cre::pathway::EasterSunday(2026);    // 2026-04-05
//   std::vector<absl::CivilDay> days = cre::pathway::StandardBankHolidays(2027);
//   // 2027-01-01 2027-03-26 2027-03-29 2027-05-03 2027-05-31 2027-08-30
//   // 2027-12-27 2027-12-28
#ifndef CRE_HUB_PATHWAY_BANK_HOLIDAYS_H_
#define CRE_HUB_PATHWAY_BANK_HOLIDAYS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "cre/v1/calendar.pb.h"

namespace cre::pathway {

// Easter Sunday of a Gregorian year (the anonymous Gregorian computus).
absl::CivilDay EasterSunday(int year);

// The bank holidays of `year` by the standing rules only, sorted: New Year's
// Day, Good Friday, Easter Monday, the first and last Mondays of May, the
// last Monday of August, Christmas Day and Boxing Day; a fixed-date holiday
// that falls on a weekend moves to the next weekday that is not already a
// holiday. The rules are those in force since 1978 (when the May Day holiday
// began); earlier years are computed by the same rules.
std::vector<absl::CivilDay> StandardBankHolidays(int year);

// One-off changes, checked and parsed.
struct BankHolidayChangeSet {
  std::vector<absl::CivilDay> removed;
  std::vector<absl::CivilDay> added;
};

// Checks every date (YYYY-MM-DD, a real day); errors name the field, for
// example "changes[2].add[0]: not a date (want YYYY-MM-DD): 2022-13-01".
absl::StatusOr<BankHolidayChangeSet> ParseBankHolidayChanges(
    const cre::v1::BankHolidayChanges& changes);

// Reads a text-format BankHolidayChanges file and parses it.
absl::StatusOr<BankHolidayChangeSet> LoadBankHolidayChangesFile(const std::string& path);

// Parses a strict YYYY-MM-DD local date.
bool ParseLocalDate(absl::string_view text, absl::CivilDay* day);

// YYYY-MM-DD.
std::string FormatLocalDate(absl::CivilDay day);

}  // namespace cre::pathway

#endif  // CRE_HUB_PATHWAY_BANK_HOLIDAYS_H_
