// The retention schedule applied (docs/data-protection.md, "Retention"):
// walks the cases and messages not purged, asks the schedule
// (access/retention.h) for each one's class and due instant on the hub's
// clock, and has the store purge those due and not held, one record per
// transaction. Every hub process runs one (Start); `hubctl retention run`
// and `status` call Run directly.
//
//   RetentionPurger purger(store, governance.retention(), SystemClock(), "hub", "");
//   CRE_ASSIGN_OR_RETURN(RetentionReport report, purger.Run(/*purge=*/false));  // a dry run
//
// Any number of processes may run at once: the store purges each record
// once (Store::PurgeCase). Only one process sweeps in each purge interval
// (Store::ClaimRetentionSweep), to spare the others the scan.
#ifndef CRE_HUB_SERVICE_RETENTION_PURGER_H_
#define CRE_HUB_SERVICE_RETENTION_PURGER_H_

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "access/retention.h"
#include "common/clock.h"
#include "store/store.h"

namespace cre {

// One class of record, as a run found it.
struct RetentionClassReport {
  v1::RecordClass record_class = v1::RECORD_CLASS_UNSPECIFIED;
  std::string policy;  // in words
  int64_t kept = 0;    // not purged (after the run)
  int64_t held = 0;    // of those, under a legal hold
  // Due and not held: purged by a run that purges, would be by a dry run.
  int64_t due = 0;
  int64_t purged = 0;        // by this run
  int64_t purged_total = 0;  // so far, by every run
  // The oldest kept record: when it began (a case's opening, a message's
  // acceptance) and when it is due; InfiniteFuture if none is kept.
  absl::Time oldest_since = absl::InfiniteFuture();
  absl::Time oldest_due = absl::InfiniteFuture();
  // The earliest any kept record not held is due.
  absl::Time next_due = absl::InfiniteFuture();
};

struct RetentionReport {
  absl::Time at;  // the hub's clock
  bool purged = false;  // a run that purged, not a dry run or a status
  std::vector<RetentionClassReport> classes;  // in RecordClasses() order
  int64_t children_purged = 0;  // children's own rows purged by this run
};

class RetentionPurger {
 public:
  // `config` completed (CompleteRetentionConfig). `actor` and `method` go
  // into each tombstone ("hub" and "" for the hubs' own purge; "operator"
  // and the hubctl command for hubctl). `clock` must outlive the purger.
  RetentionPurger(std::shared_ptr<Store> store, const v1::RetentionConfig& config, const Clock& clock,
                  std::string actor, std::string method);
  ~RetentionPurger() { Stop(); }

  // Walks every record not purged; with `purge`, purges those due and not
  // held. A record the store will not purge after all (another process
  // purged it first, a hold placed meanwhile) is counted as kept.
  absl::StatusOr<RetentionReport> Run(bool purge);

  // Every purge interval, if this process wins the sweep (`process_id`
  // names it), Run(true). Not started when the config disables it.
  void Start(const std::string& process_id);
  void Stop();

  const RetentionSchedule& schedule() const { return schedule_; }

 private:
  std::shared_ptr<Store> store_;
  RetentionSchedule schedule_;
  const Clock& clock_;
  std::string actor_;
  std::string method_;
  absl::Notification stopping_;
  std::thread thread_;
};

// The report as a table for hubctl (one line per class).
std::string RetentionReportText(const RetentionReport& report);
// The report as JSON for the console's Record page.
std::string RetentionReportJson(const RetentionReport& report);

}  // namespace cre

#endif  // CRE_HUB_SERVICE_RETENTION_PURGER_H_
