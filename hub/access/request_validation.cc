#include "access/request_validation.h"

#include "access/nhs_number.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "common/ids.h"
#include "common/status_macros.h"
#include "identity/agency_registry.h"

namespace cre {
namespace {

// Messages name the field and the problem, never the value: a rejected value
// may be a child's personal data, and refusals reach the log and the audit
// chain.
absl::Status Invalid(absl::string_view field, absl::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", problem));
}

// A required enum left at 0, its UNSPECIFIED value. (A number the enum does
// not declare was refused by CheckFieldBounds.)
absl::Status CheckRequiredEnum(int value, absl::string_view field) {
  if (value == 0) return Invalid(field, "required");
  return absl::OkStatus();
}

absl::Status CheckText(const std::string& value, absl::string_view field, size_t max_bytes,
                       bool required) {
  if (required && absl::StripAsciiWhitespace(value).empty()) return Invalid(field, "required");
  if (value.size() > max_bytes) {
    return Invalid(field, absl::StrCat(value.size(), " bytes; at most ", max_bytes));
  }
  return absl::OkStatus();
}

absl::Status CheckIdempotencyKey(const std::string& key) {
  if (key.empty()) return Invalid("idempotency_key", "required");
  if (key.size() > kMaxIdempotencyKeyBytes) {
    return Invalid("idempotency_key", absl::StrCat("at most ", kMaxIdempotencyKeyBytes, " bytes"));
  }
  if (!IsAsciiToken(key)) return Invalid("idempotency_key", "printable ASCII only, no spaces");
  return absl::OkStatus();
}

absl::Status CheckId(const std::string& id, absl::string_view field) {
  if (id.empty()) return Invalid(field, "required");
  if (!IsUuid(id)) return Invalid(field, "not an id the hub issued");
  return absl::OkStatus();
}

absl::Status CheckTimestamp(const google::protobuf::Timestamp& t, bool present, absl::string_view field) {
  if (!present) return Invalid(field, "required");
  return CheckInstant(t, field);
}

absl::Status CheckNewChild(const v1::NewChild& child) {
  const v1::ChildDetails& details = child.details();
  if (details.given_name().empty() && details.family_name().empty()) {
    return Invalid("new_child.details.family_name", "a name is required (given or family)");
  }
  CRE_RETURN_IF_ERROR(CheckText(details.given_name(), "new_child.details.given_name", kMaxShortTextBytes, false));
  CRE_RETURN_IF_ERROR(CheckText(details.family_name(), "new_child.details.family_name", kMaxShortTextBytes, false));
  CRE_RETURN_IF_ERROR(CheckText(details.address(), "new_child.details.address", kMaxShortTextBytes, false));
  CRE_RETURN_IF_ERROR(CheckText(details.agency_reference(), "new_child.details.agency_reference", kMaxShortTextBytes, false));
  // Optional: empty when the submitter does not know it.
  CRE_RETURN_IF_ERROR(CheckText(details.nhs_number(), "new_child.details.nhs_number", kMaxNhsNumberBytes, false));
  if (!details.nhs_number().empty()) {
    if (absl::StatusOr<std::string> nhs = NormalizeNhsNumber(details.nhs_number()); !nhs.ok()) {
      return Invalid("new_child.details.nhs_number", nhs.status().message());
    }
  }
  const v1::Child& facts = child.child();
  absl::CivilDay dob;
  if (facts.date_of_birth().empty()) return Invalid("new_child.child.date_of_birth", "required");
  if (!absl::ParseCivilTime(facts.date_of_birth(), &dob) || absl::FormatCivilTime(dob) != facts.date_of_birth()) {
    return Invalid("new_child.child.date_of_birth", "not a date YYYY-MM-DD");
  }
  CRE_RETURN_IF_ERROR(CheckRequiredEnum(facts.open_plan(), "new_child.child.open_plan"));
  if (!IsOnsCode(facts.home_authority_code())) {
    return Invalid("new_child.child.home_authority_code", "an ONS code such as E06000015 is required");
  }
  if (!facts.placement_authority_code().empty() && !IsOnsCode(facts.placement_authority_code())) {
    return Invalid("new_child.child.placement_authority_code", "not an ONS code such as E06000015");
  }
  if (facts.looked_after() != (facts.open_plan() == v1::OPEN_PLAN_LOOKED_AFTER)) {
    return Invalid("new_child.child.looked_after", "must be true exactly when open_plan is OPEN_PLAN_LOOKED_AFTER");
  }
  return absl::OkStatus();
}

absl::Status CheckAssessment(const v1::RiskAssessment& a, absl::string_view field) {
  CRE_RETURN_IF_ERROR(CheckTimestamp(a.assessed_at(), a.has_assessed_at(), absl::StrCat(field, ".assessed_at")));
  CRE_RETURN_IF_ERROR(CheckRequiredEnum(a.level(), absl::StrCat(field, ".level")));
  CRE_RETURN_IF_ERROR(CheckRequiredEnum(a.assessor_role(), absl::StrCat(field, ".assessor_role")));
  // Who the team manager is: a name or staff identifier.
  CRE_RETURN_IF_ERROR(CheckText(a.low_risk_approval().team_manager(),
                                absl::StrCat(field, ".low_risk_approval.team_manager"), kMaxShortTextBytes, false));
  return CheckText(a.narrative(), absl::StrCat(field, ".narrative"), kMaxNarrativeBytes, false);
}

// The lengths of a decision not to share's fields, named under `field`,
// before anything about it is required: RecordCaseEvents checks them too,
// so that what it refuses an event for is named as precisely as here.
absl::Status CheckDecisionBounds(const v1::DecisionNotToShare& d, absl::string_view field) {
  CRE_RETURN_IF_ERROR(CheckText(d.withheld_information(), absl::StrCat(field, ".withheld_information"),
                                kMaxShortTextBytes, false));
  CRE_RETURN_IF_ERROR(
      CheckText(d.withheld_from_agency_id(), absl::StrCat(field, ".withheld_from_agency_id"), kMaxAgencyIdBytes, false));
  CRE_RETURN_IF_ERROR(
      CheckText(d.justification(), absl::StrCat(field, ".justification"), kMaxJustificationBytes, false));
  CRE_RETURN_IF_ERROR(CheckText(d.decided_by(), absl::StrCat(field, ".decided_by"), kMaxShortTextBytes, false));
  return CheckText(d.review_date(), absl::StrCat(field, ".review_date"), 10, false);
}

absl::Status CheckDecisionNotToShare(const v1::DecisionNotToShare& d) {
  CRE_RETURN_IF_ERROR(CheckDecisionBounds(d, "decision"));
  CRE_RETURN_IF_ERROR(
      CheckText(d.withheld_information(), "decision.withheld_information", kMaxShortTextBytes, true));
  switch (d.withheld_from_case()) {
    case v1::DecisionNotToShare::kWithheldFromAgencyId:
      // Whether the registry holds it is the casework's to say: it has the
      // registry.
      if (d.withheld_from_agency_id().empty() || !IsAsciiToken(d.withheld_from_agency_id())) {
        return Invalid("decision.withheld_from_agency_id", "not an agency id (printable ASCII, no spaces)");
      }
      break;
    case v1::DecisionNotToShare::kWithheldFromRole:
      CRE_RETURN_IF_ERROR(CheckRequiredEnum(d.withheld_from_role(), "decision.withheld_from_role"));
      break;
    default:
      return Invalid("decision.withheld_from",
                     "required: withheld_from_agency_id (one agency) or withheld_from_role (the agencies of a role)");
  }
  CRE_RETURN_IF_ERROR(CheckRequiredEnum(d.ground(), "decision.ground"));
  CRE_RETURN_IF_ERROR(CheckText(d.justification(), "decision.justification", kMaxJustificationBytes, true));
  CRE_RETURN_IF_ERROR(CheckText(d.decided_by(), "decision.decided_by", kMaxShortTextBytes, true));
  CRE_RETURN_IF_ERROR(CheckRequiredEnum(d.decided_by_role(), "decision.decided_by_role"));
  CRE_RETURN_IF_ERROR(CheckTimestamp(d.decided_at(), d.has_decided_at(), "decision.decided_at"));
  if (d.review_date().empty()) return absl::OkStatus();
  absl::CivilDay review;
  if (!absl::ParseCivilTime(d.review_date(), &review) || absl::FormatCivilTime(review) != d.review_date()) {
    return Invalid("decision.review_date", "not a date YYYY-MM-DD");
  }
  // Its day in UTC: the request checks know no local zone, and an hour
  // either side of midnight is not worth refusing a review date for.
  const absl::CivilDay decided =
      absl::ToCivilDay(absl::FromUnixSeconds(d.decided_at().seconds()), absl::UTCTimeZone());
  if (review < decided) return Invalid("decision.review_date", "before the day of decision.decided_at");
  if (review > absl::CivilDay(2100, 12, 31)) return Invalid("decision.review_date", "after 2100-12-31");
  return absl::OkStatus();
}

absl::Status CheckEvent(const v1::CaseEvent& e, absl::string_view field) {
  CRE_RETURN_IF_ERROR(CheckRequiredEnum(e.kind(), absl::StrCat(field, ".kind")));
  CRE_RETURN_IF_ERROR(CheckTimestamp(e.occurred_at(), e.has_occurred_at(), absl::StrCat(field, ".occurred_at")));
  // The message that carried a hub-routed event: one the hub issued, if any.
  if (!e.message_id().empty()) CRE_RETURN_IF_ERROR(CheckId(e.message_id(), absl::StrCat(field, ".message_id")));
  CRE_RETURN_IF_ERROR(CheckText(e.note(), absl::StrCat(field, ".note"), kMaxNarrativeBytes, false));
  // A decision not to share is a submission of its own, routed to the
  // case's lead agency: never an event among others.
  if (e.has_decision_not_to_share()) {
    const std::string decision = absl::StrCat(field, ".decision_not_to_share");
    CRE_RETURN_IF_ERROR(CheckDecisionBounds(e.decision_not_to_share(), decision));
    return Invalid(decision, "recorded by RecordDecisionNotToShare only");
  }
  if (e.kind() == v1::EVENT_KIND_DECISION_NOT_TO_SHARE) {
    return Invalid(absl::StrCat(field, ".kind"), "a decision not to share is recorded by RecordDecisionNotToShare");
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateSubmitConcern(const v1::SubmitConcernRequest& request) {
  CRE_RETURN_IF_ERROR(CheckFieldBounds(request));
  CRE_RETURN_IF_ERROR(CheckIdempotencyKey(request.idempotency_key()));
  switch (request.subject_case()) {
    case v1::SubmitConcernRequest::kCaseId:
      CRE_RETURN_IF_ERROR(CheckId(request.case_id(), "case_id"));
      break;
    case v1::SubmitConcernRequest::kNewChild:
      CRE_RETURN_IF_ERROR(CheckNewChild(request.new_child()));
      break;
    default:
      return Invalid("subject", "give case_id for a known case or new_child for a child new to the hub");
  }
  if (!request.has_concern()) return Invalid("concern", "required");
  CRE_RETURN_IF_ERROR(CheckRequiredEnum(request.concern().indicated_level(), "concern.indicated_level"));
  CRE_RETURN_IF_ERROR(CheckTimestamp(request.concern().identified_at(), request.concern().has_identified_at(),
                                     "concern.identified_at"));
  return CheckText(request.concern().narrative(), "concern.narrative", kMaxNarrativeBytes, true);
}

absl::Status ValidateSubmitOperationLibertyReport(const v1::SubmitOperationLibertyReportRequest& request) {
  CRE_RETURN_IF_ERROR(CheckFieldBounds(request));
  CRE_RETURN_IF_ERROR(CheckIdempotencyKey(request.idempotency_key()));
  if (!request.case_id().empty()) CRE_RETURN_IF_ERROR(CheckId(request.case_id(), "case_id"));
  const v1::OperationLibertyReport& report = request.report();
  if (report.individuals_size() + report.places_size() + report.vehicles_size() == 0) {
    return Invalid("report", "name at least one individual, place or vehicle");
  }
  for (int i = 0; i < report.individuals_size(); ++i) {
    const v1::Individual& x = report.individuals(i);
    const std::string field = absl::StrCat("report.individuals[", i, "]");
    if (x.name().empty() && x.description().empty()) return Invalid(field + ".name", "a name or a description is required");
    CRE_RETURN_IF_ERROR(CheckText(x.name(), field + ".name", kMaxShortTextBytes, false));
    CRE_RETURN_IF_ERROR(CheckText(x.description(), field + ".description", kMaxShortTextBytes, false));
    CRE_RETURN_IF_ERROR(CheckText(x.address(), field + ".address", kMaxShortTextBytes, false));
  }
  for (int i = 0; i < report.places_size(); ++i) {
    const v1::Place& x = report.places(i);
    const std::string field = absl::StrCat("report.places[", i, "]");
    if (x.name().empty() && x.address().empty()) return Invalid(field + ".address", "a name or an address is required");
    CRE_RETURN_IF_ERROR(CheckText(x.name(), field + ".name", kMaxShortTextBytes, false));
    CRE_RETURN_IF_ERROR(CheckText(x.address(), field + ".address", kMaxShortTextBytes, false));
    CRE_RETURN_IF_ERROR(CheckText(x.description(), field + ".description", kMaxShortTextBytes, false));
  }
  for (int i = 0; i < report.vehicles_size(); ++i) {
    const v1::Vehicle& x = report.vehicles(i);
    const std::string field = absl::StrCat("report.vehicles[", i, "]");
    if (x.registration().empty() && x.description().empty()) {
      return Invalid(field + ".registration", "a registration or a description is required");
    }
    CRE_RETURN_IF_ERROR(CheckText(x.registration(), field + ".registration", 32, false));
    CRE_RETURN_IF_ERROR(CheckText(x.description(), field + ".description", kMaxShortTextBytes, false));
  }
  return CheckText(report.narrative(), "report.narrative", kMaxNarrativeBytes, true);
}

absl::Status ValidateRecordRiskAssessment(const v1::RecordRiskAssessmentRequest& request) {
  CRE_RETURN_IF_ERROR(CheckFieldBounds(request));
  CRE_RETURN_IF_ERROR(CheckIdempotencyKey(request.idempotency_key()));
  CRE_RETURN_IF_ERROR(CheckId(request.case_id(), "case_id"));
  if (!request.has_assessment()) return Invalid("assessment", "required");
  return CheckAssessment(request.assessment(), "assessment");
}

absl::Status ValidateRecordCaseEvents(const v1::RecordCaseEventsRequest& request) {
  CRE_RETURN_IF_ERROR(CheckFieldBounds(request));
  CRE_RETURN_IF_ERROR(CheckIdempotencyKey(request.idempotency_key()));
  CRE_RETURN_IF_ERROR(CheckId(request.case_id(), "case_id"));
  if (request.events_size() == 0) return Invalid("events", "at least one event is required");
  for (int i = 0; i < request.events_size(); ++i) {
    CRE_RETURN_IF_ERROR(CheckEvent(request.events(i), absl::StrCat("events[", i, "]")));
  }
  return absl::OkStatus();
}

absl::Status ValidateSubmitStepUpReferral(const v1::SubmitStepUpReferralRequest& request) {
  CRE_RETURN_IF_ERROR(CheckFieldBounds(request));
  CRE_RETURN_IF_ERROR(CheckIdempotencyKey(request.idempotency_key()));
  CRE_RETURN_IF_ERROR(CheckId(request.case_id(), "case_id"));
  CRE_RETURN_IF_ERROR(CheckRequiredEnum(request.referral().level(), "referral.level"));
  return CheckText(request.referral().reason(), "referral.reason", kMaxNarrativeBytes, true);
}

absl::Status ValidateSendNotification(const v1::SendNotificationRequest& request) {
  CRE_RETURN_IF_ERROR(CheckFieldBounds(request));
  CRE_RETURN_IF_ERROR(CheckIdempotencyKey(request.idempotency_key()));
  CRE_RETURN_IF_ERROR(CheckId(request.case_id(), "case_id"));
  CRE_RETURN_IF_ERROR(CheckRequiredEnum(request.notification().kind(), "notification.kind"));
  // Alerts are the hub's own: an agency cannot send one.
  if (request.notification().kind() == v1::NOTIFICATION_KIND_OVERDUE_ALERT) {
    return Invalid("notification.kind", "overdue alerts are sent by the hub only");
  }
  // Which action is overdue, whose, and since when are an alert's: from an
  // agency they would be relayed as if the hub had said them.
  const v1::Notification& n = request.notification();
  if (n.action_kind() != v1::ACTION_KIND_UNSPECIFIED) {
    return Invalid("notification.action_kind", "only the hub's overdue alerts carry one");
  }
  if (n.owner() != v1::PRACTITIONER_ROLE_UNSPECIFIED) {
    return Invalid("notification.owner", "only the hub's overdue alerts carry one");
  }
  if (n.has_due_at()) return Invalid("notification.due_at", "only the hub's overdue alerts carry one");
  return CheckText(n.summary(), "notification.summary", kMaxNarrativeBytes, true);
}

absl::Status ValidateRecordDecisionNotToShare(const v1::RecordDecisionNotToShareRequest& request) {
  CRE_RETURN_IF_ERROR(CheckFieldBounds(request));
  CRE_RETURN_IF_ERROR(CheckIdempotencyKey(request.idempotency_key()));
  CRE_RETURN_IF_ERROR(CheckId(request.case_id(), "case_id"));
  if (!request.has_decision()) return Invalid("decision", "required");
  return CheckDecisionNotToShare(request.decision());
}

absl::Status ValidateRespond(const v1::RespondRequest& request) {
  CRE_RETURN_IF_ERROR(CheckFieldBounds(request));
  CRE_RETURN_IF_ERROR(CheckIdempotencyKey(request.idempotency_key()));
  CRE_RETURN_IF_ERROR(CheckId(request.message_id(), "message_id"));
  const v1::Response& response = request.response();
  CRE_RETURN_IF_ERROR(CheckRequiredEnum(response.kind(), "response.kind"));
  const bool needs_reason =
      response.kind() == v1::RESPONSE_KIND_DECLINE || response.kind() == v1::RESPONSE_KIND_DISPUTE;
  return CheckText(response.reason(), "response.reason", kMaxNarrativeBytes, needs_reason);
}

absl::Status ValidateGetCase(const v1::GetCaseRequest& request) {
  CRE_RETURN_IF_ERROR(CheckFieldBounds(request));
  return CheckId(request.case_id(), "case_id");
}

absl::Status ValidateSubscribe(const v1::SubscribeRequest& request) {
  CRE_RETURN_IF_ERROR(CheckFieldBounds(request));
  if (request.max_in_flight() < 0 || request.max_in_flight() > kMaxMaxInFlight) {
    return Invalid("max_in_flight", absl::StrCat(request.max_in_flight(), " is not between 0 and ", kMaxMaxInFlight));
  }
  return absl::OkStatus();
}

absl::Status ValidateAcknowledge(const v1::AcknowledgeRequest& request) {
  CRE_RETURN_IF_ERROR(CheckFieldBounds(request, kMaxAcknowledgeIds));
  if (request.delivery_ids_size() == 0) return Invalid("delivery_ids", "at least one is required");
  for (int i = 0; i < request.delivery_ids_size(); ++i) {
    if (request.delivery_ids(i) <= 0) return Invalid(absl::StrCat("delivery_ids[", i, "]"), "not a delivery id");
  }
  return absl::OkStatus();
}

absl::Status ValidateListOpenActions(const v1::ListOpenActionsRequest& request) {
  CRE_RETURN_IF_ERROR(CheckFieldBounds(request));
  if (request.page_size() < 0 || request.page_size() > kMaxPageSize) {
    return Invalid("page_size", absl::StrCat(request.page_size(), " is not between 0 and ", kMaxPageSize));
  }
  if (request.has_due_within_working_days() &&
      (request.due_within_working_days() < 0 || request.due_within_working_days() > kMaxDueWindowWorkingDays)) {
    return Invalid("due_within_working_days",
                   absl::StrCat(request.due_within_working_days(), " is not between 0 and ", kMaxDueWindowWorkingDays));
  }
  CRE_RETURN_IF_ERROR(CheckText(request.owner_agency_id(), "owner_agency_id", 64, false));
  // owner: any role the enum declares, or none (0: any role's actions); a
  // number it does not declare was refused by CheckFieldBounds, naming it.
  // A token the hub issues is under 200 bytes; whether this is one is the
  // store's to say.
  return CheckText(request.page_token(), "page_token", kMaxShortTextBytes, false);
}

absl::Status ValidateListRecordAccesses(const v1::ListRecordAccessesRequest& request) {
  CRE_RETURN_IF_ERROR(CheckFieldBounds(request));
  switch (request.subject_case()) {
    case v1::ListRecordAccessesRequest::kCaseId:
      CRE_RETURN_IF_ERROR(CheckId(request.case_id(), "case_id"));
      break;
    case v1::ListRecordAccessesRequest::kChildId:
      CRE_RETURN_IF_ERROR(CheckId(request.child_id(), "child_id"));
      break;
    default:
      return Invalid("subject", "a case_id or a child_id is required");
  }
  if (request.limit() < 0 || request.limit() > kMaxPageSize) {
    return Invalid("limit", absl::StrCat(request.limit(), " is not between 0 and ", kMaxPageSize));
  }
  if (request.before_seq() < 0) return Invalid("before_seq", "not an audit row");
  return absl::OkStatus();
}

}  // namespace cre
