// An HTTPS/1.1 server for the hub's web console: TLS, keep-alive, limits and
// timeouts, security headers on every response. It knows HTTP and nothing of
// the hub: the console's routes are a Handler written on top of it.
//
//   HttpsOptions options;
//   options.listen_address = "127.0.0.1:8443";
//   options.cert_file = "certs/dev/hub.crt";
//   options.key_file = "certs/dev/hub.key";
//   auto server = HttpsServer::Start(options, [&](HttpRequest request, Respond respond) {
//     if (request.path != "/api/cases") return respond(ErrorResponse(absl::NotFoundError("no such page")));
//     pool.Schedule([&, respond] {           // the database work, off the I/O threads
//       respond(JsonResponse(200, ListCasesAsJson()));
//     });
//   });
//   if (!server.ok()) return server.status();
//   ...
//   (*server)->Shutdown(absl::Seconds(5));
//
// Built on Boost.Beast and Boost.Asio with OpenSSL: Beast is well kept,
// widely used, and ships in Debian's own Boost (libboost-dev, header-only
// here), so it is patched with the distribution. Debian's cpp-httplib, the
// other packaged choice, is an old release whose vulnerabilities are fixed
// only upstream.
//
// What a client meets:
// - TLS 1.2 or 1.3 only, AEAD cipher suites with forward secrecy, no TLS
//   compression, no renegotiation; ALPN, when offered, must include
//   http/1.1 (so that a connection meant for another protocol is refused).
// - HTTP/1.1 keep-alive, one request at a time per connection (the next is
//   read once the response is written).
// - A request line and headers over max_header_bytes: 431; a body over
//   max_body_bytes: 413; a malformed request or a target that is not a path:
//   400. Each closes the connection after the response.
// - read_timeout bounds the TLS handshake, reading a request once its first
//   byte came, and writing a response; idle_timeout bounds the wait for a
//   request. Either closes the connection, without a response.
// - Beyond max_connections, a new connection is closed at once.
// - Every response, the server's own refusals included, passes through
//   AddSecurityHeaders (http_headers.h).
//
// The log has one line per request with its method, path, status and
// duration: no query string, header, body or peer address, which may carry
// personal data.
#ifndef CRE_HUB_WEB_HTTPS_SERVER_H_
#define CRE_HUB_WEB_HTTPS_SERVER_H_

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace cre::web {

struct HttpRequest {
  std::string method;  // as sent: "GET", "POST", ...
  std::string path;    // the target before "?", as sent (not percent-decoded); starts with "/"
  std::string query;   // the target after "?", without it; empty if none
  // Names in lower case. A name sent twice has its values joined with ", "
  // ("; " for cookie), as HTTP allows.
  absl::flat_hash_map<std::string, std::string> headers;
  std::string body;
  std::string peer;  // "127.0.0.1:50312", "[::1]:50312"
};

// An HTTP response as a handler gives it. The server frames it
// (Content-Length, Connection, Date are its own, and a handler's are
// dropped). A response to HEAD is sent with the body's length and without
// the body, so a handler may answer HEAD as it answers GET.
struct HttpResponse {
  int status = 200;
  // In order; a name may repeat (Set-Cookie). Names are case-insensitive.
  // A header whose name is not a token or whose value holds CR, LF or NUL is
  // dropped (and logged), so that no value can split the response.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

// Answers one request. Call it once, from any thread, now or later: a
// handler may hand the request to a worker and answer from there. Calls after
// the first are ignored. If every copy is destroyed uncalled, the client gets
// a 500. After Shutdown, calling it does nothing.
using Respond = std::function<void(HttpResponse)>;

// Called on an I/O thread for each request: it must not block (no database
// work, no waiting), or it stalls every connection that thread serves.
using Handler = std::function<void(HttpRequest, Respond)>;

struct HttpsOptions {
  // An IP address and port; port 0 lets the kernel choose (see port()).
  std::string listen_address = "127.0.0.1:0";
  // PEM files, read by Start: the certificate chain (leaf first) and its key.
  std::string cert_file;
  std::string key_file;
  int io_threads = 2;
  size_t max_header_bytes = 8192;  // request line and headers
  size_t max_body_bytes = 65536;
  absl::Duration read_timeout = absl::Seconds(30);
  absl::Duration idle_timeout = absl::Seconds(60);
  int max_connections = 1000;
};

class HttpsServer {
 public:
  // Reads the certificate and key, listens, and serves on io_threads threads.
  // INVALID_ARGUMENT naming the option for a bad option or a certificate or
  // key that is missing, unreadable or not PEM, or a key that does not match
  // the certificate; UNAVAILABLE if the address cannot be listened on.
  static absl::StatusOr<std::unique_ptr<HttpsServer>> Start(HttpsOptions options, Handler handler);

  // Shutdown(absl::ZeroDuration()).
  ~HttpsServer();

  HttpsServer(const HttpsServer&) = delete;
  HttpsServer& operator=(const HttpsServer&) = delete;

  // The port listened on (the kernel's choice if the option said 0).
  int port() const;

  // Stops accepting, closes idle connections, lets requests in progress be
  // answered (each connection then closes) for at most `grace`, then closes
  // whatever is left and stops the threads. Returns within `grace` plus the
  // time to join them. Later calls do nothing.
  void Shutdown(absl::Duration grace);

 private:
  struct Impl;
  explicit HttpsServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace cre::web

#endif  // CRE_HUB_WEB_HTTPS_SERVER_H_
