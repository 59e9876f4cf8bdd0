#include "pathway/policy.h"

#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/reflection.h"
#include "pathway/text_io.h"

namespace cre::pathway {
namespace {

using Unit = Period::Unit;

// Where a period may count "before" a meeting: working days only.
enum class Direction : uint8_t { kAfter, kBefore };

struct PeriodField {
  PeriodId id;
  const char* field;  // in cre.v1.PathwayPolicy
  Unit unit;          // default
  int32_t count;      // default
  Direction direction;
};

// Every period of the policy, its field and its default. The first block is
// what the procedure states; the second what it leaves open
// (docs/procedure.md, The rules and Choices).
constexpr PeriodField kPeriodFields[] = {
    {PeriodId::kHighStrategyDiscussion, "high_strategy_discussion", Unit::kWorkingHours, 48, Direction::kAfter},
    {PeriodId::kHighThresholdDiscussion, "high_threshold_discussion", Unit::kWorkingHours, 24, Direction::kAfter},
    {PeriodId::kIcpc, "icpc", Unit::kWorkingDays, 15, Direction::kAfter},
    {PeriodId::kCreMeeting, "cre_meeting", Unit::kWorkingDays, 15, Direction::kAfter},
    {PeriodId::kCreMeetingPapers, "cre_meeting_papers", Unit::kWorkingDays, 2, Direction::kBefore},
    {PeriodId::kCreMeetingMinutes, "cre_meeting_minutes", Unit::kWorkingDays, 20, Direction::kAfter},
    {PeriodId::kFirstCreReview, "first_cre_review", Unit::kMonths, 3, Direction::kAfter},
    {PeriodId::kLaterCreReviews, "later_cre_reviews", Unit::kMonths, 6, Direction::kAfter},
    {PeriodId::kCreReviewPapers, "cre_review_papers", Unit::kWorkingDays, 3, Direction::kBefore},
    {PeriodId::kIroNotification, "iro_notification", Unit::kClockHours, 48, Direction::kAfter},
    {PeriodId::kCinMeeting, "cin_meeting", Unit::kWeeks, 6, Direction::kAfter},
    {PeriodId::kCoreGroupMeeting, "core_group_meeting", Unit::kWeeks, 4, Direction::kAfter},
    {PeriodId::kRiskAssessmentReview, "risk_assessment_review", Unit::kWeeks, 6, Direction::kAfter},
    {PeriodId::kRiskAssessmentReviewCp, "risk_assessment_review_cp", Unit::kWeeks, 4, Direction::kAfter},

    {PeriodId::kMediumThresholdDiscussion, "medium_threshold_discussion", Unit::kWorkingDays, 5, Direction::kAfter},
    {PeriodId::kStepUpReferral, "step_up_referral", Unit::kWorkingHours, 24, Direction::kAfter},
    {PeriodId::kS47Enquiry, "s47_enquiry", Unit::kWorkingDays, 15, Direction::kAfter},
    {PeriodId::kCpConferenceRequest, "cp_conference_request", Unit::kWorkingDays, 1, Direction::kAfter},
    {PeriodId::kCpConferenceBroughtForward, "cp_conference_brought_forward", Unit::kWorkingDays, 15, Direction::kAfter},
    {PeriodId::kOutlinePlan, "outline_plan", Unit::kWorkingDays, 0, Direction::kAfter},
    {PeriodId::kMissingEpisodeAssessment, "missing_episode_assessment", Unit::kClockHours, 72, Direction::kAfter},
    {PeriodId::kEarlyHelpAssessment, "early_help_assessment", Unit::kWorkingDays, 45, Direction::kAfter},
    {PeriodId::kCreTaskingGroup, "cre_tasking_group", Unit::kWorkingDays, 20, Direction::kAfter},
    {PeriodId::kHostAuthorityHandoff, "host_authority_handoff", Unit::kWorkingHours, 24, Direction::kAfter},
    {PeriodId::kDutyCpmEscalation, "duty_cpm_escalation", Unit::kWorkingDays, 1, Direction::kAfter},
    {PeriodId::kHomeAuthorityConsultation, "home_authority_consultation", Unit::kWorkingHours, 24, Direction::kAfter},
    {PeriodId::kOperationLibertyReport, "operation_liberty_report", Unit::kWorkingHours, 24, Direction::kAfter},
    {PeriodId::kFirstCoreGroupMeeting, "first_core_group_meeting", Unit::kWorkingDays, 10, Direction::kAfter},
    {PeriodId::kFirstCinMeeting, "first_cin_meeting", Unit::kWeeks, 6, Direction::kAfter},
};
static_assert(sizeof(kPeriodFields) / sizeof(kPeriodFields[0]) == kPeriodCount,
              "one kPeriodFields entry per PeriodId");

void SetPeriod(Unit unit, int32_t count, cre::v1::Period* p) {
  switch (unit) {
    case Unit::kWorkingDays: p->set_working_days(count); break;
    case Unit::kWorkingHours: p->set_working_hours(count); break;
    case Unit::kClockHours: p->set_clock_hours(count); break;
    case Unit::kMonths: p->set_months(count); break;
    case Unit::kWeeks: p->set_weeks(count); break;
  }
}

cre::v1::Period* MutablePeriod(const char* field, cre::v1::PathwayPolicy* policy) {
  const auto* f = policy->GetDescriptor()->FindFieldByName(field);
  return static_cast<cre::v1::Period*>(policy->GetReflection()->MutableMessage(policy, f));
}

const cre::v1::Period& GetPeriod(const char* field, const cre::v1::PathwayPolicy& policy) {
  const auto* f = policy.GetDescriptor()->FindFieldByName(field);
  return static_cast<const cre::v1::Period&>(policy.GetReflection()->GetMessage(policy, f));
}

absl::StatusOr<Period> CompilePeriod(const PeriodField& field, const cre::v1::Period& p) {
  Period out;
  switch (p.unit_case()) {
    case cre::v1::Period::kWorkingDays: out = {Unit::kWorkingDays, static_cast<int32_t>(p.working_days())}; break;
    case cre::v1::Period::kWorkingHours: out = {Unit::kWorkingHours, static_cast<int32_t>(p.working_hours())}; break;
    case cre::v1::Period::kClockHours: out = {Unit::kClockHours, static_cast<int32_t>(p.clock_hours())}; break;
    case cre::v1::Period::kMonths: out = {Unit::kMonths, static_cast<int32_t>(p.months())}; break;
    case cre::v1::Period::kWeeks: out = {Unit::kWeeks, static_cast<int32_t>(p.weeks())}; break;
    case cre::v1::Period::UNIT_NOT_SET:
      return absl::InvalidArgumentError(absl::StrCat(field.field, ": no unit set"));
  }
  // Keeps every deadline within a few decades of its anchor.
  if (out.count < 0 || out.count > 10000) {
    return absl::InvalidArgumentError(absl::StrCat(field.field, ": out of range: ", out.count));
  }
  if (field.direction == Direction::kBefore && out.unit != Unit::kWorkingDays) {
    return absl::InvalidArgumentError(absl::StrCat(field.field, ": must be in working_days"));
  }
  return out;
}

// A policy choice: a value its enum declares, where 0 (UNSPECIFIED, a field
// the file leaves out) means `unspecified_means`. Errors name the field.
template <typename Enum>
absl::StatusOr<Enum> Choice(Enum value, Enum unspecified_means, const char* field) {
  const google::protobuf::EnumDescriptor* type = google::protobuf::GetEnumDescriptor<Enum>();
  if (type->FindValueByNumber(value) == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": ", static_cast<int>(value), " is not a value of ", type->name()));
  }
  return static_cast<int>(value) == 0 ? unspecified_means : value;
}

}  // namespace

cre::v1::PathwayPolicy DefaultPolicy() {
  cre::v1::PathwayPolicy policy;
  policy.set_local_authority_code("E06000015");
  policy.set_time_zone("Europe/London");
  policy.set_medium_cre_meeting_chair(cre::v1::PRACTITIONER_ROLE_CPM);
  policy.mutable_floor()->set_max_age_years(12);
  policy.mutable_floor()->set_applies_to_send(true);
  policy.set_iro_for_child_of_another_authority(cre::v1::IRO_RECIPIENT_HOME_AUTHORITY);
  policy.set_icpc_counted_from(cre::v1::ICPC_COUNTED_FROM_FIRST);
  for (const PeriodField& f : kPeriodFields) {
    SetPeriod(f.unit, f.count, MutablePeriod(f.field, &policy));
  }
  return policy;
}

absl::StatusOr<cre::v1::PathwayPolicy> LoadPolicyFile(const std::string& path) {
  cre::v1::PathwayPolicy from_file;
  absl::Status s = ReadTextProtoFile(path, &from_file);
  if (!s.ok()) return s;
  cre::v1::PathwayPolicy policy = DefaultPolicy();
  // A Period is a oneof: merging replaces the unit, so a file can say
  // "cin_meeting { working_days: 30 }" over a default in weeks.
  policy.MergeFrom(from_file);
  // proto3 scalars cannot say "unset": the floor is taken whole from the
  // file when the file has it.
  if (from_file.has_floor()) *policy.mutable_floor() = from_file.floor();
  return policy;
}

absl::StatusOr<Policy> CompilePolicy(const cre::v1::PathwayPolicy& proto) {
  Policy policy;
  policy.local_authority_code = proto.local_authority_code();
  policy.time_zone = proto.time_zone();
  if (policy.local_authority_code.empty()) {
    return absl::InvalidArgumentError("local_authority_code: required");
  }
  if (policy.time_zone.empty()) return absl::InvalidArgumentError("time_zone: required");
  policy.medium_cre_meeting_chair = proto.medium_cre_meeting_chair();
  if (policy.medium_cre_meeting_chair == cre::v1::PRACTITIONER_ROLE_UNSPECIFIED ||
      !cre::v1::PractitionerRole_IsValid(policy.medium_cre_meeting_chair)) {
    return absl::InvalidArgumentError("medium_cre_meeting_chair: required");
  }
  policy.floor_max_age_years = static_cast<int>(proto.floor().max_age_years());
  policy.floor_applies_to_send = proto.floor().applies_to_send();
  absl::StatusOr<cre::v1::IroRecipient> iro =
      Choice(proto.iro_for_child_of_another_authority(), cre::v1::IRO_RECIPIENT_HOME_AUTHORITY,
             "iro_for_child_of_another_authority");
  if (!iro.ok()) return iro.status();
  policy.iro_for_child_of_another_authority = *iro;
  absl::StatusOr<cre::v1::IcpcCountedFrom> icpc_from =
      Choice(proto.icpc_counted_from(), cre::v1::ICPC_COUNTED_FROM_FIRST, "icpc_counted_from");
  if (!icpc_from.ok()) return icpc_from.status();
  policy.icpc_counted_from = *icpc_from;
  for (const PeriodField& f : kPeriodFields) {
    absl::StatusOr<Period> p = CompilePeriod(f, GetPeriod(f.field, proto));
    if (!p.ok()) return p.status();
    policy.periods[static_cast<int>(f.id)] = *p;
  }
  return policy;
}

std::string DescribePeriod(const Period& period) {
  static constexpr const char* kWords[] = {"working day", "working hour", "hour", "month",
                                           "week"};
  const char* word = kWords[static_cast<int>(period.unit)];
  return absl::StrCat(period.count, " ", word, period.count == 1 ? "" : "s");
}

}  // namespace cre::pathway
