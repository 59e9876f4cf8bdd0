#include "service/presence_reporter.h"

#include <utility>
#include <vector>

#include "absl/time/clock.h"
#include "common/thread_name.h"
#include "spdlog/spdlog.h"

namespace cre {

PresenceReporter::PresenceReporter(std::shared_ptr<Store> store, std::string hub_process,
                                   std::shared_ptr<const CallerPresence> calls, StreamCounts streams,
                                   absl::Duration interval)
    : store_(std::move(store)),
      hub_process_(std::move(hub_process)),
      calls_(std::move(calls)),
      streams_(std::move(streams)),
      interval_(interval) {}

void PresenceReporter::Start() {
  thread_ = std::thread([this] {
    NameThisThread("presence");
    while (!stopping_.WaitForNotificationWithTimeout(interval_)) Report().IgnoreError();
  });
}

void PresenceReporter::Stop() {
  if (stopping_.HasBeenNotified()) return;
  stopping_.Notify();
  if (!thread_.joinable()) return;  // never started: nothing reported to end
  thread_.join();
  absl::MutexLock lock(&mu_);
  if (absl::Status ended = store_->EndPresence(hub_process_, Seen()); !ended.ok()) {
    spdlog::warn("presence: could not end this process's presence ({}); its streams stop counting within {}",
                 ended.ToString(), absl::FormatDuration(live_for()));
  }
}

std::vector<AgencyPresence> PresenceReporter::Seen() {
  // A real time, as the calls are recorded (CallGate).
  const absl::Time now = absl::Now();
  absl::flat_hash_map<std::string, AgencyPresence> by_agency;
  for (const auto& [agency_id, at] : calls_->LastCalls()) {
    AgencyPresence& p = by_agency[agency_id];
    p.agency_id = agency_id;
    p.last_seen = at;
  }
  // An agency holding a stream open here is here now.
  for (const auto& [agency_id, count] : streams_()) {
    AgencyPresence& p = by_agency[agency_id];
    p.agency_id = agency_id;
    p.open_streams = count;
    p.last_seen = now;
  }
  // The certificate of its latest call here, for its expiry.
  for (const auto& [agency_id, not_after] : calls_->CertificatesSeen()) {
    if (auto found = by_agency.find(agency_id); found != by_agency.end()) found->second.cert_not_after = not_after;
  }
  std::vector<AgencyPresence> seen;
  for (auto& [agency_id, p] : by_agency) {
    reported_[agency_id] = p.last_seen;
    seen.push_back(std::move(p));
  }
  // Reported before, neither calling nor streaming now: only an agency whose
  // streams were counted without a call recorded. Its count goes back to 0.
  for (const auto& [agency_id, last_seen] : reported_) {
    if (by_agency.contains(agency_id)) continue;
    AgencyPresence p;
    p.agency_id = agency_id;
    p.last_seen = last_seen;
    seen.push_back(std::move(p));
  }
  return seen;
}

absl::Status PresenceReporter::Report() {
  absl::MutexLock lock(&mu_);
  absl::Status reported = store_->ReportPresence(hub_process_, Seen(), live_for());
  // Said once per outage, not every round.
  if (!reported.ok() && !failing_) spdlog::warn("presence: a report failed: {}", reported.ToString());
  if (reported.ok() && failing_) spdlog::info("presence: reporting again");
  failing_ = !reported.ok();
  return reported;
}

}  // namespace cre
