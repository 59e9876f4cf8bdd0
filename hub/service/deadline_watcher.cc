#include "service/deadline_watcher.h"

#include <algorithm>

#include "common/thread_name.h"
#include "spdlog/spdlog.h"

namespace cre {

void DeadlineWatcher::Start() {
  thread_ = std::thread([this] {
    NameThisThread("deadlines");
    while (!stopping_.WaitForNotificationWithTimeout(interval_)) {
      absl::StatusOr<int> reviewed = ReviewDue(clock_.Now());
      if (!reviewed.ok()) spdlog::warn("deadlines: review failed: {}", reviewed.status().ToString());
    }
  });
}

void DeadlineWatcher::Stop() {
  if (!stopping_.HasBeenNotified()) stopping_.Notify();
  if (thread_.joinable()) thread_.join();
}

absl::StatusOr<int> DeadlineWatcher::ReviewDue(absl::Time now) {
  const ReviewFn review = [&](const CaseView& case_view) { return casework_->DecideReview(case_view, now); };
  int total = 0;
  while (true) {
    const absl::Time started = absl::Now();
    // This process's streams are offered to each batch: an alert to an
    // agency connected here goes out with the batch's commit, without a
    // claim. What a batch reserved and did not use is given back with it.
    std::vector<HandedOut> handed_out;
    DeliveryDispatcher::HandOff hand_off(dispatcher_);
    absl::StatusOr<int> reviewed = store_->ReviewDueCases(now, kCasesPerBatch, review, &hand_off, &handed_out);
    hand_off.Deliver(std::move(handed_out));
    if (!reviewed.ok()) {
      if (total == 0) return reviewed.status();
      spdlog::warn("deadlines: review stopped after {} case(s): {}", total, reviewed.status().ToString());
      break;
    }
    total += *reviewed;
    // The alerts' recipients may be connected here: let their streams look
    // after each batch, not only at the end of a backlog.
    if (*reviewed > 0) {
      dispatcher_->Wake(casework_->AlertedAgencies());
      absl::StatusOr<std::vector<std::string>> due = store_->RecipientsWithDueDeliveries();
      if (due.ok()) dispatcher_->Wake(*due);
    }
    // A full batch: more may be due (a backlog, after an outage), reviewed
    // now rather than a batch an interval. Between batches the watcher
    // pauses for a share of the time the batch took, so that it holds the
    // database and the cores for at most kBusyShare of the time, and the
    // calls that arrive meanwhile find them free.
    if (*reviewed < kCasesPerBatch) break;
    const absl::Duration took = absl::Now() - started;
    const absl::Duration pause = std::max(kMinPause, took * ((1 - kBusyShare) / kBusyShare));
    if (stopping_.WaitForNotificationWithTimeout(pause)) break;
  }
  return total;
}

}  // namespace cre
