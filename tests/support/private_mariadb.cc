#include "support/private_mariadb.h"

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "support/test_environment.h"

namespace cre::testing {

int FreeLoopbackPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
  socklen_t length = sizeof(address);
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  close(fd);
  return ntohs(address.sin_port);
}

PrivateMariadb::PrivateMariadb() : port_(FreeLoopbackPort()) {
  static std::atomic<int> counter{0};
  dir_ = absl::StrCat(::testing::TempDir(), "private-db-", getpid(), "-", counter++);
  EXPECT_TRUE(Start()) << "private MariaDB in " << dir_ << " did not start";
}

PrivateMariadb::~PrivateMariadb() {
  Stop();
  std::system(("rm -rf " + dir_).c_str());
}

bool PrivateMariadb::Run(const std::string& command) {
  std::string line = absl::StrCat(SourceRoot(), "/scripts/mariadb.sh ", command, " --dir ", dir_);
  if (command == "start") absl::StrAppend(&line, " --port ", port_);
  return std::system((line + " >>" + dir_ + ".log 2>&1").c_str()) == 0;
}

bool PrivateMariadb::Start() { return Run("start"); }
bool PrivateMariadb::Stop() { return Run("stop"); }

void PrivateMariadb::Kill() {
  std::ifstream pidfile(dir_ + "/mysqld.pid");
  pid_t pid = 0;
  if (pidfile >> pid && pid > 0) kill(pid, SIGKILL);
  for (int i = 0; i < 100 && kill(pid, 0) == 0; ++i) usleep(50000);
}

void PrivateMariadb::Configure(v1::DatabaseConfig* database) const {
  database->set_host("127.0.0.1");
  database->set_port(port_);
  database->set_user("cre_hub");
  database->set_password_file(dir_ + "/hub.password");
  database->set_schema("cre_hub");
}

}  // namespace cre::testing
