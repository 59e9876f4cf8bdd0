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
//
// With a key (a case, say), items of one key are committed one at a time, in
// the order they came: an item whose key is in a group being committed, or
// already in the group being formed, waits for the next group, and the
// items behind it go ahead. Groups of one process then never wait for each
// other's locks on a key, and never hold two items of one key.
#ifndef CRE_HUB_COMMON_GROUP_COMMIT_H_
#define CRE_HUB_COMMON_GROUP_COMMIT_H_

#include <deque>
#include <functional>
#include <set>
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
  // `key`, if given, says which items must not be committed at once.
  GroupCommitter(int workers, size_t max_group, std::function<void(std::vector<Item>&)> commit,
                 std::string name = "group-commit", std::function<std::string(const Item&)> key = nullptr)
      : max_group_(max_group), commit_(std::move(commit)), key_(std::move(key)) {
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
  // Whether an item may go into a group now: no item of its key is being
  // committed.
  bool ReadyLocked(const Item& item) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return !key_ || in_flight_.count(key_(item)) == 0;
  }

  bool HasWorkLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (stopping_ && queue_.empty()) return true;
    for (const Item& item : queue_) {
      if (ReadyLocked(item)) return true;
    }
    return false;
  }

  void Work() {
    for (;;) {
      std::vector<Item> group;
      std::vector<std::string> keys;
      {
        absl::MutexLock lock(&mu_);
        mu_.Await(absl::Condition(this, &GroupCommitter::HasWorkLocked));
        if (queue_.empty()) return;  // stopping, and nothing left to commit
        for (auto it = queue_.begin(); it != queue_.end() && group.size() < max_group_;) {
          if (!ReadyLocked(*it)) {
            ++it;
            continue;
          }
          if (key_) {
            keys.push_back(key_(*it));
            in_flight_.insert(keys.back());  // a second item of the key waits for this one
          }
          group.push_back(std::move(*it));
          it = queue_.erase(it);
        }
      }
      commit_(group);
      if (!keys.empty()) {
        absl::MutexLock lock(&mu_);
        for (const std::string& key : keys) in_flight_.erase(key);
      }
    }
  }

  const size_t max_group_;
  const std::function<void(std::vector<Item>&)> commit_;
  const std::function<std::string(const Item&)> key_;
  absl::Mutex mu_;
  std::deque<Item> queue_ ABSL_GUARDED_BY(mu_);
  std::set<std::string> in_flight_ ABSL_GUARDED_BY(mu_);  // the keys of the groups being committed
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  // Last: the workers start once everything above exists.
  std::vector<std::thread> workers_;
};

}  // namespace cre

#endif  // CRE_HUB_COMMON_GROUP_COMMIT_H_
