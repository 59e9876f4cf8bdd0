#include "adapters/adapter_process.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "support/test_environment.h"

extern char** environ;

namespace cre::testing {
namespace {

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string NextLogBase() {
  static std::atomic<int> counter{0};
  return absl::StrCat(::testing::TempDir(), "adapter-", getpid(), "-", counter++);
}

}  // namespace

AdapterProcess::AdapterProcess(const std::string& binary, std::vector<std::string> args, const std::string& agency_id,
                               int port) {
  const std::string base = NextLogBase();
  out_path_ = base + ".out";
  err_path_ = base + ".err";
  const std::string certs = CertsDir();
  args.insert(args.begin(), binary);
  args.push_back(absl::StrCat("--hub=localhost:", port));
  args.push_back("--ca=" + certs + "/ca.crt");
  args.push_back(absl::StrCat("--cert=", certs, "/agencies/", agency_id, ".crt"));
  args.push_back(absl::StrCat("--key=", certs, "/agencies/", agency_id, ".key"));
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  EXPECT_EQ(posix_spawn(&pid_, binary.c_str(), &actions, nullptr, argv.data(), environ), 0) << binary;
  posix_spawn_file_actions_destroy(&actions);
}

AdapterProcess::~AdapterProcess() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
}

int AdapterProcess::Wait(absl::Duration timeout) {
  for (absl::Time end = absl::Now() + timeout; absl::Now() < end;) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = 0;
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  return -1;
}

int AdapterProcess::StopWith(int signal) {
  if (pid_ > 0) kill(pid_, signal);
  return Wait();
}

std::string AdapterProcess::Stdout() const { return ReadAll(out_path_); }
std::string AdapterProcess::Stderr() const { return ReadAll(err_path_); }

int RunAdapterCommand(const std::string& binary, std::vector<std::string> args, const std::string& agency_id, int port,
                      std::string* out, std::string* err) {
  AdapterProcess process(binary, std::move(args), agency_id, port);
  const int status = process.Wait(absl::Seconds(50));
  if (out != nullptr) *out = process.Stdout();
  if (err != nullptr) *err = process.Stderr();
  return status;
}

bool WaitFor(const std::function<bool()>& condition, absl::Duration timeout) {
  for (absl::Time end = absl::Now() + timeout; absl::Now() < end; absl::SleepFor(absl::Milliseconds(50))) {
    if (condition()) return true;
  }
  return condition();
}

int CountFiles(const std::string& dir, const std::string& suffix) {
  std::error_code error;
  int count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
    const std::string name = entry.path().filename().string();
    if (name[0] != '.' && absl::EndsWith(name, suffix)) ++count;
  }
  return count;
}

std::string NewTempDir(const std::string& name) {
  static std::atomic<int> counter{0};
  const std::string dir = absl::StrCat(::testing::TempDir(), "adapters-", getpid(), "-", counter++, "-", name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

int UnusedPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
  socklen_t length = sizeof(address);
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  close(fd);
  return ntohs(address.sin_port);
}

}  // namespace cre::testing
