// Open actions and schedules for tests: the pathway's output built by hand,
// with what no test reads filled in.
#ifndef CRE_TESTS_SUPPORT_OPEN_ACTIONS_H_
#define CRE_TESTS_SUPPORT_OPEN_ACTIONS_H_

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "casework/case_decision.h"

namespace cre::testing {

// An open action: `rule`, due at `due`, owned by `role` at `agency` ("": by
// the role, with no agency named), of `kind`; chaired by nobody, on a local
// date no test reads unless it sets its own.
inline OpenAction ActionDue(const std::string& rule, absl::Time due, const std::string& agency,
                            v1::PractitionerRole role = v1::PRACTITIONER_ROLE_LEAD_PRACTITIONER,
                            v1::ActionKind kind = v1::TAF_MEETING) {
  OpenAction action;
  action.rule_id = rule;
  action.kind = kind;
  action.owner = role;
  action.owner_agency_id = agency;
  action.due_at = due;
  action.due_date = "2030-01-01";
  return action;
}

// A schedule of `actions`, its next deadline the earliest of them.
inline CaseSchedule ScheduleOf(std::vector<OpenAction> actions) {
  CaseSchedule schedule;
  schedule.open_actions = std::move(actions);
  for (const OpenAction& a : schedule.open_actions) schedule.next_deadline = std::min(schedule.next_deadline, a.due_at);
  return schedule;
}

}  // namespace cre::testing

#endif  // CRE_TESTS_SUPPORT_OPEN_ACTIONS_H_
