// The case file as plain C++ facts, converted once from the proto, so that
// the engine's hot path reads no protobuf, formats no string and looks up no
// time zone for the case's own instants.
//
//   CaseFacts facts;
//   absl::Status s = ToCaseFacts(case_file, calendar, policy, &facts);  // after ValidateCaseFile
#ifndef CRE_HUB_PATHWAY_CASE_FACTS_H_
#define CRE_HUB_PATHWAY_CASE_FACTS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "cre/v1/case_file.pb.h"
#include "cre/v1/pathway.pb.h"
#include "pathway/calendar.h"
#include "pathway/policy.h"
#include "pathway/risk_level.h"

namespace cre::pathway {

struct AssessmentFact {
  absl::Time at;
  absl::CivilDay day;  // local
  LevelDecision level;
  cre::v1::PractitionerRole assessor = cre::v1::PRACTITIONER_ROLE_UNSPECIFIED;
  bool has_narrative = false;
  bool risk_individuals_or_places = false;
  int index = 0;            // in CaseFile.risk_assessments
  std::string approved_by;  // team manager, for LOW under the floor rule
};

struct EventFact {
  cre::v1::EventKind kind = cre::v1::EVENT_KIND_UNSPECIFIED;
  cre::v1::ThresholdOutcome threshold_outcome = cre::v1::THRESHOLD_OUTCOME_UNSPECIFIED;
  bool cp_threshold_met = false;
  bool other_concerns = false;
  bool very_high_risk = false;
  bool cp_plan = false;
  absl::Time at;
  absl::CivilDay day;                                  // local
  absl::Time acknowledged_at = absl::InfiniteFuture();  // none: never
  absl::Time scheduled_for = absl::InfiniteFuture();
  absl::CivilDay scheduled_day;                        // local, when scheduled
  int index = 0;                                       // in CaseFile.events
};

struct CaseFacts {
  std::string case_id;
  absl::CivilDay date_of_birth;
  bool send = false;
  bool looked_after = false;
  cre::v1::OpenPlan open_plan = cre::v1::OPEN_PLAN_UNSPECIFIED;
  cre::v1::Placement placement = cre::v1::PLACEMENT_UNSPECIFIED;
  absl::Time opened_at;
  // Both in time order (ties keep file order).
  std::vector<AssessmentFact> assessments;
  std::vector<EventFact> events;
};

// Where the child lives relative to `local_authority_code`; UNSPECIFIED when
// neither the home nor the placement authority is this one.
cre::v1::Placement PlacementOf(const cre::v1::Child& child,
                               const std::string& local_authority_code);

// Converts a case file that ValidateCaseFile accepted. Reuses the vectors of
// `facts` (no allocation once they are large enough).
void ToCaseFacts(const cre::v1::CaseFile& file, const Calendar& calendar, const Policy& policy,
                 CaseFacts* facts);

}  // namespace cre::pathway

#endif  // CRE_HUB_PATHWAY_CASE_FACTS_H_
