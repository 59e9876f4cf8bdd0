#include "common/quote.h"

#include "absl/strings/str_cat.h"

namespace cre {

std::string Quote(absl::string_view text, size_t max_bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  const absl::string_view shown = text.substr(0, max_bytes);
  std::string quoted;
  quoted.reserve(shown.size() + 31);
  for (const char c : shown) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte < 0x7f) {
      quoted.push_back(c);
    } else {
      quoted += {'\\', 'x', kHex[byte >> 4], kHex[byte & 0xf]};
    }
  }
  if (shown.size() < text.size()) absl::StrAppend(&quoted, "...(", text.size(), " bytes)");
  return quoted;
}

}  // namespace cre
