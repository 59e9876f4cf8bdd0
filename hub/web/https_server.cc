#include "web/https_server.h"

#include <openssl/crypto.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <exception>
#include <optional>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/post.hpp"
#include "boost/asio/ssl.hpp"
#include "boost/asio/steady_timer.hpp"
#include "boost/asio/strand.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"
#include "boost/beast/ssl.hpp"
#include "common/files.h"
#include "common/quote.h"
#include "common/status_macros.h"
#include "common/thread_name.h"
#include "common/trace_context.h"
#include "spdlog/spdlog.h"
#include "web/http_headers.h"
#include "web/listen_address.h"

namespace cre::web {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using ErrorCode = boost::system::error_code;

// TLS 1.2's suites with forward secrecy and an AEAD cipher (Mozilla's
// "intermediate" list). TLS 1.3's are OpenSSL's defaults, all of them AEAD.
constexpr char kTls12Ciphers[] =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

// How long a closing connection waits for the client's close_notify, or
// reads and drops what the client still sends after a refusal.
constexpr absl::Duration kCloseTimeout = absl::Seconds(2);
// What a refused client may still send before the connection is cut.
constexpr size_t kMaxDrainBytes = 1 << 20;
// How long to wait before accepting again after accept failed (out of file
// descriptors, most likely): retrying at once would spin.
constexpr absl::Duration kAcceptRetry = absl::Milliseconds(100);
// How often a refusal beyond max_connections is logged, with the count.
constexpr absl::Duration kRefusalLogInterval = absl::Minutes(1);
// What a log line shows of a request's path.
constexpr size_t kLoggedPathBytes = 256;
// The first read of a request: most fit.
constexpr size_t kFirstReadBytes = 4096;

// Headers that frame the message on the wire: the server's alone.
constexpr absl::string_view kFramingHeaders[] = {
    "content-length", "transfer-encoding", "connection", "keep-alive", "date", "upgrade", "trailer"};

std::chrono::nanoseconds ToChrono(absl::Duration duration) { return absl::ToChronoNanoseconds(duration); }

bool IsToken(absl::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return absl::ascii_isalnum(static_cast<unsigned char>(c)) ||
           absl::string_view("!#$%&'*+-.^_`|~").find(c) != absl::string_view::npos;
  });
}

// A header value may hold tabs and visible characters; CR or LF would end
// the header and let the value write headers (or a body) of its own.
bool IsHeaderValue(absl::string_view value) {
  return std::all_of(value.begin(), value.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return c == '\t' || (byte >= 0x20 && byte != 0x7f);
  });
}

bool IsFramingHeader(absl::string_view name) {
  return std::any_of(std::begin(kFramingHeaders), std::end(kFramingHeaders),
                     [&](absl::string_view framing) { return absl::EqualsIgnoreCase(name, framing); });
}

std::string HttpDate(absl::Time time) {
  return absl::FormatTime("%a, %d %b %Y %H:%M:%S GMT", time, absl::UTCTimeZone());
}

std::string EndpointText(const tcp::endpoint& endpoint) {
  const std::string address = endpoint.address().to_string();
  return endpoint.address().is_v6() ? absl::StrCat("[", address, "]:", endpoint.port())
                                    : absl::StrCat(address, ":", endpoint.port());
}

absl::Status CheckOptions(const HttpsOptions& options) {
  const auto invalid = [](absl::string_view field, absl::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": ", why));
  };
  if (options.io_threads < 1 || options.io_threads > 64) return invalid("io_threads", "must be 1 to 64");
  if (options.max_header_bytes < 256 || options.max_header_bytes > (1u << 20)) {
    return invalid("max_header_bytes", "must be 256 to 1048576");
  }
  if (options.max_body_bytes < 1) return invalid("max_body_bytes", "must be positive");
  if (options.read_timeout <= absl::ZeroDuration()) return invalid("read_timeout", "must be positive");
  if (options.idle_timeout <= absl::ZeroDuration()) return invalid("idle_timeout", "must be positive");
  if (options.max_connections < 1) return invalid("max_connections", "must be positive");
  return absl::OkStatus();
}

// ALPN: a client that names protocols must name http/1.1, so that a TLS
// connection meant for another service cannot be served as HTTP (ALPACA).
// A client that names none (most non-browser clients) is served.
int SelectHttp11(SSL*, const unsigned char** out, unsigned char* out_length, const unsigned char* offered,
                 unsigned int offered_length, void*) {
  static constexpr unsigned char kHttp11[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
  unsigned char* selected = nullptr;
  if (SSL_select_next_proto(&selected, out_length, kHttp11, sizeof(kHttp11), offered, offered_length) !=
      OPENSSL_NPN_NEGOTIATED) {
    return SSL_TLSEXT_ERR_ALERT_FATAL;
  }
  *out = selected;
  return SSL_TLSEXT_ERR_OK;
}

// A PEM file named by an option, as INVALID_ARGUMENT naming the option if it
// cannot be read.
absl::StatusOr<std::string> ReadPem(absl::string_view option, const std::string& path) {
  if (path.empty()) return absl::InvalidArgumentError(absl::StrCat(option, ": required"));
  absl::StatusOr<std::string> pem = ReadFile(path);
  if (!pem.ok()) return absl::InvalidArgumentError(absl::StrCat(option, ": ", pem.status().message()));
  return pem;
}

absl::Status ConfigureTls(ssl::context& tls, const HttpsOptions& options) {
  SSL_CTX* ctx = tls.native_handle();
  // Compression leaks secrets through lengths (CRIME); renegotiation has had
  // its own attacks and lets a client make the server work again and again.
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
      SSL_CTX_set_cipher_list(ctx, kTls12Ciphers) != 1) {
    return absl::InternalError("OpenSSL refused the TLS version or cipher settings");
  }
  SSL_CTX_set_alpn_select_cb(ctx, SelectHttp11, nullptr);

  CRE_ASSIGN_OR_RETURN(std::string certificate, ReadPem("cert_file", options.cert_file));
  ErrorCode error;
  tls.use_certificate_chain(asio::buffer(certificate), error);
  if (error) {
    return absl::InvalidArgumentError(
        absl::StrCat("cert_file: ", options.cert_file, " holds no PEM certificate chain: ", error.message()));
  }
  CRE_ASSIGN_OR_RETURN(std::string key, ReadPem("key_file", options.key_file));
  tls.use_private_key(asio::buffer(key), ssl::context::pem, error);
  // The key's bytes are not left behind in freed memory.
  OPENSSL_cleanse(key.data(), key.size());
  if (error) {
    return absl::InvalidArgumentError(absl::StrCat(
        "key_file: ", options.key_file, " holds no PEM private key for cert_file: ", error.message()));
  }
  if (SSL_CTX_check_private_key(ctx) != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("key_file: ", options.key_file, " does not match cert_file ", options.cert_file));
  }
  return absl::OkStatus();
}

class Session;

// What the server shares with its connections and with the Respond
// callables it hands out. A Respond may outlive the server (a worker still
// holds it), so it holds this, and finds `stopped` set.
struct ServerState {
  ServerState(HttpsOptions options_in, Handler handler_in)
      : options(std::move(options_in)), handler(std::move(handler_in)) {}

  const HttpsOptions options;
  const Handler handler;
  ssl::context tls{ssl::context::tls_server};

  absl::Mutex mu;
  // Shutdown began: no new connection, each open one closes after its
  // response.
  bool draining ABSL_GUARDED_BY(mu) = false;
  // The I/O threads are stopping: answers are dropped, and nothing more is
  // posted to them.
  bool stopped ABSL_GUARDED_BY(mu) = false;
  // Of `sessions`, those closing: their response, if any, is written.
  size_t closing ABSL_GUARDED_BY(mu) = 0;
  // The open connections. This owns them while a handler works on their
  // request (nothing else does then), and lets Shutdown reach them.
  absl::flat_hash_map<Session*, std::shared_ptr<Session>> sessions ABSL_GUARDED_BY(mu);
};

// One TLS connection, its requests one at a time. Every member function
// runs on the connection's strand, except ForceClose.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(std::shared_ptr<ServerState> state, tcp::socket&& socket, std::string peer)
      : state_(std::move(state)), stream_(std::move(socket), state_->tls), peer_(std::move(peer)) {}

  asio::any_io_executor executor() { return stream_.get_executor(); }

  void Start() { asio::post(executor(), beast::bind_front_handler(&Session::Handshake, shared_from_this())); }

  // The handler's answer to request `request_id`, if the connection still
  // waits for it.
  void Deliver(HttpResponse response, uint64_t request_id) {
    if (phase_ != Phase::kAwaitingResponse || request_id != request_id_) return;
    Write(std::move(response), /*close_after=*/false);
  }

  // Shutdown: close now if no request is in progress, else after its response.
  void Drain() {
    draining_ = true;
    // The pending handshake or wait for a request fails, and its handler
    // finishes the connection.
    if (phase_ == Phase::kHandshake || phase_ == Phase::kIdle) beast::get_lowest_layer(stream_).close();
  }

  // Only once no I/O thread runs: nothing else can touch the connection.
  void ForceClose() { beast::get_lowest_layer(stream_).close(); }

 private:
  enum class Phase { kHandshake, kIdle, kReading, kAwaitingResponse, kWriting, kClosing, kClosed };

  beast::tcp_stream& tcp() { return beast::get_lowest_layer(stream_); }
  const HttpsOptions& options() const { return state_->options; }

  void Handshake() {
    phase_ = Phase::kHandshake;
    tcp().expires_after(ToChrono(options().read_timeout));
    stream_.async_handshake(ssl::stream_base::server,
                            beast::bind_front_handler(&Session::OnHandshake, shared_from_this()));
  }

  void OnHandshake(ErrorCode error) {
    if (error) {
      spdlog::debug("web: TLS handshake failed: {}", error.message());
      return Abort();
    }
    WaitForRequest();
  }

  // The idle timeout runs until a request's first byte, the read timeout
  // from there to its last: a slow client cannot hold a connection by
  // trickling a request, nor an idle one forever.
  void WaitForRequest() {
    phase_ = Phase::kIdle;
    if (draining_) return CloseTls();
    if (buffer_.size() > 0) return ReadRequest();  // pipelined
    tcp().expires_after(ToChrono(options().idle_timeout));
    stream_.async_read_some(buffer_.prepare(kFirstReadBytes),
                            beast::bind_front_handler(&Session::OnFirstBytes, shared_from_this()));
  }

  void OnFirstBytes(ErrorCode error, size_t bytes) {
    buffer_.commit(bytes);
    if (error) return Abort();
    ReadRequest();
  }

  void ReadRequest() {
    phase_ = Phase::kReading;
    request_start_ = absl::Now();
    trace_ = TraceContext();
    head_ = false;
    parser_.emplace();
    parser_->header_limit(static_cast<uint32_t>(options().max_header_bytes));
    parser_->body_limit(options().max_body_bytes);
    tcp().expires_after(ToChrono(options().read_timeout));
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&Session::OnRead, shared_from_this()));
  }

  void OnRead(ErrorCode error, size_t) {
    if (error == http::error::header_limit) {
      return Refuse(
          431, "RESOURCE_EXHAUSTED",
          absl::StrCat("the request line and headers are over ", options().max_header_bytes, " bytes"));
    }
    if (error == http::error::body_limit) {
      return Refuse(413, "RESOURCE_EXHAUSTED",
                    absl::StrCat("the request body is over ", options().max_body_bytes, " bytes"));
    }
    // The client went away mid-request: no one to answer.
    if (error == http::error::end_of_stream || error == http::error::partial_message) return Abort();
    if (error && error.category() == http::make_error_code(http::error::bad_method).category()) {
      return Refuse(400, "INVALID_ARGUMENT", "malformed HTTP request");
    }
    if (error) {
      if (error == beast::error::timeout) spdlog::debug("web: a request took longer than read_timeout");
      return Abort();
    }
    Dispatch();
  }

  void Dispatch() {
    http::request<http::string_body>& message = parser_->get();
    ++request_id_;
    keep_alive_ = message.keep_alive();
    head_ = message.method() == http::verb::head;
    const absl::string_view target(message.target().data(), message.target().size());
    if (target.empty() || target.front() != '/') {
      return Refuse(400, "INVALID_ARGUMENT", "the request target is not a path", /*request_read=*/true);
    }
    HttpRequest request;
    request.method = std::string(message.method_string());
    const size_t question = target.find('?');
    request.path = std::string(target.substr(0, question));
    if (question != absl::string_view::npos) request.query = std::string(target.substr(question + 1));
    for (const auto& field : message) {
      std::string name =
          absl::AsciiStrToLower(absl::string_view(field.name_string().data(), field.name_string().size()));
      const absl::string_view value(field.value().data(), field.value().size());
      auto [it, inserted] = request.headers.try_emplace(std::move(name), value);
      if (!inserted) absl::StrAppend(&it->second, it->first == "cookie" ? "; " : ", ", value);
    }
    request.body = std::move(message.body());
    request.peer = peer_;
    // The request's W3C trace (common/trace_context.h), as a gRPC call's:
    // the caller's traceparent continued, or a new trace; named in the
    // request's log line and returned in the response. (A header sent twice
    // was joined above, and is invalid as the specification says.)
    auto traceparent = request.headers.find(kTraceparentKey);
    trace_ = traceparent == request.headers.end() ? NewTrace() : TraceForCall({traceparent->second});
    logged_method_ = request.method;
    logged_path_ = request.path;
    parser_.reset();

    phase_ = Phase::kAwaitingResponse;
    tcp().expires_never();  // the handler takes its time; nothing is read meanwhile
    auto slot = std::make_shared<ResponseSlot>(state_, weak_from_this(), request_id_);
    try {
      state_->handler(std::move(request),
                      [slot](HttpResponse response) { slot->Answer(std::move(response)); });
    } catch (const std::exception& e) {
      // The slot answers 500 once the handler's copies are gone.
      spdlog::error("web: the handler threw: {}", Quote(e.what(), 256));
    }
  }

  // A refusal by the server itself. Unless the whole request was read, the
  // connection is closed by draining what the client still sends, so that
  // its unread bytes do not make the kernel reset the connection (which can
  // discard the refusal before the client reads it).
  void Refuse(int status, absl::string_view code, absl::string_view message, bool request_read = false) {
    // The request line, if it was parsed (empty if not).
    if (parser_.has_value()) {
      const auto& header = parser_->get();
      head_ = header.method() == http::verb::head;
      logged_method_ = std::string(header.method_string());
      const absl::string_view target(header.target().data(), header.target().size());
      logged_path_ = std::string(target.substr(0, target.find('?')));
    }
    parser_.reset();
    linger_ = !request_read;
    Write(
        JsonResponse(status, absl::StrCat(R"({"code":")", code, R"(","message":)", JsonString(message), "}")),
        /*close_after=*/true);
  }

  void Write(HttpResponse response, bool close_after) {
    if (response.status < 200 || response.status > 599) {
      response = ErrorResponse(
          absl::InternalError(absl::StrCat("a handler answered with HTTP status ", response.status)));
    }
    AddSecurityHeaders(response);
    const bool keep_alive = keep_alive_ && !close_after && !draining_;
    response_ =
        std::make_unique<http::response<http::string_body>>(static_cast<http::status>(response.status),
                                                            /*version=*/11);
    for (auto& [name, value] : response.headers) {
      if (!IsToken(name) || !IsHeaderValue(value)) {
        spdlog::warn("web: dropped a response header with an invalid name or value: {}", Quote(name));
        continue;
      }
      if (IsFramingHeader(name)) {
        spdlog::warn("web: dropped a response header the server sets itself: {}", Quote(name));
        continue;
      }
      response_->insert(name, value);
    }
    response_->set(http::field::date, HttpDate(absl::Now()));
    if (trace_.empty()) trace_ = NewTrace();  // refused before the request was read
    response_->set(kTraceparentKey, trace_.Traceparent());
    response_->keep_alive(keep_alive);
    // 204 and 304 have no body and no length to announce.
    if (response.status != 204 && response.status != 304) {
      response_->content_length(response.body.size());
      if (!head_) response_->body() = std::move(response.body);
    }
    LogRequest(response.status);

    phase_ = Phase::kWriting;
    tcp().expires_after(ToChrono(options().read_timeout));
    http::async_write(stream_, *response_,
                      beast::bind_front_handler(&Session::OnWrite, shared_from_this(), keep_alive));
  }

  void OnWrite(bool keep_alive, ErrorCode error, size_t) {
    response_.reset();
    if (error) return Abort();
    if (!keep_alive) return linger_ ? CloseLingering() : CloseTls();
    WaitForRequest();
  }

  // Method, path, status and duration only: a query, header or body may
  // carry personal data, and so may the peer's address.
  void LogRequest(int status) {
    const double duration_ms = absl::ToDoubleMilliseconds(absl::Now() - request_start_);
    spdlog::info(R"(web {{"method":{},"path":{},"status":{},"duration_ms":{:.2f},"trace":"{}","parent_span":"{}"}})",
                 JsonString(Quote(logged_method_, 16)), JsonString(Quote(logged_path_, kLoggedPathBytes)),
                 status, duration_ms, trace_.Traceparent(), trace_.parent_id);
  }

  // Shutdown need not wait for a connection that is closing: its response
  // is written, and what is left is waiting on the client.
  void EnterClosing() {
    phase_ = Phase::kClosing;
    absl::MutexLock lock(&state_->mu);
    ++state_->closing;
  }

  void CloseTls() {
    EnterClosing();
    tcp().expires_after(ToChrono(kCloseTimeout));
    stream_.async_shutdown([self = shared_from_this()](ErrorCode) {
      self->tcp().close();
      self->Finish();
    });
  }

  void CloseLingering() {
    EnterClosing();
    ErrorCode ignored;
    tcp().socket().shutdown(tcp::socket::shutdown_send, ignored);
    tcp().expires_after(ToChrono(kCloseTimeout));
    Drop(ErrorCode(), 0);
  }

  void Drop(ErrorCode error, size_t bytes) {
    dropped_bytes_ += bytes;
    if (error || dropped_bytes_ > kMaxDrainBytes) return Abort();
    tcp().async_read_some(asio::buffer(drop_buffer_),
                          beast::bind_front_handler(&Session::Drop, shared_from_this()));
  }

  void Abort() {
    tcp().close();
    Finish();
  }

  // The connection is closed: it leaves the server's set (and Shutdown's wait).
  void Finish() {
    if (phase_ == Phase::kClosed) return;
    const bool was_closing = phase_ == Phase::kClosing;
    phase_ = Phase::kClosed;
    std::shared_ptr<Session> self;  // released after the lock; the caller holds another
    absl::MutexLock lock(&state_->mu);
    if (was_closing) --state_->closing;
    auto it = state_->sessions.find(this);
    if (it != state_->sessions.end()) {
      self = std::move(it->second);
      state_->sessions.erase(it);
    }
  }

  // The one answer a request gets, shared by the copies of its Respond.
  class ResponseSlot {
   public:
    ResponseSlot(std::shared_ptr<ServerState> state, std::weak_ptr<Session> session, uint64_t request_id)
        : state_(std::move(state)), session_(std::move(session)), request_id_(request_id) {}

    ~ResponseSlot() {
      if (!answered_.exchange(true)) {
        Send(ErrorResponse(absl::InternalError("a handler dropped a request without answering it")));
      }
    }

    void Answer(HttpResponse response) {
      if (answered_.exchange(true)) {
        spdlog::warn("web: a request was answered twice; the second answer is dropped");
        return;
      }
      Send(std::move(response));
    }

   private:
    // Under the lock, so that Shutdown, once it set `stopped`, knows no
    // answer is being posted to the I/O threads it is about to stop.
    void Send(HttpResponse response) {
      absl::MutexLock lock(&state_->mu);
      if (state_->stopped) return;
      std::shared_ptr<Session> session = session_.lock();
      if (session == nullptr) return;
      asio::post(session->executor(), [session, id = request_id_, response = std::move(response)]() mutable {
        session->Deliver(std::move(response), id);
      });
    }

    const std::shared_ptr<ServerState> state_;
    const std::weak_ptr<Session> session_;
    const uint64_t request_id_;
    std::atomic<bool> answered_{false};
  };

  const std::shared_ptr<ServerState> state_;
  beast::ssl_stream<beast::tcp_stream> stream_;
  const std::string peer_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::unique_ptr<http::response<http::string_body>> response_;  // while it is written
  Phase phase_ = Phase::kHandshake;
  bool draining_ = false;
  bool keep_alive_ = false;  // what the request in hand asked for
  bool head_ = false;        // the request in hand is HEAD: no body in the response
  bool linger_ = false;      // close by draining what the client sends
  uint64_t request_id_ = 0;
  absl::Time request_start_ = absl::Now();
  // The current request's trace; empty until its header is read.
  TraceContext trace_;
  std::string logged_method_;
  std::string logged_path_;
  std::array<char, 4096> drop_buffer_;
  size_t dropped_bytes_ = 0;
};

}  // namespace

struct HttpsServer::Impl {
  explicit Impl(std::shared_ptr<ServerState> state_in)
      : state(std::move(state_in)),
        io(state->options.io_threads),
        acceptor(asio::make_strand(io)),
        accept_retry(acceptor.get_executor()),
        work(asio::make_work_guard(io)) {}

  absl::Status Listen(const tcp::endpoint& endpoint) {
    ErrorCode error;
    acceptor.open(endpoint.protocol(), error);
    if (!error) acceptor.set_option(asio::socket_base::reuse_address(true), error);
    if (!error) acceptor.bind(endpoint, error);
    if (!error) acceptor.listen(asio::socket_base::max_listen_connections, error);
    if (error) {
      return absl::UnavailableError(
          absl::StrCat("listen_address: cannot listen on ", EndpointText(endpoint), ": ", error.message()));
    }
    port = acceptor.local_endpoint().port();
    return absl::OkStatus();
  }

  void Run() {
    asio::post(acceptor.get_executor(), [this] { Accept(); });
    for (int i = 0; i < state->options.io_threads; ++i) {
      threads.emplace_back([this] {
        NameThisThread("web-io");
        for (;;) {
          try {
            io.run();
            return;
          } catch (const std::exception& e) {
            // A bug in a handler must not stop the thread and, with it, every
            // connection it serves.
            spdlog::error("web: an I/O handler threw: {}", Quote(e.what(), 256));
          }
        }
      });
    }
  }

  // On the acceptor's strand, as is everything that touches `acceptor`.
  void Accept() {
    acceptor.async_accept(asio::make_strand(io), [this](ErrorCode error, tcp::socket socket) {
      OnAccept(error, std::move(socket));
    });
  }

  void OnAccept(ErrorCode error, tcp::socket socket) {
    if (!acceptor.is_open()) return;  // Shutdown closed it
    if (error) {
      spdlog::warn("web: accept failed: {}", error.message());
      accept_retry.expires_after(ToChrono(kAcceptRetry));
      accept_retry.async_wait([this](ErrorCode waited) {
        if (!waited) Accept();
      });
      return;
    }
    ErrorCode no_peer;
    const tcp::endpoint peer = socket.remote_endpoint(no_peer);
    // A response goes out in more than one write (TLS records, header and
    // body); with Nagle's algorithm the last waits for the client's delayed
    // ACK, which added 40 ms to a list of 200 open actions.
    ErrorCode ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    std::shared_ptr<Session> session;
    {
      absl::MutexLock lock(&state->mu);
      if (state->draining) return;  // the socket closes as it goes
      if (state->sessions.size() < static_cast<size_t>(state->options.max_connections)) {
        session = std::make_shared<Session>(state, std::move(socket), no_peer ? "" : EndpointText(peer));
        state->sessions.emplace(session.get(), session);
      }
    }
    if (session != nullptr) {
      session->Start();
    } else {
      socket.close(no_peer);
      LogRefusal();
    }
    Accept();
  }

  // One line a minute at most: a flood must not flood the log too.
  void LogRefusal() {
    ++refused;
    const absl::Time now = absl::Now();
    if (now - last_refusal_log < kRefusalLogInterval) return;
    spdlog::warn("web: {} connection(s) closed at once: max_connections ({}) are open", refused,
                 state->options.max_connections);
    refused = 0;
    last_refusal_log = now;
  }

  void Shutdown(absl::Duration grace) {
    const absl::Time deadline = absl::Now() + grace;
    absl::MutexLock shutdown_lock(&shutdown_mu);
    if (shut_down) return;
    shut_down = true;

    std::vector<std::shared_ptr<Session>> open;
    {
      absl::MutexLock lock(&state->mu);
      state->draining = true;
      for (const auto& [unused, session] : state->sessions) open.push_back(session);
    }
    asio::post(acceptor.get_executor(), [this] {
      ErrorCode ignored;
      acceptor.close(ignored);
      accept_retry.cancel();
    });
    for (const auto& session : open) asio::post(session->executor(), [session] { session->Drain(); });
    open.clear();

    {
      absl::MutexLock lock(&state->mu);
      state->mu.AwaitWithDeadline(absl::Condition(
                                      +[](ServerState* shared) ABSL_EXCLUSIVE_LOCKS_REQUIRED(shared->mu) {
                                        return shared->sessions.size() == shared->closing;
                                      },
                                      state.get()),
                                  deadline);
      state->stopped = true;
    }
    work.reset();
    io.stop();
    for (std::thread& thread : threads) thread.join();
    threads.clear();

    // No thread runs the I/O context any more, so what is left is closed
    // from here; handlers still queued in it are destroyed with it.
    {
      absl::MutexLock lock(&state->mu);
      for (auto& [unused, session] : state->sessions) open.push_back(std::move(session));
      state->sessions.clear();
    }
    if (!open.empty()) spdlog::info("web: {} connection(s) closed at shutdown", open.size());
    for (const auto& session : open) session->ForceClose();
    ErrorCode ignored;
    acceptor.close(ignored);
  }

  // Declared in the order they may be destroyed in reverse: the I/O context
  // outlives the acceptor, the timer and the threads.
  const std::shared_ptr<ServerState> state;
  asio::io_context io;
  tcp::acceptor acceptor;
  asio::steady_timer accept_retry;
  asio::executor_work_guard<asio::io_context::executor_type> work;
  std::vector<std::thread> threads;
  int port = 0;
  // The acceptor's strand only.
  int64_t refused = 0;
  absl::Time last_refusal_log = absl::InfinitePast();

  absl::Mutex shutdown_mu;
  bool shut_down ABSL_GUARDED_BY(shutdown_mu) = false;
};

absl::StatusOr<std::unique_ptr<HttpsServer>> HttpsServer::Start(HttpsOptions options, Handler handler) {
  if (!handler) return absl::InvalidArgumentError("handler: required");
  CRE_RETURN_IF_ERROR(CheckOptions(options));
  CRE_ASSIGN_OR_RETURN(const tcp::endpoint endpoint, ParseListenAddress(options.listen_address, "127.0.0.1:8443 or [::1]:8443"));
  auto state = std::make_shared<ServerState>(std::move(options), std::move(handler));
  CRE_RETURN_IF_ERROR(ConfigureTls(state->tls, state->options));
  auto impl = std::make_unique<Impl>(std::move(state));
  CRE_RETURN_IF_ERROR(impl->Listen(endpoint));
  impl->Run();
  return std::unique_ptr<HttpsServer>(new HttpsServer(std::move(impl)));
}

HttpsServer::HttpsServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpsServer::~HttpsServer() { Shutdown(absl::ZeroDuration()); }

int HttpsServer::port() const { return impl_->port; }

void HttpsServer::Shutdown(absl::Duration grace) { impl_->Shutdown(grace); }

}  // namespace cre::web
