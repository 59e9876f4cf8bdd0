// The risk level rules (docs/procedure.md, Risk levels and recording): the level an
// assessment stands at once the floor for young children and children with
// SEND is applied, and why.
//
//   LevelDecision d = DecideLevel(assessment_day, dob, /*send=*/false,
//                                 cre::v1::RISK_LEVEL_LOW, /*tm_approved=*/false, policy);
//   // d.effective == RISK_LEVEL_MEDIUM, d.reason == LEVEL_REASON_FLOOR_AGE for a child of 12
#ifndef CRE_HUB_PATHWAY_RISK_LEVEL_H_
#define CRE_HUB_PATHWAY_RISK_LEVEL_H_

#include <string>

#include "absl/time/civil_time.h"
#include "cre/v1/case_file.pb.h"
#include "cre/v1/pathway.pb.h"
#include "pathway/policy.h"

namespace cre::pathway {

// Completed years on local date `on` (a child born on 29 February becomes a
// year older on 1 March in common years).
int AgeInYears(absl::CivilDay date_of_birth, absl::CivilDay on);

struct LevelDecision {
  cre::v1::RiskLevel recorded = cre::v1::RISK_LEVEL_UNSPECIFIED;
  cre::v1::RiskLevel effective = cre::v1::RISK_LEVEL_UNSPECIFIED;
  cre::v1::LevelReason reason = cre::v1::LEVEL_REASON_UNSPECIFIED;
  int age = 0;
};

// Rule 2: a child aged policy.floor_max_age_years or under on the assessment
// date, or with SEND, is at least MEDIUM unless a team manager approved LOW.
// Every CRE toolkit assessment is made because concerns indicate abuse or a
// risk of CRE, so the floor applies to every LOW assessment of such a child.
LevelDecision DecideLevel(absl::CivilDay assessed_on, absl::CivilDay date_of_birth, bool send,
                          cre::v1::RiskLevel recorded, bool team_manager_approved_low,
                          const Policy& policy);

// One sentence for a practitioner, e.g. "Recorded LOW; raised to MEDIUM
// because the child was 12 (aged 12 or under) on the date of the assessment."
std::string ExplainLevel(const LevelDecision& d, const Policy& policy,
                         const std::string& approved_by);

}  // namespace cre::pathway

#endif  // CRE_HUB_PATHWAY_RISK_LEVEL_H_
