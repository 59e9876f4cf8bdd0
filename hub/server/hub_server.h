// The hub process's servers: gRPC (mutual TLS, agency identity, the
// services, health and reflection, one log line per call) and, when the
// config has a console, the console's HTTPS listener (web/), both on one
// service API; when it has metrics, the /metrics listener for Prometheus
// (server/hub_metrics.h).
//
//   CRE_ASSIGN_OR_RETURN(auto server, HubServer::BuildAndStart(config, store));
//   ...  // until SIGTERM
//   server->Shutdown(absl::Seconds(5));
#ifndef CRE_HUB_SERVER_HUB_SERVER_H_
#define CRE_HUB_SERVER_HUB_SERVER_H_

#include <memory>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "cre/v1/config.pb.h"
#include "grpcpp/server.h"
#include "identity/agency_registry.h"
#include "common/clock.h"
#include "common/executor.h"
#include "service/alert_watcher.h"
#include "metrics/metrics_listener.h"
#include "server/hub_metrics.h"
#include "service/audit_sealer.h"
#include "service/deadline_watcher.h"
#include "service/presence_reporter.h"
#include "service/retention_purger.h"
#include "delivery/delivery_dispatcher.h"
#include "store/store.h"
#include "web/https_server.h"

namespace cre {

// How often the health service re-checks the database.
inline constexpr absl::Duration kHealthCheckInterval = absl::Seconds(2);
// Refused calls waiting to be recorded beyond this are counted, logged and
// dropped from the audit chain (they stay in the call log).
inline constexpr size_t kMaxQueuedAuditRecords = 10000;
// How often the audit chain's head is written to the log, as an anchor.
inline constexpr absl::Duration kAuditAnchorInterval = absl::Minutes(1);
// How often an idle hub looks for audit records to seal into the chain: the
// longest a record waits unchained while the hub is idle.
inline constexpr absl::Duration kAuditSealInterval = absl::Milliseconds(20);
// How long a scrape of /metrics waits for the database's figures when the
// config does not say (metrics.store_timeout_ms).
inline constexpr uint32_t kDefaultMetricsStoreTimeoutMs = 5000;

class HubServer {
 public:
  // Loads the pathway engine and the key ring (config.field_key_file, for
  // signing page tokens), syncs the config's agency registry into the
  // store, starts delivering, then listens on
  // config.listen_address (port 0 picks a free port; see port()). `config`
  // must have been completed by LoadHubConfig or CompleteHubConfig.
  // `clock` is the time the hub decides cases by (common/clock.h): when
  // submissions and acknowledgements happen, what is due and overdue. A
  // test passes one it moves; it must outlive the server. With
  // config.alerting, alerts are mailed; `certificates` gives the
  // certificates whose expiry is alerted (null: the hub's, the client CA's
  // and each agency's seen; a test gives its own).
  static absl::StatusOr<std::unique_ptr<HubServer>> BuildAndStart(const v1::HubConfig& config,
                                                                  std::shared_ptr<Store> store,
                                                                  const Clock& clock = SystemClock(),
                                                                  CertificateSource certificates = nullptr);
  ~HubServer();

  // The port the gRPC server listens on.
  int port() const { return port_; }
  // The console's port; 0 without a console.
  int console_port() const { return console_ == nullptr ? 0 : console_->port(); }
  // The /metrics port; 0 without config.metrics.
  int metrics_port() const { return metrics_listener_ == nullptr ? 0 : metrics_listener_->port(); }

  // Stops taking calls, gives calls in flight `grace` to finish, cancels the
  // rest, and returns when the server has stopped. Safe to call twice.
  void Shutdown(absl::Duration grace);

 private:
  HubServer() = default;
  void WatchDatabase();
  void SetServing(bool serving);

  std::shared_ptr<const AgencyRegistry> registry_;
  std::shared_ptr<Store> store_;
  // The database node last reported in the health log (SetServing).
  std::string database_node_;
  // Records refused calls in the audit chain, apart from deliveries, so that
  // a flood of refused calls cannot slow anyone's messages.
  std::unique_ptr<Executor> audit_executor_;
  std::shared_ptr<DeliveryDispatcher> dispatcher_;
  std::unique_ptr<DeadlineWatcher> deadline_watcher_;
  std::unique_ptr<AuditSealer> audit_sealer_;
  std::unique_ptr<PresenceReporter> presence_reporter_;
  // Purges what the retention schedule says is due (once across processes).
  std::unique_ptr<RetentionPurger> retention_purger_;
  // Mails alerts (with config.alerting; null without).
  std::unique_ptr<AlertWatcher> alert_watcher_;
  std::vector<std::unique_ptr<grpc::Service>> services_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<web::HttpsServer> console_;
  // With config.metrics: what the calls count, and where Prometheus reads it.
  std::shared_ptr<HubMetrics> metrics_;
  std::unique_ptr<metrics::MetricsListener> metrics_listener_;
  int port_ = 0;
  bool serving_ = false;
  absl::Notification stopping_;
  std::thread health_watcher_;
};

}  // namespace cre

#endif  // CRE_HUB_SERVER_HUB_SERVER_H_
