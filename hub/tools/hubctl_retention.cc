#include "tools/hubctl_retention.h"

#include <iostream>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "access/retention.h"
#include "common/clock.h"
#include "config/hub_config.h"
#include "service/retention_purger.h"
#include "store/mysql/mysql_store.h"

namespace cre::tools {

namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;

int Fail(const absl::Status& status) {
  std::cerr << "hubctl: " << status.message() << "\n";
  return kExitFailed;
}

struct Opened {
  v1::HubConfig config;
  std::shared_ptr<mysql::MysqlStore> store;
};

absl::StatusOr<Opened> Open(const std::string& config_path) {
  absl::StatusOr<v1::HubConfig> config = LoadHubConfig(config_path);
  if (!config.ok()) return config.status();
  absl::StatusOr<std::unique_ptr<mysql::MysqlStore>> store = mysql::OpenMysqlStore(*config);
  if (!store.ok()) return store.status();
  return Opened{*std::move(config), std::shared_ptr<mysql::MysqlStore>(*std::move(store))};
}

}  // namespace

int RetentionRun(const std::string& config_path, bool dry_run) {
  absl::StatusOr<Opened> opened = Open(config_path);
  if (!opened.ok()) return Fail(opened.status());
  RetentionPurger purger(opened->store, opened->config.governance().retention(), SystemClock(), "operator",
                         "hubctl retention run");
  absl::StatusOr<RetentionReport> report = purger.Run(!dry_run);
  if (!report.ok()) return Fail(report.status());
  int64_t purged = 0;
  int64_t due = 0;
  for (const RetentionClassReport& r : report->classes) {
    purged += r.purged;
    due += r.due;
  }
  if (dry_run) {
    std::cout << "dry run: nothing written; " << due << " record(s) due and not held would be purged\n";
  } else {
    // Chain the tombstones now, in case no hub is running to do it.
    while (true) {
      absl::StatusOr<int> sealed = opened->store->SealAudit(1000);
      if (!sealed.ok()) return Fail(sealed.status());
      if (*sealed == 0) break;
    }
    std::cout << "purged " << purged << " record(s)";
    if (report->children_purged > 0) std::cout << " and " << report->children_purged << " child record(s)";
    std::cout << "\n";
  }
  std::cout << RetentionReportText(*report);
  return kExitOk;
}

int RetentionStatus(const std::string& config_path) {
  absl::StatusOr<Opened> opened = Open(config_path);
  if (!opened.ok()) return Fail(opened.status());
  RetentionPurger purger(opened->store, opened->config.governance().retention(), SystemClock(), "operator",
                         "hubctl retention status");
  absl::StatusOr<RetentionReport> report = purger.Run(false);
  if (!report.ok()) return Fail(report.status());
  std::cout << RetentionReportText(*report);
  absl::StatusOr<std::vector<Store::LegalHold>> holds = opened->store->ListLegalHolds();
  if (!holds.ok()) return Fail(holds.status());
  std::cout << "legal holds: " << holds->size() << "\n";
  for (const Store::LegalHold& h : *holds) {
    std::cout << "  " << h.case_id << "\t" << absl::FormatTime(absl::RFC3339_sec, h.held_at, absl::UTCTimeZone())
              << "\t" << h.held_by << "\t" << h.reason << "\n";
  }
  return kExitOk;
}

int RetentionHold(const std::string& config_path, const std::string& case_id, const std::string& reason,
                  bool hold) {
  absl::StatusOr<Opened> opened = Open(config_path);
  if (!opened.ok()) return Fail(opened.status());
  v1::AuditRecord by;
  by.set_actor_agency_id("operator");
  by.set_method(hold ? "hubctl retention hold" : "hubctl retention release");
  absl::Status status = opened->store->SetLegalHold(case_id, hold, reason, SystemClock().Now(), by);
  if (!status.ok()) return Fail(status);
  while (true) {
    absl::StatusOr<int> sealed = opened->store->SealAudit(1000);
    if (!sealed.ok()) return Fail(sealed.status());
    if (*sealed == 0) break;
  }
  std::cout << (hold ? "legal hold placed on case " : "legal hold released on case ") << case_id << "\n";
  return kExitOk;
}

}  // namespace cre::tools
