// One line per event on stderr, with a UTC timestamp: what an operator
// running an adapter next to their system reads.
//
//   LogInfo(absl::StrCat("delivered ", name));
#ifndef CRE_AGENCY_ADAPTERS_CLIENT_LOG_H_
#define CRE_AGENCY_ADAPTERS_CLIENT_LOG_H_

#include "absl/strings/string_view.h"

namespace cre::client {

void LogInfo(absl::string_view text);
void LogError(absl::string_view text);

}  // namespace cre::client

#endif  // CRE_AGENCY_ADAPTERS_CLIENT_LOG_H_
