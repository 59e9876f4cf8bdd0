#include "common/logging.h"

#include "spdlog/sinks/stdout_sinks.h"
#include "spdlog/spdlog.h"

namespace cre {

void InitLogging() {
  // stderr, unbuffered per line, so a supervisor or a test reading the
  // stream sees every line as it happens.
  auto logger = spdlog::stderr_logger_mt("cre");
  spdlog::set_default_logger(logger);
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %l %v", spdlog::pattern_time_type::utc);
  spdlog::flush_on(spdlog::level::info);
}

}  // namespace cre
