// Linked into every test binary (cre_add_test): the binary's files (hub and
// adapter logs, private databases, mail sinks) go under a directory of its
// own, made before main, and gtest's TempDir() names it. When every test
// passed the directory is removed, so a passing suite leaves nothing behind;
// when one failed it is kept, and its path printed, for the logs the failure
// messages name.
#include <errno.h>  // program_invocation_short_name
#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <system_error>

#include "gtest/gtest.h"

namespace {

class RemoveWhenPassed : public ::testing::Environment {
 public:
  explicit RemoveWhenPassed(std::string dir) : dir_(std::move(dir)) {}

  void TearDown() override {
    if (!::testing::UnitTest::GetInstance()->Passed()) {
      std::fprintf(stderr, "test files kept in %s\n", dir_.c_str());
      return;
    }
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

 private:
  std::string dir_;
};

// A caller that set TEST_TMPDIR chose where the files go, and keeps them.
const bool kTempDirMade = [] {
  if (const char* chosen = getenv("TEST_TMPDIR"); chosen != nullptr && chosen[0] != '\0') return false;
  const char* base = getenv("TMPDIR");
  std::string pattern = std::string(base != nullptr && base[0] != '\0' ? base : "/tmp") + "/cre-" +
                        program_invocation_short_name + "-XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) return false;  // TempDir() falls back to TMPDIR or /tmp
  setenv("TEST_TMPDIR", pattern.c_str(), 1);
  ::testing::AddGlobalTestEnvironment(new RemoveWhenPassed(pattern));
  return true;
}();

}  // namespace
