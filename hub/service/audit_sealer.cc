#include "service/audit_sealer.h"

#include <algorithm>

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
  bool accesses_indexed = false;
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
    // Rows sealed before the access index existed (or by a binary that did
    // not keep it) are indexed a batch a round until the index reaches the
    // head; from then on each seal indexes its own rows.
    if (!accesses_indexed) {
      absl::StatusOr<bool> indexed = store_->IndexAuditAccesses(kBatch);
      if (!indexed.ok()) {
        spdlog::warn("audit: indexing the accesses of older rows failed: {}", indexed.status().ToString());
        wait = std::max(wait, absl::Seconds(1));
      } else if (*indexed) {
        accesses_indexed = true;
      } else {
        wait = absl::ZeroDuration();
      }
    }
  }
  // What the last transactions journalled, before the process goes.
  store_->SealAudit(kBatch).IgnoreError();
}

}  // namespace cre
