// The governance envelope every submission carries (protos/cre/v1/
// governance.proto, docs/data-protection.md): the hub's config of it, and
// the check of a submission's envelope against that config.
//
// The config (cre.v1.GovernanceConfig) is completed once, when the hub's
// config is loaded: each submission method the config does not mention gets
// its default requirement, the hub's own envelope its defaults, and every
// entry is checked. GovernancePolicy then checks each submission's envelope
// before anything is written, in the call gate after the request's own
// checks (access/request_validation.h):
//
//   CRE_RETURN_IF_ERROR(CompleteGovernanceConfig(config.mutable_governance(), registry));
//   GovernancePolicy policy(config.governance());
//   CRE_RETURN_IF_ERROR(policy.Check(Method::kSubmitConcern, &request.governance(), caller.id()));
//
// A refusal is INVALID_ARGUMENT naming the field and, for a missing one, the
// method: "governance.article6_basis: required for SubmitConcern". It never
// quotes what was sent.
#ifndef CRE_HUB_ACCESS_GOVERNANCE_H_
#define CRE_HUB_ACCESS_GOVERNANCE_H_

#include <map>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/time/civil_time.h"
#include "access/authorization.h"
#include "cre/v1/governance.pb.h"
#include "identity/agency_registry.h"

namespace cre {

// The methods that take an envelope: the Referrals submissions.
const std::vector<Method>& GovernedMethods();

// What `method` requires when the config has no entry for it: every field
// for what a partner shares (concerns, Operation Liberty reports, step-up
// referrals, notifications, responses); the lawful basis (Article 6 basis
// and Article 9 condition) for risk assessments and case events, which
// record the casework on a case; all but the consent position for a
// decision not to share.
std::vector<v1::GovernanceField> DefaultRequirement(Method method);

// Fills in what `config` leaves out (a requirement for every governed method
// it does not mention; the hub envelope's unset fields) and checks it
// against `registry`: INVALID_ARGUMENT naming the entry, e.g.
// "agreements[1].review_date: not a date YYYY-MM-DD".
absl::Status CompleteGovernanceConfig(v1::GovernanceConfig* config, const AgencyRegistry& registry);

class GovernancePolicy {
 public:
  // `config` completed by CompleteGovernanceConfig.
  explicit GovernancePolicy(const v1::GovernanceConfig& config);

  // OK if `governance` (nullptr: the request has none) carries what
  // `method` requires, is well formed, and names an agreement of the
  // register to which `caller_agency_id` is a party. Otherwise
  // INVALID_ARGUMENT naming the first field at fault.
  absl::Status Check(Method method, const v1::Governance* governance, const std::string& caller_agency_id) const;

  // The envelope of what the hub sends itself.
  const v1::Governance& hub_envelope() const { return hub_envelope_; }

  // The agreements whose review date is before `today`, by id.
  std::vector<std::string> AgreementsPastReview(absl::CivilDay today) const;

 private:
  std::map<Method, std::vector<v1::GovernanceField>> required_;
  absl::flat_hash_map<std::string, v1::SharingAgreement> agreements_;
  v1::Governance hub_envelope_;
};

}  // namespace cre

#endif  // CRE_HUB_ACCESS_GOVERNANCE_H_
