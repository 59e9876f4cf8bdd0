#include "casework/casework.h"

#include "casework/hub_actions.h"
#include "common/proto_time.h"

namespace cre {

absl::StatusOr<Routing> Casework::DecideSubmission(const v1::Agency& sender, const v1::RoutedMessage& message,
                                                   absl::Time accepted_at, const CaseView* case_view,
                                                   const RepliedMessage* replied) const {
  if (absl::Status may = router_.MayWrite(sender, case_view, replied); !may.ok()) return may;
  if (case_view != nullptr) {
    if (absl::Status valid = engine_->Validate(case_view->case_file); !valid.ok()) return valid;
  }
  Routing routing;
  absl::StatusOr<std::vector<std::string>> recipients = router_.Recipients(sender, message, case_view, replied);
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

std::string Casework::OverseenOwner(const v1::Agency& caller) {
  return caller.role() == v1::CPM_SERVICE ? "" : caller.id();
}

}  // namespace cre
