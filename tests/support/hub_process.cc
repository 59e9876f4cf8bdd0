#include "support/hub_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <regex>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"

extern char** environ;

namespace cre::testing {
namespace {

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

HubProcess::HubProcess(const std::string& config_path, const std::string& log_path)
    : log_path_(log_path) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 2, log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::string config_flag = "--config=" + config_path;
  // Connected clients hold a stopping server for the whole grace period;
  // one second keeps tests short.
  std::string grace_flag = "--shutdown_grace_seconds=1";
  char* argv[] = {const_cast<char*>(CRE_HUB_BINARY), config_flag.data(), grace_flag.data(), nullptr};
  EXPECT_EQ(posix_spawn(&pid_, CRE_HUB_BINARY, &actions, nullptr, argv, environ), 0);
  posix_spawn_file_actions_destroy(&actions);
}

HubProcess::~HubProcess() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
}

int HubProcess::WaitForPort(absl::Duration timeout) {
  const std::regex serving("on port ([0-9]+)");
  for (absl::Time end = absl::Now() + timeout; absl::Now() < end;) {
    std::smatch match;
    const std::string log = Log();
    if (std::regex_search(log, match, serving)) return std::stoi(match[1]);
    absl::SleepFor(absl::Milliseconds(50));
  }
  return 0;
}

int HubProcess::StopWith(int signal) {
  kill(pid_, signal);
  int status = 0;
  for (int i = 0; i < 200; ++i) {
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = 0;
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    absl::SleepFor(absl::Milliseconds(50));
  }
  return -1;
}

int HubProcess::ThreadCount() const {
  const std::string status = ReadAll(absl::StrCat("/proc/", pid_, "/status"));
  const std::regex threads("Threads:\\s+([0-9]+)");
  std::smatch match;
  return std::regex_search(status, match, threads) ? std::stoi(match[1]) : -1;
}

std::string HubProcess::Log() const { return ReadAll(log_path_); }

HubctlRun RunHubctl(const std::string& args) {
  FILE* pipe = popen(absl::StrCat(CRE_HUBCTL_BINARY, " ", args, " 2>&1").c_str(), "r");
  std::string output;
  char buffer[4096];
  while (size_t n = fread(buffer, 1, sizeof(buffer), pipe)) output.append(buffer, n);
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

}  // namespace cre::testing
