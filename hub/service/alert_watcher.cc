#include "service/alert_watcher.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/thread_name.h"
#include "spdlog/spdlog.h"

namespace cre {
namespace {

// Mailboxes claimed per round; the rest are the next round's.
constexpr int kMailboxesPerRound = 50;

}  // namespace

AlertWatcher::AlertWatcher(std::shared_ptr<Store> store, const v1::AlertingConfig& config,
                           std::unique_ptr<mail::Mailer> mailer, CertificateSource certificates, const Clock& clock,
                           std::string process_id)
    : store_(std::move(store)),
      config_(config),
      rules_(config),
      mailer_(std::move(mailer)),
      certificates_(std::move(certificates)),
      clock_(clock),
      process_id_(std::move(process_id)) {}

void AlertWatcher::Start() {
  thread_ = std::thread([this] {
    NameThisThread("alerts");
    const absl::Duration interval = absl::Seconds(config_.evaluate_interval_seconds());
    while (!stopping_.WaitForNotificationWithTimeout(interval)) {
      absl::StatusOr<Round> round = RunOnce(clock_.Now());
      if (!round.ok()) {
        spdlog::warn("alerts: round failed: {}", round.status().ToString());
        continue;
      }
      const Store::AlertChanges& a = round->applied;
      if (a.raised + a.changed + a.cleared > 0 || round->mails_sent > 0) {
        spdlog::info("alerts: {} raised, {} changed, {} cleared, {} mail(s) queued, {} sent", a.raised, a.changed,
                     a.cleared, a.queued, round->mails_sent);
      }
    }
  });
}

void AlertWatcher::Stop() {
  if (!stopping_.HasBeenNotified()) stopping_.Notify();
  // A mail being sent gives up: its lease runs out and another process
  // sends it, rather than this one holding the stop for an SMTP timeout.
  mailer_->Cancel();
  if (thread_.joinable()) thread_.join();
}

absl::StatusOr<alerting::AlertSnapshot> AlertWatcher::ReadSnapshot(absl::Time now) {
  alerting::AlertSnapshot snapshot;
  // Counted by owner in the database: what is read back is bounded by the
  // owners, however many actions are overdue.
  absl::StatusOr<std::vector<OverdueByOwner>> owners =
      store_->OverdueActionsByOwner(now, alerting::kOverdueAlertsPerOwner);
  if (!owners.ok()) return owners.status();
  for (OverdueByOwner& owner : *owners) {
    const int64_t listed = static_cast<int64_t>(owner.earliest.size());
    if (owner.overdue > listed) {
      snapshot.more_overdue.push_back({owner.owner_agency_id, owner.owner_role, listed, owner.overdue - listed});
    }
    for (auto& entry : owner.earliest) snapshot.overdue_actions.push_back(std::move(entry));
  }

  absl::StatusOr<std::vector<AgencyDeliveries>> agencies = store_->DeliveriesByAgency();
  if (!agencies.ok()) return agencies.status();
  for (const AgencyDeliveries& a : *agencies) {
    alerting::AgencyQueue q;
    q.agency_id = a.agency_id;
    q.pending = a.pending;
    q.dead = a.dead;
    q.oldest_undelivered = a.oldest_undelivered;
    q.open_streams = a.open_streams;
    q.last_seen = a.last_seen;
    snapshot.agencies.push_back(std::move(q));
  }

  if (certificates_ != nullptr) {
    absl::StatusOr<std::vector<alerting::CertificateExpiry>> certificates = certificates_();
    if (!certificates.ok()) {
      return absl::Status(certificates.status().code(),
                          absl::StrCat("certificates: ", certificates.status().message()));
    }
    snapshot.certificates = *std::move(certificates);
  }
  return snapshot;
}

absl::StatusOr<Store::AlertChanges> AlertWatcher::Evaluate(absl::Time now) {
  absl::StatusOr<alerting::AlertSnapshot> snapshot = ReadSnapshot(now);
  if (!snapshot.ok()) return snapshot.status();
  std::vector<alerting::Alert> raised = rules_.Evaluate(*snapshot, now);
  const size_t unrouted = std::count_if(raised.begin(), raised.end(), [](const alerting::Alert& a) {
    return (a.kind == alerting::AlertKind::kOverdueAction || a.kind == alerting::AlertKind::kMoreOverdue) &&
           a.mailboxes.empty();
  });
  if (unrouted != unrouted_) {
    if (unrouted > 0) {
      spdlog::warn("alerts: {} overdue action(s) match no alerting.mailboxes entry and are mailed to nobody; "
                   "add an entry with neither agency_id nor role as the default",
                   unrouted);
    }
    unrouted_ = unrouted;
  }
  return store_->ApplyAlerts(raised, now);
}

std::pair<int, int> AlertWatcher::SendDue(absl::Time now) {
  const absl::Duration digest = absl::Seconds(config_.digest_interval_seconds());
  // Long enough for the SMTP exchanges of a round; a failed send waits this
  // long before another try.
  const absl::Duration lease =
      std::max(absl::Minutes(1), absl::Seconds(4 * static_cast<int64_t>(config_.smtp().timeout_seconds())));
  int sent = 0, failed = 0;
  absl::StatusOr<std::vector<Store::AlertMailClaim>> claims =
      store_->ClaimAlertMail(process_id_, now, digest, lease, kMailboxesPerRound);
  if (!claims.ok()) {
    spdlog::warn("alerts: could not claim mail: {}", claims.status().ToString());
    return {0, 1};
  }
  for (const Store::AlertMailClaim& claim : *claims) {
    if (stopping_.HasBeenNotified()) break;  // the lease runs out; another process sends it
    const alerting::Mail mail = alerting::ComposeMail(claim.mailbox, claim.changes);
    absl::Status status = mailer_->Send(mail);
    if (status.code() == absl::StatusCode::kCancelled) break;  // stopping
    if (!status.ok()) {
      ++failed;
      spdlog::warn("alerts: mail to {} not sent ({} change(s), tried again in {}): {}", claim.mailbox,
                   claim.changes.size(), absl::FormatDuration(lease), status.ToString());
      continue;
    }
    absl::Status marked = store_->MarkAlertMailSent(process_id_, claim, clock_.Now());
    if (!marked.ok()) {
      // Sent but not marked: the lease runs out and it is sent again (at
      // least once, never lost).
      spdlog::warn("alerts: mail to {} sent but not marked sent; it will be sent again: {}", claim.mailbox,
                   marked.ToString());
    }
    ++sent;
  }
  return {sent, failed};
}

absl::StatusOr<AlertWatcher::Round> AlertWatcher::RunOnce(absl::Time now) {
  Round round;
  absl::StatusOr<Store::AlertChanges> applied = Evaluate(now);
  // Mail already queued is sent even when this evaluation failed.
  std::tie(round.mails_sent, round.mails_failed) = SendDue(now);
  if (!applied.ok()) return applied.status();
  round.applied = *applied;
  return round;
}

}  // namespace cre
