// What the hub does itself when the pathway asks: the actions it performs by
// routing a message (a step-up from Early Help, an IRO notification, a
// host-authority handoff, a home-authority consultation), and the case
// events that routed messages and responses stand for. Pure: the store
// writes what these functions decide, in the submission's transaction.
//
//   HubActions actions(&router);
//   actions.AddMessageEvent(message, replied, &routing);
//   actions.AddFollowUps(pathway, case_view, &routing);
//   actions.AddOverdueAlerts(pathway, case_view, &routing);
//   routing.schedule = actions.ScheduleOf(pathway, case_view);
#ifndef CRE_HUB_CASEWORK_HUB_ACTIONS_H_
#define CRE_HUB_CASEWORK_HUB_ACTIONS_H_

#include <string>

#include "absl/status/status.h"
#include "casework/case_decision.h"
#include "casework/routing_rules.h"
#include "cre/v1/pathway.pb.h"

namespace cre {

class HubActions {
 public:
  explicit HubActions(const Router* router) : router_(router) {}

  // The event on the case that `message` (already routed to
  // routing->recipients) stands for, and whose acknowledgement completes
  // it: an Operation Liberty report sent (the PRU's), a step-up referral
  // (CSC's), an IRO notification (the IRO service's; for another
  // authority's child, its home authority's), a consultation (the home
  // authority's); a host authority's acceptance or dispute of a
  // handoff, and on a dispute the escalation to the Duty CPM.
  void AddMessageEvent(const v1::RoutedMessage& message, const RepliedMessage* replied,
                       Routing* routing) const;

  // For every action the hub performs itself that `pathway` requires and
  // that was neither done nor sent, a follow-up message, keyed by the rule
  // and its due instant so that each trigger is acted on once. An action
  // nobody registered can receive (a host authority missing from the
  // registry) becomes an escalation to the Duty CPM instead: the
  // submission that triggered it is never refused for it.
  void AddFollowUps(const v1::Pathway& pathway, const CaseView& case_view, Routing* routing) const;

  // For every OVERDUE action, an alert to the Duty CPM (the CPM service)
  // and to the agency that owns the action, keyed by the rule and its due
  // instant so that each is sent once, however often the case is reviewed.
  void AddOverdueAlerts(const v1::Pathway& pathway, const CaseView& case_view, Routing* routing) const;

  // The case's open actions with a due time (for managers' queries), and
  // when it must be reviewed next: the earliest due time still ahead.
  CaseSchedule ScheduleOf(const v1::Pathway& pathway, const CaseView& case_view) const;

 private:
  void AddUnroutable(const v1::Action& action, const std::string& trigger_key, const absl::Status& why,
                     Routing* routing) const;

  const Router* router_;
};

}  // namespace cre

#endif  // CRE_HUB_CASEWORK_HUB_ACTIONS_H_
