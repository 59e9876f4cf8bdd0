// Group commit: work that would be one small transaction per call, queued
// and committed in groups.
//
// Every call waiting when a worker is free goes into the worker's next group;
// calls arriving meanwhile form the group after. Nothing waits on a timer: a
// lone call is committed at once, and under load groups grow by themselves,
// so the cost of a transaction (its round trips, its commit) is shared by
// as many calls as arrived while the last one ran.
//
//   GroupCommitter<Ack> acks(/*workers=*/2, /*max_group=*/512,
//                            [&](std::vector<Ack>& group) { ...one transaction for all... });
//   acks.Submit(Ack{...});
#ifndef CRE_HUB_COMMON_GROUP_COMMIT_H_
#define CRE_HUB_COMMON_GROUP_COMMIT_H_

#include <deque>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "common/thread_name.h"

namespace cre {

template <typename Item>
class GroupCommitter {
 public:
  // `commit` runs on a worker thread with one group (at most `max_group`
  // items, oldest first); it answers each item itself. Up to `workers`
  // groups run at once. `name`: the workers' thread name (NameThisThread).
  GroupCommitter(int workers, size_t max_group, std::function<void(std::vector<Item>&)> commit,
                 std::string name = "group-commit")
      : max_group_(max_group), commit_(std::move(commit)) {
    for (int i = 0; i < workers; ++i) {
      workers_.emplace_back([this, name] {
        NameThisThread(name);
        Work();
      });
    }
  }
  // Commits what is queued, then stops.
  ~GroupCommitter() {
    {
      absl::MutexLock lock(&mu_);
      stopping_ = true;
    }
    for (std::thread& worker : workers_) worker.join();
  }
  GroupCommitter(const GroupCommitter&) = delete;
  GroupCommitter& operator=(const GroupCommitter&) = delete;

  void Submit(Item item) {
    absl::MutexLock lock(&mu_);
    queue_.push_back(std::move(item));
  }

 private:
  bool HasWorkLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_ || !queue_.empty(); }

  void Work() {
    for (;;) {
      std::vector<Item> group;
      {
        absl::MutexLock lock(&mu_);
        mu_.Await(absl::Condition(this, &GroupCommitter::HasWorkLocked));
        if (queue_.empty()) return;  // stopping, and nothing left to commit
        while (!queue_.empty() && group.size() < max_group_) {
          group.push_back(std::move(queue_.front()));
          queue_.pop_front();
        }
      }
      commit_(group);
    }
  }

  const size_t max_group_;
  const std::function<void(std::vector<Item>&)> commit_;
  absl::Mutex mu_;
  std::deque<Item> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  // Last: the workers start once everything above exists.
  std::vector<std::thread> workers_;
};

}  // namespace cre

#endif  // CRE_HUB_COMMON_GROUP_COMMIT_H_
