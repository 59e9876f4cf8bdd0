// hubctl: the operator's command line.
//
//   hubctl migrate --config FILE           apply pending schema migrations
//   hubctl migrate --config FILE --status  list the applied versions
//   hubctl deliveries dead --config FILE [--limit N]      list dead-lettered deliveries
//   hubctl deliveries requeue --config FILE (--all | ID...)  hand them out again
//   hubctl audit verify --config FILE [--anchor SEQ:HASH]  walk the chain
//   hubctl audit export --config FILE [--from INSTANT] [--to INSTANT]  JSON lines
//   hubctl audit seal --config FILE                        chain what is journalled
//   hubctl pathway evaluate --case FILE.json [--at INSTANT]
//   hubctl calendar holidays YEAR | add-working-days DATE N | add-working-hours INSTANT N
//
// Results go to stdout, errors to stderr naming what is wrong; the exit
// status is 0 on success, 1 on a failed operation (for audit verify: the
// chain is broken), 2 on a usage error, 3 when audit verify could not read
// the chain (the database is unreachable, say).
#include <functional>
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "audit/audit_chain.h"
#include "common/proto_time.h"
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
    "  hubctl deliveries dead --config FILE [--limit N]\n"
    "  hubctl deliveries requeue --config FILE (--all | DELIVERY_ID...)\n"
    "  hubctl audit verify --config FILE [--anchor SEQ:HASH]\n"
    "  hubctl audit export --config FILE [--from INSTANT] [--to INSTANT]\n"
    "  hubctl audit seal --config FILE\n"
    "  hubctl pathway evaluate --case FILE.json [--at INSTANT] [--policy FILE] [--holidays FILE]\n"
    "  hubctl calendar holidays YEAR\n"
    "  hubctl calendar add-working-days DATE N\n"
    "  hubctl calendar add-working-hours INSTANT N\n";

int Usage(const std::string& problem) {
  std::cerr << "hubctl: " << problem << "\n" << kUsage;
  return 2;
}

int Fail(const absl::Status& status) {
  std::cerr << "hubctl: " << status.message() << "\n";
  return 1;
}

// The database settings of the hub's config at `config_path`.
absl::StatusOr<cre::mysql::ConnectionSettings> LoadSettings(const std::string& config_path) {
  absl::StatusOr<cre::v1::HubConfig> config = cre::LoadHubConfig(config_path);
  if (!config.ok()) return config.status();
  return cre::mysql::SettingsFromConfig(config->database());
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

  absl::StatusOr<cre::mysql::ConnectionSettings> settings = LoadSettings(config_path);
  if (!settings.ok()) return Fail(settings.status());
  if (!status_only) {
    absl::StatusOr<std::vector<cre::mysql::Migration>> migrations =
        cre::mysql::ParseMigrations(cre::mysql::EmbeddedMigrationFiles());
    absl::StatusOr<int> applied =
        migrations.ok() ? cre::mysql::ApplyMigrations(*settings, *migrations)
                        : absl::StatusOr<int>(migrations.status());
    if (!applied.ok()) return Fail(applied.status());
    std::cout << "applied " << *applied << " migration(s)\n";
  }
  absl::StatusOr<std::vector<int>> versions = cre::mysql::AppliedMigrationVersions(*settings);
  if (!versions.ok()) return Fail(versions.status());
  std::cout << "schema " << settings->schema << " has migrations: "
            << absl::StrJoin(*versions, ", ") << "\n";
  return 0;
}

absl::StatusOr<std::unique_ptr<cre::mysql::MysqlStore>> OpenStore(const std::string& config_path) {
  absl::StatusOr<cre::v1::HubConfig> config = cre::LoadHubConfig(config_path);
  if (!config.ok()) return config.status();
  return cre::mysql::OpenMysqlStore(*config);
}

// hubctl deliveries dead|requeue ...
int Deliveries(const std::vector<std::string>& args) {
  if (args.empty()) return Usage("deliveries: dead or requeue?");
  const std::string action = args[0];
  std::string config_path;
  int limit = 100;
  bool all = false;
  std::vector<int64_t> ids;
  for (size_t i = 1; i < args.size(); ++i) {
    if (args[i] == "--config" && i + 1 < args.size()) {
      config_path = args[++i];
    } else if (args[i] == "--limit" && i + 1 < args.size()) {
      if (!absl::SimpleAtoi(args[++i], &limit) || limit <= 0) return Usage("--limit: a positive number");
    } else if (args[i] == "--all") {
      all = true;
    } else if (int64_t id; absl::SimpleAtoi(args[i], &id) && id > 0) {
      ids.push_back(id);
    } else {
      return Usage("deliveries: unexpected argument " + args[i]);
    }
  }
  if (config_path.empty()) return Usage("deliveries: --config FILE is required");
  absl::StatusOr<std::unique_ptr<cre::mysql::MysqlStore>> store = OpenStore(config_path);
  if (!store.ok()) return Fail(store.status());

  if (action == "dead") {
    absl::StatusOr<std::vector<cre::DeadDelivery>> dead = (*store)->ListDeadDeliveries(limit);
    if (!dead.ok()) return Fail(dead.status());
    std::cout << "delivery_id\trecipient\tkind\tattempts\tcreated_at\tmessage_id\n";
    for (const cre::DeadDelivery& d : *dead) {
      std::cout << d.delivery_id << "\t" << d.recipient_agency_id << "\t"
                << cre::v1::MessageKind_Name(d.kind) << "\t" << d.attempts << "\t"
                << absl::FormatTime(absl::RFC3339_sec, d.created_at, absl::UTCTimeZone()) << "\t"
                << d.message_id << "\n";
    }
    return 0;
  }
  if (action == "requeue") {
    if (all == !ids.empty()) return Usage("deliveries requeue: give --all or delivery ids, not both");
    absl::StatusOr<int> requeued = (*store)->RequeueDeadDeliveries(ids);
    if (!requeued.ok()) return Fail(requeued.status());
    std::cout << "requeued " << *requeued << " dead deliver" << (*requeued == 1 ? "y" : "ies") << "\n";
    return 0;
  }
  return Usage("deliveries: unknown action " + action);
}

// Reads the whole chain in pages, in seq order, handing each row to `visit`.
absl::Status ForEachAuditRow(cre::Store& store,
                             const std::function<absl::Status(const cre::audit::StoredRow&)>& visit) {
  constexpr int kPage = 1000;
  for (int64_t from = 1;;) {
    absl::StatusOr<std::vector<cre::audit::StoredRow>> page = store.ReadAudit(from, kPage);
    if (!page.ok()) return page.status();
    for (const cre::audit::StoredRow& row : *page) {
      if (absl::Status status = visit(row); !status.ok()) return status;
    }
    if (static_cast<int>(page->size()) < kPage) return absl::OkStatus();
    from = page->back().seq + 1;
  }
}

// hubctl audit verify|export ...
int Audit(const std::vector<std::string>& args) {
  if (args.empty()) return Usage("audit: verify or export?");
  const std::string action = args[0];
  std::string config_path;
  absl::optional<cre::audit::Anchor> anchor;
  absl::Time from = absl::InfinitePast(), to = absl::InfiniteFuture();
  for (size_t i = 1; i < args.size(); ++i) {
    const bool has_value = i + 1 < args.size();
    std::string error;
    if (args[i] == "--config" && has_value) {
      config_path = args[++i];
    } else if (args[i] == "--anchor" && has_value) {
      absl::StatusOr<cre::audit::Anchor> parsed = cre::audit::ParseAnchor(args[++i]);
      if (!parsed.ok()) return Usage(std::string("--anchor: ") + std::string(parsed.status().message()));
      anchor = *parsed;
    } else if ((args[i] == "--from" || args[i] == "--to") && has_value) {
      absl::Time* bound = args[i] == "--from" ? &from : &to;
      if (!absl::ParseTime(absl::RFC3339_full, args[i + 1], bound, &error)) {
        return Usage(args[i] + ": \"" + args[i + 1] + "\" is not an RFC 3339 instant: " + error);
      }
      ++i;
    } else {
      return Usage("audit: unexpected argument " + args[i]);
    }
  }
  if (config_path.empty()) return Usage("audit: --config FILE is required");
  absl::StatusOr<std::unique_ptr<cre::mysql::MysqlStore>> store = OpenStore(config_path);
  if (!store.ok()) return Fail(store.status());

  if (action == "verify") {
    cre::audit::ChainVerifier verifier(anchor);
    absl::Status walked = ForEachAuditRow(**store, [&](const cre::audit::StoredRow& row) {
      return verifier.Add(row);
    });
    if (walked.ok()) walked = verifier.Finish();
    if (!walked.ok() && walked.code() != absl::StatusCode::kDataLoss) {
      std::cerr << "hubctl: cannot verify the audit chain: " << walked.message() << "\n";
      return 3;  // not checked: say so, never "intact" or "broken"
    }
    if (!walked.ok()) {
      std::cout << "audit chain BROKEN after " << verifier.rows_checked() << " good rows: "
                << walked.message() << "\n";
      return 1;
    }
    std::cout << "audit chain intact: " << verifier.rows_checked() << " rows; head "
              << cre::audit::FormatAnchor(verifier.head()) << "\n";
    // Journalled records are not chained yet, so the chain cannot vouch for
    // them: say how many there are.
    absl::StatusOr<int64_t> unsealed = (*store)->UnsealedAuditCount();
    if (unsealed.ok() && *unsealed > 0) {
      std::cout << *unsealed << " record(s) journalled and not yet sealed"
                << " (a running hub seals them within milliseconds; or: hubctl audit seal)\n";
    }
    return 0;
  }
  if (action == "seal") {
    constexpr int kSealBatch = 1000;
    int64_t total = 0;
    for (;;) {
      absl::StatusOr<int> sealed = (*store)->SealAudit(kSealBatch);
      if (!sealed.ok()) return Fail(sealed.status());
      total += *sealed;
      if (*sealed < kSealBatch) break;
    }
    std::cout << "sealed " << total << " journalled record(s) into the chain\n";
    return 0;
  }
  if (action == "export") {
    absl::Status walked = ForEachAuditRow(**store, [&](const cre::audit::StoredRow& row) -> absl::Status {
      cre::v1::AuditRecord record;
      if (!record.ParseFromString(row.record_bytes)) {
        return absl::DataLossError(absl::StrCat("audit row ", row.seq, " does not parse"));
      }
      const absl::Time at = cre::FromProtoTime(record.at());
      if (at < from || at >= to) return absl::OkStatus();
      absl::StatusOr<std::string> line = cre::audit::ToJsonLine(record, row.row_hash);
      if (!line.ok()) return line.status();
      std::cout << *line << "\n";
      return absl::OkStatus();
    });
    if (!walked.ok()) return Fail(walked);
    return 0;
  }
  return Usage("audit: unknown action " + action);
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
  if (command == "deliveries") return Deliveries(rest);
  if (command == "audit") return Audit(rest);
#ifdef CRE_HUBCTL_WITH_PATHWAY
  if (command == "pathway") return cre::pathway::RunPathwayCommand(rest, std::cout, std::cerr);
  if (command == "calendar") return cre::pathway::RunCalendarCommand(rest, std::cout, std::cerr);
#endif
  return Usage("unknown command " + command);
}
