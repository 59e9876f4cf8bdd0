// A fixed pool of threads that runs submitted tasks in order of submission.
//
// The subscriber streams use the gRPC callback API, whose reactor methods
// must never block; their database work (claiming and releasing
// deliveries) is handed to an Executor instead.
//
//   Executor executor(4);
//   executor.Submit([] { ...blocking work... });
#ifndef CRE_HUB_COMMON_EXECUTOR_H_
#define CRE_HUB_COMMON_EXECUTOR_H_

#include <deque>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace cre {

class Executor {
 public:
  // `name`: its threads' name (NameThisThread).
  explicit Executor(int threads, std::string name = "executor");
  // Runs the tasks already submitted, then joins the threads.
  ~Executor();

  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  // Queues `task`. After the destructor has started, tasks are dropped.
  void Submit(std::function<void()> task);
  // Queues `task` unless `max_queued` tasks are already waiting; returns
  // whether it was queued. For work that may be shed under a flood.
  bool TrySubmit(std::function<void()> task, size_t max_queued);

 private:
  void Work();

  absl::Mutex mu_;
  std::deque<std::function<void()>> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace cre

#endif  // CRE_HUB_COMMON_EXECUTOR_H_
