// Which agency role may call which method: deny by default.
//
// The table in authorization.cc is the whole policy; a method or role that
// is not in it is refused. Case-level access (an agency reads and writes
// only cases it is involved with) is checked where the case is read.
//
//   CRE_RETURN_IF_ERROR(Authorize(caller, Method::kSubmitStepUpReferral));
#ifndef CRE_HUB_ACCESS_AUTHORIZATION_H_
#define CRE_HUB_ACCESS_AUTHORIZATION_H_

#include <vector>

#include "absl/status/status.h"
#include "cre/v1/agency.pb.h"

namespace cre {

enum class Method {
  kWhoAmI,
  kListAgencies,
  kSubmitConcern,
  kSubmitOperationLibertyReport,
  kRecordRiskAssessment,
  kRecordCaseEvents,
  kSubmitStepUpReferral,
  kSendNotification,
  kRecordDecisionNotToShare,
  kRespond,
  kGetCase,
  kSubscribe,
  kAcknowledge,
  kListOpenActions,
  kListRecordAccesses,
};

// Every method, for tests that try each one with each role.
const std::vector<Method>& AllMethods();

// The RPC's name, e.g. "SubmitConcern".
const char* MethodName(Method method);

// The method's full name, its service's and its own, as the protos declare
// it: "/cre.v1.Referrals/SubmitConcern". It names the call in the call log
// and the audit chain, and its class in the rate limits, whichever
// transport carried it.
const char* MethodPath(Method method);

// OK if `caller`'s role may call `method`; PERMISSION_DENIED naming both
// otherwise.
absl::Status Authorize(const v1::Agency& caller, Method method);

// The same decision, for a role.
bool RoleMayCall(v1::AgencyRole role, Method method);

}  // namespace cre

#endif  // CRE_HUB_ACCESS_AUTHORIZATION_H_
