#include "pathway/validate.h"

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "common/status_macros.h"
#include "google/protobuf/timestamp.pb.h"
#include "pathway/bank_holidays.h"
#include "pathway/case_facts.h"

namespace cre::pathway {
namespace {

using google::protobuf::Timestamp;

absl::Status Invalid(const std::string& field, absl::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", problem));
}

absl::Time ToTime(const Timestamp& ts) {
  return absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos());
}

// The range of google.protobuf.Timestamp: 0001-01-01 to 9999-12-31 UTC.
absl::Status CheckTimestamp(const Timestamp& ts, const std::string& field) {
  constexpr int64_t kMin = -62135596800, kMax = 253402300799;
  if (ts.seconds() < kMin || ts.seconds() > kMax || ts.nanos() < 0 || ts.nanos() > 999999999) {
    return Invalid(field, "not a valid timestamp");
  }
  return absl::OkStatus();
}

absl::Status CheckRequiredTimestamp(bool has, const Timestamp& ts, const std::string& field) {
  if (!has) return Invalid(field, "required");
  return CheckTimestamp(ts, field);
}

template <typename IsValid>
absl::Status CheckEnum(int value, IsValid is_valid, const std::string& field) {
  if (!is_valid(value)) return Invalid(field, absl::StrCat("unknown value ", value));
  if (value == 0) return Invalid(field, "required");
  return absl::OkStatus();
}

absl::Status CheckChild(const cre::v1::Child& child, const std::string& authority) {
  absl::CivilDay dob;
  if (child.date_of_birth().empty()) return Invalid("child.date_of_birth", "required");
  if (!ParseLocalDate(child.date_of_birth(), &dob)) {
    return Invalid("child.date_of_birth",
                   absl::StrCat("not a date (want YYYY-MM-DD): ", child.date_of_birth()));
  }
  CRE_RETURN_IF_ERROR(CheckEnum(child.open_plan(), cre::v1::OpenPlan_IsValid, "child.open_plan"));
  const bool lac_plan = child.open_plan() == cre::v1::OPEN_PLAN_LOOKED_AFTER;
  if (child.looked_after() != lac_plan) {
    return Invalid("child.looked_after",
                   "must be true exactly when child.open_plan is OPEN_PLAN_LOOKED_AFTER");
  }
  if (child.home_authority_code().empty()) return Invalid("child.home_authority_code", "required");
  if (PlacementOf(child, authority) == cre::v1::PLACEMENT_UNSPECIFIED) {
    return Invalid("child.placement_authority_code",
                   absl::StrCat("neither it nor child.home_authority_code is this authority (",
                                authority, ")"));
  }
  return absl::OkStatus();
}

absl::Status CheckAssessment(const cre::v1::RiskAssessment& a, const std::string& field,
                             absl::CivilDay dob, absl::Time opened_at,
                             const absl::TimeZone& zone) {
  CRE_RETURN_IF_ERROR(CheckRequiredTimestamp(a.has_assessed_at(), a.assessed_at(),
                                         field + ".assessed_at"));
  const absl::Time at = ToTime(a.assessed_at());
  if (absl::ToCivilDay(at, zone) < dob) {
    return Invalid(field + ".assessed_at", "before child.date_of_birth");
  }
  if (at < opened_at) return Invalid(field + ".assessed_at", "before opened_at");
  CRE_RETURN_IF_ERROR(CheckEnum(a.level(), cre::v1::RiskLevel_IsValid, field + ".level"));
  CRE_RETURN_IF_ERROR(CheckEnum(a.assessor_role(), cre::v1::PractitionerRole_IsValid,
                            field + ".assessor_role"));
  if (!a.has_low_risk_approval()) return absl::OkStatus();
  const std::string approval = field + ".low_risk_approval";
  if (a.level() != cre::v1::RISK_LEVEL_LOW) {
    return Invalid(approval, "only a LOW assessment can carry one");
  }
  if (a.low_risk_approval().team_manager().empty()) {
    return Invalid(approval + ".team_manager", "required (the team manager's identity)");
  }
  if (a.low_risk_approval().has_approved_at()) {
    CRE_RETURN_IF_ERROR(CheckTimestamp(a.low_risk_approval().approved_at(), approval + ".approved_at"));
  }
  return absl::OkStatus();
}

bool NeedsSchedule(cre::v1::EventKind kind) {
  return kind == cre::v1::EVENT_KIND_CRE_MEETING_SCHEDULED ||
         kind == cre::v1::EVENT_KIND_CRE_REVIEW_SCHEDULED;
}

absl::Status CheckEvent(const cre::v1::CaseEvent& e, const std::string& field,
                        absl::Time opened_at) {
  CRE_RETURN_IF_ERROR(CheckEnum(e.kind(), cre::v1::EventKind_IsValid, field + ".kind"));
  CRE_RETURN_IF_ERROR(CheckRequiredTimestamp(e.has_occurred_at(), e.occurred_at(),
                                         field + ".occurred_at"));
  const absl::Time at = ToTime(e.occurred_at());
  if (at < opened_at) return Invalid(field + ".occurred_at", "before opened_at");
  if (e.has_acknowledged_at()) {
    CRE_RETURN_IF_ERROR(CheckTimestamp(e.acknowledged_at(), field + ".acknowledged_at"));
    if (ToTime(e.acknowledged_at()) < at) {
      return Invalid(field + ".acknowledged_at", "before occurred_at");
    }
  }
  if (NeedsSchedule(e.kind())) {
    CRE_RETURN_IF_ERROR(CheckRequiredTimestamp(e.has_scheduled_for(), e.scheduled_for(),
                                           field + ".scheduled_for"));
  } else if (e.has_scheduled_for()) {
    CRE_RETURN_IF_ERROR(CheckTimestamp(e.scheduled_for(), field + ".scheduled_for"));
  }
  if (!cre::v1::ThresholdOutcome_IsValid(e.threshold_outcome())) {
    return Invalid(field + ".threshold_outcome",
                   absl::StrCat("unknown value ", e.threshold_outcome()));
  }
  if (e.kind() == cre::v1::EVENT_KIND_THRESHOLD_DISCUSSION_HELD) {
    CRE_RETURN_IF_ERROR(CheckEnum(e.threshold_outcome(), cre::v1::ThresholdOutcome_IsValid,
                              field + ".threshold_outcome"));
  }
  if (e.kind() == cre::v1::EVENT_KIND_S47_OUTCOME && !e.has_s47_outcome()) {
    return Invalid(field + ".s47_outcome", "required");
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateCaseFile(const cre::v1::CaseFile& file,
                              const std::string& local_authority_code,
                              const absl::TimeZone& zone) {
  if (!file.has_child()) return Invalid("child", "required");
  CRE_RETURN_IF_ERROR(CheckChild(file.child(), local_authority_code));
  absl::CivilDay dob;
  ParseLocalDate(file.child().date_of_birth(), &dob);
  CRE_RETURN_IF_ERROR(CheckRequiredTimestamp(file.has_opened_at(), file.opened_at(), "opened_at"));
  const absl::Time opened_at = ToTime(file.opened_at());
  for (int i = 0; i < file.risk_assessments_size(); ++i) {
    CRE_RETURN_IF_ERROR(CheckAssessment(file.risk_assessments(i),
                                    absl::StrCat("risk_assessments[", i, "]"), dob, opened_at,
                                    zone));
  }
  for (int i = 0; i < file.events_size(); ++i) {
    CRE_RETURN_IF_ERROR(CheckEvent(file.events(i), absl::StrCat("events[", i, "]"), opened_at));
  }
  // Last, so that a wrong date of birth is reported against the records
  // it contradicts.
  if (absl::ToCivilDay(opened_at, zone) < dob) {
    return Invalid("opened_at", "before child.date_of_birth");
  }
  return absl::OkStatus();
}

}  // namespace cre::pathway
