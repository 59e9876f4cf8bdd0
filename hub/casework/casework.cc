#include "casework/casework.h"

#include <algorithm>

#include "casework/hub_actions.h"
#include "common/proto_time.h"
#include "common/status_macros.h"

namespace cre {
namespace {

// How far ahead of the hub's clock a decision may be dated: an agency's
// clock that runs a little fast is not a reason to refuse its record.
constexpr absl::Duration kDecisionClockSkew = absl::Minutes(5);

// The checks of a decision not to share that need the case: its date
// against the case's opening (named here, before the engine would name the
// event it becomes) and the hub's clock.
absl::Status CheckDecisionDate(const v1::DecisionNotToShare& decision, absl::Time accepted_at,
                               const CaseView& case_view) {
  const absl::Time decided_at = FromProtoTime(decision.decided_at());
  if (decided_at < FromProtoTime(case_view.case_file.opened_at())) {
    return absl::InvalidArgumentError("decision.decided_at: before the case opened");
  }
  if (decided_at > accepted_at + kDecisionClockSkew) {
    return absl::InvalidArgumentError("decision.decided_at: in the future");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<std::string>> Casework::DecisionRecipients(const v1::Agency& sender,
                                                                      const v1::RoutedMessage& message,
                                                                      absl::Time accepted_at,
                                                                      const CaseView* case_view) const {
  if (case_view == nullptr) return absl::InvalidArgumentError("case_id: required for a decision not to share");
  // The lead as the case stands when the decision is recorded
  // (docs/procedure.md, Choice 37).
  absl::StatusOr<v1::Pathway> pathway = engine_->Evaluate(case_view->case_file, accepted_at);
  if (!pathway.ok()) return pathway.status();
  return router_.DecisionNotToShareRecipients(sender, message.decision_not_to_share(), *pathway, *case_view);
}

absl::StatusOr<Routing> Casework::DecideSubmission(const v1::Agency& sender, const v1::RoutedMessage& message,
                                                   absl::Time accepted_at, const CaseView* case_view,
                                                   const RepliedMessage* replied) const {
  if (absl::Status may = router_.MayWrite(sender, case_view, replied); !may.ok()) return may;
  const bool decision = message.kind() == v1::MESSAGE_KIND_DECISION_NOT_TO_SHARE;
  if (decision && case_view != nullptr) {
    CRE_RETURN_IF_ERROR(CheckDecisionDate(message.decision_not_to_share(), accepted_at, *case_view));
  }
  if (case_view != nullptr) {
    if (absl::Status valid = engine_->Validate(case_view->case_file); !valid.ok()) return valid;
  }
  Routing routing;
  absl::StatusOr<std::vector<std::string>> recipients =
      decision ? DecisionRecipients(sender, message, accepted_at, case_view)
               : router_.Recipients(sender, message, case_view, replied);
  if (!recipients.ok()) return recipients.status();
  routing.recipients = *std::move(recipients);
  const HubActions actions(&router_);
  actions.AddMessageEvent(message, replied, &routing);
  if (case_view == nullptr) {
    Envelop(&routing);
    return routing;
  }

  v1::CaseFile after = case_view->case_file;
  if (routing.event_kind != v1::EVENT_KIND_UNSPECIFIED) {
    v1::CaseEvent* event = after.add_events();
    event->set_kind(routing.event_kind);
    *event->mutable_occurred_at() = ToProtoTime(accepted_at);
  }
  absl::StatusOr<v1::Pathway> pathway = engine_->Evaluate(after, accepted_at);
  if (!pathway.ok()) return pathway.status();
  actions.AddFollowUps(*pathway, *case_view, &routing);
  // What the hub sends with the submission completes actions too (the
  // escalation raised with a host authority's dispute): the alerts and the
  // schedule count the follow-ups' events, or the escalation would stay in
  // the managers' open actions until the next review.
  bool followed_up = false;
  for (const FollowUp& follow_up : routing.follow_ups) {
    if (follow_up.event_kind == v1::EVENT_KIND_UNSPECIFIED) continue;
    v1::CaseEvent* event = after.add_events();
    event->set_kind(follow_up.event_kind);
    *event->mutable_occurred_at() = ToProtoTime(accepted_at);
    followed_up = true;
  }
  if (followed_up) {
    pathway = engine_->Evaluate(after, accepted_at);
    if (!pathway.ok()) return pathway.status();
  }
  actions.AddOverdueAlerts(*pathway, *case_view, &routing);
  routing.schedule = actions.ScheduleOf(*pathway, *case_view);
  Envelop(&routing);
  return routing;
}

absl::StatusOr<Routing> Casework::DecideReview(const CaseView& case_view, absl::Time now) const {
  absl::StatusOr<v1::Pathway> pathway = engine_->Evaluate(case_view.case_file, now);
  if (!pathway.ok()) return pathway.status();
  const HubActions actions(&router_);
  Routing routing;
  actions.AddOverdueAlerts(*pathway, case_view, &routing);
  routing.schedule = actions.ScheduleOf(*pathway, case_view);
  Envelop(&routing);
  return routing;
}

void Casework::Envelop(Routing* routing) const {
  for (FollowUp& follow_up : routing->follow_ups) *follow_up.message.mutable_governance() = hub_envelope_;
}

int Casework::WorkingDaysUntil(absl::Time now, absl::CivilDay due_day) const {
  const pathway::Calendar& calendar = engine_->calendar();
  const absl::CivilDay today = absl::ToCivilDay(now, calendar.zone());
  // Due on a day that is not a working day: due by the working day after.
  const absl::CivilDay due = calendar.IsWorkingDay(due_day) ? due_day : calendar.AddWorkingDays(due_day, 1);
  // The working days after today up to the due day; or, overdue, from the
  // due day up to today. An action is due within months: bounded.
  constexpr int kMaxDays = 3 * 366;
  int n = 0;
  if (due >= today) {
    for (absl::CivilDay d = today; n < kMaxDays;) {
      d = calendar.AddWorkingDays(d, 1);
      if (d > due) break;
      ++n;
    }
    return n;
  }
  for (absl::CivilDay d = due; d < today && n < kMaxDays; d = calendar.AddWorkingDays(d, 1)) ++n;
  return -n;
}

absl::Time Casework::EndOfWorkingDays(absl::Time now, int n) const {
  const pathway::Calendar& calendar = engine_->calendar();
  // As WorkingDaysUntil counts: n = 0 is today, whatever day it is.
  const absl::CivilDay today = absl::ToCivilDay(now, calendar.zone());
  return absl::FromCivil(calendar.AddWorkingDays(today, n) + 1, calendar.zone());
}

int Casework::WithoutDecisionsWithheldFrom(const std::string& reader_agency_id, v1::CaseFile* case_file) const {
  const v1::AgencyRole reader_role = router_.RoleOf(reader_agency_id);
  auto withheld_from_reader = [&](const v1::CaseEvent& event) {
    if (!event.has_decision_not_to_share()) return false;
    const v1::DecisionNotToShare& decision = event.decision_not_to_share();
    switch (decision.withheld_from_case()) {
      case v1::DecisionNotToShare::kWithheldFromAgencyId:
        return decision.withheld_from_agency_id() == reader_agency_id;
      case v1::DecisionNotToShare::kWithheldFromRole:
        return reader_role != v1::AGENCY_ROLE_UNSPECIFIED && decision.withheld_from_role() == reader_role;
      default:
        return false;
    }
  };
  google::protobuf::RepeatedPtrField<v1::CaseEvent>* events = case_file->mutable_events();
  const int before = events->size();
  events->erase(std::remove_if(events->begin(), events->end(), withheld_from_reader), events->end());
  return before - events->size();
}

std::string Casework::OverseenOwner(const v1::Agency& caller) {
  return caller.role() == v1::CPM_SERVICE ? "" : caller.id();
}

}  // namespace cre
