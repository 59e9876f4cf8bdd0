#include "server/hub_server.h"

#include <atomic>

#include "absl/strings/str_cat.h"
#include "common/thread_name.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/server_builder.h"
#include "server/agency_auth.h"
#include "server/call_log.h"
#include "server/call_metrics.h"
#include "server/directory_service.h"
#include "server/inbox_service.h"
#include "server/oversight_service.h"
#include "server/referrals_service.h"
#include "server/tls_credentials.h"
#include "service/service_api.h"
#include "web/console_routes.h"
#include "spdlog/spdlog.h"

namespace cre {

namespace {

DeliveryPolicy PolicyFromConfig(const v1::DeliveryConfig& config) {
  DeliveryPolicy policy;
  policy.lease = absl::Seconds(config.lease_seconds());
  policy.max_attempts = static_cast<int>(config.max_attempts());
  policy.initial_backoff = absl::Milliseconds(config.initial_backoff_ms());
  policy.max_backoff = absl::Seconds(config.max_backoff_seconds());
  return policy;
}

// The certificates the alerts warn about when the caller gives none: the
// hub's and the client CA's, read from their files at each evaluation (gRPC
// re-reads them too, so a renewed file clears its alert), and each
// agency's as the hub processes last saw it at the edge. Runs on the alert
// watcher's thread, so the store's read is no caller's wait.
CertificateSource KnownCertificatesOf(const v1::TlsConfig& tls, std::shared_ptr<Store> store,
                                      std::shared_ptr<const CallerPresence> presence) {
  return [hub_cert_file = tls.server_cert_file(), client_ca_file = tls.client_ca_file(), store = std::move(store),
          presence = std::move(presence)]() -> absl::StatusOr<std::vector<alerting::CertificateExpiry>> {
    absl::StatusOr<std::vector<AgencyDeliveries>> reported = store->DeliveriesByAgency();
    if (!reported.ok()) return reported.status();
    std::vector<alerting::CertificateExpiry> certificates;
    for (const crypto::CertificateExpiry& c :
         KnownCertificates(hub_cert_file, client_ca_file, &*reported, presence.get())) {
      switch (c.kind) {
        case crypto::CertificateExpiry::Kind::kHub:
          certificates.push_back({absl::StrCat("of the hub (", c.subject, ")"), c.not_after});
          break;
        case crypto::CertificateExpiry::Kind::kClientCa:
          certificates.push_back({absl::StrCat("of the client CA (", c.subject, ")"), c.not_after});
          break;
        case crypto::CertificateExpiry::Kind::kAgency:
          certificates.push_back({absl::StrCat("of agency ", c.subject), c.not_after});
          break;
      }
    }
    return certificates;
  };
}

}  // namespace

absl::StatusOr<std::unique_ptr<HubServer>> HubServer::BuildAndStart(const v1::HubConfig& config,
                                                                    std::shared_ptr<Store> store,
                                                                    const Clock& clock,
                                                                    CertificateSource certificates) {
  absl::StatusOr<AgencyRegistry> registry = AgencyRegistry::Create(config.agency_registry());
  if (!registry.ok()) return registry.status();
  std::unique_ptr<HubServer> hub(new HubServer());
  hub->registry_ = std::make_shared<const AgencyRegistry>(*std::move(registry));
  hub->store_ = std::move(store);

  absl::StatusOr<int> synced = hub->store_->SyncAgencies(hub->registry_->agencies());
  if (!synced.ok()) return synced.status();
  if (*synced > 0) spdlog::info("agency registry: {} change(s) written to the store", *synced);

  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> credentials =
      MakeServerCredentials(config.tls());
  if (!credentials.ok()) return credentials.status();
  // Refused calls are recorded off the gRPC threads, on an executor of
  // their own; if the database is down or the queue is full (a flood), the
  // call log still has them.
  hub->dispatcher_ = std::make_shared<DeliveryDispatcher>(
      hub->store_, PolicyFromConfig(config.delivery()),
      absl::Milliseconds(config.delivery().poll_interval_ms()), clock);
  hub->audit_executor_ = std::make_unique<Executor>(1);
  const AuditSink audit = [executor = hub->audit_executor_.get(), store = hub->store_.get()](
                              v1::AuditRecord record) {
    static std::atomic<int64_t> dropped{0};
    const bool queued = executor->TrySubmit(
        [store, record = std::move(record)]() mutable {
          absl::Status recorded = store->RecordAudit({std::move(record)});
          if (!recorded.ok()) spdlog::warn("audit: a refused call was not recorded: {}", recorded.ToString());
        },
        kMaxQueuedAuditRecords);
    if (!queued && dropped++ % 1000 == 0) {
      spdlog::warn("audit: refused calls arrive faster than they can be recorded; {} dropped so far",
                   dropped.load());
    }
  };
  absl::StatusOr<ServiceApi> api =
      ServiceApi::Create(config, hub->registry_, hub->store_, hub->dispatcher_, clock, audit);
  if (!api.ok()) return api.status();
  // Still in force after its review date, but someone should look at it.
  for (const std::string& id : api->governance->AgreementsPastReview(
           absl::ToCivilDay(clock.Now(), absl::UTCTimeZone()))) {
    spdlog::warn("governance: sharing agreement {} is past its review date", id);
  }
  // The mailer before anything starts: a password file that cannot be read
  // stops start-up, not the first alert.
  std::unique_ptr<mail::SmtpMailer> mailer;
  if (config.has_alerting()) {
    absl::StatusOr<std::unique_ptr<mail::SmtpMailer>> made = mail::SmtpMailer::Create(config.alerting().smtp());
    if (!made.ok()) return made.status();
    mailer = *std::move(made);
  }
  if (config.has_metrics()) {
    HubMetrics::Sources sources;
    sources.store = hub->store_;
    sources.limiter = api->limiter;
    sources.presence = api->presence;
    sources.hub_cert_file = config.tls().server_cert_file();
    sources.client_ca_file = config.tls().client_ca_file();
    // 0 (a config not completed by CompleteHubConfig): the default.
    sources.store_timeout = absl::Milliseconds(
        config.metrics().store_timeout_ms() == 0 ? kDefaultMetricsStoreTimeoutMs : config.metrics().store_timeout_ms());
    hub->metrics_ = std::make_shared<HubMetrics>(std::move(sources));
  }
  (*credentials)->SetAuthMetadataProcessor(
      std::make_shared<AgencyAuthProcessor>(hub->registry_, audit, api->limiter, api->presence,
                                            hub->metrics_ == nullptr ? nullptr : &hub->metrics_->unauthenticated()));

  // Both are process-wide switches that must be set before a builder exists.
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();

  grpc::ServerBuilder builder;
  builder.AddListeningPort(config.listen_address(), *credentials, &hub->port_);
  const Edge edge{hub->registry_, *api};
  hub->services_.push_back(std::make_unique<DirectoryService>(edge));
  hub->services_.push_back(std::make_unique<ReferralsService>(edge));
  hub->services_.push_back(std::make_unique<OversightService>(edge));
  hub->services_.push_back(std::make_unique<InboxService>(edge, hub->dispatcher_));
  hub->deadline_watcher_ = std::make_unique<DeadlineWatcher>(
      hub->store_, api->casework, hub->dispatcher_.get(), clock,
      absl::Milliseconds(config.deadline_check_interval_ms()));
  for (const auto& service : hub->services_) builder.RegisterService(service.get());
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> interceptors;
  interceptors.push_back(std::make_unique<CallLogInterceptorFactory>(hub->registry_));
  if (hub->metrics_ != nullptr) {
    interceptors.push_back(std::make_unique<CallMetricsInterceptorFactory>(hub->registry_, hub->metrics_));
  }
  builder.experimental().SetInterceptorCreators(std::move(interceptors));

  hub->server_ = builder.BuildAndStart();
  if (hub->server_ == nullptr || hub->port_ == 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("listen_address: cannot listen on ", config.listen_address()));
  }
  if (api->console != nullptr) {
    absl::StatusOr<web::StaticFiles> files = web::StaticFiles::Load(config.console().static_dir());
    if (!files.ok()) {
      return absl::Status(files.status().code(), absl::StrCat("console.static_dir: ", files.status().message()));
    }
    auto routes = std::make_shared<web::ConsoleRoutes>(*api, *std::move(files));
    web::HttpsOptions options;
    options.listen_address = config.console().listen_address();
    options.cert_file = config.console().server_cert_file();
    options.key_file = config.console().server_key_file();
    absl::StatusOr<std::unique_ptr<web::HttpsServer>> console = web::HttpsServer::Start(
        options, [routes](web::HttpRequest request, web::Respond respond) {
          routes->Handle(std::move(request), std::move(respond));
        });
    if (!console.ok()) {
      return absl::Status(console.status().code(), absl::StrCat("console: ", console.status().message()));
    }
    hub->console_ = *std::move(console);
  }
  if (hub->metrics_ != nullptr) {
    metrics::MetricsListenerOptions options;
    options.listen_address = config.metrics().listen_address();
    options.allow_non_loopback = config.metrics().allow_non_loopback();
    absl::StatusOr<std::unique_ptr<metrics::MetricsListener>> listener = metrics::MetricsListener::Start(
        options, [metrics = hub->metrics_] { return metrics->Render(); });
    if (!listener.ok()) {
      return absl::Status(listener.status().code(), absl::StrCat("metrics: ", listener.status().message()));
    }
    hub->metrics_listener_ = *std::move(listener);
    spdlog::info("metrics: http://{}/metrics (port {})", config.metrics().listen_address(),
                 hub->metrics_listener_->port());
  }
  hub->dispatcher_->Start();
  hub->deadline_watcher_->Start();
  hub->audit_sealer_ = std::make_unique<AuditSealer>(hub->store_, kAuditSealInterval);
  hub->audit_sealer_->Start();
  hub->presence_reporter_ = std::make_unique<PresenceReporter>(
      hub->store_, hub->dispatcher_->process_id(), api->presence,
      [dispatcher = hub->dispatcher_.get()] { return dispatcher->StreamsByAgency(); },
      absl::Milliseconds(config.presence_report_interval_ms()));
  hub->presence_reporter_->Start();
  hub->retention_purger_ =
      std::make_unique<RetentionPurger>(hub->store_, config.governance().retention(), clock, "hub", "");
  hub->retention_purger_->Start(hub->dispatcher_->process_id());
  if (mailer != nullptr) {
    hub->alert_watcher_ = std::make_unique<AlertWatcher>(hub->store_, config.alerting(), std::move(mailer),
                                                         certificates != nullptr
                                                             ? std::move(certificates)
                                                             : KnownCertificatesOf(config.tls(), hub->store_, api->presence),
                                                         clock,
                                                         hub->dispatcher_->process_id());
    hub->alert_watcher_->Start();
  }
  hub->SetServing(hub->store_->Ping().ok());
  hub->health_watcher_ = std::thread([hub = hub.get()] {
    NameThisThread("db-health");
    hub->WatchDatabase();
  });
  return hub;
}

HubServer::~HubServer() { Shutdown(absl::ZeroDuration()); }

void HubServer::SetServing(bool serving) {
  // The node too: on a cluster, a move to another node is worth a line in
  // the health log even when the hub kept serving throughout.
  const std::string node = store_->DatabaseNode();
  if (serving != serving_ || node != database_node_) {
    spdlog::log(serving ? spdlog::level::info : spdlog::level::warn,
                "health: {} (database {}{}{})", serving ? "SERVING" : "NOT_SERVING",
                serving ? "answers" : "does not answer", node.empty() ? "" : ", writing through ", node);
  }
  serving_ = serving;
  database_node_ = node;
  // "" is the whole server, as load balancers ask for it.
  server_->GetHealthCheckService()->SetServingStatus(serving);
}

void HubServer::WatchDatabase() {
  absl::Time next_anchor = absl::Now();
  while (!stopping_.WaitForNotificationWithTimeout(kHealthCheckInterval)) {
    SetServing(store_->Ping().ok());
    if (absl::Now() >= next_anchor) {
      // The audit chain's head, in a log kept outside the database: what
      // `hubctl audit verify --anchor` checks a truncated chain against.
      absl::StatusOr<audit::Anchor> head = store_->AuditHead();
      if (head.ok()) spdlog::info("audit head {}", audit::FormatAnchor(*head));
      next_anchor = absl::Now() + kAuditAnchorInterval;
    }
  }
}

void HubServer::Shutdown(absl::Duration grace) {
  if (server_ == nullptr || stopping_.HasBeenNotified()) return;
  stopping_.Notify();
  // The console first: its requests call the services stopped below.
  if (console_ != nullptr) console_->Shutdown(grace);
  // A scrape waiting on the database is answered without it, or dropped.
  if (metrics_listener_ != nullptr) metrics_listener_->Shutdown();
  server_->GetHealthCheckService()->Shutdown();
  // Subscriber streams never end on their own: end them now, so that their
  // agencies reconnect to another hub process instead of waiting out the
  // grace period. What they did not acknowledge is released for redelivery.
  dispatcher_->FinishAll(absl::UnavailableError("the hub is stopping"));
  server_->Shutdown(std::chrono::system_clock::now() + absl::ToChronoMilliseconds(grace));
  server_->Wait();
  // The streams have ended: so does the process's presence, what it saw
  // kept. (Null if the server never started.)
  if (presence_reporter_ != nullptr) presence_reporter_->Stop();
  if (retention_purger_ != nullptr) retention_purger_->Stop();
  if (alert_watcher_ != nullptr) alert_watcher_->Stop();
  deadline_watcher_->Stop();
  dispatcher_->Stop();
  // After everything that records. (Null if the server never started.)
  if (audit_sealer_ != nullptr) audit_sealer_->Stop();
  // Last: a health check stuck on a hung database must not delay the stop.
  if (health_watcher_.joinable()) health_watcher_.join();
}

}  // namespace cre
