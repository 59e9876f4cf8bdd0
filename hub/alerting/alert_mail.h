// What a mailbox is sent, and when: pure code, given the changes of alert
// state queued for the mailbox (Store::ApplyAlerts queues them; the alert
// watcher claims and sends them).
//
// The digest rule. A mailbox gets at most one mail per digest interval
// (default an hour):
//   - a change after a quiet spell (nothing mailed to the mailbox within the
//     interval) is mailed at once;
//   - further changes within the interval of its last mail wait, and all of
//     them go together in one digest when the interval is up;
//   - an alert that stays raised is not mailed again (no change, no mail).
//
//   absl::Time due = MailDueAt(first_pending, last_mailed, absl::Hours(1));
//   Mail mail = ComposeMail("duty-cpm@council.example", changes, now);
#ifndef CRE_HUB_ALERTING_ALERT_MAIL_H_
#define CRE_HUB_ALERTING_ALERT_MAIL_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace cre::alerting {

// What happened to an alert.
enum class AlertChange {
  kRaised,   // a new alert (or one raised again after it cleared)
  kChanged,  // still raised, in another state: a new band, more dead letters
  kCleared,  // no longer raised
};
const char* AlertChangeName(AlertChange change);  // "RAISED", ...
bool ParseAlertChange(const std::string& name, AlertChange* change);

// One change queued for one mailbox, with the alert's words at the time.
struct QueuedChange {
  int64_t id = 0;
  std::string alert_key;
  AlertChange change = AlertChange::kRaised;
  std::string title;
  std::string text;
  absl::Time queued_at;
};

// When a mailbox's queued changes are to be mailed: the first change
// waiting (`first_pending`) once the interval since the last mail
// (`last_mailed`, InfinitePast: never) is up.
absl::Time MailDueAt(absl::Time first_pending, absl::Time last_mailed, absl::Duration digest_interval);

struct Mail {
  std::string to;
  std::string subject;  // printable ASCII, one line
  std::string body;     // UTF-8 text, lines ending in \n
};

// The mail of `changes` (oldest first, at least one) to `mailbox`: one
// change is a mail of its own (its title the subject); several are a digest.
Mail ComposeMail(const std::string& mailbox, const std::vector<QueuedChange>& changes);

// A line fit for a mail header: control characters and anything not
// printable ASCII replaced by '?', at most `max` bytes.
std::string HeaderSafe(const std::string& text, size_t max = 200);

}  // namespace cre::alerting

#endif  // CRE_HUB_ALERTING_ALERT_MAIL_H_
