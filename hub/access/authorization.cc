#include "access/authorization.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace cre {
namespace {

using Roles = std::vector<v1::AgencyRole>;

// Partners raise concerns and reports and contribute to assessments.
#define CRE_PARTNERS v1::HEALTH, v1::EDUCATION, v1::POLICE, v1::YOUTH_JUSTICE, v1::HOUSING, v1::PARTNER
#define CRE_EVERY_ROLE                                                                      \
  CRE_PARTNERS, v1::POLICE_REFERRAL_UNIT, v1::EARLY_HELP, v1::CHILDRENS_SOCIAL_CARE,      \
      v1::CPM_SERVICE, v1::IRO_SERVICE, v1::OTHER_LOCAL_AUTHORITY

struct Permission {
  Method method;
  Roles roles;
};

// The policy. Read it as: `method` may be called by `roles`, and by no one else.
const std::vector<Permission>& Permissions() {
  static const auto* const permissions = new std::vector<Permission>{
    {Method::kWhoAmI, {CRE_EVERY_ROLE}},
    {Method::kListAgencies, {CRE_EVERY_ROLE}},
    // A home authority may raise a concern about its own child placed here.
    {Method::kSubmitConcern,
     {CRE_PARTNERS, v1::EARLY_HELP, v1::CHILDRENS_SOCIAL_CARE, v1::OTHER_LOCAL_AUTHORITY}},
    // Any practitioner who identifies individuals or places; the PRU receives them.
    {Method::kSubmitOperationLibertyReport,
     {CRE_PARTNERS, v1::EARLY_HELP, v1::CHILDRENS_SOCIAL_CARE, v1::CPM_SERVICE, v1::IRO_SERVICE,
      v1::OTHER_LOCAL_AUTHORITY}},
    {Method::kRecordRiskAssessment,
     {CRE_PARTNERS, v1::EARLY_HELP, v1::CHILDRENS_SOCIAL_CARE, v1::CPM_SERVICE}},
    // Meetings, S47 outcomes and decisions are recorded by those who hold them.
    {Method::kRecordCaseEvents, {v1::EARLY_HELP, v1::CHILDRENS_SOCIAL_CARE, v1::CPM_SERVICE}},
    {Method::kSubmitStepUpReferral, {v1::EARLY_HELP}},
    // CSC and the CPM service notify IROs and other authorities; another
    // authority consults this one about its child placed here.
    {Method::kSendNotification,
     {v1::CHILDRENS_SOCIAL_CARE, v1::CPM_SERVICE, v1::OTHER_LOCAL_AUTHORITY}},
    // Every agency with a duty to share may record that it withheld
    // something (Children Act 2004 s.16LA), on a case it is involved with.
    {Method::kRecordDecisionNotToShare, {CRE_EVERY_ROLE}},
    // Whoever received a message may answer it (checked against deliveries).
    {Method::kRespond, {CRE_EVERY_ROLE}},
    // Whoever is involved with the case (checked against involvement).
    {Method::kGetCase, {CRE_EVERY_ROLE}},
    {Method::kSubscribe, {CRE_EVERY_ROLE}},
    {Method::kAcknowledge, {CRE_EVERY_ROLE}},
    // Managers: the CPM service across cases, teams for their own actions.
    {Method::kListOpenActions,
     {v1::CHILDRENS_SOCIAL_CARE, v1::EARLY_HELP, v1::CPM_SERVICE, v1::IRO_SERVICE}},
    // Who looked at a child's record: the owning authority, the hub's own,
    // through its Children's Social Care and CPM service, for any child the
    // hub holds (docs/data-protection.md, "Who looked"). Another authority
    // (OTHER_LOCAL_AUTHORITY) asks this one.
    {Method::kListRecordAccesses, {v1::CHILDRENS_SOCIAL_CARE, v1::CPM_SERVICE}},
  };
  return *permissions;
}

#undef CRE_EVERY_ROLE
#undef CRE_PARTNERS

}  // namespace

const std::vector<Method>& AllMethods() {
  static const std::vector<Method>* const methods = [] {
    auto* all = new std::vector<Method>;
    for (const Permission& p : Permissions()) all->push_back(p.method);
    return all;
  }();
  return *methods;
}

const char* MethodName(Method method) {
  switch (method) {
    case Method::kWhoAmI: return "WhoAmI";
    case Method::kListAgencies: return "ListAgencies";
    case Method::kSubmitConcern: return "SubmitConcern";
    case Method::kSubmitOperationLibertyReport: return "SubmitOperationLibertyReport";
    case Method::kRecordRiskAssessment: return "RecordRiskAssessment";
    case Method::kRecordCaseEvents: return "RecordCaseEvents";
    case Method::kSubmitStepUpReferral: return "SubmitStepUpReferral";
    case Method::kSendNotification: return "SendNotification";
    case Method::kRecordDecisionNotToShare: return "RecordDecisionNotToShare";
    case Method::kRespond: return "Respond";
    case Method::kGetCase: return "GetCase";
    case Method::kSubscribe: return "Subscribe";
    case Method::kAcknowledge: return "Acknowledge";
    case Method::kListOpenActions: return "ListOpenActions";
    case Method::kListRecordAccesses: return "ListRecordAccesses";
  }
  return "unknown";
}

const char* MethodPath(Method method) {
  switch (method) {
    case Method::kWhoAmI: return "/cre.v1.Directory/WhoAmI";
    case Method::kListAgencies: return "/cre.v1.Directory/ListAgencies";
    case Method::kSubmitConcern: return "/cre.v1.Referrals/SubmitConcern";
    case Method::kSubmitOperationLibertyReport: return "/cre.v1.Referrals/SubmitOperationLibertyReport";
    case Method::kRecordRiskAssessment: return "/cre.v1.Referrals/RecordRiskAssessment";
    case Method::kRecordCaseEvents: return "/cre.v1.Referrals/RecordCaseEvents";
    case Method::kSubmitStepUpReferral: return "/cre.v1.Referrals/SubmitStepUpReferral";
    case Method::kSendNotification: return "/cre.v1.Referrals/SendNotification";
    case Method::kRecordDecisionNotToShare: return "/cre.v1.Referrals/RecordDecisionNotToShare";
    case Method::kRespond: return "/cre.v1.Referrals/Respond";
    case Method::kGetCase: return "/cre.v1.Referrals/GetCase";
    case Method::kSubscribe: return "/cre.v1.Inbox/Subscribe";
    case Method::kAcknowledge: return "/cre.v1.Inbox/Acknowledge";
    case Method::kListOpenActions: return "/cre.v1.Oversight/ListOpenActions";
    case Method::kListRecordAccesses: return "/cre.v1.Oversight/ListRecordAccesses";
  }
  return "unknown";
}

bool RoleMayCall(v1::AgencyRole role, Method method) {
  for (const Permission& p : Permissions()) {
    if (p.method == method) {
      return std::find(p.roles.begin(), p.roles.end(), role) != p.roles.end();
    }
  }
  return false;  // a method missing from the table is nobody's
}

absl::Status Authorize(const v1::Agency& caller, Method method) {
  if (RoleMayCall(caller.role(), method)) return absl::OkStatus();
  return absl::PermissionDeniedError(absl::StrCat(caller.id(), " (",
                                                  v1::AgencyRole_Name(caller.role()),
                                                  ") may not call ", MethodName(method)));
}

}  // namespace cre
