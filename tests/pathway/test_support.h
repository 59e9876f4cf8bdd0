// Shared helpers for the pathway tests: the shipped calendar and engine,
// RFC 3339 instants and local dates written as text.
#ifndef CRE_TESTS_PATHWAY_TEST_SUPPORT_H_
#define CRE_TESTS_PATHWAY_TEST_SUPPORT_H_

#include <string>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "pathway/bank_holidays.h"
#include "pathway/calendar.h"
#include "pathway/engine.h"
#include "pathway/policy.h"

namespace cre::pathway::testing {

inline std::string SourceRoot() { return CRE_TEST_SOURCE_ROOT; }
inline std::string PolicyFile() { return SourceRoot() + "/config/policy.textproto"; }
inline std::string HolidaysFile() { return SourceRoot() + "/config/bank_holiday_changes.textproto"; }

// An instant from RFC 3339 text; fails the test if it does not parse.
inline absl::Time T(const std::string& text) {
  absl::Time t;
  std::string error;
  EXPECT_TRUE(absl::ParseTime(absl::RFC3339_full, text, &t, &error)) << text << ": " << error;
  return t;
}

// A local date from YYYY-MM-DD.
inline absl::CivilDay Day(const std::string& text) {
  absl::CivilDay d;
  EXPECT_TRUE(ParseLocalDate(text, &d)) << text;
  return d;
}

// The calendar with the shipped one-off changes.
inline const Calendar& ShippedCalendar() {
  static const Calendar* calendar = [] {
    auto changes = LoadBankHolidayChangesFile(HolidaysFile());
    EXPECT_TRUE(changes.ok()) << changes.status();
    auto cal = Calendar::Create("Europe/London", *changes);
    EXPECT_TRUE(cal.ok()) << cal.status();
    return new Calendar(*std::move(cal));
  }();
  return *calendar;
}

// The engine with the shipped policy and changes.
inline const PathwayEngine& ShippedEngine() {
  static const PathwayEngine* engine = [] {
    auto e = PathwayEngine::FromFiles(PolicyFile(), HolidaysFile());
    EXPECT_TRUE(e.ok()) << e.status();
    return new PathwayEngine(*std::move(e));
  }();
  return *engine;
}

// An engine with `policy` (say DefaultPolicy() with one field changed) and
// the shipped changes.
inline PathwayEngine EngineWith(const cre::v1::PathwayPolicy& policy) {
  auto changes = LoadBankHolidayChangesFile(HolidaysFile());
  EXPECT_TRUE(changes.ok()) << changes.status();
  auto engine = PathwayEngine::Create(policy, *changes);
  EXPECT_TRUE(engine.ok()) << engine.status();
  return *std::move(engine);
}

}  // namespace cre::pathway::testing

#endif  // CRE_TESTS_PATHWAY_TEST_SUPPORT_H_
