#include "casework/hub_actions.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/proto_time.h"
#include "google/protobuf/util/time_util.h"
#include "pathway/in_words.h"

namespace cre {
namespace {

// The first recipient with `role`, whose acknowledgement completes the event.
std::string FirstOfRole(const Router& router, const std::vector<std::string>& recipients,
                        v1::AgencyRole role) {
  for (const std::string& id : recipients) {
    if (router.RoleOf(id) == role) return id;
  }
  return "";
}

// The notification the hub sends for a hub-performed action kind.
v1::NotificationKind NotificationFor(v1::ActionKind kind) {
  switch (kind) {
    case v1::IRO_NOTIFICATION: return v1::NOTIFICATION_KIND_IRO;
    case v1::HOST_AUTHORITY_HANDOFF: return v1::NOTIFICATION_KIND_HOST_AUTHORITY_HANDOFF;
    case v1::HOME_AUTHORITY_CONSULTATION: return v1::NOTIFICATION_KIND_HOME_AUTHORITY_CONSULTATION;
    default: return v1::NOTIFICATION_KIND_UNSPECIFIED;
  }
}

std::string TriggerKey(const v1::Action& action) {
  const int64_t due = action.has_due_at()
                          ? google::protobuf::util::TimeUtil::TimestampToMicroseconds(action.due_at())
                          : 0;
  return absl::StrCat(action.rule_id(), "@", due);
}

}  // namespace

void HubActions::AddMessageEvent(const v1::RoutedMessage& message, const RepliedMessage* replied,
                                 Routing* routing) const {
  const std::vector<std::string>& to = routing->recipients;
  switch (message.kind()) {
    case v1::MESSAGE_KIND_OPERATION_LIBERTY_REPORT:  // (the store records it on a case only)
      routing->event_kind = v1::EVENT_KIND_OPERATION_LIBERTY_REPORT_SENT;
      routing->acknowledged_by = FirstOfRole(*router_, to, v1::POLICE_REFERRAL_UNIT);
      return;
    case v1::MESSAGE_KIND_STEP_UP_REFERRAL:
      routing->event_kind = v1::EVENT_KIND_STEP_UP_REFERRAL;
      routing->acknowledged_by = FirstOfRole(*router_, to, v1::CHILDRENS_SOCIAL_CARE);
      return;
    case v1::MESSAGE_KIND_NOTIFICATION:
      switch (message.notification().kind()) {
        case v1::NOTIFICATION_KIND_IRO: {
          routing->event_kind = v1::EVENT_KIND_IRO_NOTIFIED;
          // Another authority's child: its home authority, which appoints
          // its IRO, and not a copy to the IRO service, completes it.
          const std::string home = FirstOfRole(*router_, to, v1::OTHER_LOCAL_AUTHORITY);
          routing->acknowledged_by = home.empty() ? FirstOfRole(*router_, to, v1::IRO_SERVICE) : home;
          return;
        }
        case v1::NOTIFICATION_KIND_HOME_AUTHORITY_CONSULTATION:
          // Only this authority consulting a child's home authority.
          if (FirstOfRole(*router_, to, v1::OTHER_LOCAL_AUTHORITY).empty()) return;
          routing->event_kind = v1::EVENT_KIND_CONSULTATION_SENT;
          routing->acknowledged_by = FirstOfRole(*router_, to, v1::OTHER_LOCAL_AUTHORITY);
          return;
        case v1::NOTIFICATION_KIND_DUTY_CPM_ESCALATION:
          routing->event_kind = v1::EVENT_KIND_DUTY_CPM_ESCALATION_RAISED;
          return;
        default:
          return;  // a handoff is complete when the host authority accepts it
      }
    case v1::MESSAGE_KIND_RESPONSE: {
      const bool to_handoff =
          replied != nullptr && replied->kind == v1::MESSAGE_KIND_NOTIFICATION &&
          replied->message.notification().kind() == v1::NOTIFICATION_KIND_HOST_AUTHORITY_HANDOFF;
      if (!to_handoff) return;
      if (message.response().kind() == v1::RESPONSE_KIND_ACCEPT) {
        routing->event_kind = v1::EVENT_KIND_HOST_AUTHORITY_ACCEPTED;
      } else if (message.response().kind() == v1::RESPONSE_KIND_DISPUTE) {
        routing->event_kind = v1::EVENT_KIND_HOST_AUTHORITY_DISPUTED;
        // The Duty CPM contacts the host authority's CRE lead
        // (docs/procedure.md, Routing).
        FollowUp escalation;
        escalation.trigger_key = absl::StrCat("dispute@", replied->message_id);
        escalation.message.set_kind(v1::MESSAGE_KIND_NOTIFICATION);
        v1::Notification* n = escalation.message.mutable_notification();
        n->set_kind(v1::NOTIFICATION_KIND_DUTY_CPM_ESCALATION);
        n->set_level(replied->message.notification().level());
        n->set_summary(absl::StrCat("The host authority disputes the handoff: ",
                                    message.response().reason()));
        escalation.recipients = router_->OfRole(v1::CPM_SERVICE);
        escalation.event_kind = v1::EVENT_KIND_DUTY_CPM_ESCALATION_RAISED;
        routing->follow_ups.push_back(std::move(escalation));
      }
      return;
    }
    default:
      return;
  }
}

void HubActions::AddFollowUps(const v1::Pathway& pathway, const CaseView& case_view,
                              Routing* routing) const {
  for (const v1::Action& action : pathway.actions()) {
    const bool due_now = action.status() == v1::ACTION_STATUS_PENDING ||
                         action.status() == v1::ACTION_STATUS_OVERDUE;
    if (!action.performed_by_hub() || !due_now || action.awaiting_acknowledgement()) continue;
    FollowUp follow_up;
    follow_up.trigger_key = TriggerKey(action);
    const v1::RiskLevel level = pathway.risk().effective_level();
    if (action.kind() == v1::STEP_UP_REFERRAL) {
      follow_up.on_behalf_of = router_->FirstAgencyOfRole(v1::EARLY_HELP);  // Early Help steps up to CSC
      follow_up.message.set_kind(v1::MESSAGE_KIND_STEP_UP_REFERRAL);
      follow_up.message.mutable_step_up_referral()->set_level(level);
      follow_up.message.mutable_step_up_referral()->set_reason(action.rule());
    } else if (v1::NotificationKind kind = NotificationFor(action.kind());
               kind != v1::NOTIFICATION_KIND_UNSPECIFIED) {
      follow_up.on_behalf_of = router_->FirstAgencyOfRole(v1::CHILDRENS_SOCIAL_CARE);  // answers go to CSC
      follow_up.message.set_kind(v1::MESSAGE_KIND_NOTIFICATION);
      follow_up.message.mutable_notification()->set_kind(kind);
      follow_up.message.mutable_notification()->set_level(level);
      follow_up.message.mutable_notification()->set_summary(action.rule());
    } else {
      continue;  // an Operation Liberty report: the practitioner writes it; the hub routes it
    }
    absl::StatusOr<std::vector<std::string>> to = router_->HubActionRecipients(follow_up.message, case_view);
    if (!to.ok()) {
      AddUnroutable(action, follow_up.trigger_key, to.status(), routing);
      continue;
    }
    follow_up.recipients = *std::move(to);
    const v1::Child& child = case_view.case_file.child();
    if (action.kind() == v1::IRO_NOTIFICATION && router_->OfAnotherAuthority(child) &&
        FirstOfRole(*router_, follow_up.recipients, v1::OTHER_LOCAL_AUTHORITY).empty()) {
      // Router::HubActionRecipients fell back to this authority's IRO service.
      follow_up.message.mutable_notification()->set_summary(absl::StrCat(
          action.rule(), " The child's home authority ", child.home_authority_code(),
          " is not registered with the hub: pass this on to the IRO it appointed."));
    }
    // The same events as when an agency sends these itself.
    Routing as_sent;
    as_sent.recipients = follow_up.recipients;
    AddMessageEvent(follow_up.message, nullptr, &as_sent);
    follow_up.event_kind = as_sent.event_kind;
    follow_up.acknowledged_by = as_sent.acknowledged_by;
    routing->follow_ups.push_back(std::move(follow_up));
  }
}

void HubActions::AddUnroutable(const v1::Action& action, const std::string& trigger_key,
                               const absl::Status& why, Routing* routing) const {
  FollowUp escalation;
  escalation.trigger_key = absl::StrCat("unroutable:", trigger_key);
  escalation.message.set_kind(v1::MESSAGE_KIND_NOTIFICATION);
  v1::Notification* n = escalation.message.mutable_notification();
  n->set_kind(v1::NOTIFICATION_KIND_DUTY_CPM_ESCALATION);
  n->set_action_kind(action.kind());
  n->set_summary(absl::StrCat("The hub could not send the ", pathway::InWords(action.kind()), ": ",
                              why.message(), ". Arrange it by other means."));
  escalation.recipients = router_->OfRole(v1::CPM_SERVICE);
  if (!escalation.recipients.empty()) routing->follow_ups.push_back(std::move(escalation));
}

void HubActions::AddOverdueAlerts(const v1::Pathway& pathway, const CaseView& case_view,
                                  Routing* routing) const {
  for (const v1::Action& action : pathway.actions()) {
    if (action.status() != v1::ACTION_STATUS_OVERDUE || action.discretionary()) continue;
    FollowUp alert;
    alert.trigger_key = absl::StrCat("alert:", TriggerKey(action));
    alert.message.set_kind(v1::MESSAGE_KIND_NOTIFICATION);
    v1::Notification* n = alert.message.mutable_notification();
    n->set_kind(v1::NOTIFICATION_KIND_OVERDUE_ALERT);
    n->set_level(pathway.risk().effective_level());
    n->set_action_kind(action.kind());
    n->set_owner(action.owner());
    *n->mutable_due_at() = action.due_at();
    // For people: the action in words and the deadline as the engine words it
    // in local time (the midnight after a day-based deadline would read as the
    // next day).
    n->set_summary(absl::StrCat("The ", pathway::InWords(action.kind()), " is overdue: it was due ",
                                action.due_in_words().empty() ? action.due_date() : action.due_in_words(),
                                ". ", action.rule()));
    alert.recipients = router_->OfRole(v1::CPM_SERVICE);
    const std::string owner = router_->OwnerAgency(action.owner(), case_view);
    // The CPM service may own the action itself: one delivery each.
    if (!owner.empty() && std::find(alert.recipients.begin(), alert.recipients.end(), owner) ==
                              alert.recipients.end()) {
      alert.recipients.push_back(owner);
    }
    if (alert.recipients.empty()) continue;  // nobody registered to tell
    routing->follow_ups.push_back(std::move(alert));
  }
}

CaseSchedule HubActions::ScheduleOf(const v1::Pathway& pathway, const CaseView& case_view) const {
  CaseSchedule schedule;
  for (const v1::Action& action : pathway.actions()) {
    if (action.status() == v1::ACTION_STATUS_DONE || !action.has_due_at()) continue;
    OpenAction open;
    open.rule_id = action.rule_id();
    open.kind = action.kind();
    open.owner = action.owner();
    open.owner_agency_id = router_->OwnerAgency(action.owner(), case_view);
    open.chair = action.chair();
    open.due_at = FromProtoTime(action.due_at());
    open.due_date = action.due_date();
    // An action already overdue has had its alert; the next look is due
    // when the next one falls due.
    if (action.status() == v1::ACTION_STATUS_PENDING && !action.discretionary()) {
      schedule.next_deadline = std::min(schedule.next_deadline, open.due_at);
    }
    schedule.open_actions.push_back(std::move(open));
  }
  return schedule;
}

}  // namespace cre
