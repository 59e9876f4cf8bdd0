// An adapter executable as a child process for the adapters' tests: started
// with the test PKI's certificates for an agency and the hub's port, its
// stdout and stderr captured to files, stopped by signal.
//
//   AdapterProcess pru(POLICE_PRU_BINARY, {"--out", dir}, "derby-pru", hub.port());
//   EXPECT_TRUE(WaitFor([&] { return CountFiles(dir, ".json") == 2; }));
//   EXPECT_EQ(pru.StopWith(SIGTERM), 0);
#ifndef CRE_TESTS_ADAPTERS_ADAPTER_PROCESS_H_
#define CRE_TESTS_ADAPTERS_ADAPTER_PROCESS_H_

#include <sys/types.h>

#include <functional>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace cre::testing {

class AdapterProcess {
 public:
  // Runs `binary args... --hub=localhost:<port> --ca=... --cert=... --key=...`
  // with the certificate of `agency_id`.
  AdapterProcess(const std::string& binary, std::vector<std::string> args, const std::string& agency_id, int port);
  // Kills it (SIGKILL) if it still runs.
  ~AdapterProcess();

  // Waits for it to exit; its exit status (128 + signal if killed), or -1
  // after `timeout`.
  int Wait(absl::Duration timeout = absl::Seconds(30));
  // Sends `signal`, then Wait().
  int StopWith(int signal);
  std::string Stdout() const;
  std::string Stderr() const;

 private:
  std::string out_path_;
  std::string err_path_;
  pid_t pid_ = 0;
};

// Runs an adapter command to its end; its exit status, stdout in `out`.
int RunAdapterCommand(const std::string& binary, std::vector<std::string> args, const std::string& agency_id, int port,
                      std::string* out = nullptr, std::string* err = nullptr);

// Polls `condition` every 50 ms until true or `timeout`.
bool WaitFor(const std::function<bool()>& condition, absl::Duration timeout = absl::Seconds(30));

// Number of files in `dir` whose names end in `suffix` (hidden ones not counted).
int CountFiles(const std::string& dir, const std::string& suffix);

// A fresh empty folder under the test's temporary directory.
std::string NewTempDir(const std::string& name);

// A loopback port nobody listens on (bound and released).
int UnusedPort();

}  // namespace cre::testing

#endif  // CRE_TESTS_ADAPTERS_ADAPTER_PROCESS_H_
