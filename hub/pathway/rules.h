// The procedure's rules, one entry per rule: which action it requires, who
// owns and chairs it, which policy period sets its deadline and the
// procedure's own words. rules.cc holds the table and, beside it, the short
// function that decides when each rule applies and what satisfies it.
//
//   PathwayResult result;
//   ApplyRules(facts, now, policy, calendar, &result);
//   const RuleInfo* r = FindRule("high.strategy_discussion");
//   for (const EvidenceInfo& e : AllEvidence()) ...  // actions done by a later step
#ifndef CRE_HUB_PATHWAY_RULES_H_
#define CRE_HUB_PATHWAY_RULES_H_

#include <string>

#include "absl/time/time.h"
#include "absl/types/span.h"
#include "cre/v1/case_file.pb.h"
#include "cre/v1/pathway.pb.h"
#include "pathway/calendar.h"
#include "pathway/case_facts.h"
#include "pathway/pathway_result.h"
#include "pathway/policy.h"

namespace cre::pathway {

struct RuleInfo {
  const char* id;  // stable, e.g. "high.strategy_discussion"
  cre::v1::ActionKind kind;
  cre::v1::PractitionerRole owner;
  cre::v1::PractitionerRole chair;      // meetings
  cre::v1::PractitionerRole recipient;  // hub-routed actions
  bool performed_by_hub;
  bool discretionary;
  PeriodId period;
  // The procedure's words; "{period}" stands for the policy's period,
  // "{icpc_from}" for the strategy meeting it counts from (RuleText).
  const char* text;
};

// Every rule, in the order their actions are reported.
absl::Span<const RuleInfo> AllRules();

// A rule's action evidenced by a later step: the procedure lets each of `by`
// happen only after the action, so once one is recorded the action is DONE
// (done_at: the first of them) even if the action itself was never recorded.
// Only steps recorded at or after the point from which the rule counts its
// deadline count (see docs/pathway.md, "Actions evidenced by later steps").
struct EvidenceInfo {
  const RuleInfo* rule;
  static constexpr int kMaxBy = 5;
  cre::v1::EventKind by[kMaxBy];  // unused entries EVENT_KIND_UNSPECIFIED
  // Why each of `by` can only follow the action, in the procedure's words.
  const char* reason;
  const char* section;  // of docs/pathway.md
};

// Every row of the evidence table, in rule order.
absl::Span<const EvidenceInfo> AllEvidence();

// The rule with this id, or null.
const RuleInfo* FindRule(const std::string& id);

// The rule's text with "{period}" and "{icpc_from}" filled in from the policy.
std::string RuleText(const RuleInfo& rule, const Policy& policy);

// Evaluates every rule for the case as known at `now` (facts dated after
// `now` are ignored) into `out` (cleared first). Deterministic: reads no
// clock. `facts` must come from a validated case file.
void ApplyRules(const CaseFacts& facts, absl::Time now, const Policy& policy,
                const Calendar& calendar, PathwayResult* out);

}  // namespace cre::pathway

#endif  // CRE_HUB_PATHWAY_RULES_H_
