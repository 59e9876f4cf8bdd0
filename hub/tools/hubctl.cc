// hubctl: the operator's command line.
//
//   hubctl migrate --config FILE           apply pending schema migrations
//   hubctl migrate --config FILE --status  list the applied versions
//   hubctl pathway evaluate --case FILE.json [--at INSTANT]
//   hubctl calendar holidays YEAR | add-working-days DATE N | add-working-hours INSTANT N
//
// Results go to stdout, errors to stderr naming what is wrong; the exit
// status is 0 on success, 1 on a failed operation, 2 on a usage error.
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "config/hub_config.h"
#include "store/mysql/migrations.h"
#include "store/mysql/mysql_store.h"
#ifdef CRE_HUBCTL_WITH_PATHWAY
#include "pathway/cli.h"
#endif

namespace {

constexpr char kUsage[] =
    "usage:\n"
    "  hubctl migrate --config FILE [--status]\n"
    "  hubctl pathway evaluate --case FILE.json [--at INSTANT] [--policy FILE] [--holidays FILE]\n"
    "  hubctl calendar holidays YEAR\n"
    "  hubctl calendar add-working-days DATE N\n"
    "  hubctl calendar add-working-hours INSTANT N\n";

int Usage(const std::string& problem) {
  std::cerr << "hubctl: " << problem << "\n" << kUsage;
  return 2;
}

int Migrate(const std::vector<std::string>& args) {
  std::string config_path;
  bool status_only = false;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--config" && i + 1 < args.size()) {
      config_path = args[++i];
    } else if (args[i] == "--status") {
      status_only = true;
    } else {
      return Usage("migrate: unexpected argument " + args[i]);
    }
  }
  if (config_path.empty()) return Usage("migrate: --config FILE is required");

  absl::StatusOr<cre::v1::HubConfig> config = cre::LoadHubConfig(config_path);
  if (!config.ok()) {
    std::cerr << "hubctl: " << config.status().message() << "\n";
    return 1;
  }
  absl::StatusOr<cre::mysql::ConnectionSettings> settings =
      cre::mysql::SettingsFromConfig(config->database());
  if (!settings.ok()) {
    std::cerr << "hubctl: " << settings.status().message() << "\n";
    return 1;
  }
  if (!status_only) {
    absl::StatusOr<std::vector<cre::mysql::Migration>> migrations =
        cre::mysql::ParseMigrations(cre::mysql::EmbeddedMigrationFiles());
    absl::StatusOr<int> applied =
        migrations.ok() ? cre::mysql::ApplyMigrations(*settings, *migrations)
                        : absl::StatusOr<int>(migrations.status());
    if (!applied.ok()) {
      std::cerr << "hubctl: " << applied.status().message() << "\n";
      return 1;
    }
    std::cout << "applied " << *applied << " migration(s)\n";
  }
  absl::StatusOr<std::vector<int>> versions = cre::mysql::AppliedMigrationVersions(*settings);
  if (!versions.ok()) {
    std::cerr << "hubctl: " << versions.status().message() << "\n";
    return 1;
  }
  std::cout << "schema " << settings->schema << " has migrations: "
            << absl::StrJoin(*versions, ", ") << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::cout << kUsage;
    return args.empty() ? 2 : 0;
  }
  const std::string command = args[0];
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  if (command == "migrate") return Migrate(rest);
#ifdef CRE_HUBCTL_WITH_PATHWAY
  if (command == "pathway") return cre::pathway::RunPathwayCommand(rest, std::cout, std::cerr);
  if (command == "calendar") return cre::pathway::RunCalendarCommand(rest, std::cout, std::cerr);
#endif
  return Usage("unknown command " + command);
}
