#include "server/deadline_watcher.h"

#include "common/thread_name.h"
#include "casework/hub_actions.h"
#include "spdlog/spdlog.h"

namespace cre {

void DeadlineWatcher::Start() {
  thread_ = std::thread([this] {
    NameThisThread("deadlines");
    while (!stopping_.WaitForNotificationWithTimeout(interval_)) {
      absl::StatusOr<int> reviewed = ReviewDue(absl::Now());
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
  const HubActions actions(&router_);
  const ReviewFn review = [&](const CaseView& case_view) -> absl::StatusOr<Routing> {
    absl::StatusOr<v1::Pathway> pathway = engine_->Evaluate(case_view.case_file, now);
    if (!pathway.ok()) return pathway.status();
    Routing routing;
    // What the hub performs itself is sent at the trigger; a review only
    // alerts on what is overdue, and moves the case's next deadline on.
    actions.AddOverdueAlerts(*pathway, case_view, &routing);
    routing.schedule = actions.ScheduleOf(*pathway, case_view);
    return routing;
  };
  absl::StatusOr<int> reviewed = store_->ReviewDueCases(now, kCasesPerRound, review);
  // The alerts' recipients may be connected here: let their streams look.
  if (reviewed.ok() && *reviewed > 0) {
    dispatcher_->Wake(router_.OfRole(v1::CPM_SERVICE));
    absl::StatusOr<std::vector<std::string>> due = store_->RecipientsWithDueDeliveries();
    if (due.ok()) dispatcher_->Wake(*due);
  }
  return reviewed;
}

}  // namespace cre
