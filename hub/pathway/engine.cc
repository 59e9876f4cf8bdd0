#include "pathway/engine.h"

#include "google/protobuf/timestamp.pb.h"
#include "pathway/bank_holidays.h"
#include "pathway/in_words.h"
#include "pathway/risk_level.h"
#include "pathway/rules.h"
#include "pathway/validate.h"

namespace cre::pathway {
namespace {

namespace v1 = ::cre::v1;

void SetTimestamp(absl::Time t, google::protobuf::Timestamp* ts) {
  const int64_t seconds = absl::ToUnixSeconds(t);
  ts->set_seconds(seconds);
  ts->set_nanos(static_cast<int32_t>((t - absl::FromUnixSeconds(seconds)) / absl::Nanoseconds(1)));
}

void ToRiskProto(const CaseFacts& facts, const PathwayResult& r, const Policy& policy,
                 v1::RiskDecision* risk) {
  if (r.assessment < 0) {
    risk->set_explanation(ExplainLevel(r.level, policy, ""));
    return;
  }
  const AssessmentFact& a = facts.assessments[r.assessment];
  risk->set_assessment_index(a.index);
  SetTimestamp(a.at, risk->mutable_assessed_at());
  risk->set_recorded_level(r.level.recorded);
  risk->set_effective_level(r.level.effective);
  risk->set_reason(r.level.reason);
  risk->set_age_at_assessment(r.level.age);
  if (r.level.reason == v1::LEVEL_REASON_LOW_APPROVED_BY_TEAM_MANAGER) {
    risk->set_approved_by(a.approved_by);
  }
  risk->set_explanation(ExplainLevel(r.level, policy, a.approved_by));
}

}  // namespace

PathwayEngine::PathwayEngine(Policy policy, Calendar calendar)
    : policy_(std::move(policy)), calendar_(std::move(calendar)) {
  for (const RuleInfo& rule : AllRules()) rule_texts_.push_back(RuleText(rule, policy_));
}

absl::StatusOr<PathwayEngine> PathwayEngine::Create(const v1::PathwayPolicy& proto,
                                                    BankHolidayChangeSet changes) {
  absl::StatusOr<Policy> policy = CompilePolicy(proto);
  if (!policy.ok()) return policy.status();
  absl::StatusOr<Calendar> calendar = Calendar::Create(policy->time_zone, std::move(changes));
  if (!calendar.ok()) return calendar.status();
  return PathwayEngine(*std::move(policy), *std::move(calendar));
}

absl::StatusOr<PathwayEngine> PathwayEngine::FromFiles(const std::string& policy_path,
                                                       const std::string& holidays_path) {
  absl::StatusOr<v1::PathwayPolicy> policy = LoadPolicyFile(policy_path);
  if (!policy.ok()) return policy.status();
  absl::StatusOr<BankHolidayChangeSet> changes = LoadBankHolidayChangesFile(holidays_path);
  if (!changes.ok()) return changes.status();
  absl::StatusOr<PathwayEngine> engine = Create(*policy, *std::move(changes));
  if (!engine.ok()) {
    return absl::Status(engine.status().code(),
                        policy_path + ": " + std::string(engine.status().message()));
  }
  return engine;
}

absl::Status PathwayEngine::Validate(const v1::CaseFile& file) const {
  return ValidateCaseFile(file, policy_.local_authority_code, calendar_.zone());
}

absl::StatusOr<v1::Pathway> PathwayEngine::Evaluate(const v1::CaseFile& file,
                                                    absl::Time now) const {
  absl::Status valid = Validate(file);
  if (!valid.ok()) return valid;
  CaseFacts facts;
  ToFacts(file, &facts);
  PathwayResult result;
  Evaluate(facts, now, &result);
  v1::Pathway pathway;
  ToProto(facts, result, now, &pathway);
  return pathway;
}

void PathwayEngine::ToFacts(const v1::CaseFile& file, CaseFacts* facts) const {
  ToCaseFacts(file, calendar_, policy_, facts);
}

void PathwayEngine::Evaluate(const CaseFacts& facts, absl::Time now,
                             PathwayResult* result) const {
  ApplyRules(facts, now, policy_, calendar_, result);
}

void PathwayEngine::ToProto(const CaseFacts& facts, const PathwayResult& r, absl::Time now,
                            v1::Pathway* out) const {
  out->Clear();
  out->set_case_id(facts.case_id);
  SetTimestamp(now, out->mutable_evaluated_at());
  ToRiskProto(facts, r, policy_, out->mutable_risk());
  out->set_recording(r.recording);
  out->set_placement(r.placement);
  out->set_current_plan(r.current_plan);
  if (r.closed_at != absl::InfiniteFuture()) SetTimestamp(r.closed_at, out->mutable_closed_at());
  const RuleInfo* first_rule = AllRules().data();
  for (const ActionResult& a : r.actions) {
    v1::Action* action = out->add_actions();
    action->set_kind(a.kind);
    action->set_status(a.status);
    action->set_owner(a.owner);
    action->set_chair(a.chair);
    if (a.has_due()) {
      SetTimestamp(a.due_at, action->mutable_due_at());
      action->set_due_date(FormatLocalDate(a.due_day));
      action->set_due_basis(a.due_basis);
      if (a.due_basis == v1::DUE_BASIS_INSTANT) {
        action->set_due_local(calendar_.FormatLocal(a.due_at));
      }
      action->set_due_in_words(DueInWords(a.due_basis, a.due_at, a.due_day, calendar_.zone()));
    }
    if (a.status == v1::ACTION_STATUS_DONE) SetTimestamp(a.done_at, action->mutable_done_at());
    if (a.status == v1::ACTION_STATUS_WAITING) action->set_waiting_for(a.waiting_for);
    action->set_rule_id(a.rule->id);
    action->set_rule(rule_texts_[a.rule - first_rule]);
    action->set_performed_by_hub(a.rule->performed_by_hub);
    action->set_recipient(a.recipient);
    for (int role = 0; role < 32; ++role) {
      if (a.participants & (1u << role)) {
        action->add_participants(static_cast<v1::PractitionerRole>(role));
      }
    }
    action->set_discretionary(a.rule->discretionary);
    if (a.note) action->set_note(a.note);
    action->set_awaiting_acknowledgement(a.awaiting_acknowledgement);
  }
}

}  // namespace cre::pathway
