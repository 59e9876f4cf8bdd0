#include "web/http_headers.h"

#include <algorithm>
#include <cstdint>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/quote.h"
#include "spdlog/spdlog.h"

namespace cre::web {
namespace {

struct SecurityHeader {
  const char* name;
  const char* value;
};

// No inline script or style anywhere: the console's pages load their code
// from its own origin, so an injected <script> or handler attribute does not
// run. data: images are for small icons embedded in CSS.
constexpr SecurityHeader kSecurityHeaders[] = {
    {"Content-Security-Policy",
     "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
     "connect-src 'self'; font-src 'self'; form-action 'self'; base-uri 'none'; "
     "frame-ancestors 'none'"},
    {"Strict-Transport-Security", "max-age=31536000"},
    {"X-Frame-Options", "DENY"},
    {"X-Content-Type-Options", "nosniff"},
    {"Referrer-Policy", "no-referrer"},
    {"Cross-Origin-Opener-Policy", "same-origin"},
    {"Cross-Origin-Resource-Policy", "same-origin"},
};

struct HttpCode {
  absl::StatusCode code;
  int http_status;
  const char* name;
};

// The codes a route's refusal may carry, by Abseil's rules; any other is a
// fault of the hub's own, answered as INTERNAL.
constexpr HttpCode kHttpCodes[] = {
    {absl::StatusCode::kInvalidArgument, 400, "INVALID_ARGUMENT"},
    {absl::StatusCode::kUnauthenticated, 401, "UNAUTHENTICATED"},
    {absl::StatusCode::kPermissionDenied, 403, "PERMISSION_DENIED"},
    {absl::StatusCode::kNotFound, 404, "NOT_FOUND"},
    {absl::StatusCode::kAlreadyExists, 409, "ALREADY_EXISTS"},
    {absl::StatusCode::kFailedPrecondition, 409, "FAILED_PRECONDITION"},
    {absl::StatusCode::kResourceExhausted, 429, "RESOURCE_EXHAUSTED"},
    {absl::StatusCode::kUnavailable, 503, "UNAVAILABLE"},
};

constexpr absl::string_view kSessionPrefix = "__Host-";

// RFC 7230 tchar: what a header or cookie name may hold.
bool IsTokenChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) ||
         absl::string_view("!#$%&'*+-.^_`|~").find(c) != absl::string_view::npos;
}

bool IsToken(absl::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), IsTokenChar);
}

// RFC 6265 cookie-octet: printable ASCII but space, DQUOTE, comma, semicolon
// and backslash.
bool IsCookieValue(absl::string_view value) {
  return std::all_of(value.begin(), value.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte > 0x20 && byte < 0x7f && c != '"' && c != ',' && c != ';' && c != '\\';
  });
}

void SetHeader(HttpResponse& response, absl::string_view name, absl::string_view value) {
  auto& headers = response.headers;
  headers.erase(
      std::remove_if(headers.begin(), headers.end(),
                     [&](const auto& header) { return absl::EqualsIgnoreCase(header.first, name); }),
      headers.end());
  headers.emplace_back(std::string(name), std::string(value));
}

// The length of the UTF-8 sequence at the start of `text`, or 0 if it is not
// one (overlong forms, surrogates and values past U+10FFFF included).
size_t Utf8SequenceLength(absl::string_view text) {
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
  const auto continuation = [&](size_t i) { return i < text.size() && (byte(i) & 0xc0) == 0x80; };
  const unsigned char first = byte(0);
  if (first < 0x80) return 1;
  if (first >= 0xc2 && first <= 0xdf) return continuation(1) ? 2 : 0;
  if (first >= 0xe0 && first <= 0xef) {
    if (!continuation(1) || !continuation(2)) return 0;
    if (first == 0xe0 && byte(1) < 0xa0) return 0;   // overlong
    if (first == 0xed && byte(1) >= 0xa0) return 0;  // surrogate
    return 3;
  }
  if (first >= 0xf0 && first <= 0xf4) {
    if (!continuation(1) || !continuation(2) || !continuation(3)) return 0;
    if (first == 0xf0 && byte(1) < 0x90) return 0;   // overlong
    if (first == 0xf4 && byte(1) >= 0x90) return 0;  // past U+10FFFF
    return 4;
  }
  return 0;
}

}  // namespace

const std::string* FindHeader(const HttpResponse& response, absl::string_view name) {
  for (const auto& [header_name, value] : response.headers) {
    if (absl::EqualsIgnoreCase(header_name, name)) return &value;
  }
  return nullptr;
}

void AddSecurityHeaders(HttpResponse& response) {
  for (const SecurityHeader& header : kSecurityHeaders) SetHeader(response, header.name, header.value);
  if (FindHeader(response, "Cache-Control") == nullptr) {
    response.headers.emplace_back("Cache-Control", "no-store");
  }
}

absl::flat_hash_map<std::string, std::string> ParseCookies(absl::string_view header) {
  absl::flat_hash_map<std::string, std::string> cookies;
  for (absl::string_view pair : absl::StrSplit(header, ';')) {
    pair = absl::StripAsciiWhitespace(pair);
    const size_t equals = pair.find('=');
    if (equals == absl::string_view::npos) continue;
    const absl::string_view name = absl::StripAsciiWhitespace(pair.substr(0, equals));
    absl::string_view value = absl::StripAsciiWhitespace(pair.substr(equals + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    if (!IsToken(name) || !IsCookieValue(value)) continue;
    cookies.emplace(std::string(name), std::string(value));  // keeps the first
  }
  return cookies;
}

std::string SessionCookie(absl::string_view name, absl::string_view value, absl::Duration max_age) {
  const int64_t seconds = std::max<int64_t>(0, absl::ToInt64Seconds(max_age));
  return absl::StrCat(kSessionPrefix, name, "=", value,
                      "; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=", seconds);
}

std::string ClearedCookie(absl::string_view name) { return SessionCookie(name, "", absl::ZeroDuration()); }

HttpResponse JsonResponse(int status, std::string json) {
  HttpResponse response;
  response.status = status;
  response.headers.emplace_back("Content-Type", "application/json");
  response.body = std::move(json);
  return response;
}

HttpResponse ErrorResponse(const absl::Status& status) {
  for (const HttpCode& entry : kHttpCodes) {
    if (entry.code == status.code()) {
      return JsonResponse(entry.http_status, absl::StrCat(R"({"code":")", entry.name, R"(","message":)",
                                                          JsonString(status.message()), "}"));
    }
  }
  // Bounded and on one line: the message may carry what a library quoted of
  // a request.
  spdlog::error("internal error: {}", Quote(status.ToString(), 1024));
  return JsonResponse(
      500, R"({"code":"INTERNAL","message":"internal error in the hub; the hub's log has the detail"})");
}

std::string JsonString(absl::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string json = "\"";
  json.reserve(text.size() + 2);
  while (!text.empty()) {
    const size_t length = Utf8SequenceLength(text);
    if (length == 0) {
      json += "\xef\xbf\xbd";  // U+FFFD
      text.remove_prefix(1);
      continue;
    }
    const auto byte = static_cast<unsigned char>(text.front());
    if (length > 1) {
      json.append(text.data(), length);
    } else if (byte == '"' || byte == '\\') {
      json += {'\\', text.front()};
    } else if (byte < 0x20 || byte == '<' || byte == '>' || byte == '&' || byte == 0x7f) {
      json += {'\\', 'u', '0', '0', kHex[byte >> 4], kHex[byte & 0xf]};
    } else {
      json.push_back(text.front());
    }
    text.remove_prefix(length);
  }
  json.push_back('"');
  return json;
}

}  // namespace cre::web
