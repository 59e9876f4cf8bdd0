// The pathway engine: given a case file and an instant "now", what the CRE
// procedure (docs/procedure.md) requires of the case: its effective risk
// level and why, how it is recorded, and every action with its owner, chair,
// deadline, status and rule. Pure and deterministic: no gRPC, no SQL, no
// clock (the caller says what "now" is).
//
//   absl::StatusOr<PathwayEngine> engine = PathwayEngine::FromFiles(
//       "config/policy.textproto", "config/bank_holiday_changes.textproto");
//   absl::StatusOr<cre::v1::Pathway> pathway = engine->Evaluate(case_file, absl::Now());
//
// For sweeps over many cases, convert each case once and reuse the result:
//   CaseFacts facts;  PathwayResult result;
//   engine->ToFacts(case_file, &facts);          // after engine->Validate(case_file)
//   engine->Evaluate(facts, now, &result);       // no allocation once warm
#ifndef CRE_HUB_PATHWAY_ENGINE_H_
#define CRE_HUB_PATHWAY_ENGINE_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "cre/v1/case_file.pb.h"
#include "cre/v1/pathway.pb.h"
#include "cre/v1/policy.pb.h"
#include "pathway/calendar.h"
#include "pathway/case_facts.h"
#include "pathway/pathway_result.h"
#include "pathway/policy.h"

namespace cre::pathway {

class PathwayEngine {
 public:
  // Compiles the policy and builds its calendar.
  static absl::StatusOr<PathwayEngine> Create(const cre::v1::PathwayPolicy& policy,
                                              BankHolidayChangeSet changes);
  // The policy file over the defaults, and the bank holiday changes file.
  static absl::StatusOr<PathwayEngine> FromFiles(const std::string& policy_path,
                                                 const std::string& holidays_path);

  const Policy& policy() const { return policy_; }
  const Calendar& calendar() const { return calendar_; }

  // ValidateCaseFile for this authority and time zone.
  absl::Status Validate(const cre::v1::CaseFile& file) const;

  // Validates, then evaluates the case as known at `now`: what was recorded
  // after `now` is ignored.
  absl::StatusOr<cre::v1::Pathway> Evaluate(const cre::v1::CaseFile& file, absl::Time now) const;

  // The hot path, in three steps. `file` must have passed Validate.
  void ToFacts(const cre::v1::CaseFile& file, CaseFacts* facts) const;
  void Evaluate(const CaseFacts& facts, absl::Time now, PathwayResult* result) const;
  void ToProto(const CaseFacts& facts, const PathwayResult& result, absl::Time now,
               cre::v1::Pathway* out) const;

 private:
  PathwayEngine(Policy policy, Calendar calendar);

  Policy policy_;
  Calendar calendar_;
  // RuleText of every rule, in AllRules() order.
  std::vector<std::string> rule_texts_;
};

}  // namespace cre::pathway

#endif  // CRE_HUB_PATHWAY_ENGINE_H_
