#include "pathway/case_facts.h"

#include <algorithm>

#include "google/protobuf/timestamp.pb.h"
#include "pathway/bank_holidays.h"

namespace cre::pathway {
namespace {

absl::Time ToTime(const google::protobuf::Timestamp& ts) {
  return absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos());
}

void ToAssessmentFact(const cre::v1::RiskAssessment& a, int index, const CaseFacts& facts,
                      const Calendar& calendar, const Policy& policy, AssessmentFact* out) {
  out->at = ToTime(a.assessed_at());
  out->day = calendar.LocalDay(out->at);
  out->approved_by = a.has_low_risk_approval() ? a.low_risk_approval().team_manager() : "";
  out->level = DecideLevel(out->day, facts.date_of_birth, facts.send, a.level(),
                           !out->approved_by.empty(), policy);
  out->assessor = a.assessor_role();
  out->has_narrative = !a.narrative().empty();
  out->risk_individuals_or_places = a.risk_individuals_or_places_identified();
  out->index = index;
}

void ToEventFact(const cre::v1::CaseEvent& e, int index, const Calendar& calendar,
                 EventFact* out) {
  *out = EventFact();
  out->kind = e.kind();
  out->at = ToTime(e.occurred_at());
  out->day = calendar.LocalDay(out->at);
  if (e.has_acknowledged_at()) out->acknowledged_at = ToTime(e.acknowledged_at());
  if (e.has_scheduled_for()) {
    out->scheduled_for = ToTime(e.scheduled_for());
    out->scheduled_day = calendar.LocalDay(out->scheduled_for);
  }
  out->threshold_outcome = e.threshold_outcome();
  out->cp_threshold_met = e.s47_outcome().cp_threshold_met();
  out->other_concerns = e.s47_outcome().other_concerns();
  out->very_high_risk = e.s47_outcome().very_high_risk();
  out->cp_plan = e.cp_plan();
  out->index = index;
}

template <typename T>
void SortByTime(std::vector<T>* items) {
  std::stable_sort(items->begin(), items->end(),
                   [](const T& a, const T& b) { return a.at < b.at; });
}

}  // namespace

cre::v1::Placement PlacementOf(const cre::v1::Child& child,
                               const std::string& local_authority_code) {
  const std::string& home = child.home_authority_code();
  const std::string& placed = child.placement_authority_code().empty()
                                  ? home
                                  : child.placement_authority_code();
  if (home == local_authority_code) {
    return placed == home ? cre::v1::PLACEMENT_LOCAL : cre::v1::PLACEMENT_PLACED_OUT;
  }
  return placed == local_authority_code ? cre::v1::PLACEMENT_PLACED_IN
                                        : cre::v1::PLACEMENT_UNSPECIFIED;
}

void ToCaseFacts(const cre::v1::CaseFile& file, const Calendar& calendar, const Policy& policy,
                 CaseFacts* facts) {
  const cre::v1::Child& child = file.child();
  facts->case_id = file.case_id();
  ParseLocalDate(child.date_of_birth(), &facts->date_of_birth);
  facts->send = child.send();
  facts->looked_after = child.looked_after();
  facts->open_plan = child.open_plan();
  facts->placement = PlacementOf(child, policy.local_authority_code);
  facts->opened_at = ToTime(file.opened_at());
  facts->assessments.resize(file.risk_assessments_size());
  for (int i = 0; i < file.risk_assessments_size(); ++i) {
    ToAssessmentFact(file.risk_assessments(i), i, *facts, calendar, policy,
                     &facts->assessments[i]);
  }
  facts->events.resize(file.events_size());
  for (int i = 0; i < file.events_size(); ++i) {
    ToEventFact(file.events(i), i, calendar, &facts->events[i]);
  }
  SortByTime(&facts->assessments);
  SortByTime(&facts->events);
}

}  // namespace cre::pathway
