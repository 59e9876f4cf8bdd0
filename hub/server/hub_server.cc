#include "server/hub_server.h"

#include "absl/strings/str_cat.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/server_builder.h"
#include "server/agency_auth.h"
#include "server/call_log.h"
#include "server/directory_service.h"
#include "server/tls_credentials.h"
#include "spdlog/spdlog.h"

namespace cre {

absl::StatusOr<std::unique_ptr<HubServer>> HubServer::BuildAndStart(const v1::HubConfig& config,
                                                                    std::shared_ptr<Store> store) {
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
  (*credentials)->SetAuthMetadataProcessor(std::make_shared<AgencyAuthProcessor>(hub->registry_));

  // Both are process-wide switches that must be set before a builder exists.
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();

  grpc::ServerBuilder builder;
  builder.AddListeningPort(config.listen_address(), *credentials, &hub->port_);
  hub->services_.push_back(std::make_unique<DirectoryService>(
      hub->registry_, hub->store_, config.local_authority().code()));
  for (const auto& service : hub->services_) builder.RegisterService(service.get());
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> interceptors;
  interceptors.push_back(std::make_unique<CallLogInterceptorFactory>());
  builder.experimental().SetInterceptorCreators(std::move(interceptors));

  hub->server_ = builder.BuildAndStart();
  if (hub->server_ == nullptr || hub->port_ == 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("listen_address: cannot listen on ", config.listen_address()));
  }
  hub->SetServing(hub->store_->Ping().ok());
  hub->health_watcher_ = std::thread([hub = hub.get()] { hub->WatchDatabase(); });
  return hub;
}

HubServer::~HubServer() { Shutdown(absl::ZeroDuration()); }

void HubServer::SetServing(bool serving) {
  if (serving != serving_) {
    spdlog::log(serving ? spdlog::level::info : spdlog::level::warn,
                "health: {} (database {})", serving ? "SERVING" : "NOT_SERVING",
                serving ? "answers" : "does not answer");
  }
  serving_ = serving;
  // "" is the whole server, as load balancers ask for it.
  server_->GetHealthCheckService()->SetServingStatus(serving);
}

void HubServer::WatchDatabase() {
  while (!stopping_.WaitForNotificationWithTimeout(kHealthCheckInterval)) {
    SetServing(store_->Ping().ok());
  }
}

void HubServer::Shutdown(absl::Duration grace) {
  if (server_ == nullptr || stopping_.HasBeenNotified()) return;
  stopping_.Notify();
  health_watcher_.join();
  server_->GetHealthCheckService()->Shutdown();
  server_->Shutdown(std::chrono::system_clock::now() + absl::ToChronoMilliseconds(grace));
  server_->Wait();
}

}  // namespace cre
