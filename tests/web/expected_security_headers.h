// What http_headers.cc promises on every response, header by header: the
// unit test of AddSecurityHeaders and the server's test both hold responses
// to this one list.
#ifndef CRE_TESTS_WEB_EXPECTED_SECURITY_HEADERS_H_
#define CRE_TESTS_WEB_EXPECTED_SECURITY_HEADERS_H_

#include <utility>
#include <vector>

namespace cre::testing {

inline const std::vector<std::pair<const char*, const char*>>& ExpectedSecurityHeaders() {
  static const auto* const headers = new std::vector<std::pair<const char*, const char*>>{
      {"Content-Security-Policy",
       "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "font-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"},
      {"Strict-Transport-Security", "max-age=31536000"},
      {"X-Frame-Options", "DENY"},
      {"X-Content-Type-Options", "nosniff"},
      {"Referrer-Policy", "no-referrer"},
      {"Cross-Origin-Opener-Policy", "same-origin"},
      {"Cross-Origin-Resource-Policy", "same-origin"},
      {"Cache-Control", "no-store"},
  };
  return *headers;
}

}  // namespace cre::testing

#endif  // CRE_TESTS_WEB_EXPECTED_SECURITY_HEADERS_H_
