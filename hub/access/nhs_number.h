// The NHS number: the consistent identifier a child is known by across
// agencies (section 16LC of the Children Act 2004, as inserted by the
// Children's Wellbeing and Schools Act 2026). Pure: no I/O, no state.
//
//   absl::StatusOr<std::string> digits = NormalizeNhsNumber("943 476 5919");
//   // *digits == "9434765919"
#ifndef CRE_HUB_ACCESS_NHS_NUMBER_H_
#define CRE_HUB_ACCESS_NHS_NUMBER_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace cre {

// An NHS number as written: 10 digits ("9434765919"), or the same grouped
// 3 3 4 by single spaces, as printed on NHS letters and cards ("943 476
// 5919"). Longer than this is never one.
inline constexpr size_t kMaxNhsNumberBytes = 12;

// The ten digits of `text`, if it is a valid NHS number written as above;
// otherwise INVALID_ARGUMENT with the reason alone (e.g. "9 digits; an NHS
// number has 10"), never the value, for the caller to prefix with the
// field's name.
//
// Valid means the tenth digit is the Modulus 11 check digit of the first
// nine, as the NHS Data Dictionary defines it (data element NHS NUMBER,
// https://www.datadictionary.nhs.uk/attributes/nhs_number.html): multiply
// the first nine digits by 10, 9, ..., 2; add the products; the check digit
// is 11 minus the remainder of the sum divided by 11, 0 when that is 11; a
// result of 10 means no valid NHS number has these first nine digits.
absl::StatusOr<std::string> NormalizeNhsNumber(absl::string_view text);

}  // namespace cre

#endif  // CRE_HUB_ACCESS_NHS_NUMBER_H_
