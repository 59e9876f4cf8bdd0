// cre-hub: the hub's server process.
//
//   cre-hub --config config/hub.textproto
//
// Loads the config, applies pending migrations if migrate_on_start is set,
// serves until SIGTERM or SIGINT, then lets calls in flight finish and exits 0
// (a second signal, or one during start-up, exits at once).
// Start-up errors are printed naming the config field, with exit status 1.
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <memory>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/synchronization/mutex.h"
#include "absl/flags/usage.h"
#include "absl/synchronization/notification.h"
#include "common/logging.h"
#include "common/thread_name.h"
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

// Handles SIGTERM and SIGINT on a thread of its own, from the first moment:
// during start-up (migrations may wait a minute for a lock) a signal ends
// the process at once, since nothing half-done survives a transaction;
// once serving, the first signal asks for a clean stop and a second one
// forces the exit.
class StopSignals {
 public:
  StopSignals() {
    sigemptyset(&signals_);
    sigaddset(&signals_, SIGTERM);
    sigaddset(&signals_, SIGINT);
    // Blocked in every thread (gRPC's threads inherit the mask), so that
    // they reach only sigwait.
    pthread_sigmask(SIG_BLOCK, &signals_, nullptr);
    std::thread([this] {
      cre::NameThisThread("stop-signals");
      Wait();
    }).detach();
  }

  void Serving() { serving_ = true; }
  // The signal that asked for the stop.
  int WaitForStop() {
    stop_.WaitForNotification();
    return signal_;
  }

 private:
  void Wait() {
    for (int received = 0;; ++received) {
      int signal_number = 0;
      sigwait(&signals_, &signal_number);
      if (!serving_ || received > 0) {
        const char message[] = "cre-hub: stopped by a signal before a clean stop was possible\n";
        (void)!write(STDERR_FILENO, message, sizeof(message) - 1);
        _exit(128 + signal_number);
      }
      signal_ = signal_number;
      stop_.Notify();
    }
  }

  sigset_t signals_;
  std::atomic<bool> serving_{false};
  std::atomic<int> signal_{0};
  absl::Notification stop_;
};

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("The CRE multi-agency referral hub.\n  cre-hub --config FILE");
  absl::ParseCommandLine(argc, argv);
  cre::InitLogging();
  // Debian's Abseil is built with mutex deadlock detection on, which keeps
  // a lock graph on every Mutex acquisition; the hub's locks are short and
  // never nested in cycles (the tests run with detection on).
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);

  // Never destroyed: its thread waits for signals until the process ends.
  StopSignals& stop_signals = *new StopSignals();

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

  absl::StatusOr<std::unique_ptr<cre::mysql::MysqlStore>> store = cre::mysql::OpenMysqlStore(*config);
  if (!store.ok()) return Fail(store.status());
  absl::StatusOr<std::unique_ptr<cre::HubServer>> server =
      cre::HubServer::BuildAndStart(*config, *std::move(store));
  if (!server.ok()) return Fail(server.status());
  spdlog::info("serving {} for {} ({}) on port {} with {} agencies", config->listen_address(),
               config->local_authority().name(), config->local_authority().code(),
               (*server)->port(), config->agency_registry().agencies_size());
  if ((*server)->console_port() != 0) {
    spdlog::info("console: https://localhost:{}/ (staff sign in; hubctl staff add)", (*server)->console_port());
  }

  stop_signals.Serving();
  const int signal_number = stop_signals.WaitForStop();
  spdlog::info("{} received: stopping", strsignal(signal_number));
  (*server)->Shutdown(absl::Seconds(absl::GetFlag(FLAGS_shutdown_grace_seconds)));
  spdlog::info("stopped");
  return 0;
}
