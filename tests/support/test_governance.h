// The governance envelope tests put on their submissions: every field any
// method requires by default, under the agreement of
// config/governance.textproto to which every agency is a party.
//
//   v1::SubmitConcernRequest request;
//   *request.mutable_governance() = TestGovernance();
#ifndef CRE_TESTS_SUPPORT_TEST_GOVERNANCE_H_
#define CRE_TESTS_SUPPORT_TEST_GOVERNANCE_H_

#include "cre/v1/governance.pb.h"

namespace cre::testing {

// Every agency of the registry is a party to it.
inline constexpr char kTestAgreement[] = "derby-cre-isa-2026";
// Only the PRU, neighbourhood police, CSC and Derbyshire are.
inline constexpr char kPoliceAndCscAgreement[] = "derby-missing-children-protocol";

// TestGovernance() in text format, as a field of a request.
inline constexpr char kTestGovernanceText[] =
    R"(governance { purpose: PURPOSE_SAFEGUARDING_CHILD article6_basis: ARTICLE6_BASIS_PUBLIC_TASK
                    article9_condition: ARTICLE9_CONDITION_SAFEGUARDING_CHILDREN
                    sharing_agreement_id: "derby-cre-isa-2026" consent: CONSENT_NOT_SOUGHT_RISK_TO_CHILD })";

inline v1::Governance TestGovernance() {
  v1::Governance governance;
  governance.set_purpose(v1::PURPOSE_SAFEGUARDING_CHILD);
  governance.set_article6_basis(v1::ARTICLE6_BASIS_PUBLIC_TASK);
  governance.set_article9_condition(v1::ARTICLE9_CONDITION_SAFEGUARDING_CHILDREN);
  governance.set_sharing_agreement_id(kTestAgreement);
  governance.set_consent(v1::CONSENT_NOT_SOUGHT_RISK_TO_CHILD);
  return governance;
}

}  // namespace cre::testing

#endif  // CRE_TESTS_SUPPORT_TEST_GOVERNANCE_H_
