#include "pathway/in_words.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace cre::pathway {
namespace {

namespace v1 = ::cre::v1;

// The first instant of a local day: its midnight, or the moment the clocks
// jump forward if midnight itself is skipped (not in the UK, but the zone
// is the policy's).
absl::Time FirstInstant(absl::CivilDay day, const absl::TimeZone& zone) {
  const absl::TimeZone::TimeInfo info = zone.At(absl::CivilSecond(day));
  return info.kind == absl::TimeZone::TimeInfo::SKIPPED ? info.trans : info.pre;
}

// `words`, or, for a value the enum does not declare, "unknown <what> (<n>)".
std::string Or(const char* words, const char* what, int value) {
  if (words != nullptr) return words;
  return absl::StrCat("unknown ", what, " (", value, ")");
}

}  // namespace

std::string DayInWords(absl::CivilDay day) {
  // English names from tables rather than strftime: the words must not
  // change with the process's locale, and the engine words every action it
  // outputs, where strftime cost half a microsecond each.
  static constexpr const char* kWeekdays[] = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                              "Friday", "Saturday", "Sunday"};
  static constexpr const char* kMonths[] = {"January", "February", "March",     "April",
                                            "May",     "June",     "July",      "August",
                                            "September", "October", "November", "December"};
  return absl::StrCat(kWeekdays[static_cast<int>(absl::GetWeekday(day))], " ", day.day(), " ",
                      kMonths[day.month() - 1], " ", day.year());
}

std::string EndOfDayInWords(absl::CivilDay day) {
  return absl::StrCat("by the end of ", DayInWords(day));
}

std::string DeadlineInWords(absl::Time due_at, const absl::TimeZone& zone) {
  const absl::TimeZone::CivilInfo local = zone.At(due_at);
  const absl::CivilDay day(local.cs);
  // The first instant of a day is exclusive: everything before it, the
  // whole of the day before, is in time.
  if (due_at == FirstInstant(day, zone)) return EndOfDayInWords(day - 1);
  const bool repeated = zone.At(local.cs).kind == absl::TimeZone::TimeInfo::REPEATED;
  return absl::StrCat("before ", absl::FormatTime(repeated ? "%H:%M %Z" : "%H:%M", due_at, zone),
                      " on ", DayInWords(day));
}

std::string DueInWords(v1::DueBasis basis, absl::Time due_at, absl::CivilDay due_day,
                       const absl::TimeZone& zone) {
  switch (basis) {
    case v1::DUE_BASIS_END_OF_DAY:
      return EndOfDayInWords(due_day);
    case v1::DUE_BASIS_INSTANT:
      return DeadlineInWords(due_at, zone);
    default:
      return "";
  }
}

std::string WhenInWords(const v1::Action& action) {
  if (!action.due_in_words().empty()) return action.due_in_words();
  if (action.status() == v1::ACTION_STATUS_WAITING) {
    return absl::StrCat("once the ", InWords(action.waiting_for()), " is done");
  }
  return "no deadline";
}

std::string InWords(v1::ActionKind kind) {
  const char* words = nullptr;
  switch (kind) {
    case v1::ACTION_KIND_UNSPECIFIED: words = "unnamed action"; break;
    case v1::EARLY_HELP_ASSESSMENT: words = "Early Help Assessment"; break;
    case v1::TAF_MEETING: words = "Team Around the Family meeting"; break;
    case v1::RISK_ASSESSMENT_REVIEW: words = "review of the risk assessment"; break;
    case v1::MISSING_EPISODE_ASSESSMENT: words = "risk assessment after a missing episode"; break;
    case v1::STEP_UP_REFERRAL: words = "step-up referral to Children's Social Care"; break;
    case v1::SINGLE_ASSESSMENT: words = "single assessment"; break;
    case v1::STRATEGY_DISCUSSION: words = "strategy discussion"; break;
    case v1::CPM_THRESHOLD_DISCUSSION: words = "threshold discussion with a Child Protection Manager"; break;
    case v1::CRE_TASKING_GROUP: words = "CRE tasking group discussion"; break;
    case v1::CRE_MEETING: words = "CRE meeting"; break;
    case v1::CRE_MEETING_PAPERS: words = "papers for the CRE meeting"; break;
    case v1::OUTLINE_PLAN: words = "outline plan"; break;
    case v1::CRE_MEETING_MINUTES: words = "minutes of the CRE meeting"; break;
    case v1::CRE_REVIEW: words = "CRE review meeting"; break;
    case v1::CRE_REVIEW_PAPERS: words = "papers for the CRE review"; break;
    case v1::S47_ENQUIRY: words = "section 47 enquiry"; break;
    case v1::ICPC: words = "initial child protection conference"; break;
    case v1::CP_CONFERENCE_REQUEST: words = "request for a child protection conference"; break;
    case v1::CP_CONFERENCE_BROUGHT_FORWARD: words = "child protection conference brought forward"; break;
    case v1::CIN_MEETING: words = "child in need meeting"; break;
    case v1::CORE_GROUP_MEETING: words = "core group meeting"; break;
    case v1::IRO_NOTIFICATION: words = "notification of the Independent Reviewing Officer"; break;
    case v1::HOST_AUTHORITY_HANDOFF: words = "handoff to the host authority"; break;
    case v1::DUTY_CPM_ESCALATION: words = "escalation to the Duty Child Protection Manager"; break;
    case v1::HOME_AUTHORITY_CONSULTATION: words = "consultation of the home authority"; break;
    case v1::OPERATION_LIBERTY_REPORT: words = "Operation Liberty report to the Police Referral Unit"; break;
    default: break;
  }
  return Or(words, "action", kind);
}

std::string InWords(v1::ActionStatus status) {
  const char* words = nullptr;
  switch (status) {
    case v1::ACTION_STATUS_UNSPECIFIED: words = "no status"; break;
    case v1::ACTION_STATUS_PENDING: words = "pending"; break;
    case v1::ACTION_STATUS_DONE: words = "done"; break;
    case v1::ACTION_STATUS_OVERDUE: words = "overdue"; break;
    case v1::ACTION_STATUS_WAITING: words = "waiting"; break;
    default: break;
  }
  return Or(words, "status", status);
}

std::string InWords(v1::PractitionerRole role) {
  const char* words = nullptr;
  switch (role) {
    case v1::PRACTITIONER_ROLE_UNSPECIFIED: words = "no one named"; break;
    case v1::PRACTITIONER_ROLE_LEAD_PRACTITIONER: words = "lead practitioner"; break;
    case v1::PRACTITIONER_ROLE_SOCIAL_WORKER: words = "social worker"; break;
    case v1::PRACTITIONER_ROLE_TEAM_MANAGER: words = "team manager"; break;
    case v1::PRACTITIONER_ROLE_CPM: words = "Child Protection Manager"; break;
    case v1::PRACTITIONER_ROLE_CPM_VC: words = "Child Protection Manager for Vulnerable Children"; break;
    case v1::PRACTITIONER_ROLE_DUTY_CPM: words = "Duty Child Protection Manager"; break;
    case v1::PRACTITIONER_ROLE_IRO: words = "Independent Reviewing Officer"; break;
    case v1::PRACTITIONER_ROLE_EARLY_HELP_PRACTITIONER: words = "Early Help practitioner"; break;
    case v1::PRACTITIONER_ROLE_PARTNER_PRACTITIONER: words = "partner agency's practitioner"; break;
    case v1::PRACTITIONER_ROLE_CHILDRENS_SOCIAL_CARE: words = "Children's Social Care"; break;
    case v1::PRACTITIONER_ROLE_POLICE_REFERRAL_UNIT: words = "Police Referral Unit"; break;
    case v1::PRACTITIONER_ROLE_HOST_AUTHORITY: words = "host authority"; break;
    case v1::PRACTITIONER_ROLE_HOME_AUTHORITY: words = "home authority"; break;
    default: break;
  }
  return Or(words, "role", role);
}

std::string InWords(v1::RiskLevel level) {
  const char* words = nullptr;
  switch (level) {
    case v1::RISK_LEVEL_UNSPECIFIED: words = "not assessed"; break;
    case v1::RISK_LEVEL_LOW: words = "low"; break;
    case v1::RISK_LEVEL_MEDIUM: words = "medium"; break;
    case v1::RISK_LEVEL_HIGH: words = "high"; break;
    default: break;
  }
  return Or(words, "risk level", level);
}

std::string InWords(v1::Recording recording) {
  const char* words = nullptr;
  switch (recording) {
    case v1::RECORDING_UNSPECIFIED: words = "recording not decided"; break;
    case v1::RECORDING_WITHIN_EXISTING_PLAN: words = "within the existing plan"; break;
    case v1::RECORDING_EARLY_HELP: words = "Early Help"; break;
    case v1::RECORDING_CRE_STRATEGY: words = "CRE strategy, as child in need"; break;
    case v1::RECORDING_CP_PATHWAY: words = "within the child protection pathway"; break;
    case v1::RECORDING_LAC_WITH_CRE_STRATEGY: words = "looked after, with a CRE strategy"; break;
    case v1::RECORDING_CLOSED: words = "closed"; break;
    default: break;
  }
  return Or(words, "recording", recording);
}

std::string InWords(v1::Placement placement) {
  const char* words = nullptr;
  switch (placement) {
    case v1::PLACEMENT_UNSPECIFIED: words = "placement not recorded"; break;
    case v1::PLACEMENT_LOCAL: words = "living in this authority's area"; break;
    case v1::PLACEMENT_PLACED_OUT: words = "placed in another authority's area"; break;
    case v1::PLACEMENT_PLACED_IN: words = "another authority's child placed here"; break;
    default: break;
  }
  return Or(words, "placement", placement);
}

std::string InWords(v1::LevelReason reason) {
  const char* words = nullptr;
  switch (reason) {
    case v1::LEVEL_REASON_UNSPECIFIED: words = "no assessment yet"; break;
    case v1::LEVEL_REASON_AS_RECORDED: words = "as assessed"; break;
    case v1::LEVEL_REASON_FLOOR_AGE: words = "raised from low: the child's age"; break;
    case v1::LEVEL_REASON_FLOOR_SEND: words = "raised from low: SEND"; break;
    case v1::LEVEL_REASON_FLOOR_AGE_AND_SEND: words = "raised from low: the child's age and SEND"; break;
    case v1::LEVEL_REASON_LOW_APPROVED_BY_TEAM_MANAGER: words = "low, approved by a team manager"; break;
    default: break;
  }
  return Or(words, "reason", reason);
}

std::string InWords(v1::DueBasis basis) {
  const char* words = nullptr;
  switch (basis) {
    case v1::DUE_BASIS_UNSPECIFIED: words = "no deadline"; break;
    case v1::DUE_BASIS_END_OF_DAY: words = "by the end of a day"; break;
    case v1::DUE_BASIS_INSTANT: words = "before an exact time"; break;
    default: break;
  }
  return Or(words, "due basis", basis);
}

std::string InWords(v1::OpenPlan plan) {
  const char* words = nullptr;
  switch (plan) {
    case v1::OPEN_PLAN_UNSPECIFIED: words = "plan not stated"; break;
    case v1::OPEN_PLAN_NONE: words = "no plan"; break;
    case v1::OPEN_PLAN_EARLY_HELP: words = "Early Help"; break;
    case v1::OPEN_PLAN_CHILD_IN_NEED: words = "child in need"; break;
    case v1::OPEN_PLAN_CHILD_PROTECTION: words = "child protection plan"; break;
    case v1::OPEN_PLAN_LOOKED_AFTER: words = "looked after"; break;
    default: break;
  }
  return Or(words, "plan", plan);
}

std::string InWords(v1::MessageKind kind) {
  const char* words = nullptr;
  switch (kind) {
    case v1::MESSAGE_KIND_UNSPECIFIED: words = "message"; break;
    case v1::MESSAGE_KIND_CONCERN: words = "concern"; break;
    case v1::MESSAGE_KIND_OPERATION_LIBERTY_REPORT: words = "Operation Liberty report"; break;
    case v1::MESSAGE_KIND_STEP_UP_REFERRAL: words = "step-up referral"; break;
    case v1::MESSAGE_KIND_NOTIFICATION: words = "notification"; break;
    case v1::MESSAGE_KIND_RESPONSE: words = "response"; break;
    case v1::MESSAGE_KIND_CASE_UPDATE: words = "case update"; break;
    case v1::MESSAGE_KIND_DECISION_NOT_TO_SHARE: words = "decision not to share"; break;
    case v1::MESSAGE_KIND_NON_DELIVERY_REPORT: words = "non-delivery report"; break;
    default: break;
  }
  return Or(words, "message", kind);
}

std::string InWords(v1::NotificationKind kind) {
  const char* words = nullptr;
  switch (kind) {
    case v1::NOTIFICATION_KIND_UNSPECIFIED: words = "notification"; break;
    case v1::NOTIFICATION_KIND_IRO: words = "IRO notification"; break;
    case v1::NOTIFICATION_KIND_HOST_AUTHORITY_HANDOFF: words = "host authority handoff"; break;
    case v1::NOTIFICATION_KIND_HOME_AUTHORITY_CONSULTATION: words = "home authority consultation"; break;
    case v1::NOTIFICATION_KIND_DUTY_CPM_ESCALATION: words = "Duty CPM escalation"; break;
    case v1::NOTIFICATION_KIND_OVERDUE_ALERT: words = "overdue alert"; break;
    default: break;
  }
  return Or(words, "notification", kind);
}

std::string InWords(v1::ResponseKind kind) {
  const char* words = nullptr;
  switch (kind) {
    case v1::RESPONSE_KIND_UNSPECIFIED: words = "response"; break;
    case v1::RESPONSE_KIND_ACKNOWLEDGE: words = "acknowledged"; break;
    case v1::RESPONSE_KIND_ACCEPT: words = "accepted"; break;
    case v1::RESPONSE_KIND_DECLINE: words = "declined"; break;
    case v1::RESPONSE_KIND_DISPUTE: words = "disputed"; break;
    default: break;
  }
  return Or(words, "response", kind);
}

std::string InWords(v1::Purpose purpose) {
  const char* words = nullptr;
  switch (purpose) {
    case v1::PURPOSE_UNSPECIFIED: words = "purpose not stated"; break;
    case v1::PURPOSE_SAFEGUARDING_CHILD: words = "safeguarding the child"; break;
    case v1::PURPOSE_DISRUPTING_EXPLOITATION: words = "disrupting exploitation and preventing crime"; break;
    case v1::PURPOSE_LOOKED_AFTER_CHILD_REVIEW: words = "the looked-after child's care plan and its review"; break;
    case v1::PURPOSE_CRE_PROCEDURE: words = "the CRE procedure's steps between agencies"; break;
    case v1::PURPOSE_OTHER: words = "another purpose"; break;
    default: break;
  }
  return Or(words, "purpose", purpose);
}

std::string InWords(v1::Article6Basis basis) {
  const char* words = nullptr;
  switch (basis) {
    case v1::ARTICLE6_BASIS_UNSPECIFIED: words = "lawful basis not stated"; break;
    case v1::ARTICLE6_BASIS_CONSENT: words = "consent (Article 6(1)(a))"; break;
    case v1::ARTICLE6_BASIS_CONTRACT: words = "contract (Article 6(1)(b))"; break;
    case v1::ARTICLE6_BASIS_LEGAL_OBLIGATION: words = "legal obligation (Article 6(1)(c))"; break;
    case v1::ARTICLE6_BASIS_VITAL_INTERESTS: words = "vital interests (Article 6(1)(d))"; break;
    case v1::ARTICLE6_BASIS_PUBLIC_TASK: words = "public task (Article 6(1)(e))"; break;
    case v1::ARTICLE6_BASIS_LEGITIMATE_INTERESTS: words = "legitimate interests (Article 6(1)(f))"; break;
    default: break;
  }
  return Or(words, "lawful basis", basis);
}

std::string InWords(v1::Article9Condition condition) {
  const char* words = nullptr;
  switch (condition) {
    case v1::ARTICLE9_CONDITION_UNSPECIFIED: words = "special category condition not stated"; break;
    case v1::ARTICLE9_CONDITION_EXPLICIT_CONSENT: words = "explicit consent (Article 9(2)(a))"; break;
    case v1::ARTICLE9_CONDITION_SOCIAL_PROTECTION:
      words = "social protection law (Article 9(2)(b), DPA 2018 Schedule 1 paragraph 1)";
      break;
    case v1::ARTICLE9_CONDITION_VITAL_INTERESTS: words = "vital interests (Article 9(2)(c))"; break;
    case v1::ARTICLE9_CONDITION_STATUTORY_PURPOSES:
      words = "statutory and government purposes (DPA 2018 Schedule 1 paragraph 6)";
      break;
    case v1::ARTICLE9_CONDITION_PREVENTING_UNLAWFUL_ACTS:
      words = "preventing or detecting unlawful acts (DPA 2018 Schedule 1 paragraph 10)";
      break;
    case v1::ARTICLE9_CONDITION_SAFEGUARDING_CHILDREN:
      words = "safeguarding of children and individuals at risk (DPA 2018 Schedule 1 paragraph 18)";
      break;
    case v1::ARTICLE9_CONDITION_HEALTH_OR_SOCIAL_CARE:
      words = "health or social care (Article 9(2)(h), DPA 2018 Schedule 1 paragraph 2)";
      break;
    case v1::ARTICLE9_CONDITION_NOT_APPLICABLE: words = "no special category or criminal offence data"; break;
    default: break;
  }
  return Or(words, "special category condition", condition);
}

std::string InWords(v1::Consent consent) {
  const char* words = nullptr;
  switch (consent) {
    case v1::CONSENT_UNSPECIFIED: words = "consent position not stated"; break;
    case v1::CONSENT_GIVEN: words = "consent given"; break;
    case v1::CONSENT_REFUSED: words = "consent refused"; break;
    case v1::CONSENT_NOT_SOUGHT_RISK_TO_CHILD:
      words = "consent not sought: seeking it would increase the risk to the child";
      break;
    case v1::CONSENT_NOT_SOUGHT_OTHER: words = "consent not sought"; break;
    default: break;
  }
  return Or(words, "consent position", consent);
}

std::string InWords(const v1::Governance& g) {
  std::vector<std::string> parts;
  if (g.purpose() != v1::PURPOSE_UNSPECIFIED) {
    parts.push_back(g.purpose_detail().empty() ? InWords(g.purpose())
                                               : absl::StrCat(InWords(g.purpose()), " (", g.purpose_detail(), ")"));
  }
  if (g.article6_basis() != v1::ARTICLE6_BASIS_UNSPECIFIED) parts.push_back(InWords(g.article6_basis()));
  if (g.article9_condition() != v1::ARTICLE9_CONDITION_UNSPECIFIED) parts.push_back(InWords(g.article9_condition()));
  if (!g.sharing_agreement_id().empty()) parts.push_back(absl::StrCat("under agreement ", g.sharing_agreement_id()));
  if (g.consent() != v1::CONSENT_UNSPECIFIED) {
    parts.push_back(g.consent_note().empty() ? InWords(g.consent())
                                             : absl::StrCat(InWords(g.consent()), " (", g.consent_note(), ")"));
  }
  return parts.empty() ? "no governance envelope" : absl::StrJoin(parts, "; ");
}

}  // namespace cre::pathway
