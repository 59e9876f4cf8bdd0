// cre-hub: the hub's server process.
//
//   cre-hub --config config/hub.textproto
//
// Loads the config, applies pending migrations if migrate_on_start is set,
// serves until SIGTERM or SIGINT, then lets calls in flight finish and exits 0.
// Start-up errors are printed naming the config field, with exit status 1.
#include <csignal>
#include <memory>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "common/logging.h"
#include "config/hub_config.h"
#include "server/hub_server.h"
#include "spdlog/spdlog.h"
#include "store/mysql/migrations.h"
#include "store/mysql/mysql_store.h"

ABSL_FLAG(std::string, config, "config/hub.textproto", "Path to the hub's config (cre.v1.HubConfig, text format).");
ABSL_FLAG(int, shutdown_grace_seconds, 5,
          "On SIGTERM, how long calls in flight (and connected clients) may take to finish.");

namespace {

int Fail(const absl::Status& status) {
  spdlog::critical("cannot start: {}", status.ToString());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("The CRE multi-agency referral hub.\n  cre-hub --config FILE");
  absl::ParseCommandLine(argc, argv);
  cre::InitLogging();

  // Block the stop signals in every thread (gRPC's threads inherit the mask)
  // so that they are delivered only to sigwait below.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  const std::string config_path = absl::GetFlag(FLAGS_config);
  absl::StatusOr<cre::v1::HubConfig> config = cre::LoadHubConfig(config_path);
  if (!config.ok()) return Fail(config.status());
  absl::StatusOr<cre::mysql::ConnectionSettings> settings =
      cre::mysql::SettingsFromConfig(config->database());
  if (!settings.ok()) return Fail(settings.status());

  if (config->migrate_on_start()) {
    absl::StatusOr<std::vector<cre::mysql::Migration>> migrations =
        cre::mysql::ParseMigrations(cre::mysql::EmbeddedMigrationFiles());
    if (!migrations.ok()) return Fail(migrations.status());
    absl::StatusOr<int> applied = cre::mysql::ApplyMigrations(*settings, *migrations);
    if (!applied.ok()) return Fail(applied.status());
    spdlog::info("migrations: {} applied, schema {} at version {}", *applied, settings->schema,
                 migrations->empty() ? 0 : migrations->back().version);
  }

  auto store = std::make_shared<cre::mysql::MysqlStore>(*settings,
                                                        static_cast<int>(config->database().pool_size()));
  absl::StatusOr<std::unique_ptr<cre::HubServer>> server =
      cre::HubServer::BuildAndStart(*config, store);
  if (!server.ok()) return Fail(server.status());
  spdlog::info("serving {} for {} ({}) on port {} with {} agencies", config->listen_address(),
               config->local_authority().name(), config->local_authority().code(),
               (*server)->port(), config->agency_registry().agencies_size());

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  spdlog::info("{} received: stopping", strsignal(signal_number));
  (*server)->Shutdown(absl::Seconds(absl::GetFlag(FLAGS_shutdown_grace_seconds)));
  spdlog::info("stopped");
  return 0;
}
