#include "web/console_query.h"

#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "web/http_headers.h"

namespace cre::web {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// application/x-www-form-urlencoded: "+" is a space, %XX a byte.
std::string Unescape(absl::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out += ' ';
    } else if (text[i] == '%' && i + 2 < text.size() && HexValue(text[i + 1]) >= 0 &&
               HexValue(text[i + 2]) >= 0) {
      out += static_cast<char>(HexValue(text[i + 1]) * 16 + HexValue(text[i + 2]));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

}  // namespace

absl::flat_hash_map<std::string, std::string> QueryValues(absl::string_view query) {
  absl::flat_hash_map<std::string, std::string> values;
  for (absl::string_view pair : absl::StrSplit(query, '&', absl::SkipEmpty())) {
    std::pair<absl::string_view, absl::string_view> kv = absl::StrSplit(pair, absl::MaxSplits('=', 1));
    values.emplace(Unescape(kv.first), Unescape(kv.second));
  }
  return values;
}

absl::StatusOr<v1::ListOpenActionsRequest> OpenActionsRequest(absl::string_view query) {
  v1::ListOpenActionsRequest request;
  for (const auto& [name, value] : QueryValues(query)) {
    if (name == "overdue_only") {
      if (value != "true" && value != "false") return absl::InvalidArgumentError("overdue_only: true or false");
      request.set_overdue_only(value == "true");
    } else if (name == "page_size") {
      int size;
      if (!absl::SimpleAtoi(value, &size)) return absl::InvalidArgumentError("page_size: not a number");
      request.set_page_size(size);
    } else if (name == "page_token") {
      request.set_page_token(value);
    } else if (name == "owner_agency_id") {
      request.set_owner_agency_id(value);
    } else if (name == "due_within_working_days") {
      int days;
      if (!absl::SimpleAtoi(value, &days)) return absl::InvalidArgumentError("due_within_working_days: not a number");
      request.set_due_within_working_days(days);
    } else if (name == "owner") {
      v1::PractitionerRole role;
      if (!v1::PractitionerRole_Parse(value, &role)) {
        return absl::InvalidArgumentError(
            "owner: not a PractitionerRole's name, such as PRACTITIONER_ROLE_SOCIAL_WORKER");
      }
      request.set_owner(role);
    } else {
      return absl::InvalidArgumentError(absl::StrCat("query: unknown parameter ", JsonString(name)));
    }
  }
  return request;
}

}  // namespace cre::web
