#include "casework/routing_rules.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "access/case_access.h"

namespace cre {
namespace {

bool Contains(const std::vector<std::string>& ids, const std::string& id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

std::vector<std::string> Without(std::vector<std::string> ids, const std::string& id) {
  ids.erase(std::remove(ids.begin(), ids.end(), id), ids.end());
  return ids;
}

std::vector<std::string> Union(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  std::sort(a.begin(), a.end());
  a.erase(std::unique(a.begin(), a.end()), a.end());
  return a;
}

absl::Status RequireCase(const CaseView* case_view, const char* what) {
  if (case_view != nullptr) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat("case_id: required for ", what));
}

absl::StatusOr<std::vector<std::string>> NonEmpty(std::vector<std::string> recipients,
                                                  const char* who) {
  if (recipients.empty()) {
    return absl::FailedPreconditionError(absl::StrCat("no ", who, " is registered with the hub"));
  }
  return recipients;
}

}  // namespace

LeadKind LeadOf(const v1::Pathway& pathway) {
  const v1::RiskLevel level = pathway.risk().effective_level();
  const v1::Placement placement = pathway.placement();
  if (level >= v1::RISK_LEVEL_MEDIUM) {
    return placement == v1::PLACEMENT_PLACED_OUT ? LeadKind::kHostAuthority : LeadKind::kChildrensSocialCare;
  }
  switch (pathway.current_plan()) {
    case v1::OPEN_PLAN_CHILD_IN_NEED:
    case v1::OPEN_PLAN_CHILD_PROTECTION:
    case v1::OPEN_PLAN_LOOKED_AFTER:
      return placement == v1::PLACEMENT_PLACED_IN ? LeadKind::kHomeAuthority : LeadKind::kChildrensSocialCare;
    case v1::OPEN_PLAN_EARLY_HELP:
      return placement == v1::PLACEMENT_PLACED_IN ? LeadKind::kHomeAuthority : LeadKind::kEarlyHelp;
    default:
      return level == v1::RISK_LEVEL_LOW ? LeadKind::kEarlyHelp : LeadKind::kChildrensSocialCare;
  }
}

const char* LeadKindName(LeadKind kind) {
  switch (kind) {
    case LeadKind::kChildrensSocialCare: return "Children's Social Care";
    case LeadKind::kEarlyHelp: return "Early Help";
    case LeadKind::kHostAuthority: return "the host authority";
    case LeadKind::kHomeAuthority: return "the home authority";
  }
  return "?";
}

absl::StatusOr<std::string> Router::LeadAgency(const v1::Pathway& pathway, const CaseView& case_view) const {
  const v1::Child& child = case_view.case_file.child();
  std::string lead;
  switch (LeadOf(pathway)) {
    case LeadKind::kHostAuthority: {
      absl::StatusOr<std::string> host = AuthorityWithCode(child.placement_authority_code(), "");
      if (host.ok()) lead = *host;
      break;
    }
    case LeadKind::kHomeAuthority: {
      absl::StatusOr<std::string> home = AuthorityWithCode(child.home_authority_code(), "");
      if (home.ok()) lead = *home;
      break;
    }
    case LeadKind::kEarlyHelp:
      lead = FirstAgencyOfRole(v1::EARLY_HELP);
      break;
    case LeadKind::kChildrensSocialCare:
      break;
  }
  if (lead.empty()) lead = FirstAgencyOfRole(v1::CHILDRENS_SOCIAL_CARE);
  if (lead.empty()) return absl::FailedPreconditionError("no Children's Social Care is registered with the hub");
  return lead;
}

absl::StatusOr<std::vector<std::string>> Router::DecisionNotToShareRecipients(
    const v1::Agency& sender, const v1::DecisionNotToShare& decision, const v1::Pathway& pathway,
    const CaseView& case_view) const {
  if (decision.withheld_from_case() == v1::DecisionNotToShare::kWithheldFromAgencyId) {
    if (registry_->FindById(decision.withheld_from_agency_id()) == nullptr) {
      return absl::InvalidArgumentError("decision.withheld_from_agency_id: not an agency of the registry");
    }
    if (decision.withheld_from_agency_id() == sender.id()) {
      return absl::InvalidArgumentError(
          "decision.withheld_from_agency_id: the sending agency itself; name the agency it is withheld from");
    }
  }
  absl::StatusOr<std::string> lead = LeadAgency(pathway, case_view);
  if (!lead.ok()) return lead.status();
  if (*lead != sender.id()) return std::vector<std::string>{*lead};
  // The lead agency's own decision: someone outside it must hear of it.
  return NonEmpty(OfRole(v1::CPM_SERVICE), "CPM service");
}

std::vector<std::string> Router::OfRole(v1::AgencyRole role) const {
  std::vector<std::string> ids;
  for (const v1::Agency& agency : registry_->agencies()) {
    const bool ours = agency.local_authority_code().empty() ||
                      agency.local_authority_code() == hub_authority_code_;
    if (agency.role() == role && ours) ids.push_back(agency.id());
  }
  return ids;
}

std::string Router::OwnerAgency(v1::PractitionerRole owner, const CaseView& case_view) const {
  const v1::Child& child = case_view.case_file.child();
  switch (owner) {
    case v1::PRACTITIONER_ROLE_SOCIAL_WORKER:
    case v1::PRACTITIONER_ROLE_TEAM_MANAGER:
    case v1::PRACTITIONER_ROLE_CHILDRENS_SOCIAL_CARE:
      return FirstAgencyOfRole(v1::CHILDRENS_SOCIAL_CARE);
    case v1::PRACTITIONER_ROLE_LEAD_PRACTITIONER:
      return child.open_plan() == v1::OPEN_PLAN_EARLY_HELP ? FirstAgencyOfRole(v1::EARLY_HELP)
                                                           : FirstAgencyOfRole(v1::CHILDRENS_SOCIAL_CARE);
    case v1::PRACTITIONER_ROLE_EARLY_HELP_PRACTITIONER:
      return FirstAgencyOfRole(v1::EARLY_HELP);
    case v1::PRACTITIONER_ROLE_CPM:
    case v1::PRACTITIONER_ROLE_CPM_VC:
    case v1::PRACTITIONER_ROLE_DUTY_CPM:
      return FirstAgencyOfRole(v1::CPM_SERVICE);
    case v1::PRACTITIONER_ROLE_IRO:
      return FirstAgencyOfRole(v1::IRO_SERVICE);
    case v1::PRACTITIONER_ROLE_POLICE_REFERRAL_UNIT:
      return FirstAgencyOfRole(v1::POLICE_REFERRAL_UNIT);
    case v1::PRACTITIONER_ROLE_HOST_AUTHORITY: {
      absl::StatusOr<std::string> host = AuthorityWithCode(child.placement_authority_code(), "");
      return host.ok() ? *host : "";
    }
    case v1::PRACTITIONER_ROLE_HOME_AUTHORITY: {
      absl::StatusOr<std::string> home = AuthorityWithCode(child.home_authority_code(), "");
      return home.ok() ? *home : "";
    }
    default:
      return "";
  }
}

v1::AgencyRole Router::RoleOf(const std::string& agency_id) const {
  const v1::Agency* agency = registry_->FindById(agency_id);
  return agency == nullptr ? v1::AGENCY_ROLE_UNSPECIFIED : agency->role();
}

absl::StatusOr<std::vector<std::string>> Router::HubActionRecipients(
    const v1::RoutedMessage& message, const CaseView& case_view) const {
  const v1::Child& child = case_view.case_file.child();
  if (message.kind() == v1::MESSAGE_KIND_STEP_UP_REFERRAL) {
    return NonEmpty(OfRole(v1::CHILDRENS_SOCIAL_CARE), "Children's Social Care");
  }
  switch (message.notification().kind()) {
    case v1::NOTIFICATION_KIND_IRO: {
      absl::StatusOr<std::vector<std::string>> to = IroRecipients(child);
      // The home authority is not registered: rather than no IRO hearing of
      // the concern, this authority's IRO service does (the notification
      // asks it to pass it on to the child's own IRO; HubActions).
      if (!to.ok() && OfAnotherAuthority(child)) {
        return NonEmpty(OfRole(v1::IRO_SERVICE), "IRO service");
      }
      return to;
    }
    case v1::NOTIFICATION_KIND_HOST_AUTHORITY_HANDOFF: {
      absl::StatusOr<std::string> host =
          AuthorityWithCode(child.placement_authority_code(), "child.placement_authority_code");
      if (!host.ok()) return host.status();
      return std::vector<std::string>{*host};
    }
    case v1::NOTIFICATION_KIND_HOME_AUTHORITY_CONSULTATION: {
      absl::StatusOr<std::string> home =
          AuthorityWithCode(child.home_authority_code(), "child.home_authority_code");
      if (!home.ok()) return home.status();
      return std::vector<std::string>{*home};
    }
    default:
      return absl::InternalError("not a message the hub sends itself");
  }
}

std::string Router::FirstAgencyOfRole(v1::AgencyRole role) const {
  std::vector<std::string> ids = OfRole(role);
  return ids.empty() ? std::string() : ids.front();
}

absl::StatusOr<std::string> Router::AuthorityWithCode(const std::string& code,
                                                      const char* field) const {
  for (const v1::Agency& agency : registry_->agencies()) {
    if (agency.role() == v1::OTHER_LOCAL_AUTHORITY && agency.local_authority_code() == code) {
      return agency.id();
    }
  }
  return absl::FailedPreconditionError(
      absl::StrCat(field, ": no local authority ", code, " is registered with the hub"));
}

absl::StatusOr<std::vector<std::string>> Router::IroRecipients(const v1::Child& child) const {
  if (!OfAnotherAuthority(child)) return NonEmpty(OfRole(v1::IRO_SERVICE), "IRO service");
  // Its IRO is appointed by its home authority, not by this one.
  absl::StatusOr<std::string> home =
      AuthorityWithCode(child.home_authority_code(), "child.home_authority_code");
  if (!home.ok()) return home.status();
  if (options_.iro_for_child_of_another_authority ==
      v1::IRO_RECIPIENT_HOME_AUTHORITY_AND_LOCAL_IRO_SERVICE) {
    return Union({*home}, OfRole(v1::IRO_SERVICE));  // the copy is optional: none registered is fine
  }
  return std::vector<std::string>{*home};
}

absl::StatusOr<std::vector<std::string>> Router::NotificationRecipients(
    const v1::Agency& sender, const v1::Notification& notification,
    const CaseView& case_view) const {
  const v1::Child& child = case_view.case_file.child();
  const std::string placement = child.placement_authority_code().empty()
                                    ? child.home_authority_code()
                                    : child.placement_authority_code();
  const bool from_other_authority = sender.role() == v1::OTHER_LOCAL_AUTHORITY;
  switch (notification.kind()) {
    case v1::NOTIFICATION_KIND_IRO:
      if (!child.looked_after()) {
        return absl::FailedPreconditionError(
            "notification.kind: an IRO notification is for a looked-after child; this child is not");
      }
      // From the home authority itself about its own child, the sender is
      // dropped below (it tells its own IRO): the notification is recorded,
      // and goes to the IRO service only if the policy copies it.
      return IroRecipients(child);
    case v1::NOTIFICATION_KIND_HOST_AUTHORITY_HANDOFF:
      if (child.home_authority_code() != hub_authority_code_ || placement == hub_authority_code_) {
        return absl::FailedPreconditionError(absl::StrCat(
            "notification.kind: a host-authority handoff is for a child of ", hub_authority_code_,
            " placed in another authority's area"));
      }
      return std::vector<std::string>{};  // filled in by the caller below
    case v1::NOTIFICATION_KIND_HOME_AUTHORITY_CONSULTATION:
      if (from_other_authority) {
        // Another authority consults this one about its own child placed here.
        if (sender.local_authority_code() != child.home_authority_code()) {
          return absl::PermissionDeniedError(
              "case_id: only the child's home authority may consult about this child");
        }
        return NonEmpty(OfRole(v1::CHILDRENS_SOCIAL_CARE), "Children's Social Care");
      }
      if (child.home_authority_code() == hub_authority_code_) {
        return absl::FailedPreconditionError(absl::StrCat(
            "notification.kind: a home-authority consultation is for another authority's child; "
            "this child's home authority is ", hub_authority_code_));
      }
      return std::vector<std::string>{};
    case v1::NOTIFICATION_KIND_DUTY_CPM_ESCALATION:
      return NonEmpty(OfRole(v1::CPM_SERVICE), "CPM service");
    default:
      return absl::InvalidArgumentError("notification.kind: required");
  }
}

absl::Status Router::MayWrite(const v1::Agency& sender, const CaseView* case_view,
                              const RepliedMessage* replied) const {
  // Writing to an existing case needs involvement: an agency may not attach
  // messages to a case it was never part of.
  const bool opens_case = case_view != nullptr && case_view->involved_agency_ids.empty();
  if (case_view != nullptr && !opens_case && replied == nullptr &&
      !Contains(case_view->involved_agency_ids, sender.id())) {
    return NoSuchCase(case_view->case_file.case_id());
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> Router::Recipients(const v1::Agency& sender,
                                                            const v1::RoutedMessage& message,
                                                            const CaseView* case_view,
                                                            const RepliedMessage* replied) const {
  if (absl::Status may = MayWrite(sender, case_view, replied); !may.ok()) return may;
  std::vector<std::string> recipients;
  switch (message.kind()) {
    case v1::MESSAGE_KIND_CONCERN:
      if (message.concern().indicated_level() >= v1::RISK_LEVEL_MEDIUM) {
        absl::StatusOr<std::vector<std::string>> csc =
            NonEmpty(OfRole(v1::CHILDRENS_SOCIAL_CARE), "Children's Social Care");
        if (!csc.ok()) return csc.status();
        recipients = *std::move(csc);
      }
      break;
    case v1::MESSAGE_KIND_OPERATION_LIBERTY_REPORT: {
      absl::StatusOr<std::vector<std::string>> pru =
          NonEmpty(OfRole(v1::POLICE_REFERRAL_UNIT), "Police Referral Unit");
      if (!pru.ok()) return pru.status();
      recipients = case_view == nullptr ? *pru : Union(*pru, case_view->involved_agency_ids);
      break;
    }
    case v1::MESSAGE_KIND_CASE_UPDATE:
      if (absl::Status s = RequireCase(case_view, "a case update"); !s.ok()) return s;
      recipients = case_view->involved_agency_ids;
      break;
    case v1::MESSAGE_KIND_STEP_UP_REFERRAL: {
      if (absl::Status s = RequireCase(case_view, "a step-up referral"); !s.ok()) return s;
      absl::StatusOr<std::vector<std::string>> csc =
          NonEmpty(OfRole(v1::CHILDRENS_SOCIAL_CARE), "Children's Social Care");
      if (!csc.ok()) return csc.status();
      recipients = *std::move(csc);
      break;
    }
    case v1::MESSAGE_KIND_NOTIFICATION: {
      if (absl::Status s = RequireCase(case_view, "a notification"); !s.ok()) return s;
      absl::StatusOr<std::vector<std::string>> to =
          NotificationRecipients(sender, message.notification(), *case_view);
      if (!to.ok()) return to.status();
      recipients = *std::move(to);
      if (recipients.empty()) {
        const v1::Child& child = case_view->case_file.child();
        const bool handoff =
            message.notification().kind() == v1::NOTIFICATION_KIND_HOST_AUTHORITY_HANDOFF;
        absl::StatusOr<std::string> authority =
            handoff ? AuthorityWithCode(child.placement_authority_code(),
                                        "child.placement_authority_code")
                    : AuthorityWithCode(child.home_authority_code(), "child.home_authority_code");
        if (!authority.ok()) return authority.status();
        recipients = {*authority};
      }
      break;
    }
    case v1::MESSAGE_KIND_RESPONSE:
      if (replied == nullptr) return absl::InvalidArgumentError("message_id: required for a response");
      if (replied->sender_agency_id.empty()) {
        return absl::FailedPreconditionError(
            "message_id: an alert from the hub takes no response; acknowledge it");
      }
      recipients = {replied->sender_agency_id};
      break;
    case v1::MESSAGE_KIND_DECISION_NOT_TO_SHARE:
      // Its recipient depends on the case's pathway, which the caller has.
      return absl::InternalError("a decision not to share is routed by DecisionNotToShareRecipients");
    default:
      return absl::InvalidArgumentError("kind: not a message kind the hub routes");
  }
  return Without(std::move(recipients), sender.id());
}

}  // namespace cre
