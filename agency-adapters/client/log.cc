#include "client/log.h"

#include <cstdio>
#include <string>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace cre::client {
namespace {

void Write(absl::string_view level, absl::string_view text) {
  const std::string now = absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(), absl::UTCTimeZone());
  // One fprintf per line: lines from several threads do not interleave.
  std::fprintf(stderr, "%s %.*s %.*s\n", now.c_str(), static_cast<int>(level.size()), level.data(),
               static_cast<int>(text.size()), text.data());
}

}  // namespace

void LogInfo(absl::string_view text) { Write("info", text); }
void LogError(absl::string_view text) { Write("error", text); }

}  // namespace cre::client
