// Group commit: work that would be one small transaction per call, queued
// and committed in groups.
//
// Every call waiting when a worker is free goes into the worker's next group;
// calls arriving meanwhile form the group after. Under load groups grow by
// themselves, so the cost of a transaction (its round trips, its commit) is
// shared by as many calls as arrived while the last one ran.
//
// At a moderate rate they do not: each call finds a worker free and is a
// group of one, and a group's statements (one a table) cost about the same
// for one call as for twenty (docs/benchmarks.md, "The 500/s target on the
// single server"). With a Linger, a call that finds fewer than `enough` ready
// waits for company, at most `wait` after the oldest of them came. Without
// one, a lone call is committed at once.
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
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/thread_name.h"

namespace cre {

// How long a group may wait to grow: a group is started once `enough` items
// are ready, or once the oldest ready one has waited `wait`.
struct Linger {
  absl::Duration wait = absl::ZeroDuration();
  size_t enough = 1;
};

template <typename Item>
class GroupCommitter {
 public:
  // `commit` runs on a worker thread with one group (at most `max_group`
  // items, oldest first); it answers each item itself. Up to `workers`
  // groups run at once. `name`: the workers' thread name (NameThisThread).
  // `key`, if given, says which items must not be committed at once.
  GroupCommitter(int workers, size_t max_group, std::function<void(std::vector<Item>&)> commit,
                 std::string name = "group-commit", std::function<std::string(const Item&)> key = nullptr,
                 Linger linger = {})
      : max_group_(max_group), commit_(std::move(commit)), key_(std::move(key)), linger_(linger) {
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
    queue_.push_back(Queued{std::move(item), linger_.wait > absl::ZeroDuration() ? absl::Now() : absl::Time()});
  }

 private:
  struct Queued {
    Item item;
    absl::Time since;  // when it was submitted (only with a Linger)
  };

  // Whether an item may go into a group now: no item of its key is being
  // committed.
  bool ReadyLocked(const Queued& queued) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return !key_ || in_flight_.count(key_(queued.item)) == 0;
  }

  bool HasWorkLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (stopping_ && queue_.empty()) return true;
    for (const Queued& queued : queue_) {
      if (ReadyLocked(queued)) return true;
    }
    return false;
  }

  // Items ready now, counted up to `enough`; `oldest`: when the first came.
  size_t CountReadyLocked(absl::Time* oldest) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    size_t ready = 0;
    for (const Queued& queued : queue_) {
      if (!ReadyLocked(queued)) continue;
      if (ready++ == 0) *oldest = queued.since;
      if (ready >= linger_.enough) break;
    }
    return ready;
  }

  bool EnoughLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    absl::Time oldest;
    return stopping_ || CountReadyLocked(&oldest) >= linger_.enough;
  }

  // With a Linger: waits until a group may start (see Linger), or for
  // nothing ready. True if a group may start now.
  bool LingerLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    for (;;) {
      absl::Time oldest;
      const size_t ready = CountReadyLocked(&oldest);
      if (ready == 0) return false;  // another worker took them
      if (stopping_ || ready >= linger_.enough) return true;
      const absl::Time due = oldest + linger_.wait;
      if (absl::Now() >= due) return true;
      mu_.AwaitWithDeadline(absl::Condition(this, &GroupCommitter::EnoughLocked), due);
    }
  }

  void Work() {
    for (;;) {
      std::vector<Item> group;
      std::vector<std::string> keys;
      {
        absl::MutexLock lock(&mu_);
        mu_.Await(absl::Condition(this, &GroupCommitter::HasWorkLocked));
        if (queue_.empty()) return;  // stopping, and nothing left to commit
        if (linger_.wait > absl::ZeroDuration() && !LingerLocked()) continue;
        for (auto it = queue_.begin(); it != queue_.end() && group.size() < max_group_;) {
          if (!ReadyLocked(*it)) {
            ++it;
            continue;
          }
          if (key_) {
            keys.push_back(key_(it->item));
            in_flight_.insert(keys.back());  // a second item of the key waits for this one
          }
          group.push_back(std::move(it->item));
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
  const Linger linger_;
  absl::Mutex mu_;
  std::deque<Queued> queue_ ABSL_GUARDED_BY(mu_);
  std::set<std::string> in_flight_ ABSL_GUARDED_BY(mu_);  // the keys of the groups being committed
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  // Last: the workers start once everything above exists.
  std::vector<std::thread> workers_;
};

}  // namespace cre

#endif  // CRE_HUB_COMMON_GROUP_COMMIT_H_
