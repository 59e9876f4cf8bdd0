// Who receives a message: the routing rules of the mission, pure and
// deterministic (no gRPC, no SQL).
//
//   Operation Liberty report  -> every Police Referral Unit, and every agency
//                                involved with the linked child
//   concern at MEDIUM or HIGH -> Children's Social Care (LOW: recorded only;
//                                the identifying agency leads an EHA)
//   risk assessment, events   -> the agencies involved with the child
//   step-up referral          -> Children's Social Care; its answer comes
//                                back to Early Help as a response
//   IRO notification          -> the IRO service (looked-after children only);
//                                for another authority's child placed here,
//                                its home authority (policy: and a copy to
//                                the IRO service)
//   host-authority handoff    -> the authority where the child is placed
//   home-authority consultation -> the child's home authority; from another
//                                authority about its child placed here: CSC
//   response                  -> the sender of the message answered
//   Duty CPM escalation       -> the CPM service
//   decision not to share     -> the case's lead agency (LeadOf); from the
//                                lead agency itself, the CPM service
// The sender never receives its own message. Writing to a case needs the
// sender to be involved with it, except for the first message that opens it.
//
//   Router router(registry, "E06000015", RouterOptions{});
//   CRE_ASSIGN_OR_RETURN(auto recipients, router.Recipients(sender, message, &case_view, nullptr));
#ifndef CRE_HUB_CASEWORK_ROUTING_RULES_H_
#define CRE_HUB_CASEWORK_ROUTING_RULES_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "casework/case_decision.h"
#include "cre/v1/pathway.pb.h"
#include "cre/v1/policy.pb.h"
#include "cre/v1/routed_message.pb.h"
#include "identity/agency_registry.h"

namespace cre {

// The choices of the pathway policy (config/policy.textproto) that decide
// who receives what.
struct RouterOptions {
  // Who receives the IRO notification about another authority's
  // looked-after child placed here (UNSPECIFIED: the home authority).
  v1::IroRecipient iro_for_child_of_another_authority = v1::IRO_RECIPIENT_HOME_AUTHORITY;
};

// Who leads a case: the agency a practitioner's decision not to share goes
// to (docs/procedure.md, Choice 37). The procedure names none; this is the
// one that holds the child's plan or coordinates the CRE response:
//   MEDIUM or HIGH (effective, after the floor rule)  CSC: a CRE case is
//       Social Care's, whatever the plan; for this authority's child placed
//       out, the host authority, which coordinates the response (Choice 11)
//   LOW or not assessed yet, on CiN, CP or looked after  CSC, which holds the
//       plan; for another authority's child placed here, its home authority
//   LOW or not assessed yet, on an Early Help plan     Early Help (for a
//       child placed here, the home authority, which holds the plan)
//   LOW, no plan                                       Early Help: the case
//       is recorded Early Help, an EHA
//   not assessed yet, no plan                          CSC, the front door
//       where concerns about a child nobody holds are decided
enum class LeadKind {
  kChildrensSocialCare,
  kEarlyHelp,
  kHostAuthority,
  kHomeAuthority,
};

// The lead of a case whose pathway (at the decision's acceptance) is
// `pathway`. Pure: its effective level, current plan and placement only.
LeadKind LeadOf(const v1::Pathway& pathway);

// "Children's Social Care", "Early Help", "the host authority", ...
const char* LeadKindName(LeadKind kind);

class Router {
 public:
  // `hub_authority_code`: the ONS code of the authority that runs the hub.
  Router(std::shared_ptr<const AgencyRegistry> registry, std::string hub_authority_code,
         RouterOptions options = {})
      : registry_(std::move(registry)),
        hub_authority_code_(std::move(hub_authority_code)),
        options_(options) {}

  // Whether `sender` may write to `case_view` (nullptr: no case): it is
  // involved with it, or opens it, or answers a message it received about
  // it. Otherwise NoSuchCase: the same answer as for a case that does not
  // exist, so that this is checked before anything else about the case.
  absl::Status MayWrite(const v1::Agency& sender, const CaseView* case_view, const RepliedMessage* replied) const;

  // The recipients of `message` (kind and body set) from `sender`, about
  // `case_view` (nullptr: no case) answering `replied` (nullptr: not a
  // response). NoSuchCase if the sender may not write to the case (MayWrite);
  // FAILED_PRECONDITION naming the field if the case does not allow the
  // message (an IRO notification for a child not looked after); no
  // recipient registered where one is required is FAILED_PRECONDITION too.
  absl::StatusOr<std::vector<std::string>> Recipients(const v1::Agency& sender,
                                                      const v1::RoutedMessage& message,
                                                      const CaseView* case_view,
                                                      const RepliedMessage* replied) const;

  // The recipients of a message the hub sends itself (a step-up referral or
  // a notification) about `case_view`: CSC, the IRO service, the host or
  // the home authority. FAILED_PRECONDITION if none is registered. An IRO
  // notification about another authority's child whose home authority is
  // not registered goes to this authority's IRO service instead, so that
  // an IRO hears of the concern within the 48 hours.
  absl::StatusOr<std::vector<std::string>> HubActionRecipients(const v1::RoutedMessage& message,
                                                               const CaseView& case_view) const;

  // The registered agency of LeadOf(pathway) for `case_view`; when that
  // one is not registered (a host or home authority the hub does not know,
  // no Early Help), this authority's CSC, which holds the child's record
  // here. FAILED_PRECONDITION if there is no CSC either.
  absl::StatusOr<std::string> LeadAgency(const v1::Pathway& pathway, const CaseView& case_view) const;

  // The recipients of a decision not to share from `sender` about
  // `case_view`, whose pathway now is `pathway`: the case's lead agency;
  // when the sender is the lead agency itself, the CPM service, which
  // oversees CRE cases (Choice 37), so that the decision is never told to
  // nobody. INVALID_ARGUMENT if `decision` names an agency the registry
  // does not hold, or the sender itself, as the one it is withheld from.
  absl::StatusOr<std::vector<std::string>> DecisionNotToShareRecipients(
      const v1::Agency& sender, const v1::DecisionNotToShare& decision, const v1::Pathway& pathway,
      const CaseView& case_view) const;

  // Every agency of `role` of this hub's authority.
  std::vector<std::string> OfRole(v1::AgencyRole role) const;
  // The first of them, or "" if there is none.
  std::string FirstAgencyOfRole(v1::AgencyRole role) const;
  // The agency that answers for actions owned by `owner` on this case: CSC
  // for its social workers and managers, Early Help for its practitioners
  // (and the lead practitioner of an Early Help case), the CPM service, the
  // IRO service, the PRU, or the host or home authority. Empty for a partner
  // practitioner, who may be any agency.
  std::string OwnerAgency(v1::PractitionerRole owner, const CaseView& case_view) const;

  // The registered role of `agency_id` (unspecified if unknown).
  v1::AgencyRole RoleOf(const std::string& agency_id) const;

  // Whether `child` is another authority's: its home authority is known and
  // is not the hub's. Its IRO is appointed by that authority.
  bool OfAnotherAuthority(const v1::Child& child) const {
    return !child.home_authority_code().empty() && child.home_authority_code() != hub_authority_code_;
  }

 private:
  // The other local authority with this ONS code, or FAILED_PRECONDITION.
  absl::StatusOr<std::string> AuthorityWithCode(const std::string& code,
                                                const char* field) const;
  // The recipients of an IRO notification about the looked-after `child`:
  // the IRO service; for another authority's child, its home authority (and
  // the IRO service if the policy says so), or FAILED_PRECONDITION naming
  // child.home_authority_code if that authority is not registered.
  absl::StatusOr<std::vector<std::string>> IroRecipients(const v1::Child& child) const;
  absl::StatusOr<std::vector<std::string>> NotificationRecipients(
      const v1::Agency& sender, const v1::Notification& notification,
      const CaseView& case_view) const;

  std::shared_ptr<const AgencyRegistry> registry_;
  std::string hub_authority_code_;
  RouterOptions options_;
};

}  // namespace cre

#endif  // CRE_HUB_CASEWORK_ROUTING_RULES_H_
