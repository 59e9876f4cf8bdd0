#include "alerting/alert_mail.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace cre::alerting {
namespace {

std::string Utc(absl::Time t) { return absl::FormatTime("%Y-%m-%d %H:%M UTC", t, absl::UTCTimeZone()); }

// The title as a line of the mail, by what happened to it.
std::string Headline(const QueuedChange& c) {
  switch (c.change) {
    case AlertChange::kRaised: return absl::StrCat("RAISED: ", c.title);
    case AlertChange::kChanged: return absl::StrCat("CHANGED: ", c.title);
    case AlertChange::kCleared: return absl::StrCat("CLEARED: ", c.title);
  }
  return c.title;
}

// A cleared alert's words are those it was raised with: say that it no
// longer stands.
std::string Paragraph(const QueuedChange& c) {
  if (c.change == AlertChange::kCleared) return absl::StrCat("No longer raised. It said: ", c.text);
  return c.text;
}

constexpr char kFooter[] =
    "\n-- \nSent by the CRE hub. Mails link to the console and hold no personal data about a child; "
    "sign in to see a case.\nAt most one mail an interval per mailbox: further changes wait for the next digest.\n";

}  // namespace

const char* AlertChangeName(AlertChange change) {
  switch (change) {
    case AlertChange::kRaised: return "RAISED";
    case AlertChange::kChanged: return "CHANGED";
    case AlertChange::kCleared: return "CLEARED";
  }
  return "RAISED";
}

bool ParseAlertChange(const std::string& name, AlertChange* change) {
  for (AlertChange c : {AlertChange::kRaised, AlertChange::kChanged, AlertChange::kCleared}) {
    if (name == AlertChangeName(c)) {
      *change = c;
      return true;
    }
  }
  return false;
}

absl::Time MailDueAt(absl::Time first_pending, absl::Time last_mailed, absl::Duration digest_interval) {
  if (last_mailed == absl::InfinitePast()) return first_pending;
  return std::max(first_pending, last_mailed + digest_interval);
}

std::string HeaderSafe(const std::string& text, size_t max) {
  std::string out;
  for (char c : text) {
    if (out.size() >= max) break;
    out += (c >= 0x20 && c < 0x7f) ? c : '?';
  }
  return out;
}

Mail ComposeMail(const std::string& mailbox, const std::vector<QueuedChange>& changes) {
  Mail mail;
  mail.to = mailbox;
  if (changes.size() == 1) {
    const QueuedChange& c = changes.front();
    mail.subject = HeaderSafe(absl::StrCat("[CRE hub] ", Headline(c)));
    mail.body = absl::StrCat(Headline(c), "\n\n", Paragraph(c), "\n\nAt ", Utc(c.queued_at), ".\n", kFooter);
    return mail;
  }
  int raised = 0, changed = 0, cleared = 0;
  for (const QueuedChange& c : changes) {
    if (c.change == AlertChange::kRaised) ++raised;
    if (c.change == AlertChange::kChanged) ++changed;
    if (c.change == AlertChange::kCleared) ++cleared;
  }
  mail.subject = HeaderSafe(absl::StrCat("[CRE hub] Digest: ", changes.size(), " alert changes (", raised,
                                         " raised, ", changed, " changed, ", cleared, " cleared)"));
  mail.body = absl::StrCat(changes.size(), " changes since the last mail to this mailbox, oldest first.\n");
  int n = 0;
  for (const QueuedChange& c : changes) {
    absl::StrAppend(&mail.body, "\n", ++n, ". ", Headline(c), " (at ", Utc(c.queued_at), ")\n   ", Paragraph(c),
                    "\n");
  }
  absl::StrAppend(&mail.body, kFooter);
  return mail;
}

}  // namespace cre::alerting
