// The hub's log: one line per event on stderr, UTC timestamps, e.g.
//   2026-11-22T10:15:00.123Z info call {"agency":"derby-csc",...}
#ifndef CRE_HUB_COMMON_LOGGING_H_
#define CRE_HUB_COMMON_LOGGING_H_

namespace cre {

// Sets the format of spdlog's default logger. Call once at the start of main.
void InitLogging();

}  // namespace cre

#endif  // CRE_HUB_COMMON_LOGGING_H_
