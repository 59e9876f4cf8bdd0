#include "server/hub_metrics.h"

#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <tuple>
#include <sstream>
#include <thread>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "common/thread_name.h"
#include "crypto/certificate_expiry.h"
#include "store/transaction_retries.h"

namespace cre {

using metrics::Labels;
using metrics::MetricType;
using metrics::TextWriter;

// One set of Store calls and what they returned. Written by the reading
// thread, read by a scrape only after `done`.
struct HubMetrics::StoreFigures {
  absl::Notification done;
  absl::Time read_at;
  absl::Duration took;
  absl::StatusOr<std::vector<AgencyDeliveries>> deliveries = absl::UnknownError("not read");
  absl::StatusOr<std::vector<OpenActionCount>> actions = absl::UnknownError("not read");
  absl::StatusOr<int64_t> unsealed = absl::UnknownError("not read");

  bool all_ok() const { return deliveries.ok() && actions.ok() && unsealed.ok(); }
};

namespace {

// The process as /proc tells it: CPU seconds, resident bytes, threads, open
// files. Linux only, as the hub is; a field that cannot be read is left out.
void WriteProcess(TextWriter& out, absl::Time started) {
  out.Family("process_start_time_seconds", "When the hub process started (its metrics, strictly), Unix time.",
             MetricType::kGauge);
  out.Sample("process_start_time_seconds", {}, absl::ToDoubleSeconds(started - absl::UnixEpoch()));

  std::ifstream stat_file("/proc/self/stat");
  std::stringstream stat;
  stat << stat_file.rdbuf();
  const std::string text = stat.str();
  // The fields after the command name, which is in parentheses and may hold
  // spaces: field 3 (state) onward.
  const size_t close = text.rfind(')');
  if (close != std::string::npos && close + 2 < text.size()) {
    const std::vector<std::string> fields = absl::StrSplit(text.substr(close + 2), ' ');
    // proc(5): utime 14, stime 15, num_threads 20, rss 24; fields[0] is 3.
    const auto field = [&](size_t number) -> double {
      return number - 3 < fields.size() ? std::strtod(fields[number - 3].c_str(), nullptr) : 0;
    };
    const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
    out.Family("process_cpu_seconds_total", "CPU time the hub process has used, user and system.",
               MetricType::kCounter);
    out.Sample("process_cpu_seconds_total", {}, (field(14) + field(15)) / ticks);
    out.Family("process_resident_memory_bytes", "The hub process's resident memory.", MetricType::kGauge);
    out.Sample("process_resident_memory_bytes", {}, field(24) * static_cast<double>(sysconf(_SC_PAGESIZE)));
    out.Family("process_threads", "The hub process's threads.", MetricType::kGauge);
    out.Sample("process_threads", {}, field(20));
  }
  if (DIR* fds = opendir("/proc/self/fd")) {
    int open = 0;
    while (const dirent* entry = readdir(fds)) {
      if (entry->d_name[0] != '.') ++open;
    }
    closedir(fds);
    out.Family("process_open_fds", "File descriptors the hub process holds open (sockets included).",
               MetricType::kGauge);
    out.Sample("process_open_fds", {}, open - 1);  // not the one reading the directory
  }
  out.Family("process_max_fds", "The most file descriptors the hub process may open.", MetricType::kGauge);
  out.Sample("process_max_fds", {}, static_cast<double>(sysconf(_SC_OPEN_MAX)));
}

}  // namespace

HubMetrics::HubMetrics(Sources sources) : sources_(std::move(sources)), started_(absl::Now()) {
  calls_ = &registry_.AddCounter("cre_grpc_server_handled_total",
                                 "gRPC calls that reached a handler, by method and status code.", {"method", "code"});
  agency_calls_ = &registry_.AddCounter("cre_grpc_server_agency_handled_total",
                                        "gRPC calls that reached a handler, by calling agency and status code.",
                                        {"agency", "code"});
  latency_ = &registry_.AddHistogram("cre_grpc_server_handling_seconds",
                                     "Time from a call's arrival to its status, by method (Inbox.Subscribe streams"
                                     " left out).",
                                     {"method"}, metrics::LatencyBuckets());
  // No labels: the caller is unknown and the method is whatever it sent.
  unauthenticated_ = &registry_
                          .AddCounter("cre_grpc_server_unauthenticated_total",
                                      "gRPC calls refused UNAUTHENTICATED before any handler: a client certificate"
                                      " naming no registered agency, or not an agency's.")
                          .WithLabels({});
}

HubMetrics::~HubMetrics() = default;

std::string HubMetrics::Render() {
  // The store's figures first: the wait is the one thing here that takes
  // time, and the counters written after it are then the fresher.
  std::shared_ptr<StoreFigures> figures;
  {
    absl::MutexLock lock(&mu_);
    if (running_ == nullptr || running_->done.HasBeenNotified()) {
      running_ = std::make_shared<StoreFigures>();
      // Detached: if the database hangs, it may outlive this scrape and even
      // the hub (the figures and the store are shared, not borrowed).
      std::thread([store = sources_.store, figures = running_] {
        NameThisThread("metrics-store");
        const absl::Time start = absl::Now();
        figures->read_at = start;
        figures->deliveries = store->DeliveriesByAgency();
        // A database that cannot be reached is not asked twice more: each
        // call would wait out its own connection attempts.
        if (figures->deliveries.ok() || figures->deliveries.status().code() != absl::StatusCode::kUnavailable) {
          figures->actions = store->CountOpenActions(start);
          figures->unsealed = store->UnsealedAuditCount();
        }
        figures->took = absl::Now() - start;
        figures->done.Notify();
      }).detach();
    }
    figures = running_;
  }
  const bool answered = figures->done.WaitForNotificationWithTimeout(sources_.store_timeout);
  const StoreFigures* read = answered ? figures.get() : nullptr;

  std::string text = registry_.Render();
  TextWriter out;
  WriteProcess(out, started_);
  out.Family("cre_database_up",
             "1 if this scrape's reads of the database all answered within the metrics' store timeout, else 0.",
             MetricType::kGauge);
  out.Sample("cre_database_up", {}, read != nullptr && read->all_ok() ? 1 : 0);
  if (read != nullptr) {
    out.Family("cre_metrics_store_read_seconds", "How long this scrape's reads of the database took.",
               MetricType::kGauge);
    out.Sample("cre_metrics_store_read_seconds", {}, absl::ToDoubleSeconds(read->took));
  }
  WriteStore(out, read);
  WriteMemory(out, read);
  return text + out.Take();
}

void HubMetrics::WriteStore(TextWriter& out, const StoreFigures* figures) {
  if (figures == nullptr) return;
  const absl::Time now = figures->read_at;

  if (figures->deliveries.ok()) {
    const std::vector<AgencyDeliveries>& agencies = *figures->deliveries;
    out.Family("cre_deliveries", "Deliveries not yet acknowledged, by recipient agency and state.",
               MetricType::kGauge);
    for (const AgencyDeliveries& a : agencies) {
      if (a.pending + a.leased + a.dead == 0) continue;
      out.Sample("cre_deliveries", {{"agency", a.agency_id}, {"state", "pending"}}, static_cast<double>(a.pending));
      out.Sample("cre_deliveries", {{"agency", a.agency_id}, {"state", "leased"}}, static_cast<double>(a.leased));
      out.Sample("cre_deliveries", {{"agency", a.agency_id}, {"state", "dead"}}, static_cast<double>(a.dead));
    }
    out.Family("cre_delivery_oldest_undelivered_age_seconds",
               "Age of the oldest delivery not yet acknowledged (pending, leased or dead), by recipient agency.",
               MetricType::kGauge);
    for (const AgencyDeliveries& a : agencies) {
      if (a.oldest_undelivered == absl::InfiniteFuture()) continue;
      out.Sample("cre_delivery_oldest_undelivered_age_seconds", {{"agency", a.agency_id}},
                 std::max(0.0, absl::ToDoubleSeconds(now - a.oldest_undelivered)));
    }
    out.Family("cre_agency_open_streams", "Inbox streams the agency holds open, on every hub process reporting.",
               MetricType::kGauge);
    for (const AgencyDeliveries& a : agencies) {
      out.Sample("cre_agency_open_streams", {{"agency", a.agency_id}}, static_cast<double>(a.open_streams));
    }
    out.Family("cre_agency_last_seen_age_seconds",
               "Seconds since any hub process last saw the agency (a call, or a stream held open).",
               MetricType::kGauge);
    for (const AgencyDeliveries& a : agencies) {
      if (a.last_seen == absl::InfinitePast()) continue;
      out.Sample("cre_agency_last_seen_age_seconds", {{"agency", a.agency_id}},
                 std::max(0.0, absl::ToDoubleSeconds(now - a.last_seen)));
    }
  }
  if (figures->actions.ok()) {
    out.Family("cre_actions_open", "Open pathway actions, by owning agency (\"\": a role with no agency named).",
               MetricType::kGauge);
    for (const OpenActionCount& c : *figures->actions) {
      out.Sample("cre_actions_open", {{"owner_agency", c.owner_agency_id}}, static_cast<double>(c.open));
    }
    out.Family("cre_actions_overdue", "Open pathway actions past their deadline, by owning agency.",
               MetricType::kGauge);
    for (const OpenActionCount& c : *figures->actions) {
      out.Sample("cre_actions_overdue", {{"owner_agency", c.owner_agency_id}}, static_cast<double>(c.overdue));
    }
  }
  if (figures->unsealed.ok()) {
    out.Family("cre_audit_unsealed_records", "Audit records written but not yet sealed into the hash chain.",
               MetricType::kGauge);
    out.Sample("cre_audit_unsealed_records", {}, static_cast<double>(*figures->unsealed));
  }
}

void HubMetrics::WriteMemory(TextWriter& out, const StoreFigures* figures) {
  const ConnectionUse connections = sources_.store->Connections();
  if (connections.max > 0) {
    out.Family("cre_database_connections_in_use", "Database connections leased to a transaction now.",
               MetricType::kGauge);
    out.Sample("cre_database_connections_in_use", {}, connections.in_use);
    out.Family("cre_database_connections_open", "Database connections open now, idle or in use.",
               MetricType::kGauge);
    out.Sample("cre_database_connections_open", {}, connections.open);
    out.Family("cre_database_connections_max", "The most database connections the pool opens (database.pool_size).",
               MetricType::kGauge);
    out.Sample("cre_database_connections_max", {}, connections.max);
  }
  out.Family("cre_database_transaction_retries_total",
             "Transactions run again, by cause: deadlock (1213), lock_wait_timeout (1205), certification (1213 at"
             " commit: a Galera certification failure), connection_lost, broken_trigger (1064: a table's triggers"
             " failed to load on the node, repaired before the retry), other.",
             MetricType::kCounter);
  for (RetryCause cause : kRetryCauses) {
    out.Sample("cre_database_transaction_retries_total", {{"cause", std::string(RetryCauseName(cause))}},
               static_cast<double>(TransactionRetries().Get(cause)));
  }
  if (sources_.limiter != nullptr) {
    out.Family("cre_rate_limit_refusals_total",
               "Calls refused RESOURCE_EXHAUSTED by this hub process's rate limits, by agency and kind.",
               MetricType::kCounter);
    std::vector<RateLimitRefusals> refusals = sources_.limiter->Refusals();
    std::sort(refusals.begin(), refusals.end(), [](const RateLimitRefusals& a, const RateLimitRefusals& b) {
      return std::tie(a.agency_id, a.kind) < std::tie(b.agency_id, b.kind);
    });
    for (const RateLimitRefusals& r : refusals) {
      out.Sample("cre_rate_limit_refusals_total", {{"agency", r.agency_id}, {"kind", r.kind}},
                 static_cast<double>(r.refused));
    }
  }

  const std::vector<crypto::CertificateExpiry> certificates = KnownCertificates(
      sources_.hub_cert_file, sources_.client_ca_file,
      figures != nullptr && figures->deliveries.ok() ? &*figures->deliveries : nullptr, sources_.presence.get());
  const absl::Time now = absl::Now();
  out.Family("cre_certificate_expiry_seconds",
             "Seconds until a certificate expires (negative: expired): the hub's own, each of the client CA"
             " bundle's, each agency's last seen.",
             MetricType::kGauge);
  for (const crypto::CertificateExpiry& c : certificates) {
    Labels labels = {{"certificate", std::string(crypto::CertificateKindName(c.kind))}};
    labels.emplace_back(c.kind == crypto::CertificateExpiry::Kind::kAgency ? "agency" : "subject", c.subject);
    out.Sample("cre_certificate_expiry_seconds", labels, absl::ToDoubleSeconds(c.not_after - now));
  }
}

std::vector<crypto::CertificateExpiry> KnownCertificates(const std::string& hub_cert_file,
                                                         const std::string& client_ca_file,
                                                         const std::vector<AgencyDeliveries>* reported,
                                                         const CallerPresence* presence) {
  // This process's own sighting wins over the store's: it is the latest.
  absl::flat_hash_map<std::string, absl::Time> agencies;
  if (reported != nullptr) {
    for (const AgencyDeliveries& a : *reported) {
      if (a.cert_not_after != absl::InfinitePast()) agencies[a.agency_id] = a.cert_not_after;
    }
  }
  if (presence != nullptr) {
    for (const auto& [agency_id, not_after] : presence->CertificatesSeen()) agencies[agency_id] = not_after;
  }
  std::vector<std::pair<std::string, absl::Time>> seen(agencies.begin(), agencies.end());
  std::sort(seen.begin(), seen.end());
  return crypto::CertificateExpiries(hub_cert_file, client_ca_file, seen);
}

}  // namespace cre
