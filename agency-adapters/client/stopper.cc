#include "client/stopper.h"

#include <signal.h>

#include <thread>

namespace cre::client {

void Stopper::Stop() {
  std::vector<std::function<void()>> callbacks;
  {
    absl::MutexLock lock(&mu_);
    if (done_.HasBeenNotified()) return;
    done_.Notify();
    callbacks.swap(callbacks_);
  }
  for (auto& callback : callbacks) callback();
}

void Stopper::OnStop(std::function<void()> callback) {
  {
    absl::MutexLock lock(&mu_);
    if (!done_.HasBeenNotified()) {
      callbacks_.push_back(std::move(callback));
      return;
    }
  }
  callback();
}

void StopOnSignals(Stopper* stopper) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  // A signal handler may not take locks; a thread waiting in sigwait may.
  std::thread([signals, stopper] {
    int received = 0;
    sigwait(&signals, &received);
    stopper->Stop();
  }).detach();
}

}  // namespace cre::client
