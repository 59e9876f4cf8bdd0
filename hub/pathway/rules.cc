#include "pathway/rules.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_replace.h"

namespace cre::pathway {
namespace {

namespace v1 = ::cre::v1;
using Role = v1::PractitionerRole;

constexpr Role kNone = v1::PRACTITIONER_ROLE_UNSPECIFIED;
constexpr Role kLead = v1::PRACTITIONER_ROLE_LEAD_PRACTITIONER;
constexpr Role kSw = v1::PRACTITIONER_ROLE_SOCIAL_WORKER;
constexpr Role kTm = v1::PRACTITIONER_ROLE_TEAM_MANAGER;
constexpr Role kCpm = v1::PRACTITIONER_ROLE_CPM;
constexpr Role kCpmVc = v1::PRACTITIONER_ROLE_CPM_VC;
constexpr Role kDutyCpm = v1::PRACTITIONER_ROLE_DUTY_CPM;
constexpr Role kIro = v1::PRACTITIONER_ROLE_IRO;
constexpr Role kCsc = v1::PRACTITIONER_ROLE_CHILDRENS_SOCIAL_CARE;
constexpr Role kPru = v1::PRACTITIONER_ROLE_POLICE_REFERRAL_UNIT;
constexpr Role kHost = v1::PRACTITIONER_ROLE_HOST_AUTHORITY;
constexpr Role kHome = v1::PRACTITIONER_ROLE_HOME_AUTHORITY;

constexpr bool kHub = true;
constexpr bool kDiscretionary = true;

// Indexes of kRules, in the order the actions are reported (the order of
// the procedure).
enum RuleIndex : int {
  kOperationLiberty,
  kMissingEpisode,
  kIroNotification,
  kHomeConsultation,
  kHostHandoff,
  kDutyCpmEscalation,
  kEarlyHelpAssessment,
  kTafMeeting,
  kMediumStepUp,
  kHighStepUp,
  kSingleAssessment,
  kHighStrategy,
  kHighThreshold,
  kMediumThreshold,
  kTaskingGroup,
  kS47,
  kCpRequest,
  kHighIcpc,
  kThresholdIcpc,
  kBroughtForward,
  kCreMeeting,
  kCreMeetingPapers,
  kOutlinePlan,
  kMinutes,
  kFirstReview,
  kLaterReview,
  kReviewPapers,
  kFirstCinMeeting,
  kCinMeeting,
  kFirstCoreGroup,
  kCoreGroup,
  kToolkitReview,
  kToolkitReviewCp,
  kRuleCount,
};

// clang-format off
constexpr RuleInfo kRules[] = {
  {"all.operation_liberty_report", v1::OPERATION_LIBERTY_REPORT, kLead, kNone, kPru, kHub, false,
   PeriodId::kOperationLibertyReport,
   "Individuals or places posing a risk to children were identified: an Operation Liberty report "
   "goes to the Police Referral Unit and is shared with the practitioners involved (routed within "
   "{period})."},
  {"all.missing_episode_assessment", v1::MISSING_EPISODE_ASSESSMENT, kLead, kNone, kNone, false, false,
   PeriodId::kMissingEpisodeAssessment,
   "A missing episode always requires the toolkit to be completed, with its narrative, alongside "
   "the return interview (within {period} of the child's return)."},
  {"lac.iro_notification", v1::IRO_NOTIFICATION, kSw, kNone, kIro, kHub, false,
   PeriodId::kIroNotification,
   "Looked-after child: the IRO is informed of any emerging concern within {period} of "
   "identification."},
  {"placed_in.home_authority_consultation", v1::HOME_AUTHORITY_CONSULTATION, kSw, kNone, kHome, kHub,
   false, PeriodId::kHomeAuthorityConsultation,
   "A child of another authority placed here and assessed at risk: this authority's procedure "
   "applies, in consultation with the child's own social worker (consulted within {period})."},
  {"placed_out.host_authority_handoff", v1::HOST_AUTHORITY_HANDOFF, kSw, kNone, kHost, kHub, false,
   PeriodId::kHostAuthorityHandoff,
   "This authority's child placed in another authority's area at MEDIUM or HIGH: the host "
   "authority coordinates the CRE meetings and response (accepted within {period})."},
  {"placed_out.duty_cpm_escalation", v1::DUTY_CPM_ESCALATION, kSw, kNone, kDutyCpm, false, false,
   PeriodId::kDutyCpmEscalation,
   "The host authority contests coordinating: the SW or TM raises it with the Duty CPM, who "
   "contacts the host authority's CRE lead (within {period} of the dispute)."},
  {"low.early_help_assessment", v1::EARLY_HELP_ASSESSMENT, kLead, kNone, kNone, false, false,
   PeriodId::kEarlyHelpAssessment,
   "LOW with no open plan: an Early Help Assessment by the identifying agency (within {period})."},
  {"low.taf_meeting", v1::TAF_MEETING, kLead, kLead, kNone, false, kDiscretionary,
   PeriodId::kEarlyHelpAssessment,
   "LOW with no open plan: a Team Around the Family meeting where needed."},
  {"medium.step_up_referral", v1::STEP_UP_REFERRAL, kLead, kNone, kCsc, kHub, false,
   PeriodId::kStepUpReferral,
   "MEDIUM, case held by Early Help: a referral (step-up) to Social Care (acknowledged within "
   "{period})."},
  {"high.step_up_referral", v1::STEP_UP_REFERRAL, kLead, kNone, kCsc, kHub, false,
   PeriodId::kStepUpReferral,
   "HIGH, case held by Early Help: an immediate referral to Children's Social Care (acknowledged "
   "within {period})."},
  {"medium.single_assessment", v1::SINGLE_ASSESSMENT, kSw, kNone, kNone, false, kDiscretionary,
   PeriodId::kStepUpReferral,
   "MEDIUM, case not already open to Social Care: consider a Social Care Single Assessment."},
  {"high.strategy_discussion", v1::STRATEGY_DISCUSSION, kSw, kTm, kNone, false, false,
   PeriodId::kHighStrategyDiscussion,
   "HIGH: Children's Social Care holds an S47 strategy discussion within {period} of the risk "
   "being identified as HIGH."},
  {"high.threshold_discussion", v1::CPM_THRESHOLD_DISCUSSION, kTm, kNone, kCpm, false, false,
   PeriodId::kHighThresholdDiscussion,
   "HIGH: the manager holds the threshold discussion with a CPM within {period} of the strategy "
   "discussion, deciding on a CRE meeting or an ICPC."},
  {"medium.threshold_discussion", v1::CPM_THRESHOLD_DISCUSSION, kTm, kNone, kCpm, false, false,
   PeriodId::kMediumThresholdDiscussion,
   "MEDIUM: the manager holds a threshold discussion with a CPM, deciding on a CRE meeting or an "
   "ICPC (within {period})."},
  {"all.cre_tasking_group", v1::CRE_TASKING_GROUP, kCpmVc, kNone, kNone, false, false,
   PeriodId::kCreTaskingGroup,
   "MEDIUM or HIGH: the CPM VC discusses the case at the CRE tasking group (within {period})."},
  {"high.s47_enquiry", v1::S47_ENQUIRY, kSw, kNone, kNone, false, false, PeriodId::kS47Enquiry,
   "HIGH: the SW completes the S47 enquiry after the first strategy meeting (within {period} of "
   "it)."},
  {"high.cp_conference_request", v1::CP_CONFERENCE_REQUEST, kTm, kNone, kCpm, false, false,
   PeriodId::kCpConferenceRequest,
   "The S47 enquiry shows other concerns alongside the exploitation, or very high CRE risk: the "
   "TM requests a Child Protection Conference through a CPM (within {period})."},
  {"high.icpc", v1::ICPC, kCpm, kCpm, kNone, false, false, PeriodId::kIcpc,
   "The CP conference threshold is met: the ICPC is held within {period} of {icpc_from}."},
  {"threshold.icpc", v1::ICPC, kCpm, kCpm, kNone, false, false, PeriodId::kIcpc,
   "The threshold discussion with a CPM decided on an ICPC (held within {period} of it)."},
  {"cp.conference_brought_forward", v1::CP_CONFERENCE_BROUGHT_FORWARD, kCpm, kCpm, kNone, false,
   false, PeriodId::kCpConferenceBroughtForward,
   "Child on a CP plan: where the level would have led to a CRE meeting, the CP review "
   "conference is brought forward instead, chaired by the CPM (within {period}); the CRE plan "
   "becomes part of the CP plan."},
  {"cre.meeting", v1::CRE_MEETING, kCpm, kCpm, kNone, false, false, PeriodId::kCreMeeting,
   "The CPM convenes a CRE meeting within {period} of the request; the child and parents or "
   "carers are supported to attend. Chair: the CPM VC for HIGH, the policy's chair for MEDIUM."},
  {"cre.meeting_papers", v1::CRE_MEETING_PAPERS, kLead, kNone, kNone, false, false,
   PeriodId::kCreMeetingPapers,
   "At least {period} before the initial meeting the lead practitioner submits the updated "
   "toolkit, the single assessment and a proposed CRE plan."},
  {"cre.outline_plan", v1::OUTLINE_PLAN, kCpm, kNone, kNone, false, false, PeriodId::kOutlinePlan,
   "An outline plan is available at the end of the meeting."},
  {"cre.meeting_minutes", v1::CRE_MEETING_MINUTES, kCpm, kNone, kNone, false, false,
   PeriodId::kCreMeetingMinutes,
   "Confirmed minutes are circulated within {period} of the meeting."},
  {"cre.first_review", v1::CRE_REVIEW, kCpm, kCpm, kNone, false, false, PeriodId::kFirstCreReview,
   "The first review is within {period} of the initial meeting, by a CPM (the CPM VC for HIGH)."},
  {"cre.later_review", v1::CRE_REVIEW, kCpm, kCpm, kNone, false, false, PeriodId::kLaterCreReviews,
   "Reviews then follow at least every {period}, by a CPM (the CPM VC for HIGH)."},
  {"cre.review_papers", v1::CRE_REVIEW_PAPERS, kLead, kNone, kNone, false, false,
   PeriodId::kCreReviewPapers,
   "At least {period} before each review the lead practitioner submits an updated toolkit and a "
   "review report."},
  {"high.first_cin_meeting", v1::CIN_MEETING, kSw, kTm, kNone, false, false,
   PeriodId::kFirstCinMeeting,
   "HIGH: plan and visits are reviewed at multi-agency CIN meetings; the first within {period} "
   "of the strategy discussion."},
  {"high.cin_meeting", v1::CIN_MEETING, kSw, kTm, kNone, false, false, PeriodId::kCinMeeting,
   "HIGH: plan and visits are reviewed at multi-agency CIN meetings every {period}."},
  {"high.first_core_group_meeting", v1::CORE_GROUP_MEETING, kSw, kTm, kNone, false, false,
   PeriodId::kFirstCoreGroupMeeting,
   "HIGH with the CP threshold met: the first core group meeting within {period} of the ICPC; "
   "the TM chairs the CRE element."},
  {"high.core_group_meeting", v1::CORE_GROUP_MEETING, kSw, kTm, kNone, false, false,
   PeriodId::kCoreGroupMeeting,
   "HIGH with the CP threshold met: core group meetings every {period}; the TM chairs the CRE "
   "element."},
  {"all.risk_assessment_review", v1::RISK_ASSESSMENT_REVIEW, kLead, kNone, kNone, false, false,
   PeriodId::kRiskAssessmentReview,
   "The toolkit is reviewed every {period} until closure (for HIGH, at the CIN meeting "
   "rhythm)."},
  {"high.risk_assessment_review_cp", v1::RISK_ASSESSMENT_REVIEW, kSw, kNone, kNone, false, false,
   PeriodId::kRiskAssessmentReviewCp,
   "HIGH with the CP threshold met: the toolkit is updated at the core group rhythm, every "
   "{period}."},
};
// clang-format on
static_assert(sizeof(kRules) / sizeof(kRules[0]) == kRuleCount, "one kRules entry per RuleIndex");

constexpr char kEvidencedSection[] = "Actions evidenced by later steps";

// Actions evidenced by later steps: a row only where the procedure lets the
// later step happen only after the action. docs/pathway.md lists the rows
// and the actions reviewed and left out.
// clang-format off
constexpr EvidenceInfo kEvidence[] = {
  {&kRules[kHighThreshold],
   {v1::EVENT_KIND_CRE_MEETING_REQUESTED, v1::EVENT_KIND_CRE_MEETING_SCHEDULED,
    v1::EVENT_KIND_CRE_MEETING_HELD, v1::EVENT_KIND_CP_CONFERENCE_REQUESTED,
    v1::EVENT_KIND_CP_CONFERENCE_HELD},
   "the threshold discussion with a CPM confirms the need for a CRE meeting or an ICPC: the CPM "
   "convenes a CRE meeting on that request, a CP conference is requested through a discussion "
   "with a CPM, and a CP plan's review conference is brought forward after the conversation with "
   "the CPM",
   kEvidencedSection},
  {&kRules[kMediumThreshold],
   {v1::EVENT_KIND_CRE_MEETING_REQUESTED, v1::EVENT_KIND_CRE_MEETING_SCHEDULED,
    v1::EVENT_KIND_CRE_MEETING_HELD, v1::EVENT_KIND_CP_CONFERENCE_REQUESTED,
    v1::EVENT_KIND_CP_CONFERENCE_HELD},
   "as for HIGH: the manager's threshold discussion with a CPM confirms the need for a CRE meeting "
   "or an ICPC, and each of these steps follows that decision",
   kEvidencedSection},
  {&kRules[kCpRequest], {v1::EVENT_KIND_ICPC_HELD},
   "a Child Protection Conference is held only once requested: an ICPC after the S47 outcome "
   "shows the TM's request through a CPM was made",
   kEvidencedSection},
};
// clang-format on

bool Evidences(const EvidenceInfo& row, v1::EventKind kind) {
  for (v1::EventKind by : row.by) {
    if (by != v1::EVENT_KIND_UNSPECIFIED && by == kind) return true;
  }
  return false;
}

// The row for this rule, or null.
const EvidenceInfo* EvidenceFor(RuleIndex index) {
  for (const EvidenceInfo& row : kEvidence) {
    if (row.rule == &kRules[index]) return &row;
  }
  return nullptr;
}

// How the case is recorded: the table of docs/procedure.md, Risk levels and
// recording, by level and plan.
constexpr v1::Recording kRecordingTable[3][5] = {
    // NONE, EARLY_HELP, CHILD_IN_NEED, CHILD_PROTECTION, LOOKED_AFTER
    /*LOW*/ {v1::RECORDING_EARLY_HELP, v1::RECORDING_WITHIN_EXISTING_PLAN,
             v1::RECORDING_WITHIN_EXISTING_PLAN, v1::RECORDING_WITHIN_EXISTING_PLAN,
             v1::RECORDING_WITHIN_EXISTING_PLAN},
    /*MEDIUM*/ {v1::RECORDING_CRE_STRATEGY, v1::RECORDING_CRE_STRATEGY, v1::RECORDING_CRE_STRATEGY,
                v1::RECORDING_CP_PATHWAY, v1::RECORDING_LAC_WITH_CRE_STRATEGY},
    /*HIGH*/ {v1::RECORDING_CRE_STRATEGY, v1::RECORDING_CRE_STRATEGY, v1::RECORDING_CRE_STRATEGY,
              v1::RECORDING_CP_PATHWAY, v1::RECORDING_LAC_WITH_CRE_STRATEGY},
};

v1::Recording RecordingFor(v1::RiskLevel level, v1::OpenPlan plan) {
  if (level == v1::RISK_LEVEL_UNSPECIFIED || plan == v1::OPEN_PLAN_UNSPECIFIED) {
    return v1::RECORDING_UNSPECIFIED;
  }
  return kRecordingTable[level - v1::RISK_LEVEL_LOW][plan - v1::OPEN_PLAN_NONE];
}

constexpr const char kAwaitingAck[] = "sent; awaiting acknowledgement";

constexpr uint32_t Bit(Role r) { return 1u << static_cast<int>(r); }

// What the rules read: the case as known at `now`, with the facts that
// several rules share worked out once.
class Context {
 public:
  Context(const CaseFacts& f, absl::Time now, const Policy& policy, const Calendar& cal)
      : f(f), now(now), policy(policy), cal(cal) {
    CountKnown();
    ReadLevels();
    ReadEvents();
  }

  const CaseFacts& f;
  const absl::Time now;
  const Policy& policy;
  const Calendar& cal;

  int assessments = 0;  // known at now
  int events = 0;       // known at now
  const AssessmentFact* current = nullptr;
  v1::RiskLevel level = v1::RISK_LEVEL_UNSPECIFIED;
  // Where the current runs of assessments began: at the current level, at
  // MEDIUM or above, at HIGH (null when the level is below).
  const AssessmentFact* level_start = nullptr;
  const AssessmentFact* medium_start = nullptr;
  const AssessmentFact* high_start = nullptr;
  // The latest assessment that raised the level (or the first one).
  const AssessmentFact* raised = nullptr;

  v1::OpenPlan plan = v1::OPEN_PLAN_UNSPECIFIED;
  v1::Recording recording = v1::RECORDING_UNSPECIFIED;
  const EventFact* closed = nullptr;
  const EventFact* icpc_plan = nullptr;  // an ICPC that made a CP plan
  // The response and the CRE meetings are this authority's (not placed out).
  bool here = true;
  // Social Care has the case (not held by EH, or the step-up acknowledged).
  bool referred = true;
  const EventFact* strategy = nullptr;   // of the current HIGH run
  const EventFact* threshold = nullptr;  // the threshold discussion now due
  const EventFact* s47_strategy = nullptr;  // the strategy meeting that opened the S47
  const EventFact* s47_outcome = nullptr;
  const EventFact* cre_request = nullptr;
  // The threshold discussion or the first later step that evidences it
  // (kEvidence); `threshold` alone carries the decision.
  const EventFact* threshold_done = nullptr;

  const EventFact* First(v1::EventKind kind, absl::Time from) const {
    for (int i = 0; i < events; ++i) {
      const EventFact& e = f.events[i];
      if (e.kind == kind && e.at >= from) return &e;
    }
    return nullptr;
  }
  // The first event at or after `from` that shows the rule's action done:
  // `done` itself or a later step that evidences it (kEvidence). `from` is
  // the point from which the rule counts its deadline, the same bound it
  // gives `done`: a step recorded before it answered an earlier round (an
  // earlier level, strategy discussion or S47 outcome) and shows nothing
  // about this one.
  const EventFact* DoneBy(RuleIndex rule, v1::EventKind done, absl::Time from) const {
    const EvidenceInfo* row = EvidenceFor(rule);
    for (int i = 0; i < events; ++i) {
      const EventFact& e = f.events[i];
      if (e.at >= from && (e.kind == done || (row && Evidences(*row, e.kind)))) return &e;
    }
    return nullptr;
  }

  // The latest strategy discussion of the S47 enquiry that s47_strategy
  // opened, held before `held` (the ICPC, when held: a later one cannot
  // move it).
  const EventFact* LatestStrategyBefore(const EventFact* held) const {
    const EventFact* latest = s47_strategy;
    for (int i = 0; i < events; ++i) {
      const EventFact& e = f.events[i];
      if (held && e.at >= held->at) break;
      if (e.kind == v1::EVENT_KIND_STRATEGY_DISCUSSION_HELD && e.at > s47_strategy->at) latest = &e;
    }
    return latest;
  }

  const EventFact* Last(v1::EventKind kind, absl::Time from = absl::InfinitePast()) const {
    for (int i = events - 1; i >= 0; --i) {
      const EventFact& e = f.events[i];
      if (e.at < from) return nullptr;
      if (e.kind == kind) return &e;
    }
    return nullptr;
  }
  // A hub-routed message: the first acknowledged one, else the first sent.
  const EventFact* FirstRouted(v1::EventKind kind, absl::Time from) const {
    const EventFact* sent = nullptr;
    for (int i = 0; i < events; ++i) {
      const EventFact& e = f.events[i];
      if (e.kind != kind || e.at < from) continue;
      if (Acked(e)) return &e;
      if (!sent) sent = &e;
    }
    return sent;
  }
  bool Acked(const EventFact& e) const { return e.acknowledged_at <= now; }
  const AssessmentFact* FirstWithNarrative(absl::Time from) const {
    for (int i = 0; i < assessments; ++i) {
      const AssessmentFact& a = f.assessments[i];
      if (a.at >= from && a.has_narrative) return &a;
    }
    return nullptr;
  }
  // Who keeps the toolkit: the social worker once Social Care holds the case.
  Role CaseOwner() const {
    const bool csc = level >= v1::RISK_LEVEL_MEDIUM || plan == v1::OPEN_PLAN_CHILD_IN_NEED ||
                     plan == v1::OPEN_PLAN_CHILD_PROTECTION || plan == v1::OPEN_PLAN_LOOKED_AFTER;
    return csc ? kSw : kLead;
  }
  // Chair of CRE meetings and reviews.
  Role CreChair() const {
    return level == v1::RISK_LEVEL_HIGH ? kCpmVc : policy.medium_cre_meeting_chair;
  }
  uint32_t CreParticipants() const {
    return (f.looked_after ? Bit(kIro) : 0) |
           (f.placement == v1::PLACEMENT_PLACED_IN ? Bit(kHome) : 0);
  }
  bool CreTrack() const {
    return medium_start != nullptr && here &&
           (recording == v1::RECORDING_CRE_STRATEGY ||
            recording == v1::RECORDING_LAC_WITH_CRE_STRATEGY);
  }

 private:
  void CountKnown() {
    while (assessments < static_cast<int>(f.assessments.size()) &&
           f.assessments[assessments].at <= now) {
      ++assessments;
    }
    while (events < static_cast<int>(f.events.size()) && f.events[events].at <= now) ++events;
  }

  // The start of the run of assessments, ending with the latest, whose
  // effective level is at least `floor`.
  const AssessmentFact* RunStart(v1::RiskLevel floor) const {
    if (level < floor) return nullptr;
    int i = assessments - 1;
    while (i > 0 && f.assessments[i - 1].level.effective >= floor) --i;
    return &f.assessments[i];
  }

  void ReadLevels() {
    if (assessments == 0) return;
    current = &f.assessments[assessments - 1];
    level = current->level.effective;
    int i = assessments - 1;
    while (i > 0 && f.assessments[i - 1].level.effective == level) --i;
    level_start = &f.assessments[i];
    medium_start = RunStart(v1::RISK_LEVEL_MEDIUM);
    high_start = RunStart(v1::RISK_LEVEL_HIGH);
    int r = assessments - 1;
    while (r > 0 && f.assessments[r].level.effective <= f.assessments[r - 1].level.effective) --r;
    raised = &f.assessments[r];
  }

  void ReadEvents() {
    closed = First(v1::EVENT_KIND_CASE_CLOSED, absl::InfinitePast());
    plan = f.open_plan;
    for (int i = 0; i < events && !icpc_plan; ++i) {
      const EventFact& e = f.events[i];
      if (e.kind == v1::EVENT_KIND_ICPC_HELD && e.cp_plan) icpc_plan = &e;
    }
    if (icpc_plan) plan = v1::OPEN_PLAN_CHILD_PROTECTION;
    recording = RecordingFor(level, plan);
    here = f.placement != v1::PLACEMENT_PLACED_OUT;
    if (f.open_plan == v1::OPEN_PLAN_EARLY_HELP && medium_start) {
      const EventFact* step_up = FirstRouted(v1::EVENT_KIND_STEP_UP_REFERRAL, medium_start->at);
      referred = step_up && Acked(*step_up);
    }
    if (high_start) strategy = First(v1::EVENT_KIND_STRATEGY_DISCUSSION_HELD, high_start->at);
    const absl::Time threshold_from =
        level == v1::RISK_LEVEL_HIGH ? (strategy ? strategy->at : absl::InfiniteFuture())
        : medium_start               ? medium_start->at
                                     : absl::InfiniteFuture();
    threshold = First(v1::EVENT_KIND_THRESHOLD_DISCUSSION_HELD, threshold_from);
    threshold_done = DoneBy(level == v1::RISK_LEVEL_HIGH ? kHighThreshold : kMediumThreshold,
                            v1::EVENT_KIND_THRESHOLD_DISCUSSION_HELD, threshold_from);
    ReadS47();
    ReadCreRequest();
  }

  // The S47 enquiry begins at a strategy discussion; further ones held as
  // new risks emerge belong to the same enquiry until its outcome (Working
  // Together 2023). HIGH: the enquiry opened by this run's first strategy
  // discussion. Otherwise an enquiry once opened is still completed: the one
  // opened by the first strategy discussion after the last outcome, while it
  // has no outcome itself.
  void ReadS47() {
    if (level == v1::RISK_LEVEL_HIGH) {
      s47_strategy = strategy;
    } else {
      const EventFact* last_outcome = Last(v1::EVENT_KIND_S47_OUTCOME);
      const EventFact* first = First(v1::EVENT_KIND_STRATEGY_DISCUSSION_HELD,
                                     last_outcome ? last_outcome->at : absl::InfinitePast());
      if (first && !First(v1::EVENT_KIND_S47_OUTCOME, first->at)) s47_strategy = first;
    }
    if (s47_strategy) s47_outcome = First(v1::EVENT_KIND_S47_OUTCOME, s47_strategy->at);
  }

  // The request for a CRE meeting: an explicit request, a threshold
  // discussion that decided on one, or the meeting scheduled or held (the
  // CPM convenes it only on a request), whichever came first.
  void ReadCreRequest() {
    if (!medium_start) return;
    for (int i = 0; i < events; ++i) {
      const EventFact& e = f.events[i];
      if (e.at < medium_start->at) continue;
      if (e.kind == v1::EVENT_KIND_CRE_MEETING_REQUESTED ||
          e.kind == v1::EVENT_KIND_CRE_MEETING_SCHEDULED ||
          e.kind == v1::EVENT_KIND_CRE_MEETING_HELD ||
          (e.kind == v1::EVENT_KIND_THRESHOLD_DISCUSSION_HELD &&
           e.threshold_outcome == v1::THRESHOLD_OUTCOME_CRE_MEETING)) {
        cre_request = &e;
        return;
      }
    }
  }
};

// Appends actions and sets their deadlines.
class Emitter {
 public:
  Emitter(const Context& c, PathwayResult* out) : c_(c), out_(out) {}

  // The new action, filled from the rule. The reference is valid until the
  // next Add.
  ActionResult& Add(RuleIndex index) {
    const RuleInfo& rule = kRules[index];
    out_->actions.emplace_back();
    ActionResult& a = out_->actions.back();
    a.kind = rule.kind;
    a.owner = rule.owner;
    a.chair = rule.chair;
    a.recipient = rule.recipient;
    a.rule = &rule;
    return a;
  }

  // Due the rule's period after the anchor.
  void DueAfter(ActionResult& a, absl::Time anchor, absl::CivilDay anchor_day) const {
    DueAfter(a, c_.policy.period(a.rule->period), anchor, anchor_day);
  }
  void DueAfter(ActionResult& a, const EventFact& e) const { DueAfter(a, e.at, e.day); }
  void DueAfter(ActionResult& a, const AssessmentFact& f) const { DueAfter(a, f.at, f.day); }

  // Due the rule's period (in working days) before the meeting's date.
  void DueBefore(ActionResult& a, absl::CivilDay meeting_day) const {
    const Period& p = c_.policy.period(a.rule->period);
    SetDay(a, c_.cal.AddWorkingDays(meeting_day, -p.count));
  }

 private:
  void DueAfter(ActionResult& a, const Period& p, absl::Time anchor, absl::CivilDay day) const {
    switch (p.unit) {
      case Period::Unit::kWorkingDays: SetDay(a, c_.cal.AddWorkingDays(day, p.count)); break;
      case Period::Unit::kMonths: SetDay(a, Calendar::AddMonths(day, p.count)); break;
      case Period::Unit::kWeeks: SetDay(a, Calendar::AddWeeks(day, p.count)); break;
      case Period::Unit::kWorkingHours: SetInstant(a, c_.cal.AddWorkingHours(anchor, p.count)); break;
      case Period::Unit::kClockHours: SetInstant(a, anchor + absl::Hours(p.count)); break;
    }
  }
  void SetDay(ActionResult& a, absl::CivilDay day) const {
    a.due_basis = v1::DUE_BASIS_END_OF_DAY;
    a.due_day = day;
    a.due_at = c_.cal.EndOfDay(day);
  }
  void SetInstant(ActionResult& a, absl::Time t) const {
    a.due_basis = v1::DUE_BASIS_INSTANT;
    a.due_at = t;
    // The last local day on which it can still be done.
    a.due_day = c_.cal.LocalDay(t - absl::Nanoseconds(1));
  }

  const Context& c_;
  PathwayResult* out_;
};

void Done(ActionResult& a, const EventFact* e) {
  if (e) a.done_at = e->at;
}

// A hub-routed action is done when the recipient acknowledges it.
void RoutedDone(const Context& c, ActionResult& a, const EventFact* e) {
  if (!e) return;
  if (c.Acked(*e)) {
    a.done_at = e->acknowledged_at;
  } else {
    a.note = kAwaitingAck;
    a.awaiting_acknowledgement = true;
  }
}

void Waiting(ActionResult& a, v1::ActionKind on, const char* note = nullptr) {
  a.waiting_for = on;
  if (note) a.note = note;
}

// ---- The rules, in the order of kRules. ----

// An Operation Liberty report covers the assessments flagged before it.
void OperationLibertyReport(const Context& c, Emitter& e) {
  const EventFact* report = c.Last(v1::EVENT_KIND_OPERATION_LIBERTY_REPORT_SENT);
  const AssessmentFact* first_open = nullptr;
  const AssessmentFact* last_flagged = nullptr;
  for (int i = 0; i < c.assessments; ++i) {
    const AssessmentFact& a = c.f.assessments[i];
    if (!a.risk_individuals_or_places) continue;
    last_flagged = &a;
    if (!first_open && (!report || report->at < a.at)) first_open = &a;
  }
  if (!last_flagged) return;
  const AssessmentFact& anchor = first_open ? *first_open : *last_flagged;
  ActionResult& r = e.Add(kOperationLiberty);
  if (anchor.assessor != kNone) r.owner = anchor.assessor;
  e.DueAfter(r, anchor);
  if (!first_open) RoutedDone(c, r, report);
}

void MissingEpisodes(const Context& c, Emitter& e) {
  for (int i = 0; i < c.events; ++i) {
    const EventFact& episode = c.f.events[i];
    if (episode.kind != v1::EVENT_KIND_MISSING_EPISODE) continue;
    ActionResult& r = e.Add(kMissingEpisode);
    r.owner = c.CaseOwner();
    e.DueAfter(r, episode);
    const AssessmentFact* toolkit = c.FirstWithNarrative(episode.at);
    const EventFact* interview = c.First(v1::EVENT_KIND_RETURN_INTERVIEW, episode.at);
    if (toolkit && interview) {
      r.done_at = std::max(toolkit->at, interview->at);
    } else {
      r.note = toolkit     ? "return interview not yet recorded"
               : interview ? "toolkit with narrative not yet recorded"
                           : "toolkit with narrative and return interview not yet recorded";
    }
  }
}

void IroNotification(const Context& c, Emitter& e) {
  if (!c.f.looked_after || !c.raised) return;
  ActionResult& r = e.Add(kIroNotification);
  e.DueAfter(r, *c.raised);
  RoutedDone(c, r, c.FirstRouted(v1::EVENT_KIND_IRO_NOTIFIED, c.raised->at));
}

void HomeAuthorityConsultation(const Context& c, Emitter& e) {
  if (c.f.placement != v1::PLACEMENT_PLACED_IN || c.assessments == 0) return;
  const AssessmentFact& first = c.f.assessments[0];
  ActionResult& r = e.Add(kHomeConsultation);
  e.DueAfter(r, first);
  RoutedDone(c, r, c.FirstRouted(v1::EVENT_KIND_CONSULTATION_SENT, first.at));
}

// The host accepts or disputes; the latest answer stands.
void HostAuthority(const Context& c, Emitter& e) {
  if (c.f.placement != v1::PLACEMENT_PLACED_OUT || !c.medium_start) return;
  const absl::Time from = c.medium_start->at;
  const EventFact* accepted = c.Last(v1::EVENT_KIND_HOST_AUTHORITY_ACCEPTED, from);
  const EventFact* disputed = c.Last(v1::EVENT_KIND_HOST_AUTHORITY_DISPUTED, from);
  const bool in_dispute = disputed && (!accepted || accepted->at < disputed->at);
  ActionResult& r = e.Add(kHostHandoff);
  e.DueAfter(r, *c.medium_start);
  if (in_dispute) {
    r.note = "disputed by the host authority";
  } else {
    Done(r, accepted);
  }
  if (!disputed) return;
  const EventFact* raised = c.First(v1::EVENT_KIND_DUTY_CPM_ESCALATION_RAISED, disputed->at);
  if (!in_dispute && !raised) return;  // settled without it
  ActionResult& x = e.Add(kDutyCpmEscalation);
  e.DueAfter(x, *disputed);
  Done(x, raised);
}

void EarlyHelp(const Context& c, Emitter& e) {
  if (c.recording != v1::RECORDING_EARLY_HELP) return;
  // The identifying agency: whoever assessed the child LOW.
  const Role owner = c.level_start->assessor != kNone ? c.level_start->assessor : kLead;
  ActionResult& eha = e.Add(kEarlyHelpAssessment);
  eha.owner = owner;
  e.DueAfter(eha, *c.level_start);
  Done(eha, c.First(v1::EVENT_KIND_EARLY_HELP_ASSESSMENT_COMPLETED, c.f.opened_at));
  ActionResult& taf = e.Add(kTafMeeting);
  taf.owner = owner;
  taf.chair = owner;
  Done(taf, c.First(v1::EVENT_KIND_TAF_MEETING_HELD, c.f.opened_at));
}

void StepUp(const Context& c, Emitter& e) {
  if (c.f.open_plan != v1::OPEN_PLAN_EARLY_HELP || !c.medium_start) return;
  ActionResult& r = e.Add(c.level == v1::RISK_LEVEL_HIGH ? kHighStepUp : kMediumStepUp);
  e.DueAfter(r, *c.medium_start);
  RoutedDone(c, r, c.FirstRouted(v1::EVENT_KIND_STEP_UP_REFERRAL, c.medium_start->at));
}

void SingleAssessment(const Context& c, Emitter& e) {
  const bool new_to_csc =
      c.f.open_plan == v1::OPEN_PLAN_NONE || c.f.open_plan == v1::OPEN_PLAN_EARLY_HELP;
  if (c.level != v1::RISK_LEVEL_MEDIUM || !new_to_csc || !c.here) return;
  ActionResult& r = e.Add(kSingleAssessment);
  Done(r, c.First(v1::EVENT_KIND_SINGLE_ASSESSMENT_COMPLETED, c.f.opened_at));
  if (!c.referred) Waiting(r, v1::STEP_UP_REFERRAL);
}

void StrategyDiscussion(const Context& c, Emitter& e) {
  if (c.level != v1::RISK_LEVEL_HIGH || !c.here) return;
  ActionResult& r = e.Add(kHighStrategy);
  e.DueAfter(r, *c.high_start);
  Done(r, c.strategy);
}

void ThresholdDiscussion(const Context& c, Emitter& e) {
  if (c.level < v1::RISK_LEVEL_MEDIUM || !c.here) return;
  const bool high = c.level == v1::RISK_LEVEL_HIGH;
  ActionResult& r = e.Add(high ? kHighThreshold : kMediumThreshold);
  // On a CP plan the social worker liaises with the existing CPM.
  if (c.plan == v1::OPEN_PLAN_CHILD_PROTECTION) r.owner = kSw;
  Done(r, c.threshold_done);
  if (high) {
    if (!c.strategy) return Waiting(r, v1::STRATEGY_DISCUSSION);
    e.DueAfter(r, *c.strategy);
    return;
  }
  e.DueAfter(r, *c.medium_start);
  if (!c.referred) Waiting(r, v1::STEP_UP_REFERRAL);
}

void TaskingGroup(const Context& c, Emitter& e) {
  if (!c.medium_start || !c.here) return;
  ActionResult& r = e.Add(kTaskingGroup);
  e.DueAfter(r, *c.medium_start);
  Done(r, c.First(v1::EVENT_KIND_TASKING_GROUP_DISCUSSED, c.medium_start->at));
}

void S47Enquiry(const Context& c, Emitter& e) {
  if (!c.here || (c.level != v1::RISK_LEVEL_HIGH && !c.s47_strategy)) return;
  ActionResult& r = e.Add(kS47);
  if (!c.s47_strategy) return Waiting(r, v1::STRATEGY_DISCUSSION);
  e.DueAfter(r, *c.s47_strategy);
  Done(r, c.s47_outcome);
}

void CpConferenceRequest(const Context& c, Emitter& e) {
  const EventFact* out = c.s47_outcome;
  if (!out || !(out->other_concerns || out->very_high_risk) || !c.here ||
      c.f.open_plan == v1::OPEN_PLAN_CHILD_PROTECTION) {
    return;
  }
  ActionResult& r = e.Add(kCpRequest);
  e.DueAfter(r, *out);
  Done(r, c.DoneBy(kCpRequest, v1::EVENT_KIND_CP_CONFERENCE_REQUESTED, out->at));
}

// An ICPC follows an S47 that met the CP threshold (or a CP conference
// request), or a threshold discussion that decided on one. Not for a child
// already on a CP plan: see CpConferenceBroughtForward.
void Icpc(const Context& c, Emitter& e) {
  if (!c.here || c.f.open_plan == v1::OPEN_PLAN_CHILD_PROTECTION) return;
  const EventFact* out = c.s47_outcome;
  const bool asks = out && (out->other_concerns || out->very_high_risk);
  const EventFact* request =
      asks ? c.DoneBy(kCpRequest, v1::EVENT_KIND_CP_CONFERENCE_REQUESTED, out->at) : nullptr;
  const bool by_s47 = out && (out->cp_threshold_met || request);
  // A CP conference requested with no threshold discussion recorded: the
  // discussion evidently took place (kEvidence) and decided on an ICPC.
  const EventFact* requested =
      !c.threshold && c.threshold_done &&
              c.threshold_done->kind == v1::EVENT_KIND_CP_CONFERENCE_REQUESTED
          ? c.threshold_done
          : nullptr;
  const bool by_threshold =
      (c.threshold && c.threshold->threshold_outcome == v1::THRESHOLD_OUTCOME_ICPC) || requested;
  const bool s47_open = c.level == v1::RISK_LEVEL_HIGH && c.s47_strategy && !out;
  if (!by_s47 && !by_threshold && !s47_open && !asks) return;
  const EventFact* anchor = c.s47_strategy ? c.s47_strategy : c.threshold ? c.threshold : requested;
  ActionResult& r = e.Add(c.s47_strategy ? kHighIcpc : kThresholdIcpc);
  if (by_s47 || by_threshold) {
    const EventFact* held = c.First(v1::EVENT_KIND_ICPC_HELD, anchor->at);
    const bool from_latest = c.policy.icpc_counted_from == v1::ICPC_COUNTED_FROM_LATEST;
    e.DueAfter(r, c.s47_strategy && from_latest ? *c.LatestStrategyBefore(held) : *anchor);
    Done(r, held);
  } else if (s47_open) {
    Waiting(r, v1::S47_ENQUIRY, "required if the S47 enquiry finds the CP conference threshold met");
  } else {
    Waiting(r, v1::CP_CONFERENCE_REQUEST);
  }
}

void CpConferenceBroughtForward(const Context& c, Emitter& e) {
  if (c.f.open_plan != v1::OPEN_PLAN_CHILD_PROTECTION || !c.medium_start || !c.here) return;
  const EventFact* request = c.First(v1::EVENT_KIND_CRE_MEETING_REQUESTED, c.medium_start->at);
  const v1::ThresholdOutcome outcome =
      c.threshold ? c.threshold->threshold_outcome : v1::THRESHOLD_OUTCOME_UNSPECIFIED;
  const bool decided = outcome == v1::THRESHOLD_OUTCOME_CRE_MEETING ||
                       outcome == v1::THRESHOLD_OUTCOME_ICPC;
  // A discussion known only from a later step (kEvidence) asked for a
  // meeting or a conference: that step is the request.
  if (!request && !c.threshold) request = c.threshold_done;
  if (!decided && !request && c.threshold) return;  // no meeting needed
  ActionResult& r = e.Add(kBroughtForward);
  const EventFact* anchor = decided ? c.threshold : request;
  if (decided && request && request->at < c.threshold->at) anchor = request;
  if (!anchor) {
    return Waiting(r, v1::CPM_THRESHOLD_DISCUSSION,
                   "required if the threshold discussion finds the level would have led to a "
                   "CRE meeting");
  }
  e.DueAfter(r, *anchor);
  Done(r, c.First(v1::EVENT_KIND_CP_CONFERENCE_HELD, anchor->at));
}

// The CPM service convenes CRE meetings and reviews and circulates their
// minutes: it keeps the rule's owner whoever chairs, so that its deadlines
// reach the service that can act on them (docs/procedure.md, Owners and
// chairs).
void MeetingRoles(const Context& c, ActionResult& a) {
  if (a.chair != kNone) a.chair = c.CreChair();
  a.participants = c.CreParticipants();
}

// Minutes of every meeting held, each matched to the first circulation
// after it that no earlier meeting took.
void Minutes(const Context& c, Emitter& e, const EventFact& initial) {
  int next = 0;
  for (int i = 0; i < c.events; ++i) {
    const EventFact& m = c.f.events[i];
    const bool meeting = &m == &initial ||
                         (m.kind == v1::EVENT_KIND_CRE_REVIEW_HELD && m.at >= initial.at);
    if (!meeting) continue;
    ActionResult& r = e.Add(kMinutes);
    MeetingRoles(c, r);
    e.DueAfter(r, m);
    int j = std::max(next, i + 1);
    while (j < c.events && c.f.events[j].kind != v1::EVENT_KIND_MINUTES_CIRCULATED) ++j;
    if (j < c.events) Done(r, &c.f.events[j]);
    next = j + 1;
  }
}

// The next review: 3 months after the initial meeting, then 6 months after
// the last review; and its papers.
void NextReview(const Context& c, Emitter& e, const EventFact& initial) {
  const EventFact* last = c.Last(v1::EVENT_KIND_CRE_REVIEW_HELD, initial.at);
  const EventFact& anchor = last ? *last : initial;
  ActionResult& r = e.Add(last ? kLaterReview : kFirstReview);
  MeetingRoles(c, r);
  e.DueAfter(r, anchor);
  const EventFact* scheduled = c.Last(v1::EVENT_KIND_CRE_REVIEW_SCHEDULED, anchor.at);
  if (scheduled && scheduled->scheduled_day > r.due_day) r.note = "scheduled after the due date";
  ActionResult& papers = e.Add(kReviewPapers);
  Done(papers, c.First(v1::EVENT_KIND_CRE_REVIEW_PAPERS_SUBMITTED, anchor.at));
  if (scheduled) {
    e.DueBefore(papers, scheduled->scheduled_day);
  } else {
    Waiting(papers, v1::CRE_REVIEW, "due before the review once it is scheduled");
  }
}

void CreMeetings(const Context& c, Emitter& e) {
  if (!c.CreTrack()) return;
  const EventFact* request = c.cre_request;
  if (!request) {
    // The threshold discussion (held, or evidenced by a CP conference
    // requested or brought forward) decided on something else.
    if (c.threshold_done) return;
    ActionResult& r = e.Add(kCreMeeting);
    MeetingRoles(c, r);
    return Waiting(r, v1::CPM_THRESHOLD_DISCUSSION,
                   "required if the threshold discussion decides on a CRE meeting");
  }
  const EventFact* held = c.First(v1::EVENT_KIND_CRE_MEETING_HELD, request->at);
  const EventFact* scheduled = c.Last(v1::EVENT_KIND_CRE_MEETING_SCHEDULED, request->at);
  ActionResult& meeting = e.Add(kCreMeeting);
  MeetingRoles(c, meeting);
  e.DueAfter(meeting, *request);
  Done(meeting, held);
  if (!held && scheduled && scheduled->scheduled_day > meeting.due_day) {
    meeting.note = "scheduled after the due date";
  }
  ActionResult& papers = e.Add(kCreMeetingPapers);
  Done(papers, c.First(v1::EVENT_KIND_CRE_MEETING_PAPERS_SUBMITTED, c.medium_start->at));
  if (scheduled || held) {
    e.DueBefore(papers, scheduled ? scheduled->scheduled_day : held->day);
  } else {
    Waiting(papers, v1::CRE_MEETING, "due before the meeting once it is scheduled");
  }
  ActionResult& outline = e.Add(kOutlinePlan);
  outline.owner = c.CreChair();
  if (!held) {
    Waiting(outline, v1::CRE_MEETING);
    ActionResult& minutes = e.Add(kMinutes);
    MeetingRoles(c, minutes);
    Waiting(minutes, v1::CRE_MEETING);
    ActionResult& review = e.Add(kFirstReview);
    MeetingRoles(c, review);
    return Waiting(review, v1::CRE_MEETING);
  }
  e.DueAfter(outline, *held);
  Done(outline, c.First(v1::EVENT_KIND_OUTLINE_PLAN_SHARED, held->at));
  Minutes(c, e, *held);
  NextReview(c, e, *held);
}

// HIGH: CIN meetings every 6 weeks, or core groups every 4 weeks on a CP plan.
// A looked-after child's plan is reviewed at looked-after reviews instead.
void CinOrCoreGroup(const Context& c, Emitter& e) {
  if (c.level != v1::RISK_LEVEL_HIGH || !c.here) return;
  if (c.plan == v1::OPEN_PLAN_CHILD_PROTECTION) {
    const EventFact* last = c.Last(v1::EVENT_KIND_CORE_GROUP_MEETING_HELD);
    ActionResult& r = e.Add(last || !c.icpc_plan ? kCoreGroup : kFirstCoreGroup);
    if (last) return e.DueAfter(r, *last);
    if (c.icpc_plan) return e.DueAfter(r, *c.icpc_plan);
    return e.DueAfter(r, c.f.opened_at, c.cal.LocalDay(c.f.opened_at));
  }
  if (c.f.looked_after) return;
  const EventFact* last = c.Last(v1::EVENT_KIND_CIN_MEETING_HELD);
  ActionResult& r = e.Add(last ? kCinMeeting : kFirstCinMeeting);
  if (last) return e.DueAfter(r, *last);
  if (!c.strategy) return Waiting(r, v1::STRATEGY_DISCUSSION);
  e.DueAfter(r, *c.strategy);
}

void ToolkitReview(const Context& c, Emitter& e) {
  if (!c.current) return;
  const bool cp_rhythm =
      c.level == v1::RISK_LEVEL_HIGH && c.plan == v1::OPEN_PLAN_CHILD_PROTECTION;
  ActionResult& r = e.Add(cp_rhythm ? kToolkitReviewCp : kToolkitReview);
  r.owner = c.CaseOwner();
  e.DueAfter(r, *c.current);
}

using RuleFn = void (*)(const Context&, Emitter&);

// Evaluated in this order; each appends the actions of its rules.
constexpr RuleFn kRuleFns[] = {
    OperationLibertyReport, MissingEpisodes,     IroNotification, HomeAuthorityConsultation,
    HostAuthority,          EarlyHelp,           StepUp,          SingleAssessment,
    StrategyDiscussion,     ThresholdDiscussion, TaskingGroup,    S47Enquiry,
    CpConferenceRequest,    Icpc,                CpConferenceBroughtForward, CreMeetings,
    CinOrCoreGroup,         ToolkitReview,
};

v1::ActionStatus StatusOf(const ActionResult& a, absl::Time now) {
  if (a.done_at <= now) return v1::ACTION_STATUS_DONE;
  if (a.waiting_for != v1::ACTION_KIND_UNSPECIFIED) return v1::ACTION_STATUS_WAITING;
  if (a.has_due() && !a.rule->discretionary && now >= a.due_at) return v1::ACTION_STATUS_OVERDUE;
  return v1::ACTION_STATUS_PENDING;
}

}  // namespace

absl::Span<const RuleInfo> AllRules() { return absl::MakeConstSpan(kRules); }

absl::Span<const EvidenceInfo> AllEvidence() { return absl::MakeConstSpan(kEvidence); }

const RuleInfo* FindRule(const std::string& id) {
  for (const RuleInfo& r : kRules) {
    if (id == r.id) return &r;
  }
  return nullptr;
}

std::string RuleText(const RuleInfo& rule, const Policy& policy) {
  const char* icpc_from = policy.icpc_counted_from == v1::ICPC_COUNTED_FROM_LATEST
                              ? "the latest strategy meeting of the S47 enquiry"
                              : "the strategy meeting at which the S47 enquiry began";
  return absl::StrReplaceAll(rule.text, {{"{period}", DescribePeriod(policy.period(rule.period))},
                                         {"{icpc_from}", icpc_from}});
}

void ApplyRules(const CaseFacts& facts, absl::Time now, const Policy& policy,
                const Calendar& calendar, PathwayResult* out) {
  out->Clear();
  const Context c(facts, now, policy, calendar);
  out->placement = facts.placement;
  out->current_plan = c.plan;
  if (c.current) {
    out->assessment = static_cast<int>(c.current - facts.assessments.data());
    out->level = c.current->level;
  }
  if (c.closed) {
    out->recording = v1::RECORDING_CLOSED;
    out->closed_at = c.closed->at;
    return;
  }
  out->recording = c.recording;
  Emitter emitter(c, out);
  for (RuleFn fn : kRuleFns) fn(c, emitter);
  for (ActionResult& a : out->actions) a.status = StatusOf(a, now);
}

}  // namespace cre::pathway
