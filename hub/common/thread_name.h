// Names the calling thread, as `top -H`, `perf` and /proc/PID/task/*/comm
// show it: a hub's threads are otherwise all "cre-hub", and the context
// switches a message costs cannot be told apart by thread.
//
//   std::thread([] { NameThisThread("audit-sealer"); ... });
#ifndef CRE_HUB_COMMON_THREAD_NAME_H_
#define CRE_HUB_COMMON_THREAD_NAME_H_

#include <pthread.h>

#include <string>

namespace cre {

// Linux keeps 15 characters; the rest is cut.
inline void NameThisThread(const std::string& name) {
  pthread_setname_np(pthread_self(), name.substr(0, 15).c_str());
}

}  // namespace cre

#endif  // CRE_HUB_COMMON_THREAD_NAME_H_
