#include "alerting/alerts.h"

#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "alerting/alert_mail.h"
#include "pathway/in_words.h"

namespace cre::alerting {
namespace {

std::string Utc(absl::Time t) { return absl::FormatTime("%Y-%m-%d %H:%M UTC", t, absl::UTCTimeZone()); }

// A duration in whole minutes, hours or days, for the words of an alert.
std::string Span(absl::Duration d) {
  const int64_t minutes = absl::ToInt64Minutes(d);
  if (minutes < 120) return absl::StrCat(minutes, minutes == 1 ? " minute" : " minutes");
  const int64_t hours = minutes / 60;
  if (hours < 48) return absl::StrCat(hours, " hours");
  return absl::StrCat(hours / 24, " days");
}

std::string BandName(ExpiryBand band) {
  switch (band) {
    case ExpiryBand::kFine: return "fine";
    case ExpiryBand::kWithin30Days: return "30d";
    case ExpiryBand::kWithin14Days: return "14d";
    case ExpiryBand::kWithin7Days: return "7d";
    case ExpiryBand::kExpired: return "expired";
  }
  return "fine";
}

std::string BandWords(ExpiryBand band) {
  switch (band) {
    case ExpiryBand::kWithin30Days: return "expires within 30 days";
    case ExpiryBand::kWithin14Days: return "expires within 14 days";
    case ExpiryBand::kWithin7Days: return "expires within 7 days";
    case ExpiryBand::kExpired: return "has expired";
    case ExpiryBand::kFine: break;
  }
  return "is valid";
}

std::vector<std::string> Sorted(std::vector<std::string> addresses) {
  std::sort(addresses.begin(), addresses.end());
  addresses.erase(std::unique(addresses.begin(), addresses.end()), addresses.end());
  return addresses;
}

}  // namespace

ExpiryBand ExpiryBandOf(absl::Time not_after, absl::Time now) {
  const absl::Duration left = not_after - now;
  if (left <= absl::ZeroDuration()) return ExpiryBand::kExpired;
  if (left <= absl::Hours(24 * 7)) return ExpiryBand::kWithin7Days;
  if (left <= absl::Hours(24 * 14)) return ExpiryBand::kWithin14Days;
  if (left <= absl::Hours(24 * 30)) return ExpiryBand::kWithin30Days;
  return ExpiryBand::kFine;
}

AlertRules::AlertRules(const v1::AlertingConfig& config)
    : config_(config), console_(absl::StripSuffix(config.console_url(), "/")) {
  // Deadlines are the authority's local time, as the console shows them;
  // without the zone database they are in UTC, still exact.
  if (!absl::LoadTimeZone("Europe/London", &zone_)) zone_ = absl::UTCTimeZone();
}

std::string AlertRules::CaseLink(const std::string& case_id) const {
  return absl::StrCat(console_, "/#/case/", case_id);
}

std::string AlertRules::PageLink(const std::string& page) const { return absl::StrCat(console_, "/#/", page); }

std::vector<std::string> AlertRules::MailboxesFor(const std::string& agency_id, v1::PractitionerRole role) const {
  // Four levels of match, most specific first; the first level with any
  // entry decides, so a team's own mailbox replaces the default rather than
  // adding to it.
  std::vector<std::string> levels[4];
  for (const v1::AlertMailbox& m : config_.mailboxes()) {
    const bool any_agency = m.agency_id().empty();
    const bool any_role = m.role() == v1::PRACTITIONER_ROLE_UNSPECIFIED;
    if (!any_agency && m.agency_id() != agency_id) continue;
    if (!any_role && m.role() != role) continue;
    const int level = (any_agency ? 2 : 0) + (any_role ? 1 : 0);
    levels[level].push_back(m.address());
  }
  for (std::vector<std::string>& level : levels) {
    if (!level.empty()) return Sorted(std::move(level));
  }
  return {};
}

std::vector<Alert> AlertRules::Evaluate(const AlertSnapshot& snapshot, absl::Time now) const {
  std::vector<Alert> alerts;
  const std::vector<std::string> operators =
      Sorted(std::vector<std::string>(config_.operators().begin(), config_.operators().end()));

  for (const auto& [case_id, action] : snapshot.overdue_actions) {
    if (action.due_at > now) continue;
    Alert a;
    a.kind = AlertKind::kOverdueAction;
    a.key = absl::StrCat("overdue/", case_id, "/", action.rule_id);
    // A new due time for the same action (the case re-evaluated) is a new
    // overdue, as the hub's own alert counts it (once per action and due time).
    a.state = absl::StrCat(absl::ToUnixSeconds(action.due_at));
    a.mailboxes = MailboxesFor(action.owner_agency_id, action.owner);
    const std::string owner =
        action.owner_agency_id.empty() ? pathway::InWords(action.owner)
                                       : absl::StrCat(pathway::InWords(action.owner), " of ", action.owner_agency_id);
    a.title = absl::StrCat("Overdue: ", pathway::InWords(action.kind), " (", owner, ")");
    // The action, its owner and its deadline: the procedure's words, never
    // the child's. The case is a link, for those who may open it.
    a.text = absl::StrCat("An action is overdue: ", pathway::InWords(action.kind), ", owned by the ", owner, ", due ",
                          pathway::DeadlineInWords(action.due_at, zone_), ". Case: ", CaseLink(case_id),
                          " (open actions: ", PageLink("due"), ")");
    alerts.push_back(std::move(a));
  }

  for (const MoreOverdue& m : snapshot.more_overdue) {
    if (m.more <= 0) continue;
    Alert a;
    a.kind = AlertKind::kMoreOverdue;
    a.key = absl::StrCat("overdue-more/", m.owner_agency_id.empty() ? "-" : m.owner_agency_id, "/",
                         v1::PractitionerRole_Name(m.owner_role));
    // The count: a change of it is a change of state, mailed through the
    // digest like any other, so a growing backlog is one mail a digest
    // interval for each owner, not one per action.
    a.state = absl::StrCat(m.more);
    a.mailboxes = MailboxesFor(m.owner_agency_id, m.owner_role);
    const std::string owner = m.owner_agency_id.empty()
                                  ? pathway::InWords(m.owner_role)
                                  : absl::StrCat(pathway::InWords(m.owner_role), " of ", m.owner_agency_id);
    const char* actions = m.more == 1 ? " more action" : " more actions";
    a.title = absl::StrCat("Overdue: and ", m.more, actions, " (", owner, ")");
    // A count and an owner: nothing of any case, let alone of a child.
    a.text = absl::StrCat("Besides the ", m.listed, " earliest alerted one by one, ", m.more, actions,
                          " owned by the ", owner, m.more == 1 ? " is" : " are",
                          " overdue. Every one is on the console's list of open actions: ", PageLink("due"));
    alerts.push_back(std::move(a));
  }

  const absl::Duration liveness_after = absl::Seconds(config_.liveness_after_seconds());
  for (const AgencyQueue& q : snapshot.agencies) {
    // Waiting, and nobody there to take it: no stream open, and not seen
    // (or, never seen, nothing taken) for longer than liveness_after. The
    // instants are the database's and the reporting processes' clocks, now
    // is this hub's: seconds of drift against a threshold of minutes.
    const absl::Time since = q.last_seen == absl::InfinitePast() ? q.oldest_undelivered : q.last_seen;
    if (q.pending > 0 && q.open_streams == 0 && since != absl::InfiniteFuture() && now - since > liveness_after) {
      Alert a;
      a.kind = AlertKind::kAgencyNotCollecting;
      a.key = absl::StrCat("liveness/", q.agency_id);
      a.state = "raised";
      a.mailboxes = operators;
      a.title = absl::StrCat("Agency ", q.agency_id, " is not collecting its messages");
      a.text = absl::StrCat(
          "Agency ", q.agency_id, " has deliveries waiting and no inbox stream open on any hub process; ",
          q.last_seen == absl::InfinitePast() ? absl::StrCat("it has never been seen, and its oldest delivery "
                                                             "waiting was accepted at ",
                                                             Utc(q.oldest_undelivered))
                                              : absl::StrCat("it was last seen at ", Utc(q.last_seen)),
          " (", Span(now - since), " ago; the alert is raised after ", Span(liveness_after),
          "). Deliveries: ", PageLink("deliveries"));
      alerts.push_back(std::move(a));
    }
    if (q.dead > 0) {
      Alert a;
      a.kind = AlertKind::kDeadLetters;
      a.key = absl::StrCat("dead-letters/", q.agency_id);
      // The count: more dead letters is a change worth a mail (through the
      // digest); requeued, all of them, the alert clears.
      a.state = absl::StrCat(q.dead);
      a.mailboxes = operators;
      a.title = absl::StrCat("Dead letters for ", q.agency_id, ": ", q.dead);
      a.text = absl::StrCat("Agency ", q.agency_id, " has ", q.dead, q.dead == 1 ? " delivery" : " deliveries",
                            " set aside after the most attempts allowed, never acknowledged. Requeue with a reason "
                            "once the agency can take them: ",
                            PageLink("deliveries"), " (or hubctl deliveries dead / requeue)");
      alerts.push_back(std::move(a));
    }
  }

  // Two certificates with one subject (an old and a renewed one in a CA
  // bundle, say): the one valid longest speaks for the subject, as the other
  // stops mattering once the renewed one is in use.
  std::map<std::string, absl::Time> certificates;
  for (const CertificateExpiry& cert : snapshot.certificates) {
    // What of a subject goes into a key and the words: printable ASCII
    // only (it is the hub's own or an agency's, never a child's), bounded.
    const std::string subject = HeaderSafe(cert.subject, 200);
    auto [it, added] = certificates.emplace(subject, cert.not_after);
    if (!added) it->second = std::max(it->second, cert.not_after);
  }
  for (const auto& [subject, not_after] : certificates) {
    const ExpiryBand band = ExpiryBandOf(not_after, now);
    if (band == ExpiryBand::kFine) continue;
    Alert a;
    a.kind = AlertKind::kCertificateExpiry;
    a.key = absl::StrCat("certificate/", subject);
    a.state = BandName(band);
    a.mailboxes = operators;
    a.title = absl::StrCat("Certificate ", subject, " ", BandWords(band));
    a.text = absl::StrCat("The certificate ", subject, " ", BandWords(band), ": it is valid until ",
                          Utc(not_after), ". Renew it and install the new one (SECURITY.md, rotating "
                          "certificates); the hub re-reads its files without a restart.");
    alerts.push_back(std::move(a));
  }

  // Keys are unique: an action is one row of its case, an agency one entry.
  std::sort(alerts.begin(), alerts.end(), [](const Alert& a, const Alert& b) { return a.key < b.key; });
  return alerts;
}

}  // namespace cre::alerting
