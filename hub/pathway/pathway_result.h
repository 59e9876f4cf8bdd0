// The engine's answer in plain C++ (no strings built, no protobuf), so that
// a sweep over a million cases allocates nothing per case. engine.h turns it
// into a cre.v1.Pathway.
//
//   PathwayResult result;
//   engine.Evaluate(facts, now, &result);
//   for (const ActionResult& a : result.actions)
//     if (a.status == cre::v1::ACTION_STATUS_OVERDUE) ...
#ifndef CRE_HUB_PATHWAY_PATHWAY_RESULT_H_
#define CRE_HUB_PATHWAY_PATHWAY_RESULT_H_

#include <cstdint>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "cre/v1/case_file.pb.h"
#include "cre/v1/pathway.pb.h"
#include "pathway/risk_level.h"

namespace cre::pathway {

struct RuleInfo;  // rules.h

struct ActionResult {
  cre::v1::ActionKind kind = cre::v1::ACTION_KIND_UNSPECIFIED;
  cre::v1::ActionStatus status = cre::v1::ACTION_STATUS_UNSPECIFIED;
  cre::v1::PractitionerRole owner = cre::v1::PRACTITIONER_ROLE_UNSPECIFIED;
  cre::v1::PractitionerRole chair = cre::v1::PRACTITIONER_ROLE_UNSPECIFIED;
  cre::v1::PractitionerRole recipient = cre::v1::PRACTITIONER_ROLE_UNSPECIFIED;
  cre::v1::ActionKind waiting_for = cre::v1::ACTION_KIND_UNSPECIFIED;
  cre::v1::DueBasis due_basis = cre::v1::DUE_BASIS_UNSPECIFIED;  // unspecified: no due
  absl::Time due_at;          // exclusive deadline
  absl::CivilDay due_day;     // local
  absl::Time done_at = absl::InfiniteFuture();  // InfiniteFuture: not done
  uint32_t participants = 0;  // bit r set: PractitionerRole r
  const RuleInfo* rule = nullptr;
  const char* note = nullptr;  // static text or null
  // A hub-routed action whose message was sent and not yet acknowledged.
  bool awaiting_acknowledgement = false;

  bool has_due() const { return due_basis != cre::v1::DUE_BASIS_UNSPECIFIED; }
};

struct PathwayResult {
  int assessment = -1;  // index into CaseFacts::assessments, -1 when none yet
  LevelDecision level;
  cre::v1::Recording recording = cre::v1::RECORDING_UNSPECIFIED;
  cre::v1::Placement placement = cre::v1::PLACEMENT_UNSPECIFIED;
  cre::v1::OpenPlan current_plan = cre::v1::OPEN_PLAN_UNSPECIFIED;
  absl::Time closed_at = absl::InfiniteFuture();  // InfiniteFuture: open
  std::vector<ActionResult> actions;

  // Empties it for reuse, keeping the capacity of actions.
  void Clear() {
    std::vector<ActionResult> keep = std::move(actions);
    keep.clear();
    *this = PathwayResult();
    actions = std::move(keep);
  }
};

}  // namespace cre::pathway

#endif  // CRE_HUB_PATHWAY_PATHWAY_RESULT_H_
