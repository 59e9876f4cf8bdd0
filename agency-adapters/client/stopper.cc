#include "client/stopper.h"

#include <signal.h>

#include <thread>

namespace cre::client {

void Stopper::Stop() {
  std::vector<std::function<void()>> callbacks;
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    stopping_ = true;
    callbacks.swap(callbacks_);
  }
  for (auto& callback : callbacks) callback();
  done_.Notify();
}

void Stopper::OnStop(std::function<void()> callback) {
  {
    absl::MutexLock lock(&mu_);
    if (!stopping_) {
      callbacks_.push_back(std::move(callback));
      return;
    }
  }
  callback();
}

SignalWatcher::~SignalWatcher() {
  if (!thread_.joinable()) return;
  if (received_->load()) {
    thread_.join();
  } else {
    thread_.detach();
  }
}

SignalWatcher StopOnSignals(Stopper* stopper) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  // A signal handler may not take locks; a thread waiting in sigwait may.
  auto received = std::make_shared<std::atomic<bool>>(false);
  std::thread thread([signals, stopper, received] {
    int signal = 0;
    sigwait(&signals, &signal);
    received->store(true);
    stopper->Stop();
  });
  return SignalWatcher(std::move(thread), std::move(received));
}

}  // namespace cre::client
