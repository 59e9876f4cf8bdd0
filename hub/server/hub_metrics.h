// The hub process's metrics, for Prometheus at /metrics
// (docs/operations.md says what each one means and what to do).
//
// Three sources:
// - counted as they happen: the gRPC calls (server/call_metrics.h);
// - read from memory at each scrape: the process (CPU, memory, files),
//   rate-limit refusals (service/rate_limiter.h), transaction retries
//   (store/transaction_retries.h), the store's connections, and the
//   certificates: the hub's and the client CA's read from their files (so a
//   file replaced for gRPC's file watcher shows at the next scrape), the
//   agencies' as this process saw them at the edge, or as other processes
//   reported them to the store;
// - read from the store at each scrape: deliveries, agency liveness, open
//   and overdue actions, the audit journal not yet sealed. One set of Store
//   calls a scrape, on a thread of its own (never a gRPC or I/O thread),
//   waited for at most `store_timeout`: a database that is down or slow
//   leaves them out, with cre_database_up 0, and the rest is still served.
//   While one set is still running, a scrape starts no other: a hung
//   database holds at most one thread and one connection for the metrics.
//
//   auto metrics = std::make_shared<HubMetrics>(sources);
//   interceptors.push_back(std::make_unique<CallMetricsInterceptorFactory>(registry, metrics));
//   listener = MetricsListener::Start(options, [metrics] { return metrics->Render(); });
#ifndef CRE_HUB_SERVER_HUB_METRICS_H_
#define CRE_HUB_SERVER_HUB_METRICS_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "crypto/certificate_expiry.h"
#include "metrics/metrics.h"
#include "service/caller_presence.h"
#include "service/rate_limiter.h"
#include "store/store.h"

namespace cre {

// Every certificate whose expiry the hub watches: its own and each of the
// client CA bundle's, read from their files now; each agency's as this
// process saw it at the edge (`presence`, may be null), else as the hub
// processes reported it to the store (`reported`, may be null: the store's
// DeliveriesByAgency). The metrics show them; the alerts warn from them.
std::vector<crypto::CertificateExpiry> KnownCertificates(const std::string& hub_cert_file,
                                                         const std::string& client_ca_file,
                                                         const std::vector<AgencyDeliveries>* reported,
                                                         const CallerPresence* presence);

class HubMetrics {
 public:
  struct Sources {
    std::shared_ptr<Store> store;
    // Either may be null: left out.
    std::shared_ptr<const RateLimiter> limiter;
    std::shared_ptr<const CallerPresence> presence;
    // PEM files (tls.server_cert_file, tls.client_ca_file); empty: left out.
    std::string hub_cert_file;
    std::string client_ca_file;
    absl::Duration store_timeout = absl::Seconds(5);
  };

  explicit HubMetrics(Sources sources);
  ~HubMetrics();

  // The families the call interceptor updates.
  metrics::CounterFamily& calls() { return *calls_; }
  metrics::CounterFamily& agency_calls() { return *agency_calls_; }
  metrics::HistogramFamily& latency() { return *latency_; }
  // Calls refused UNAUTHENTICATED by the auth processor, before any handler.
  metrics::Counter& unauthenticated() { return *unauthenticated_; }

  // Everything, in the text format. Blocks for at most about store_timeout.
  std::string Render();

 private:
  struct StoreFigures;
  void WriteStore(metrics::TextWriter& out, const StoreFigures* figures);
  void WriteMemory(metrics::TextWriter& out, const StoreFigures* figures);

  const Sources sources_;
  const absl::Time started_;
  metrics::Registry registry_;
  metrics::CounterFamily* calls_;
  metrics::CounterFamily* agency_calls_;
  metrics::HistogramFamily* latency_;
  metrics::Counter* unauthenticated_;

  // The store's figures being read now, if a read is running (it outlives
  // a scrape that stopped waiting for it).
  absl::Mutex mu_;
  std::shared_ptr<StoreFigures> running_ ABSL_GUARDED_BY(mu_);
};

}  // namespace cre

#endif  // CRE_HUB_SERVER_HUB_METRICS_H_
