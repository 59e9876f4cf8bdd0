// The vocabulary of a casework decision: the case as a submission sees it,
// and what the hub decides to do about it (who receives the message, the
// events it stands for, the messages the hub sends with it, the case's
// schedule). Pure data: the casework layer fills it in, the store writes
// it in the submission's transaction.
//
//   Routing routing;
//   routing.recipients = {"derby-csc"};
//   routing.follow_ups.push_back(FollowUp{...});
#ifndef CRE_HUB_CASEWORK_CASE_DECISION_H_
#define CRE_HUB_CASEWORK_CASE_DECISION_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "cre/v1/case_file.pb.h"
#include "cre/v1/pathway.pb.h"
#include "cre/v1/routed_message.pb.h"

namespace cre {

// The most assessments and events a caller may record on one case. Every
// submission to a case reads and evaluates all of them; a case kept for
// years holds a few hundred. A submission that would pass it is refused
// FAILED_PRECONDITION, naming it, before anything is written; the hub's own
// events (a message sent, an alert) are never refused by it.
inline constexpr int kMaxCaseEntries = 5000;

// Whether a caller may record `appended` more assessments and events on
// case `case_id`, which holds `stored`: FAILED_PRECONDITION, naming the
// limit, if they would take it past kMaxCaseEntries.
inline absl::Status MayAppendEntries(const std::string& case_id, int stored, int appended) {
  if (appended == 0 || stored + appended <= kMaxCaseEntries) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      "case_id: case ", case_id, " holds ", stored, " assessments and events; ", appended,
      " more would pass the ", kMaxCaseEntries, " a case may hold: close it and open a new case"));
}

// A case as a submission sees it, inside the transaction that accepts it.
struct CaseView {
  v1::CaseFile case_file;  // the child's facts, every assessment and event
  std::vector<std::string> involved_agency_ids;
};

// The message a response answers, as the responder received it.
struct RepliedMessage {
  std::string message_id;
  std::string sender_agency_id;
  v1::MessageKind kind = v1::MESSAGE_KIND_UNSPECIFIED;
  v1::RoutedMessage message;  // its body
};

// A message the hub sends in the same transaction as a submission, because
// the pathway requires it (an IRO notification, say). Sent at most once per
// trigger_key and case, whatever the number of hub processes.
struct FollowUp {
  std::string trigger_key;  // e.g. "lac.iro_notification@1779999000000000"
  v1::RoutedMessage message;  // kind and body
  std::vector<std::string> recipients;
  // Appended to the case with the message's id; EVENT_KIND_UNSPECIFIED: none.
  v1::EventKind event_kind = v1::EVENT_KIND_UNSPECIFIED;
  // Whose acknowledgement completes that event (sets acknowledged_at).
  std::string acknowledged_by;
  // The agency the hub acts for (Early Help for a step-up, CSC for a
  // notification): the message's sender, to whom answers go. Empty: the
  // hub itself (alerts), which takes no answer.
  std::string on_behalf_of;
};

// An open action with a due time, as indexed for managers' queries.
struct OpenAction {
  std::string rule_id;
  v1::ActionKind kind = v1::ACTION_KIND_UNSPECIFIED;
  v1::PractitionerRole owner = v1::PRACTITIONER_ROLE_UNSPECIFIED;
  std::string owner_agency_id;  // empty when no agency owns it
  // Who chairs it (a meeting); UNSPECIFIED when nobody does.
  v1::PractitionerRole chair = v1::PRACTITIONER_ROLE_UNSPECIFIED;
  absl::Time due_at;
  std::string due_date;  // YYYY-MM-DD, local
};

// What the case's evaluation says about time: its open actions with a due
// time, and when the watcher must look at it next (InfiniteFuture: never).
struct CaseSchedule {
  std::vector<OpenAction> open_actions;
  absl::Time next_deadline = absl::InfiniteFuture();
};

// What a route decides about a submission.
struct Routing {
  std::vector<std::string> recipients;
  // An event the submitted message itself stands for on the case (an
  // Operation Liberty report sent, a host authority's dispute), appended
  // with the message's id; EVENT_KIND_UNSPECIFIED: none.
  v1::EventKind event_kind = v1::EVENT_KIND_UNSPECIFIED;
  // Whose acknowledgement of the submitted message completes that event;
  // empty: the event is complete as it is.
  std::string acknowledged_by;
  std::vector<FollowUp> follow_ups;
  // Set when the case was evaluated: replaces its schedule.
  absl::optional<CaseSchedule> schedule;
};

}  // namespace cre

#endif  // CRE_HUB_CASEWORK_CASE_DECISION_H_
