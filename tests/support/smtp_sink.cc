#include "support/smtp_sink.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"

extern char** environ;

namespace cre::testing {
namespace {

// Debian's interpreter, which has python3-aiosmtpd (not whatever python3
// comes first on the PATH).
constexpr char kPython[] = "/usr/bin/python3";

int FreeLoopbackPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

bool Accepts(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  const bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  close(fd);
  return ok;
}

SmtpSink::Message Parse(const std::string& raw) {
  SmtpSink::Message m;
  m.raw = raw;
  const size_t split = raw.find("\n\n");
  const std::string head = raw.substr(0, split);
  m.body = split == std::string::npos ? "" : raw.substr(split + 2);
  std::string name, value;
  auto keep = [&] {
    if (!name.empty()) m.headers[absl::AsciiStrToLower(name)] = std::string(absl::StripAsciiWhitespace(value));
  };
  for (absl::string_view line : absl::StrSplit(head, '\n')) {
    if (!line.empty() && (line[0] == ' ' || line[0] == '\t')) {  // a folded header goes on
      absl::StrAppend(&value, " ", absl::StripAsciiWhitespace(line));
      continue;
    }
    keep();
    const size_t colon = line.find(':');
    name = colon == absl::string_view::npos ? "" : std::string(line.substr(0, colon));
    value = colon == absl::string_view::npos ? "" : std::string(line.substr(colon + 1));
  }
  keep();
  m.subject = m.headers["subject"];
  m.rcpt_to = m.headers["x-rcptto"];
  return m;
}

}  // namespace

SmtpSink::SmtpSink() {
  std::string pattern = ::testing::TempDir() + "smtp-sink-XXXXXX";
  const char* made = mkdtemp(pattern.data());
  EXPECT_NE(made, nullptr) << "mkdtemp " << pattern;
  dir_ = made != nullptr ? made : ::testing::TempDir();
  port_ = FreeLoopbackPort();
  const std::string listen = absl::StrCat("127.0.0.1:", port_);
  const std::string maildir = dir_ + "/maildir";
  const std::string log = dir_ + "/aiosmtpd.log";
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  // -n: no setuid to nobody (the tests may run as root); the Mailbox
  // handler keeps each message in a maildir.
  const char* argv[] = {kPython, "-m", "aiosmtpd", "-n", "-l", listen.c_str(), "-c", "aiosmtpd.handlers.Mailbox",
                        maildir.c_str(), nullptr};
  EXPECT_EQ(posix_spawn(&pid_, kPython, &actions, nullptr, const_cast<char**>(argv), environ), 0);
  posix_spawn_file_actions_destroy(&actions);
  for (absl::Time end = absl::Now() + absl::Seconds(15); absl::Now() < end;) {
    if (Accepts(port_)) return;
    if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
      pid_ = 0;
      break;
    }
    absl::SleepFor(absl::Milliseconds(50));
  }
  std::ifstream in(log);
  std::stringstream text;
  text << in.rdbuf();
  ADD_FAILURE() << "aiosmtpd did not accept connections on " << listen << ": " << text.str();
}

SmtpSink::~SmtpSink() {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    for (int i = 0; i < 100; ++i) {
      if (waitpid(pid_, nullptr, WNOHANG) == pid_) return;
      absl::SleepFor(absl::Milliseconds(20));
    }
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
}

std::string SmtpSink::url() const { return absl::StrCat("smtp://127.0.0.1:", port_); }

std::vector<SmtpSink::Message> SmtpSink::Messages() const {
  // A maildir's new messages (and any a reader moved to cur/), by the time
  // the server wrote them.
  std::vector<std::pair<std::filesystem::file_time_type, std::string>> files;
  for (const char* sub : {"new", "cur"}) {
    std::error_code error;
    for (const auto& entry : std::filesystem::directory_iterator(dir_ + "/maildir/" + sub, error)) {
      files.emplace_back(entry.last_write_time(), entry.path().string());
    }
  }
  std::sort(files.begin(), files.end());
  std::vector<Message> messages;
  for (const auto& [when, path] : files) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    messages.push_back(Parse(text.str()));
  }
  return messages;
}

std::vector<SmtpSink::Message> SmtpSink::WaitForMessages(size_t count, absl::Duration timeout) const {
  std::vector<Message> messages;
  for (absl::Time end = absl::Now() + timeout;;) {
    messages = Messages();
    if (messages.size() >= count || absl::Now() >= end) return messages;
    absl::SleepFor(absl::Milliseconds(100));
  }
}

}  // namespace cre::testing
