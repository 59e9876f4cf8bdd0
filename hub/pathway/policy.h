// The pathway policy: the procedure's durations and the choices it leaves
// to the authority, as data. The defaults are the procedure's
// (docs/procedure.md, The rules) and
// match config/policy.textproto; another authority loads its own file.
//
//   absl::StatusOr<cre::v1::PathwayPolicy> proto = LoadPolicyFile("config/policy.textproto");
//   absl::StatusOr<Policy> policy = CompilePolicy(*proto);
//   const Period& p = policy->period(PeriodId::kHighStrategyDiscussion);  // 48 working hours
#ifndef CRE_HUB_PATHWAY_POLICY_H_
#define CRE_HUB_PATHWAY_POLICY_H_

#include <array>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "cre/v1/policy.pb.h"

namespace cre::pathway {

// One per Period field of cre.v1.PathwayPolicy (same order as kPeriodFields
// in policy.cc).
enum class PeriodId : uint8_t {
  kHighStrategyDiscussion,
  kHighThresholdDiscussion,
  kIcpc,
  kCreMeeting,
  kCreMeetingPapers,
  kCreMeetingMinutes,
  kFirstCreReview,
  kLaterCreReviews,
  kCreReviewPapers,
  kIroNotification,
  kCinMeeting,
  kCoreGroupMeeting,
  kRiskAssessmentReview,
  kRiskAssessmentReviewCp,
  kMediumThresholdDiscussion,
  kStepUpReferral,
  kS47Enquiry,
  kCpConferenceRequest,
  kCpConferenceBroughtForward,
  kOutlinePlan,
  kMissingEpisodeAssessment,
  kEarlyHelpAssessment,
  kCreTaskingGroup,
  kHostAuthorityHandoff,
  kDutyCpmEscalation,
  kHomeAuthorityConsultation,
  kOperationLibertyReport,
  kFirstCoreGroupMeeting,
  kFirstCinMeeting,
  kCount,
};
constexpr int kPeriodCount = static_cast<int>(PeriodId::kCount);

// A compiled cre.v1.Period.
struct Period {
  enum class Unit : uint8_t { kWorkingDays, kWorkingHours, kClockHours, kMonths, kWeeks };
  Unit unit = Unit::kWorkingDays;
  int32_t count = 0;
  // Day-based units end at the end of a local day; hour-based at an instant.
  bool day_based() const { return unit != Unit::kWorkingHours && unit != Unit::kClockHours; }
};

// The policy in the form the engine reads on its hot path.
struct Policy {
  std::string local_authority_code;
  std::string time_zone;
  cre::v1::PractitionerRole medium_cre_meeting_chair = cre::v1::PRACTITIONER_ROLE_CPM;
  int floor_max_age_years = 12;
  bool floor_applies_to_send = true;
  // Never UNSPECIFIED once compiled: that means the home authority.
  cre::v1::IroRecipient iro_for_child_of_another_authority = cre::v1::IRO_RECIPIENT_HOME_AUTHORITY;
  // Never UNSPECIFIED once compiled: that means the first.
  cre::v1::IcpcCountedFrom icpc_counted_from = cre::v1::ICPC_COUNTED_FROM_FIRST;
  std::array<Period, kPeriodCount> periods;

  const Period& period(PeriodId id) const { return periods[static_cast<int>(id)]; }
};

// The procedure's defaults (see docs/procedure.md, Choices, for the ones
// the procedure leaves open).
cre::v1::PathwayPolicy DefaultPolicy();

// Reads a text-format policy over the defaults: a field the file sets
// replaces the default, one it leaves out keeps it.
absl::StatusOr<cre::v1::PathwayPolicy> LoadPolicyFile(const std::string& path);

// Checks and compiles; errors name the field ("cre_meeting_papers: must be
// in working_days").
absl::StatusOr<Policy> CompilePolicy(const cre::v1::PathwayPolicy& policy);

// "48 working hours", "3 months": for rule texts and messages.
std::string DescribePeriod(const Period& period);

}  // namespace cre::pathway

#endif  // CRE_HUB_PATHWAY_POLICY_H_
