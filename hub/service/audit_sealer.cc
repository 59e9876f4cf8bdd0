#include "service/audit_sealer.h"

#include "common/thread_name.h"
#include "spdlog/spdlog.h"

namespace cre {

void AuditSealer::Start() {
  thread_ = std::thread([this] {
    NameThisThread("audit-sealer");
    Run();
  });
}

void AuditSealer::Stop() {
  if (!stopping_.HasBeenNotified()) stopping_.Notify();
  if (thread_.joinable()) thread_.join();
}

void AuditSealer::Run() {
  absl::Duration wait = absl::ZeroDuration();
  bool failing = false;
  while (!stopping_.WaitForNotificationWithTimeout(wait)) {
    absl::StatusOr<int> sealed = store_->SealAudit(kBatch);
    if (!sealed.ok()) {
      // The records wait in the journal; nothing is lost. Say so once per
      // outage, not every round.
      if (!failing) spdlog::warn("audit: sealing the journal failed: {}", sealed.status().ToString());
      failing = true;
      wait = absl::Seconds(1);
      continue;
    }
    if (failing) spdlog::info("audit: sealing the journal again");
    failing = false;
    wait = *sealed >= kBatch ? absl::ZeroDuration() : idle_interval_;
  }
  // What the last transactions journalled, before the process goes.
  store_->SealAudit(kBatch).IgnoreError();
}

}  // namespace cre
