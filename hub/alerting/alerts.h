// Which alerts are raised, from a snapshot of the hub's state: pure code (no
// SQL, no mail, no clock of its own), so that what raises an alert, whom it
// goes to and what it says are tested without a database.
//
//   AlertRules rules(config.alerting());
//   AlertSnapshot snapshot;  // overdue actions, deliveries by agency, certificates
//   std::vector<Alert> raised = rules.Evaluate(snapshot, clock.Now());
//   // -> Store::ApplyAlerts(raised, now): new keys raised, missing ones cleared.
//
// An alert is a key (what it is about), a state (a change of it is a change
// worth a mail: a certificate's band, a dead-letter count), the mailboxes it
// goes to and its words. Nothing in an alert's words is a child's personal
// data: no names, dates of birth, NHS numbers, addresses or message text. An
// overdue action names its case by the case's id, which is a random UUID: it
// says nothing about the child, and only leads somewhere for a member of
// staff who signs in to the console and whose agency may open the case.
#ifndef CRE_HUB_ALERTING_ALERTS_H_
#define CRE_HUB_ALERTING_ALERTS_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "casework/case_decision.h"
#include "cre/v1/config.pb.h"

namespace cre::alerting {

// A certificate the hub relies on (its own, the client CA, an agency's), and
// when it stops being valid.
struct CertificateExpiry {
  std::string subject;
  absl::Time not_after;
};

// What is waiting for one agency, and whether it is there to take it (the
// store's AgencyDeliveries, the fields the alerts read).
struct AgencyQueue {
  std::string agency_id;
  int64_t pending = 0;
  int64_t dead = 0;
  absl::Time oldest_undelivered = absl::InfiniteFuture();
  int64_t open_streams = 0;
  absl::Time last_seen = absl::InfinitePast();  // InfinitePast: never seen
};

// An owner's overdue actions past those alerted one by one.
struct MoreOverdue {
  std::string owner_agency_id;  // empty: no agency
  v1::PractitionerRole owner_role = v1::PRACTITIONER_ROLE_UNSPECIFIED;
  int64_t listed = 0;  // alerted one by one (in overdue_actions)
  int64_t more = 0;    // besides those
};

// Overdue actions alerted one by one, per owner (agency and role): the
// earliest due. An owner's others are counted in one summary alert, so that
// a backlog (every deadline passed during an outage, say) is a bounded
// number of alerts and mails, not one per action.
inline constexpr int kOverdueAlertsPerOwner = 50;

// The hub's state as the alerts read it.
struct AlertSnapshot {
  // Open actions due before now: (case_id, action); at most
  // kOverdueAlertsPerOwner of an owner, its earliest.
  std::vector<std::pair<std::string, OpenAction>> overdue_actions;
  // The owners with more overdue actions than that.
  std::vector<MoreOverdue> more_overdue;
  std::vector<AgencyQueue> agencies;
  std::vector<CertificateExpiry> certificates;
};

enum class AlertKind { kOverdueAction, kMoreOverdue, kAgencyNotCollecting, kDeadLetters, kCertificateExpiry };

struct Alert {
  // What it is about, e.g. "overdue/<case_id>/<rule_id>",
  // "certificate/<subject>"; at most kMaxAlertKeyBytes.
  std::string key;
  AlertKind kind = AlertKind::kOverdueAction;
  // A change of state is mailed; the same state raised again is not.
  std::string state;
  // Addresses, sorted, without repeats; empty: nobody to mail (kept all the
  // same, so that its clearing is known).
  std::vector<std::string> mailboxes;
  // A subject line, and the body's paragraph, with a link to the console.
  std::string title;
  std::string text;
};

inline constexpr size_t kMaxAlertKeyBytes = 255;
inline constexpr size_t kMaxAlertStateBytes = 64;

// Certificate bands: each change of band raises the alert again.
enum class ExpiryBand { kFine, kWithin30Days, kWithin14Days, kWithin7Days, kExpired };
ExpiryBand ExpiryBandOf(absl::Time not_after, absl::Time now);

class AlertRules {
 public:
  // `config` completed and checked (config/hub_config.h).
  explicit AlertRules(const v1::AlertingConfig& config);

  // Every alert raised at `now`, by key.
  std::vector<Alert> Evaluate(const AlertSnapshot& snapshot, absl::Time now) const;

  // The mailboxes of an overdue action owned by `role` of `agency_id`: the
  // most specific entries of config.mailboxes (agency and role, agency,
  // role, neither).
  std::vector<std::string> MailboxesFor(const std::string& agency_id, v1::PractitionerRole role) const;

  // The console's pages, for links.
  std::string CaseLink(const std::string& case_id) const;
  std::string PageLink(const std::string& page) const;  // "due", "deliveries"

 private:
  v1::AlertingConfig config_;
  std::string console_;  // console_url without a trailing '/'
  absl::TimeZone zone_;
};

}  // namespace cre::alerting

#endif  // CRE_HUB_ALERTING_ALERTS_H_
