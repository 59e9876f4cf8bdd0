// What every HTTP response of the web console carries, and the few header
// formats its routes need: security headers, session cookies, JSON bodies,
// and the one conversion of an absl::Status into an HTTP status.
//
//   HttpResponse response = JsonResponse(200, R"({"signed_in":true})");
//   response.headers.emplace_back(
//       "Set-Cookie", SessionCookie("session", token, absl::Hours(8)));
//   respond(std::move(response));   // the server adds the security headers
//
//   absl::Status status = ...;     // from the service API
//   if (!status.ok()) return respond(ErrorResponse(status));   // 404, 409, ...
//
//   auto cookies = ParseCookies(request.headers["cookie"]);
//   auto session = cookies.find("__Host-session");
#ifndef CRE_HUB_WEB_HTTP_HEADERS_H_
#define CRE_HUB_WEB_HTTP_HEADERS_H_

#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "web/https_server.h"

namespace cre::web {

// The value of the first header named `name` (case-insensitive), or null.
const std::string* FindHeader(const HttpResponse& response, absl::string_view name);

// Sets the headers that make a browser treat the console as a closed
// application: scripts, styles, images and requests from its own origin only
// and no inline script (Content-Security-Policy), HTTPS only for a year
// (Strict-Transport-Security), never framed, no MIME sniffing, no Referer,
// its own browsing context group. Each replaces a header of the same name the
// response had, so that no route can weaken them. Cache-Control is
// "no-store" (pages carry case data, which must not stay in a browser's or a
// proxy's cache) unless the response set its own, as static files do.
void AddSecurityHeaders(HttpResponse& response);

// The cookies of a Cookie header ("a=1; b=2"), by name as sent. Spaces around
// pairs are ignored; a pair with no "=", an empty or invalid name, or a value
// with characters a cookie may not hold is skipped. A value in double quotes
// is returned without them. If a name repeats, the first is kept (browsers
// send the most specific first).
absl::flat_hash_map<std::string, std::string> ParseCookies(absl::string_view header);

// A Set-Cookie value for a session: "__Host-<name>=<value>; Path=/; Secure;
// HttpOnly; SameSite=Strict; Max-Age=<seconds>". The __Host- prefix makes the
// browser refuse it unless it is Secure, for the whole origin and set by the
// origin itself, so a sibling subdomain cannot plant or read it. `name` must
// be a token and `value` cookie characters (e.g. base64url): both come from
// the console's code, never from a request.
std::string SessionCookie(absl::string_view name, absl::string_view value, absl::Duration max_age);

// A Set-Cookie value that makes the browser drop the session cookie `name`.
std::string ClearedCookie(absl::string_view name);

// `json` (already JSON) with Content-Type application/json.
HttpResponse JsonResponse(int status, std::string json);

// The one place an absl::Status becomes an HTTP status, by Abseil's rules:
//   INVALID_ARGUMENT 400, UNAUTHENTICATED 401, PERMISSION_DENIED 403,
//   NOT_FOUND 404, ALREADY_EXISTS and FAILED_PRECONDITION 409,
//   RESOURCE_EXHAUSTED 429, UNAVAILABLE 503 (retry later);
//   any other code, OK included (a caller's bug), 500.
// The body is {"code":"NOT_FOUND","message":"..."}. For a 500 the code is
// INTERNAL and the message generic: the status's own message may name
// database objects or a file, so it goes to the log only.
HttpResponse ErrorResponse(const absl::Status& status);

// `text` as a JSON string literal, quotes included. Bytes that are not UTF-8
// become U+FFFD; <, > and & are escaped so that no JSON can be read as HTML.
std::string JsonString(absl::string_view text);

}  // namespace cre::web

#endif  // CRE_HUB_WEB_HTTP_HEADERS_H_
