// GroupCommitter: every item committed once, in groups; with a key, the
// items of one key one at a time and in the order they came, never two in
// one group or in two groups at once.
#include "common/group_commit.h"

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace cre {
namespace {

struct Item {
  std::string key;
  int seq;  // the order of submission within its key
};

TEST(GroupCommitTest, ItemsOfOneKeyAreCommittedOneAtATimeInTheirOrder) {
  absl::Mutex mu;
  std::set<std::string> committing;       // keys in the groups being committed now
  std::map<std::string, int> last_seq;    // the last item committed of each key
  int committed = 0, groups = 0;
  std::vector<std::string> problems;
  {
    GroupCommitter<Item> committer(
        /*workers=*/3, /*max_group=*/8,
        [&](std::vector<Item>& group) {
          {
            absl::MutexLock lock(&mu);
            ++groups;
            std::set<std::string> in_group;
            for (const Item& item : group) {
              if (!in_group.insert(item.key).second) problems.push_back(absl::StrCat(item.key, " twice in a group"));
              if (!committing.insert(item.key).second) problems.push_back(absl::StrCat(item.key, " in two groups"));
            }
          }
          absl::SleepFor(absl::Milliseconds(1));  // overlap the workers
          absl::MutexLock lock(&mu);
          for (const Item& item : group) {
            committing.erase(item.key);
            auto [it, first] = last_seq.emplace(item.key, item.seq);
            if (!first && item.seq != it->second + 1) {
              problems.push_back(absl::StrCat(item.key, ": ", item.seq, " after ", it->second));
            }
            it->second = item.seq;
            if (first && item.seq != 0) problems.push_back(absl::StrCat(item.key, ": ", item.seq, " first"));
            ++committed;
          }
        },
        "test-group", [](const Item& item) { return item.key; });
    // Five keys, many items each, interleaved: most of each group's items
    // would otherwise repeat a key.
    std::map<std::string, int> next;
    for (int i = 0; i < 500; ++i) {
      const std::string key = absl::StrCat("case-", i % 5);
      committer.Submit(Item{key, next[key]++});
    }
  }  // commits what is queued, then stops
  EXPECT_EQ(committed, 500);
  EXPECT_GT(groups, 0);
  EXPECT_TRUE(problems.empty()) << problems.front();
  for (const auto& [key, seq] : last_seq) EXPECT_EQ(seq, 99) << key;
}

TEST(GroupCommitTest, WithoutAKeyWaitingItemsShareAGroup) {
  absl::Mutex mu;
  std::vector<size_t> sizes;
  absl::Notification release;
  {
    GroupCommitter<int> committer(1, 64, [&](std::vector<int>& group) {
      release.WaitForNotification();  // the first group holds the worker while the rest queue
      absl::MutexLock lock(&mu);
      sizes.push_back(group.size());
    });
    for (int i = 0; i < 10; ++i) committer.Submit(i);
    release.Notify();
  }
  size_t total = 0;
  for (size_t size : sizes) total += size;
  EXPECT_EQ(total, 10u);
  EXPECT_LE(sizes.size(), 2u) << "the items queued behind the first group are committed as one";
}

// With a Linger, items that arrive within its wait share a group: the
// first waits for company, and a group starts as soon as `enough` are
// ready (long before the wait, which here is far longer than the test).
TEST(GroupCommitTest, ALingeringGroupStartsWhenEnoughAreReady) {
  absl::Mutex mu;
  std::vector<size_t> sizes;
  absl::Notification all_committed;
  {
    GroupCommitter<int> committer(
        /*workers=*/3, /*max_group=*/64,
        [&](std::vector<int>& group) {
          absl::MutexLock lock(&mu);
          sizes.push_back(group.size());
          if (sizes.size() == 2) all_committed.Notify();
        },
        "test-group", nullptr, Linger{absl::Hours(1), /*enough=*/3});
    for (int i = 0; i < 6; ++i) {
      committer.Submit(i);
      absl::SleepFor(absl::Milliseconds(5));  // each would be a group of one without the linger
    }
    all_committed.WaitForNotification();
  }
  EXPECT_EQ(sizes, (std::vector<size_t>{3, 3}));
}

// A lone item is not held past the wait, and stopping commits what waits at
// once.
TEST(GroupCommitTest, ALingeringItemIsCommittedAfterTheWaitOrAtStop) {
  absl::Mutex mu;
  int committed = 0;
  absl::Notification first;
  {
    GroupCommitter<int> committer(
        /*workers=*/2, /*max_group=*/64,
        [&](std::vector<int>& group) {
          absl::MutexLock lock(&mu);
          committed += static_cast<int>(group.size());
          if (!first.HasBeenNotified()) first.Notify();
        },
        "test-group", nullptr, Linger{absl::Milliseconds(20), /*enough=*/100});
    committer.Submit(1);
    first.WaitForNotification();  // after the 20 ms wait, with no company
    GroupCommitter<int> held(
        /*workers=*/1, /*max_group=*/64,
        [&](std::vector<int>& group) {
          absl::MutexLock lock(&mu);
          committed += static_cast<int>(group.size());
        },
        "test-held", nullptr, Linger{absl::Hours(1), /*enough=*/100});
    held.Submit(2);
    held.Submit(3);
  }  // `held` stops with two items an hour from due: they are committed now
  EXPECT_EQ(committed, 3);
}

}  // namespace
}  // namespace cre
