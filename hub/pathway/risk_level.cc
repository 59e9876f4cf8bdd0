#include "pathway/risk_level.h"

#include "absl/strings/str_cat.h"

namespace cre::pathway {
namespace {

const char* LevelName(cre::v1::RiskLevel level) {
  switch (level) {
    case cre::v1::RISK_LEVEL_LOW: return "LOW";
    case cre::v1::RISK_LEVEL_MEDIUM: return "MEDIUM";
    case cre::v1::RISK_LEVEL_HIGH: return "HIGH";
    default: return "UNSPECIFIED";
  }
}

}  // namespace

int AgeInYears(absl::CivilDay date_of_birth, absl::CivilDay on) {
  int age = static_cast<int>(on.year() - date_of_birth.year());
  const bool before_birthday =
      on.month() < date_of_birth.month() ||
      (on.month() == date_of_birth.month() && on.day() < date_of_birth.day());
  return before_birthday ? age - 1 : age;
}

LevelDecision DecideLevel(absl::CivilDay assessed_on, absl::CivilDay date_of_birth, bool send,
                          cre::v1::RiskLevel recorded, bool team_manager_approved_low,
                          const Policy& policy) {
  LevelDecision d;
  d.recorded = recorded;
  d.effective = recorded;
  d.reason = cre::v1::LEVEL_REASON_AS_RECORDED;
  d.age = AgeInYears(date_of_birth, assessed_on);
  if (recorded != cre::v1::RISK_LEVEL_LOW) return d;
  const bool by_age = d.age <= policy.floor_max_age_years;
  const bool by_send = send && policy.floor_applies_to_send;
  if (!by_age && !by_send) return d;
  if (team_manager_approved_low) {
    d.reason = cre::v1::LEVEL_REASON_LOW_APPROVED_BY_TEAM_MANAGER;
    return d;
  }
  d.effective = cre::v1::RISK_LEVEL_MEDIUM;
  d.reason = by_age && by_send ? cre::v1::LEVEL_REASON_FLOOR_AGE_AND_SEND
             : by_age          ? cre::v1::LEVEL_REASON_FLOOR_AGE
                               : cre::v1::LEVEL_REASON_FLOOR_SEND;
  return d;
}

std::string ExplainLevel(const LevelDecision& d, const Policy& policy,
                         const std::string& approved_by) {
  const std::string age_words =
      absl::StrCat("the child was ", d.age, " (aged ", policy.floor_max_age_years,
                   " or under) on the date of the assessment");
  switch (d.reason) {
    case cre::v1::LEVEL_REASON_AS_RECORDED:
      return absl::StrCat("Recorded ", LevelName(d.recorded), "; the recorded level stands.");
    case cre::v1::LEVEL_REASON_FLOOR_AGE:
      return absl::StrCat("Recorded LOW; raised to MEDIUM because ", age_words,
                          " and no team manager approved LOW.");
    case cre::v1::LEVEL_REASON_FLOOR_SEND:
      return "Recorded LOW; raised to MEDIUM because the child has SEND and no team manager "
             "approved LOW.";
    case cre::v1::LEVEL_REASON_FLOOR_AGE_AND_SEND:
      return absl::StrCat("Recorded LOW; raised to MEDIUM because ", age_words,
                          " and has SEND, and no team manager approved LOW.");
    case cre::v1::LEVEL_REASON_LOW_APPROVED_BY_TEAM_MANAGER:
      return absl::StrCat("Recorded LOW under the floor rule; stands because team manager ",
                          approved_by, " approved it after a thorough assessment.");
    default:
      return "No risk assessment recorded yet.";
  }
}

}  // namespace cre::pathway
