// Casework: what the hub decides, in one place that knows neither gRPC nor
// SQL. Given a submission, the case as it stands inside the accepting
// transaction and the caller, it decides who receives the message, the
// event the message stands for, what the hub sends itself because the
// pathway requires it, the overdue alerts and the case's schedule; given a
// case whose deadline has passed, the alerts and the next deadline. The
// store writes the decision in the same transaction; a transport (gRPC
// today, the console's HTTP next) only takes the caller at the edge.
//
//   Casework casework(router, engine);
//   absl::StatusOr<Routing> decided =
//       casework.DecideSubmission(caller, message, accepted_at, &case_view, nullptr);
//   absl::StatusOr<Routing> review = casework.DecideReview(case_view, now);
#ifndef CRE_HUB_CASEWORK_CASEWORK_H_
#define CRE_HUB_CASEWORK_CASEWORK_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "casework/case_decision.h"
#include "casework/routing_rules.h"
#include "cre/v1/agency.pb.h"
#include "cre/v1/governance.pb.h"
#include "cre/v1/pathway.pb.h"
#include "cre/v1/routed_message.pb.h"
#include "pathway/engine.h"

namespace cre {

class Casework {
 public:
  // What the hub sends itself carries `hub_envelope` (its governance
  // envelope, GovernanceConfig.hub_envelope).
  Casework(Router router, std::shared_ptr<const pathway::PathwayEngine> engine,
           v1::Governance hub_envelope = v1::Governance())
      : router_(std::move(router)), engine_(std::move(engine)), hub_envelope_(std::move(hub_envelope)) {}

  // The decision about `message` from `sender`, accepted at `accepted_at`,
  // about `case_view` (with the submission's own record already appended;
  // nullptr: no case) answering `replied` (nullptr: not a response). In
  // this order, because each step may refuse the submission and must not
  // reveal what a later one reads:
  //   1. the sender may write to the case (else NoSuchCase, before anything
  //      that looks at the case, so that an outsider cannot learn a child's
  //      date of birth by bisecting the dates it is refused);
  //   2. the case as it will be is valid (an event dated before the case
  //      opened is refused, naming the field; a decision not to share, its
  //      decided_at);
  //   3. the recipients, and the event the message stands for (a decision
  //      not to share: the case's lead agency, by the case's pathway);
  //   4. with a case: what the pathway requires now, counting this
  //      message's own event (so that an IRO notification an agency just
  //      sent is not sent again): the hub's follow-ups, overdue alerts and
  //      the case's schedule.
  absl::StatusOr<Routing> DecideSubmission(const v1::Agency& sender, const v1::RoutedMessage& message,
                                           absl::Time accepted_at, const CaseView* case_view,
                                           const RepliedMessage* replied) const;

  // The decision about a case whose deadline has passed, at `now`: an
  // alert for each overdue action and the case's new schedule. What the
  // hub performs itself is sent at the trigger (DecideSubmission), not here.
  absl::StatusOr<Routing> DecideReview(const CaseView& case_view, absl::Time now) const;

  // The pathway of `case_file` at `now`, as a reader of the case sees it.
  absl::StatusOr<v1::Pathway> PathwayOf(const v1::CaseFile& case_file, absl::Time now) const {
    return engine_->Evaluate(case_file, now);
  }

  // Takes out of `case_file`, which `reader_agency_id` reads, each decision
  // not to share that was withheld from that agency, by its id or by its
  // role (Choice 37): what was withheld, and why, is not for the agency it
  // was withheld from. A lead agency a decision was withheld from still has
  // the decision as the message it was sent. Returns how many were taken out.
  int WithoutDecisionsWithheldFrom(const std::string& reader_agency_id, v1::CaseFile* case_file) const;

  // Whose open actions `caller` oversees: the CPM service oversees every
  // case (""), a team what its own agency owns (its id).
  static std::string OverseenOwner(const v1::Agency& caller);

  // Working days from today (local, at `now`) to `due_day`: 0 due today,
  // 1 due on the next working day (from a Saturday, the Monday), -2 two
  // working days overdue. A due day that is not a working day counts as the
  // working day after it.
  int WorkingDaysUntil(absl::Time now, absl::CivilDay due_day) const;

  // The end (local midnight after) of the nth working day after today at
  // `now` (0: today): the due window whose actions WorkingDaysUntil puts at
  // n or fewer.
  absl::Time EndOfWorkingDays(absl::Time now, int n) const;

  // Who is told when a review has sent alerts: the Duty CPM's service.
  std::vector<std::string> AlertedAgencies() const { return router_.OfRole(v1::CPM_SERVICE); }

  const Router& router() const { return router_; }

 private:
  // The recipients of a decision not to share (`message`) about
  // `case_view`: the case's lead agency by its pathway at `accepted_at`
  // (Router::DecisionNotToShareRecipients).
  absl::StatusOr<std::vector<std::string>> DecisionRecipients(const v1::Agency& sender,
                                                              const v1::RoutedMessage& message,
                                                              absl::Time accepted_at,
                                                              const CaseView* case_view) const;
  // Puts the hub's envelope on each follow-up of `routing`.
  void Envelop(Routing* routing) const;

  Router router_;
  std::shared_ptr<const pathway::PathwayEngine> engine_;
  v1::Governance hub_envelope_;
};

}  // namespace cre

#endif  // CRE_HUB_CASEWORK_CASEWORK_H_
