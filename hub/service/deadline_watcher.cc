#include "service/deadline_watcher.h"

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
  constexpr int kCasesPerRound = 100;
  const ReviewFn review = [&](const CaseView& case_view) { return casework_->DecideReview(case_view, now); };
  absl::StatusOr<int> reviewed = store_->ReviewDueCases(now, kCasesPerRound, review);
  // The alerts' recipients may be connected here: let their streams look.
  if (reviewed.ok() && *reviewed > 0) {
    dispatcher_->Wake(casework_->AlertedAgencies());
    absl::StatusOr<std::vector<std::string>> due = store_->RecipientsWithDueDeliveries();
    if (due.ok()) dispatcher_->Wake(*due);
  }
  return reviewed;
}

}  // namespace cre
