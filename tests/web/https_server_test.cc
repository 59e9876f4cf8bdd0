// HttpsServer on 127.0.0.1 with the test PKI's hub certificate, met by a
// Boost.Beast client that verifies it against the test CA: security headers,
// limits, malformed requests, old TLS, keep-alive, late answers, timeouts,
// the connection cap and shutdown. Every client operation is bounded (5 s).
#include "web/https_server.h"

#include <openssl/ssl.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/ssl.hpp"
#include "boost/asio/write.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"
#include "boost/beast/ssl.hpp"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "expected_security_headers.h"
#include "support/test_environment.h"
#include "web/http_headers.h"

namespace cre::web {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using ErrorCode = boost::system::error_code;
using Response = http::response<http::string_body>;
using ::testing::HasSubstr;

constexpr auto kClientTimeout = std::chrono::seconds(5);

std::string CertsFile(const std::string& name) { return absl::StrCat(testing::CertsDir(), "/", name); }

// A client context that trusts the test CA only.
std::unique_ptr<ssl::context> VerifyingContext() {
  auto context = std::make_unique<ssl::context>(ssl::context::tls_client);
  context->load_verify_file(CertsFile("ca.crt"));
  context->set_verify_mode(ssl::verify_peer);
  return context;
}

// One TLS connection to the server under test. Each operation runs the
// client's own I/O context until it completes or kClientTimeout passes.
class Client {
 public:
  explicit Client(ssl::context& context) : stream_(io_, context) {
    stream_.set_verify_callback(ssl::host_name_verification("127.0.0.1"));
  }

  ErrorCode Connect(int port) {
    ErrorCode error = Run([&](auto done) {
      beast::get_lowest_layer(stream_).async_connect(
          tcp::endpoint(asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)), done);
    });
    if (error) return error;
    return Run([&](auto done) { stream_.async_handshake(ssl::stream_base::client, done); });
  }

  ErrorCode SendRaw(const std::string& bytes) {
    return Run([&](auto done) { asio::async_write(stream_, asio::buffer(bytes), done); });
  }

  ErrorCode Send(http::verb method, const std::string& target, const std::string& body = "") {
    http::request<http::string_body> request(method, target, 11);
    request.set(http::field::host, "127.0.0.1");
    request.body() = body;
    request.prepare_payload();
    return Run([&](auto done) { http::async_write(stream_, request, done); });
  }

  ErrorCode Receive(Response* response, bool head = false) {
    http::response_parser<http::string_body> parser;
    parser.skip(head);
    const ErrorCode error = Run([&](auto done) { http::async_read(stream_, buffer_, parser, done); });
    if (!error) *response = parser.release();
    return error;
  }

  // What reading more gives: an error once the server closed the connection.
  ErrorCode ReadMore() {
    char byte;
    return Run([&](auto done) { stream_.async_read_some(asio::buffer(&byte, 1), done); });
  }

  SSL* native_handle() { return stream_.native_handle(); }

 private:
  template <typename Start>
  ErrorCode Run(Start start) {
    ErrorCode result = asio::error::would_block;
    beast::get_lowest_layer(stream_).expires_after(kClientTimeout);
    start([&result](ErrorCode error, auto&&...) { result = error; });
    io_.restart();
    io_.run();
    return result;
  }

  asio::io_context io_;
  beast::ssl_stream<beast::tcp_stream> stream_;
  beast::flat_buffer buffer_;
};

std::string HeaderOf(const Response& response, http::field field) {
  const auto found = response.find(field);
  return found == response.end() ? "(absent)" : std::string(found->value());
}

std::string HeaderOf(const Response& response, const std::string& name) {
  const auto found = response.find(name);
  return found == response.end() ? "(absent)" : std::string(found->value());
}

// What http_headers.cc promises on every response.
void ExpectSecurityHeaders(const Response& response) {
  for (const auto& [name, value] : ::cre::testing::ExpectedSecurityHeaders()) {
    EXPECT_EQ(HeaderOf(response, name), value) << name;
  }
}

// The request as the handler saw it.
HttpResponse Echo(const HttpRequest& request) {
  HttpResponse response;
  response.headers.emplace_back("Content-Type", "text/plain");
  const auto header = [&](const std::string& name) {
    const auto found = request.headers.find(name);
    return found == request.headers.end() ? std::string("(absent)") : found->second;
  };
  response.body = absl::StrCat(request.method, " ", request.path, " ", request.query, "\n",
                               "x-probe: ", header("x-probe"), "\n", "cookie: ", header("cookie"), "\n",
                               "peer: ", request.peer, "\n", "body: ", request.body);
  return response;
}

class HttpsServerTest : public ::testing::Test {
 protected:
  void TearDown() override {
    server_.reset();
    for (std::thread& worker : workers_) worker.join();
  }

  HttpsOptions Options() {
    HttpsOptions options;
    options.listen_address = "127.0.0.1:0";
    options.cert_file = CertsFile("hub.crt");
    options.key_file = CertsFile("hub.key");
    return options;
  }

  // The echo handler, except: /slow is answered from a worker thread once
  // release_ is notified; /hold is kept unanswered in held_; /drop is
  // dropped unanswered; /split tries to write a header of its own.
  Handler TestHandler() {
    return [this](HttpRequest request, Respond respond) {
      ++handled_;
      if (request.path == "/slow") {
        absl::MutexLock lock(&mu_);
        workers_.emplace_back([this, request = std::move(request), respond = std::move(respond)] {
          release_.WaitForNotificationWithTimeout(absl::Seconds(10));
          respond(Echo(request));
        });
        return;
      }
      if (request.path == "/hold") {
        absl::MutexLock lock(&mu_);
        held_.push_back(std::move(respond));
        return;
      }
      if (request.path == "/drop") return;
      HttpResponse response = Echo(request);
      if (request.path == "/split") response.headers.emplace_back("X-Note", "a\r\nX-Injected: 1");
      respond(std::move(response));
    };
  }

  void Start(const HttpsOptions& options) {
    absl::StatusOr<std::unique_ptr<HttpsServer>> server = HttpsServer::Start(options, TestHandler());
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    ASSERT_GT(server_->port(), 0);
  }

  std::unique_ptr<ssl::context> context_ = VerifyingContext();
  std::unique_ptr<HttpsServer> server_;
  std::atomic<int> handled_{0};
  absl::Notification release_;
  absl::Mutex mu_;
  std::vector<std::thread> workers_;
  std::vector<Respond> held_;
};

TEST_F(HttpsServerTest, AGetIsAnsweredWithEverySecurityHeader) {
  Start(Options());
  Client client(*context_);
  ASSERT_FALSE(client.Connect(server_->port()));
  ASSERT_FALSE(
      client.SendRaw("GET /echo?case=1&b=2 HTTP/1.1\r\nHost: 127.0.0.1\r\nX-PROBE: yes\r\n"
                     "Cookie: a=1\r\nCookie: b=2\r\n\r\n"));
  Response response;
  ASSERT_FALSE(client.Receive(&response));
  EXPECT_EQ(response.result_int(), 200);
  EXPECT_THAT(response.body(), HasSubstr("GET /echo case=1&b=2\n"));
  EXPECT_THAT(response.body(), HasSubstr("x-probe: yes\n"));      // names in lower case
  EXPECT_THAT(response.body(), HasSubstr("cookie: a=1; b=2\n"));  // a repeated cookie header joined
  EXPECT_THAT(response.body(), HasSubstr("peer: 127.0.0.1:"));
  EXPECT_EQ(HeaderOf(response, http::field::content_type), "text/plain");
  EXPECT_EQ(HeaderOf(response, http::field::content_length), std::to_string(response.body().size()));
  EXPECT_NE(HeaderOf(response, http::field::date), "(absent)");
  ExpectSecurityHeaders(response);
}

TEST_F(HttpsServerTest, APostBodyReachesTheHandler) {
  Start(Options());
  Client client(*context_);
  ASSERT_FALSE(client.Connect(server_->port()));
  ASSERT_FALSE(client.Send(http::verb::post, "/form", "name=value"));
  Response response;
  ASSERT_FALSE(client.Receive(&response));
  EXPECT_EQ(response.result_int(), 200);
  EXPECT_THAT(response.body(), HasSubstr("POST /form \n"));
  EXPECT_THAT(response.body(), HasSubstr("body: name=value"));
}

TEST_F(HttpsServerTest, HeadGetsTheLengthWithoutTheBody) {
  Start(Options());
  Client client(*context_);
  ASSERT_FALSE(client.Connect(server_->port()));
  ASSERT_FALSE(client.Send(http::verb::head, "/echo"));
  Response head;
  ASSERT_FALSE(client.Receive(&head, /*head=*/true));
  EXPECT_EQ(head.result_int(), 200);
  EXPECT_EQ(head.body(), "");
  EXPECT_NE(HeaderOf(head, http::field::content_length), "0");
  // Nothing but the header was sent: the next response is read whole.
  ASSERT_FALSE(client.Send(http::verb::get, "/echo"));
  Response get;
  ASSERT_FALSE(client.Receive(&get));
  EXPECT_EQ(get.result_int(), 200);
  EXPECT_THAT(get.body(), HasSubstr("GET /echo"));
}

TEST_F(HttpsServerTest, KeepAliveServesTwoRequestsOnOneConnection) {
  Start(Options());
  Client client(*context_);
  ASSERT_FALSE(client.Connect(server_->port()));
  Response first, second;
  ASSERT_FALSE(client.Send(http::verb::get, "/one"));
  ASSERT_FALSE(client.Receive(&first));
  ASSERT_FALSE(client.Send(http::verb::get, "/two"));
  ASSERT_FALSE(client.Receive(&second));
  EXPECT_EQ(first.result_int(), 200);
  EXPECT_EQ(second.result_int(), 200);
  EXPECT_TRUE(first.keep_alive());
  EXPECT_THAT(first.body(), HasSubstr("GET /one"));
  EXPECT_THAT(second.body(), HasSubstr("GET /two"));
  // One connection: the same peer address and port.
  const auto peer = [](const Response& response) {
    return response.body().substr(response.body().find("peer: "));
  };
  EXPECT_EQ(peer(first).substr(0, peer(first).find('\n')), peer(second).substr(0, peer(second).find('\n')));
}

TEST_F(HttpsServerTest, AHandlerAnswersLaterFromAnotherThreadWithoutBlockingTheIoThread) {
  HttpsOptions options = Options();
  options.io_threads = 1;  // one thread: a blocked one would stall the fast request
  Start(options);
  Client slow(*context_), fast(*context_);
  ASSERT_FALSE(slow.Connect(server_->port()));
  ASSERT_FALSE(fast.Connect(server_->port()));
  ASSERT_FALSE(slow.Send(http::verb::get, "/slow?x=1"));

  Response fast_response;
  ASSERT_FALSE(fast.Send(http::verb::get, "/fast"));
  ASSERT_FALSE(fast.Receive(&fast_response));
  EXPECT_EQ(fast_response.result_int(), 200);
  EXPECT_FALSE(release_.HasBeenNotified());  // the slow one is still unanswered

  release_.Notify();
  Response slow_response;
  ASSERT_FALSE(slow.Receive(&slow_response));
  EXPECT_EQ(slow_response.result_int(), 200);
  EXPECT_THAT(slow_response.body(), HasSubstr("GET /slow x=1"));
  ExpectSecurityHeaders(slow_response);
}

TEST_F(HttpsServerTest, AHandlerThatDropsTheRequestGives500) {
  Start(Options());
  Client client(*context_);
  ASSERT_FALSE(client.Connect(server_->port()));
  ASSERT_FALSE(client.Send(http::verb::get, "/drop"));
  Response response;
  ASSERT_FALSE(client.Receive(&response));
  EXPECT_EQ(response.result_int(), 500);
  EXPECT_THAT(response.body(), HasSubstr(R"("code":"INTERNAL")"));
  ExpectSecurityHeaders(response);
}

TEST_F(HttpsServerTest, AHeaderValueCannotSplitTheResponse) {
  Start(Options());
  Client client(*context_);
  ASSERT_FALSE(client.Connect(server_->port()));
  ASSERT_FALSE(client.Send(http::verb::get, "/split"));
  Response response;
  ASSERT_FALSE(client.Receive(&response));
  EXPECT_EQ(response.result_int(), 200);
  EXPECT_EQ(HeaderOf(response, "X-Note"), "(absent)");
  EXPECT_EQ(HeaderOf(response, "X-Injected"), "(absent)");
}

TEST_F(HttpsServerTest, ABodyOverTheLimitGets413AndTheConnectionCloses) {
  HttpsOptions options = Options();
  options.max_body_bytes = 1024;
  Start(options);
  {
    SCOPED_TRACE("Content-Length over the limit");
    Client client(*context_);
    ASSERT_FALSE(client.Connect(server_->port()));
    ASSERT_FALSE(client.SendRaw("POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5000\r\n\r\n" +
                                std::string(5000, 'x')));
    Response response;
    ASSERT_FALSE(client.Receive(&response));
    EXPECT_EQ(response.result_int(), 413);
    EXPECT_FALSE(response.keep_alive());
    EXPECT_THAT(response.body(), HasSubstr("over 1024 bytes"));
    ExpectSecurityHeaders(response);
    const ErrorCode closed = client.ReadMore();
    EXPECT_TRUE(closed);
    EXPECT_NE(closed, beast::error::timeout);
  }
  {
    SCOPED_TRACE("chunks over the limit");
    Client client(*context_);
    ASSERT_FALSE(client.Connect(server_->port()));
    const std::string chunk = "320\r\n" + std::string(0x320, 'y') + "\r\n";  // 800 bytes
    ASSERT_FALSE(
        client.SendRaw("POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n" +
                       chunk + chunk + "0\r\n\r\n"));
    Response response;
    ASSERT_FALSE(client.Receive(&response));
    EXPECT_EQ(response.result_int(), 413);
    EXPECT_FALSE(response.keep_alive());
  }
  {
    SCOPED_TRACE("a body at the limit");
    Client client(*context_);
    ASSERT_FALSE(client.Connect(server_->port()));
    ASSERT_FALSE(client.Send(http::verb::post, "/upload", std::string(1024, 'z')));
    Response response;
    ASSERT_FALSE(client.Receive(&response));
    EXPECT_EQ(response.result_int(), 200);
  }
  EXPECT_EQ(handled_, 1);
}

TEST_F(HttpsServerTest, AnOversizeHeaderGets431) {
  Start(Options());
  Client client(*context_);
  ASSERT_FALSE(client.Connect(server_->port()));
  ASSERT_FALSE(
      client.SendRaw("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + std::string(10000, 'a') + "\r\n\r\n"));
  Response response;
  ASSERT_FALSE(client.Receive(&response));
  EXPECT_EQ(response.result_int(), 431);
  EXPECT_FALSE(response.keep_alive());
  ExpectSecurityHeaders(response);
  EXPECT_TRUE(client.ReadMore());
  EXPECT_EQ(handled_, 0);
}

TEST_F(HttpsServerTest, GarbageGets400) {
  Start(Options());
  const std::string malformed[] = {
      "this is not HTTP at all\r\n\r\n",
      "GET / HTTP/1.1\r\nHost 127.0.0.1\r\n\r\n",                           // no colon
      "GET / HTTP/1.1\r\nContent-Length: 12abc\r\n\r\n",                    // a bad length
      "GET http://elsewhere.example/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",  // not a path
  };
  for (const std::string& request : malformed) {
    SCOPED_TRACE(request);
    Client client(*context_);
    ASSERT_FALSE(client.Connect(server_->port()));
    ASSERT_FALSE(client.SendRaw(request));
    Response response;
    ASSERT_FALSE(client.Receive(&response));
    EXPECT_EQ(response.result_int(), 400);
    EXPECT_THAT(response.body(), HasSubstr(R"("code":"INVALID_ARGUMENT")"));
    EXPECT_FALSE(response.keep_alive());
    ExpectSecurityHeaders(response);
  }
  EXPECT_EQ(handled_, 0);
}

TEST_F(HttpsServerTest, ATls11ClientIsRefused) {
  Start(Options());
  // A client that would speak TLS 1.0 and 1.1, as OpenSSL allows them at
  // security level 0: the refusal must come from the server.
  const auto old_client = [&](int max_version) {
    auto context = VerifyingContext();
    SSL_CTX_set_security_level(context->native_handle(), 0);
    SSL_CTX_set_cipher_list(context->native_handle(), "DEFAULT:@SECLEVEL=0");
    SSL_CTX_set_min_proto_version(context->native_handle(), TLS1_VERSION);
    SSL_CTX_set_max_proto_version(context->native_handle(), max_version);
    return context;
  };
  auto tls11 = old_client(TLS1_1_VERSION);
  Client client(*tls11);
  const ErrorCode refused = client.Connect(server_->port());
  ASSERT_TRUE(refused);
  EXPECT_THAT(refused.message(), HasSubstr("protocol version"));  // the server's alert

  auto tls12 = old_client(TLS1_2_VERSION);
  Client control(*tls12);
  ASSERT_FALSE(control.Connect(server_->port()));
  EXPECT_STREQ(SSL_get_version(control.native_handle()), "TLSv1.2");
}

TEST_F(HttpsServerTest, AClientThatOffersProtocolsMustOfferHttp11) {
  Start(Options());
  const auto offering = [&](const std::vector<unsigned char>& protocols) {
    auto context = VerifyingContext();
    SSL_CTX_set_alpn_protos(context->native_handle(), protocols.data(), protocols.size());
    return context;
  };
  auto h2_only = offering({2, 'h', '2'});
  Client refused(*h2_only);
  EXPECT_TRUE(refused.Connect(server_->port()));

  auto both = offering({2, 'h', '2', 8, 'h', 't', 't', 'p', '/', '1', '.', '1'});
  Client served(*both);
  ASSERT_FALSE(served.Connect(server_->port()));
  const unsigned char* selected = nullptr;
  unsigned int length = 0;
  SSL_get0_alpn_selected(served.native_handle(), &selected, &length);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(selected), length), "http/1.1");
}

TEST_F(HttpsServerTest, ConnectionsBeyondTheLimitAreClosedAtOnce) {
  HttpsOptions options = Options();
  options.max_connections = 1;
  Start(options);
  auto first = std::make_unique<Client>(*context_);
  ASSERT_FALSE(first->Connect(server_->port()));
  Response response;
  ASSERT_FALSE(first->Send(http::verb::get, "/"));
  ASSERT_FALSE(first->Receive(&response));

  Client second(*context_);
  const auto start = absl::Now();
  const ErrorCode refused = second.Connect(server_->port());
  EXPECT_TRUE(refused);
  EXPECT_NE(refused, beast::error::timeout);
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));

  first.reset();  // its slot is freed once the server sees it closed
  bool served = false;
  for (int attempt = 0; attempt < 50 && !served; ++attempt) {
    Client third(*context_);
    served =
        !third.Connect(server_->port()) && !third.Send(http::verb::get, "/") && !third.Receive(&response);
    if (!served) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(served);
}

TEST_F(HttpsServerTest, TimeoutsCloseTheConnection) {
  HttpsOptions options = Options();
  options.read_timeout = absl::Milliseconds(300);
  options.idle_timeout = absl::Milliseconds(500);
  Start(options);
  {
    SCOPED_TRACE("a request that never ends");
    Client client(*context_);
    ASSERT_FALSE(client.Connect(server_->port()));
    ASSERT_FALSE(client.SendRaw("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n"));
    const auto start = absl::Now();
    const ErrorCode closed = client.ReadMore();
    EXPECT_TRUE(closed);
    EXPECT_NE(closed, beast::error::timeout);
    EXPECT_LT(absl::Now() - start, absl::Seconds(2));
  }
  {
    SCOPED_TRACE("no request at all");
    Client client(*context_);
    ASSERT_FALSE(client.Connect(server_->port()));
    const auto start = absl::Now();
    const ErrorCode closed = client.ReadMore();
    EXPECT_TRUE(closed);
    EXPECT_NE(closed, beast::error::timeout);
    EXPECT_GE(absl::Now() - start, absl::Milliseconds(400));  // the idle timeout, not the read timeout
    EXPECT_LT(absl::Now() - start, absl::Seconds(2));
  }
  EXPECT_EQ(handled_, 0);
}

TEST_F(HttpsServerTest, ShutdownReturnsWithinTheGrace) {
  Start(Options());
  Client busy(*context_), idle(*context_);
  ASSERT_FALSE(busy.Connect(server_->port()));
  ASSERT_FALSE(idle.Connect(server_->port()));
  ASSERT_FALSE(busy.Send(http::verb::get, "/hold"));
  for (int i = 0; i < 200 && handled_ == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_EQ(handled_, 1);

  const absl::Duration grace = absl::Milliseconds(500);
  const auto start = absl::Now();
  server_->Shutdown(grace);
  const absl::Duration took = absl::Now() - start;
  EXPECT_GE(took, grace - absl::Milliseconds(50));  // the held request had its grace
  EXPECT_LT(took, grace + absl::Milliseconds(500));

  EXPECT_TRUE(busy.ReadMore());
  EXPECT_TRUE(idle.ReadMore());
  Client late(*context_);
  EXPECT_TRUE(late.Connect(server_->port()));

  // An answer after the shutdown, and after the server is gone, goes nowhere.
  absl::MutexLock lock(&mu_);
  ASSERT_EQ(held_.size(), 1u);
  held_[0](JsonResponse(200, "{}"));
  server_.reset();
  held_.clear();
}

TEST_F(HttpsServerTest, ShutdownClosesIdleConnectionsAtOnceAndAnswersRequestsInProgress) {
  Start(Options());
  Client idle(*context_), slow(*context_);
  ASSERT_FALSE(idle.Connect(server_->port()));
  ASSERT_FALSE(slow.Connect(server_->port()));
  ASSERT_FALSE(slow.Send(http::verb::get, "/slow"));
  for (int i = 0; i < 200 && handled_ == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_EQ(handled_, 1);

  std::thread answer([this] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    release_.Notify();
  });
  const auto start = absl::Now();
  server_->Shutdown(absl::Seconds(10));
  // Once the answer is written: no wait for the client to close.
  EXPECT_LT(absl::Now() - start, absl::Seconds(1));
  answer.join();

  EXPECT_TRUE(idle.ReadMore());
  Response response;
  ASSERT_FALSE(slow.Receive(&response));
  EXPECT_EQ(response.result_int(), 200);
  EXPECT_FALSE(response.keep_alive());  // and then it closes
}

TEST_F(HttpsServerTest, StartNamesTheOptionThatIsWrong) {
  const auto start_with = [&](const HttpsOptions& options) {
    return HttpsServer::Start(options, [](HttpRequest, Respond respond) { respond(HttpResponse{}); })
        .status();
  };
  HttpsOptions options = Options();
  options.cert_file = CertsFile("no-such.crt");
  absl::Status status = start_with(options);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("cert_file"));

  options = Options();
  options.key_file = CertsFile("no-such.key");
  status = start_with(options);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("key_file"));

  options = Options();
  options.key_file = CertsFile("ca.key");  // a key, but not the certificate's
  status = start_with(options);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("key_file"));

  options = Options();
  options.cert_file = "";
  EXPECT_THAT(start_with(options).message(), HasSubstr("cert_file: required"));

  options = Options();
  options.listen_address = "localhost:8443";
  status = start_with(options);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("listen_address"));

  options = Options();
  options.io_threads = 0;
  EXPECT_THAT(start_with(options).message(), HasSubstr("io_threads"));
}

}  // namespace
}  // namespace cre::web
