// Alerts by e-mail (docs/operations.md): every evaluate interval,
// reads the hub's state (overdue actions, what waits for each agency and
// whether it is there to take it, the certificates' expiry), works out which
// alerts are raised (alerting/alerts.h), applies them to the store (which
// queues each change of state once for its mailboxes), then sends the mail
// that is due by the digest rule (alerting/alert_mail.h).
//
// Every hub process runs one, on its own thread (an SMTP exchange may take
// seconds: never on a gRPC thread). They share the work through the store:
// the alerts and the mail queue are in the database, applies take turns,
// and a mailbox's mail is leased to one process to send. Mail is sent at
// least once: a process killed between the server's acceptance and marking
// the mail sent leaves its lease to run out, and the mail goes again.
//
//   AlertWatcher watcher(store, config.alerting(), std::move(mailer), certificates, SystemClock(), process_id);
//   watcher.Start();
#ifndef CRE_HUB_SERVICE_ALERT_WATCHER_H_
#define CRE_HUB_SERVICE_ALERT_WATCHER_H_

#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "alerting/alerts.h"
#include "common/clock.h"
#include "cre/v1/config.pb.h"
#include "mail/smtp_mailer.h"
#include "store/store.h"

namespace cre {

// The certificates whose expiry is alerted: the hub's own, the client CA,
// each agency's seen. An error skips the round (rather than clearing every
// certificate alert).
using CertificateSource = std::function<absl::StatusOr<std::vector<alerting::CertificateExpiry>>()>;

class AlertWatcher {
 public:
  // `config` completed (config/hub_config.h); `certificates` null: none.
  // `process_id` names this process in mail leases. `clock` is the hub's
  // (deadlines and the digest rule are on it) and must outlive the watcher.
  AlertWatcher(std::shared_ptr<Store> store, const v1::AlertingConfig& config, std::unique_ptr<mail::Mailer> mailer,
               CertificateSource certificates, const Clock& clock, std::string process_id);
  ~AlertWatcher() { Stop(); }

  void Start();
  void Stop();

  // What one round did.
  struct Round {
    Store::AlertChanges applied;
    int mails_sent = 0;
    int mails_failed = 0;
  };
  // Evaluates and applies the alerts at `now`, then sends what is due. (The
  // thread calls it every evaluate interval; tests may too.)
  absl::StatusOr<Round> RunOnce(absl::Time now);

  // The parts of a round.
  absl::StatusOr<alerting::AlertSnapshot> ReadSnapshot(absl::Time now);
  absl::StatusOr<Store::AlertChanges> Evaluate(absl::Time now);
  // Sends every mailbox's mail due at `now`; failures are logged and left to
  // their lease. Returns (sent, failed).
  std::pair<int, int> SendDue(absl::Time now);

 private:
  std::shared_ptr<Store> store_;
  const v1::AlertingConfig config_;
  const alerting::AlertRules rules_;
  std::unique_ptr<mail::Mailer> mailer_;
  CertificateSource certificates_;
  const Clock& clock_;
  const std::string process_id_;
  // Overdue actions that no mailbox matched, at the last round (logged when
  // it changes, not every round).
  size_t unrouted_ = 0;
  absl::Notification stopping_;
  std::thread thread_;
};

}  // namespace cre

#endif  // CRE_HUB_SERVICE_ALERT_WATCHER_H_
