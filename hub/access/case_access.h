// Case access: who may read a case, and what a caller hears about a case it
// may not see. One answer for every layer, so that the store, the casework
// rules and the transports cannot word it differently.
//
//   if (!involved) return NoSuchCase(case_id);
#ifndef CRE_HUB_ACCESS_CASE_ACCESS_H_
#define CRE_HUB_ACCESS_CASE_ACCESS_H_

#include <algorithm>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace cre {

// What a caller hears about a case it may not see, whether or not the case
// exists: the same code and words for both, so that an agency not involved
// with a case learns nothing about it, not even that it exists.
inline absl::Status NoSuchCase(const std::string& case_id) {
  return absl::NotFoundError(absl::StrCat("case_id: no case ", case_id, " is shared with you"));
}

// Whether `reader` may read case `case_id`, which the agencies `involved`
// are involved with: only an involved agency; any other is answered
// NoSuchCase.
inline absl::Status MayRead(const std::string& case_id, const std::vector<std::string>& involved,
                            const std::string& reader) {
  if (std::find(involved.begin(), involved.end(), reader) != involved.end()) return absl::OkStatus();
  return NoSuchCase(case_id);
}

}  // namespace cre

#endif  // CRE_HUB_ACCESS_CASE_ACCESS_H_
