// Case access: what a caller hears about a case it may not see. One answer
// for every layer, so that the store, the casework rules and the transports
// cannot word it differently.
//
//   if (!involved) return NoSuchCase(case_id);
#ifndef CRE_HUB_ACCESS_CASE_ACCESS_H_
#define CRE_HUB_ACCESS_CASE_ACCESS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace cre {

// What a caller hears about a case it may not see, whether or not the case
// exists: the same code and words for both, so that an agency not involved
// with a case learns nothing about it, not even that it exists.
inline absl::Status NoSuchCase(const std::string& case_id) {
  return absl::NotFoundError(absl::StrCat("case_id: no case ", case_id, " is shared with you"));
}

}  // namespace cre

#endif  // CRE_HUB_ACCESS_CASE_ACCESS_H_
