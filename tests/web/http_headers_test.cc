// http_headers: the security headers every response carries, session
// cookies, and the one mapping of absl::Status to HTTP.
#include "web/http_headers.h"

#include <string>

#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "expected_security_headers.h"

namespace cre::web {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

std::string HeaderOf(const HttpResponse& response, const std::string& name) {
  const std::string* value = FindHeader(response, name);
  return value == nullptr ? "(absent)" : *value;
}

int CountOf(const HttpResponse& response, const std::string& name) {
  int count = 0;
  for (const auto& header : response.headers) count += absl::EqualsIgnoreCase(header.first, name) ? 1 : 0;
  return count;
}

TEST(SecurityHeadersTest, EveryHeaderIsSet) {
  HttpResponse response;
  AddSecurityHeaders(response);
  for (const auto& [name, value] : ::cre::testing::ExpectedSecurityHeaders()) {
    EXPECT_EQ(HeaderOf(response, name), value) << name;
  }
}

TEST(SecurityHeadersTest, AResponseCannotWeakenThem) {
  HttpResponse response;
  response.headers = {{"content-security-policy", "default-src *; script-src 'unsafe-inline'"},
                      {"X-Frame-Options", "SAMEORIGIN"},
                      {"Set-Cookie", "a=1"},
                      {"Set-Cookie", "b=2"}};
  AddSecurityHeaders(response);
  EXPECT_EQ(CountOf(response, "Content-Security-Policy"), 1);
  EXPECT_THAT(HeaderOf(response, "Content-Security-Policy"), Not(HasSubstr("unsafe-inline")));
  EXPECT_EQ(CountOf(response, "X-Frame-Options"), 1);
  EXPECT_EQ(HeaderOf(response, "X-Frame-Options"), "DENY");
  EXPECT_EQ(CountOf(response, "Set-Cookie"), 2);  // other headers are kept
}

TEST(SecurityHeadersTest, ACacheControlOfTheResponseIsKept) {
  HttpResponse response;
  response.headers = {{"cache-control", "no-cache"}};
  AddSecurityHeaders(response);
  EXPECT_EQ(CountOf(response, "Cache-Control"), 1);
  EXPECT_EQ(HeaderOf(response, "Cache-Control"), "no-cache");
}

TEST(CookiesTest, ParsesPairsWithOrWithoutSpaces) {
  EXPECT_THAT(ParseCookies("a=1; b=2;c=3 ;  d = 4"),
              UnorderedElementsAre(Pair("a", "1"), Pair("b", "2"), Pair("c", "3"), Pair("d", "4")));
  EXPECT_THAT(ParseCookies("__Host-session=abc-DEF_123"),
              UnorderedElementsAre(Pair("__Host-session", "abc-DEF_123")));
  EXPECT_THAT(ParseCookies("empty=; q=\"quoted\""),
              UnorderedElementsAre(Pair("empty", ""), Pair("q", "quoted")));
  EXPECT_THAT(ParseCookies("x=a=b"), UnorderedElementsAre(Pair("x", "a=b")));
  EXPECT_TRUE(ParseCookies("").empty());
  EXPECT_TRUE(ParseCookies(" ; ;; ").empty());
}

TEST(CookiesTest, IgnoresMalformedPairs) {
  EXPECT_THAT(ParseCookies("novalue; =nameless; ok=1; bad name=2; sp=a b; q=\"a\"b\"; c,d=3; e=x\\y; f=\x01"),
              UnorderedElementsAre(Pair("ok", "1")));
}

TEST(CookiesTest, TheFirstOfARepeatedNameIsKept) {
  EXPECT_THAT(ParseCookies("s=first; s=second"), UnorderedElementsAre(Pair("s", "first")));
}

TEST(CookiesTest, ASessionCookieIsHostOnlySecureHttpOnlyAndStrict) {
  EXPECT_EQ(SessionCookie("session", "abc123", absl::Hours(8)),
            "__Host-session=abc123; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=28800");
  EXPECT_EQ(SessionCookie("s", "v", absl::Milliseconds(1500)),
            "__Host-s=v; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=1");
  EXPECT_EQ(SessionCookie("s", "v", -absl::Seconds(5)),
            "__Host-s=v; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0");
}

TEST(CookiesTest, AClearedCookieExpiresAtOnce) {
  EXPECT_EQ(ClearedCookie("session"),
            "__Host-session=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0");
}

TEST(CookiesTest, ASessionCookieParsesBack) {
  // A browser sends back only the pair.
  const std::string set_cookie = SessionCookie("session", "tok_EN-1", absl::Minutes(5));
  const std::string pair = set_cookie.substr(0, set_cookie.find(';'));
  EXPECT_THAT(ParseCookies("other=1; " + pair),
              UnorderedElementsAre(Pair("other", "1"), Pair("__Host-session", "tok_EN-1")));
}

TEST(JsonResponseTest, CarriesTheBodyAndContentType) {
  const HttpResponse response = JsonResponse(201, R"({"id":"x"})");
  EXPECT_EQ(response.status, 201);
  EXPECT_EQ(response.body, R"({"id":"x"})");
  EXPECT_EQ(HeaderOf(response, "Content-Type"), "application/json");
}

struct Mapping {
  absl::Status status;
  int http_status;
  std::string body;
};

TEST(ErrorResponseTest, MapsEachRefusalCodeToItsHttpStatus) {
  const Mapping mappings[] = {
      {absl::InvalidArgumentError("name: required"), 400,
       R"({"code":"INVALID_ARGUMENT","message":"name: required"})"},
      {absl::UnauthenticatedError("sign in"), 401, R"({"code":"UNAUTHENTICATED","message":"sign in"})"},
      {absl::PermissionDeniedError("no"), 403, R"({"code":"PERMISSION_DENIED","message":"no"})"},
      {absl::NotFoundError("no case c-1 is shared with you"), 404,
       R"({"code":"NOT_FOUND","message":"no case c-1 is shared with you"})"},
      {absl::AlreadyExistsError("key"), 409, R"({"code":"ALREADY_EXISTS","message":"key"})"},
      {absl::FailedPreconditionError("closed"), 409, R"({"code":"FAILED_PRECONDITION","message":"closed"})"},
      {absl::ResourceExhaustedError("slow down"), 429,
       R"({"code":"RESOURCE_EXHAUSTED","message":"slow down"})"},
      {absl::UnavailableError("database down"), 503, R"({"code":"UNAVAILABLE","message":"database down"})"},
  };
  for (const Mapping& mapping : mappings) {
    SCOPED_TRACE(mapping.status.ToString());
    const HttpResponse response = ErrorResponse(mapping.status);
    EXPECT_EQ(response.status, mapping.http_status);
    EXPECT_EQ(response.body, mapping.body);
    EXPECT_EQ(HeaderOf(response, "Content-Type"), "application/json");
  }
}

TEST(ErrorResponseTest, InternalAndOtherCodesNeverShowTheirMessage) {
  const absl::Status faults[] = {
      absl::InternalError("Table 'cre_hub.secret_table' doesn't exist"),
      absl::UnknownError("secret-unknown"),
      absl::DataLossError("secret-data-loss"),
      absl::DeadlineExceededError("secret-deadline"),
      absl::AbortedError("secret-aborted"),
      absl::UnimplementedError("secret-unimplemented"),
      absl::CancelledError("secret-cancelled"),
      absl::OutOfRangeError("secret-range"),
      absl::OkStatus(),
  };
  for (const absl::Status& fault : faults) {
    SCOPED_TRACE(fault.ToString());
    const HttpResponse response = ErrorResponse(fault);
    EXPECT_EQ(response.status, 500);
    EXPECT_THAT(response.body, HasSubstr(R"("code":"INTERNAL")"));
    EXPECT_THAT(response.body, Not(HasSubstr("secret")));
  }
}

TEST(ErrorResponseTest, TheMessageIsEscapedAsJson) {
  const HttpResponse response = ErrorResponse(absl::InvalidArgumentError("a \"b\" \\ c\n<script>&"));
  EXPECT_EQ(response.body,
            R"({"code":"INVALID_ARGUMENT","message":"a \"b\" \\ c\u000a\u003cscript\u003e\u0026"})");
}

TEST(JsonStringTest, KeepsUtf8AndReplacesWhatIsNot) {
  EXPECT_EQ(JsonString(""), R"("")");
  EXPECT_EQ(JsonString("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x99\x82"),
            "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x99\x82\"");
  EXPECT_EQ(JsonString("a\xff"
                       "b"),
            "\"a\xef\xbf\xbd"
            "b\"");
  EXPECT_EQ(JsonString("\xc3"), "\"\xef\xbf\xbd\"");                                  // cut short
  EXPECT_EQ(JsonString("\xc0\xaf"), "\"\xef\xbf\xbd\xef\xbf\xbd\"");                  // overlong "/"
  EXPECT_EQ(JsonString("\xed\xa0\x80"), "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");  // a surrogate
  EXPECT_EQ(JsonString(std::string("\0\t\x7f", 3)), R"("\u0000\u0009\u007f")");
}

}  // namespace
}  // namespace cre::web
