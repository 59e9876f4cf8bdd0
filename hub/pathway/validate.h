// Checking a case file before the engine reads it. The hub runs the same
// check on every case file it stores, so an error names the field the way a
// person editing the file sees it.
//
//   absl::Status s = ValidateCaseFile(file, "E06000015", calendar.zone());
//   // INVALID_ARGUMENT "risk_assessments[1].assessed_at: before child.date_of_birth"
#ifndef CRE_HUB_PATHWAY_VALIDATE_H_
#define CRE_HUB_PATHWAY_VALIDATE_H_

#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "cre/v1/case_file.pb.h"

namespace cre::pathway {

// OK, or INVALID_ARGUMENT "<field path>: <what is wrong>" for the first
// problem: a missing or malformed field, an enum value outside its enum, a
// child not of or placed in this authority, an assessment before the child
// was born or the case opened, an event before the case opened, an
// acknowledgement before what it acknowledges, a meeting outcome without its
// details.
absl::Status ValidateCaseFile(const cre::v1::CaseFile& file,
                              const std::string& local_authority_code,
                              const absl::TimeZone& zone);

}  // namespace cre::pathway

#endif  // CRE_HUB_PATHWAY_VALIDATE_H_
