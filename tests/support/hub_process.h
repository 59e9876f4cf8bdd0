// The real cre-hub binary as a child process, for tests that need what only
// a process has: its exit status, its signals, its threads.
//
//   HubProcess hub(WriteHubConfigFile(config, "x.textproto"), TempDir() + "x.log");
//   int port = hub.WaitForPort(absl::Seconds(30));
//   ...
//   EXPECT_EQ(hub.StopWith(SIGTERM), 0);
#ifndef CRE_TESTS_SUPPORT_HUB_PROCESS_H_
#define CRE_TESTS_SUPPORT_HUB_PROCESS_H_

#include <sys/types.h>

#include <string>

#include "absl/time/time.h"

namespace cre::testing {

class HubProcess {
 public:
  // Starts CRE_HUB_BINARY --config=`config_path` --shutdown_grace_seconds=1,
  // its stderr to `log_path`.
  HubProcess(const std::string& config_path, const std::string& log_path);
  // Kills it (SIGKILL) if it still runs.
  ~HubProcess();

  // The port from the "serving ... on port N" line, or 0 after `timeout`.
  int WaitForPort(absl::Duration timeout);
  // Sends `signal` and returns the exit status (128 + signal if killed by
  // one), or -1 if it did not exit within 10 s.
  int StopWith(int signal);
  // Its number of threads, from /proc.
  int ThreadCount() const;
  std::string Log() const;
  pid_t pid() const { return pid_; }

 private:
  std::string log_path_;
  pid_t pid_ = 0;
};

// What a run of the real hubctl printed (stdout and stderr) and its exit status.
struct HubctlRun {
  int exit_code;
  std::string output;
};
HubctlRun RunHubctl(const std::string& args);

}  // namespace cre::testing

#endif  // CRE_TESTS_SUPPORT_HUB_PROCESS_H_
