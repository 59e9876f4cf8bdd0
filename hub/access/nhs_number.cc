#include "access/nhs_number.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace cre {
namespace {

constexpr size_t kDigits = 10;
constexpr char kWritten[] = "10 digits, or 3 3 4 digits with single spaces (943 476 5919)";

}  // namespace

absl::StatusOr<std::string> NormalizeNhsNumber(absl::string_view text) {
  std::string digits;
  size_t spaces = 0;
  for (char c : text) {
    if (absl::ascii_isdigit(c)) {
      digits.push_back(c);
    } else if (c == ' ') {
      ++spaces;
    } else {
      return absl::InvalidArgumentError(absl::StrCat("not an NHS number: ", kWritten));
    }
  }
  if (digits.size() != kDigits) {
    return absl::InvalidArgumentError(absl::StrCat(digits.size(), " digits; an NHS number has 10"));
  }
  // Spaces only as the printed groups have them: "9434 765919" is more
  // likely a mistyped number than a way of writing one.
  if (spaces != 0 && !(text.size() == kMaxNhsNumberBytes && text[3] == ' ' && text[7] == ' ')) {
    return absl::InvalidArgumentError(absl::StrCat("spaced wrongly: ", kWritten));
  }

  int sum = 0;
  for (size_t i = 0; i + 1 < kDigits; ++i) sum += (digits[i] - '0') * static_cast<int>(kDigits - i);
  int check = 11 - sum % 11;
  if (check == 11) check = 0;
  if (check == 10) {
    return absl::InvalidArgumentError("not a valid NHS number: no check digit fits its first nine digits (Modulus 11)");
  }
  if (check != digits[kDigits - 1] - '0') {
    return absl::InvalidArgumentError("not a valid NHS number: the check digit is wrong (Modulus 11)");
  }
  return digits;
}

}  // namespace cre
