#include "service/retention_purger.h"

#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "casework/audit_records.h"
#include "common/thread_name.h"
#include "spdlog/spdlog.h"

namespace cre {

namespace {

// Records read per store call.
constexpr int kPage = 500;

std::string Day(absl::Time t) {
  if (t == absl::InfiniteFuture()) return "-";
  return absl::FormatTime("%Y-%m-%d", t, absl::UTCTimeZone());
}

// An age in years and days, e.g. "12y 40d".
std::string Age(absl::Time since, absl::Time now) {
  if (since == absl::InfiniteFuture()) return "-";
  const int64_t days = std::max<int64_t>(0, absl::ToInt64Hours(now - since) / 24);
  return absl::StrCat(days / 365, "y ", days % 365, "d");
}

std::string JsonString(const std::string& s) {
  std::string out = "\"";
  for (char ch : s) {
    if (ch == '"' || ch == '\\') {
      out += '\\';
      out += ch;
    } else if (static_cast<unsigned char>(ch) < 0x20) {
      out += absl::StrFormat("\\u%04x", ch);
    } else {
      out += ch;
    }
  }
  return out + "\"";
}

std::string JsonTime(absl::Time t) {
  if (t == absl::InfiniteFuture()) return "null";
  return JsonString(absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone()));
}

}  // namespace

RetentionPurger::RetentionPurger(std::shared_ptr<Store> store, const v1::RetentionConfig& config,
                                 const Clock& clock, std::string actor, std::string method)
    : store_(std::move(store)),
      schedule_(config),
      clock_(clock),
      actor_(std::move(actor)),
      method_(std::move(method)) {}

absl::StatusOr<RetentionReport> RetentionPurger::Run(bool purge) {
  RetentionReport report;
  report.at = clock_.Now();
  report.purged = purge;
  std::map<v1::RecordClass, RetentionClassReport> by_class;
  for (v1::RecordClass c : RecordClasses()) {
    RetentionClassReport& r = by_class[c];
    r.record_class = c;
    r.policy = schedule_.PolicyInWords(c);
  }
  const absl::Time now = report.at;
  v1::AuditRecord purged_by = AuditOf(v1::AUDIT_EVENT_KIND_RECORD_PURGED, actor_, absl::Now());
  purged_by.set_method(method_);

  auto keep = [](RetentionClassReport& r, absl::Time since, absl::Time due, bool held) {
    ++r.kept;
    if (held) ++r.held;
    if (since < r.oldest_since) {
      r.oldest_since = since;
      r.oldest_due = due;
    }
    if (!held) r.next_due = std::min(r.next_due, due);
  };

  const Store::CaseRetentionFn decide_case = [this](const Store::RetentionCase& rc) {
    Store::RetentionDecision d;
    d.record_class = CaseClassOf(rc.facts);
    d.due_at = schedule_.CaseDueAt(d.record_class, rc.facts, rc.last_contact);
    return d;
  };
  std::string after;
  while (true) {
    absl::StatusOr<std::vector<Store::RetentionCase>> cases = store_->RetentionCases(after, kPage);
    if (!cases.ok()) return cases.status();
    // A hub that is stopping does not wait for the rest of a sweep: the
    // next one finds what this one left.
    if (stopping_.HasBeenNotified()) return absl::CancelledError("retention: the hub is stopping");
    for (const Store::RetentionCase& rc : *cases) {
      const Store::RetentionDecision d = decide_case(rc);
      RetentionClassReport& r = by_class[d.record_class];
      if (d.due_at > now || rc.held) {
        keep(r, rc.opened_at, d.due_at, rc.held);
        continue;
      }
      ++r.due;
      if (!purge) {
        keep(r, rc.opened_at, d.due_at, false);
        continue;
      }
      absl::StatusOr<Store::Purged> purged = store_->PurgeCase(rc.case_id, now, decide_case, purged_by);
      if (!purged.ok()) return purged.status();
      if (purged->purged) {
        ++r.purged;
        by_class[v1::RECORD_CLASS_MESSAGE_PAYLOAD].purged += purged->messages;
        if (purged->child) ++report.children_purged;
      } else if (purged->not_purged_because != Store::Purged::NotPurged::kPurgedAlready) {
        keep(r, rc.opened_at, d.due_at, purged->not_purged_because == Store::Purged::NotPurged::kHeld);
      }
    }
    if (static_cast<int>(cases->size()) < kPage) break;
    after = cases->back().case_id;
  }

  const Store::MessageRetentionFn decide_message = [this](const Store::RetentionMessage& rm) {
    Store::RetentionDecision d;
    d.record_class = v1::RECORD_CLASS_MESSAGE_PAYLOAD;
    d.due_at = rm.settled_at == absl::InfiniteFuture() ? absl::InfiniteFuture() : schedule_.MessageDueAt(rm.settled_at);
    return d;
  };
  RetentionClassReport& messages = by_class[v1::RECORD_CLASS_MESSAGE_PAYLOAD];
  after.clear();
  while (true) {
    absl::StatusOr<std::vector<Store::RetentionMessage>> page = store_->RetentionMessages(after, kPage);
    if (!page.ok()) return page.status();
    if (stopping_.HasBeenNotified()) return absl::CancelledError("retention: the hub is stopping");
    for (const Store::RetentionMessage& rm : *page) {
      const Store::RetentionDecision d = decide_message(rm);
      if (d.due_at > now || rm.held) {
        keep(messages, rm.accepted_at, d.due_at, rm.held);
        continue;
      }
      ++messages.due;
      if (!purge) {
        keep(messages, rm.accepted_at, d.due_at, false);
        continue;
      }
      absl::StatusOr<Store::Purged> purged = store_->PurgeMessage(rm.message_id, now, decide_message, purged_by);
      if (!purged.ok()) return purged.status();
      if (purged->purged) {
        ++messages.purged;
      } else if (purged->not_purged_because != Store::Purged::NotPurged::kPurgedAlready) {
        keep(messages, rm.accepted_at, d.due_at, purged->not_purged_because == Store::Purged::NotPurged::kHeld);
      }
    }
    if (static_cast<int>(page->size()) < kPage) break;
    after = page->back().message_id;
  }

  absl::StatusOr<std::map<v1::RecordClass, int64_t>> totals = store_->PurgedCounts();
  if (!totals.ok()) return totals.status();
  for (v1::RecordClass c : RecordClasses()) {
    RetentionClassReport& r = by_class[c];
    auto it = totals->find(c);
    r.purged_total = it == totals->end() ? 0 : it->second;
    report.classes.push_back(r);
  }
  return report;
}

void RetentionPurger::Start(const std::string& process_id) {
  if (schedule_.hub_purge_disabled()) return;
  thread_ = std::thread([this, process_id] {
    NameThisThread("retention");
    // A little under the interval, so that the next sweep is not missed
    // by a process whose timer runs a little early.
    const absl::Duration claim_every = schedule_.purge_interval() * 0.9;
    do {
      absl::StatusOr<bool> claimed = store_->ClaimRetentionSweep(process_id, claim_every);
      if (!claimed.ok()) {
        spdlog::warn("retention: could not claim the sweep: {}", claimed.status().ToString());
        continue;
      }
      if (!*claimed) continue;
      absl::StatusOr<RetentionReport> report = Run(true);
      if (!report.ok()) {
        if (!stopping_.HasBeenNotified()) spdlog::warn("retention: the purge failed: {}", report.status().ToString());
        continue;
      }
      for (const RetentionClassReport& r : report->classes) {
        if (r.purged > 0) {
          spdlog::info("retention: purged {} {} record(s)", r.purged, RecordClassName(r.record_class));
        }
      }
    } while (!stopping_.WaitForNotificationWithTimeout(schedule_.purge_interval()));
  });
}

void RetentionPurger::Stop() {
  if (!stopping_.HasBeenNotified()) stopping_.Notify();
  if (thread_.joinable()) thread_.join();
}

std::string RetentionReportText(const RetentionReport& report) {
  // "purged" is this run's ("-" for a dry run or a status); "total" every run's.
  std::string out = absl::StrFormat("%-24s %6s %6s %6s %7s %7s  %-12s %-11s %-11s  %s\n", "class", "kept", "held",
                                    "due", "purged", "total", "oldest age", "oldest due", "next due", "policy");
  for (const RetentionClassReport& r : report.classes) {
    absl::StrAppend(&out, absl::StrFormat("%-24s %6d %6d %6d %7s %7d  %-12s %-11s %-11s  %s\n",
                                          RecordClassName(r.record_class), r.kept, r.held, r.due,
                                          report.purged ? absl::StrCat(r.purged) : "-", r.purged_total,
                                          Age(r.oldest_since, report.at), Day(r.oldest_due), Day(r.next_due),
                                          r.policy));
  }
  return out;
}

std::string RetentionReportJson(const RetentionReport& report) {
  std::string out = absl::StrCat("{\"at\":", JsonTime(report.at), ",\"classes\":[");
  bool first = true;
  for (const RetentionClassReport& r : report.classes) {
    if (!first) out += ",";
    first = false;
    absl::StrAppend(&out, "{\"class\":", JsonString(RecordClassName(r.record_class)),
                    ",\"in_words\":", JsonString(RecordClassInWords(r.record_class)),
                    ",\"policy\":", JsonString(r.policy), ",\"kept\":", r.kept, ",\"held\":", r.held,
                    ",\"due\":", r.due, ",\"purged_total\":", r.purged_total,
                    ",\"oldest_since\":", JsonTime(r.oldest_since), ",\"oldest_age\":",
                    JsonString(Age(r.oldest_since, report.at)), ",\"oldest_due\":", JsonTime(r.oldest_due),
                    ",\"next_due\":", JsonTime(r.next_due), "}");
  }
  return out + "]}";
}

}  // namespace cre
