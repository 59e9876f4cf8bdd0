#include "metrics/metrics_listener.h"

#include <atomic>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/post.hpp"
#include "boost/asio/strand.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"
#include "common/executor.h"
#include "common/quote.h"
#include "common/thread_name.h"
#include "metrics/metrics.h"
#include "spdlog/spdlog.h"
#include "web/listen_address.h"

namespace cre::metrics {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct MetricsListener::Impl {
  MetricsListenerOptions options;
  Render render;
  asio::io_context io{1};
  tcp::acceptor acceptor{io};
  // Renders off the I/O thread, one at a time: a second scrape waits for the
  // first rather than doubling the database's work.
  std::unique_ptr<Executor> renderer;
  std::thread io_thread;
  std::atomic<bool> stopped{false};
  int port = 0;

  void Accept();
};

namespace {

// One connection: one request read, one response written, then closed.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, MetricsListener::Impl* listener)
      : stream_(std::move(socket)), listener_(listener) {}

  void Read() {
    parser_.header_limit(8192);
    parser_.body_limit(0);
    stream_.expires_after(absl::ToChronoMilliseconds(listener_->options.read_timeout));
    http::async_read(stream_, buffer_, parser_,
                     [self = shared_from_this()](beast::error_code error, size_t) { self->OnRead(error); });
  }

 private:
  void OnRead(beast::error_code error) {
    if (error) {
      if (error == http::error::header_limit || error == http::error::body_limit ||
          error == http::error::bad_target || error == http::error::bad_method) {
        Write(400, "bad request\n");
      }
      return;  // timed out or closed: nothing to answer
    }
    const auto& request = parser_.get();
    head_ = request.method() == http::verb::head;
    if (request.method() != http::verb::get && !head_) return Write(405, "only GET\n");
    const beast::string_view target = request.target();
    const beast::string_view path = target.substr(0, target.find('?'));
    if (path != "/metrics") return Write(404, "see /metrics\n");
    // The render may wait on the database: on the listener's thread, then
    // back to the connection's.
    listener_->renderer->Submit([self = shared_from_this()] {
      std::string text = self->listener_->render();
      asio::post(self->stream_.get_executor(), [self, text = std::move(text)]() mutable {
        self->Write(200, std::move(text), kTextContentType);
      });
    });
  }

  void Write(int status, std::string body, absl::string_view content_type = "text/plain; charset=utf-8") {
    response_.result(static_cast<unsigned>(status));
    response_.version(11);
    response_.set(http::field::content_type, beast::string_view(content_type.data(), content_type.size()));
    response_.set(http::field::cache_control, "no-store");
    response_.keep_alive(false);
    response_.body() = std::move(body);
    response_.prepare_payload();
    if (head_) response_.body().clear();  // Content-Length kept: the GET's
    stream_.expires_after(absl::ToChronoMilliseconds(listener_->options.write_timeout));
    http::async_write(stream_, response_, [self = shared_from_this()](beast::error_code, size_t) {
      beast::error_code ignored;
      self->stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    });
  }

  beast::tcp_stream stream_;
  MetricsListener::Impl* listener_;
  beast::flat_buffer buffer_;
  http::request_parser<http::empty_body> parser_;
  http::response<http::string_body> response_;
  bool head_ = false;
};

}  // namespace

void MetricsListener::Impl::Accept() {
  acceptor.async_accept(asio::make_strand(io), [this](beast::error_code error, tcp::socket socket) {
    if (error) {
      if (error == asio::error::operation_aborted || stopped) return;
    } else {
      std::make_shared<Session>(std::move(socket), this)->Read();
    }
    Accept();
  });
}

absl::StatusOr<std::unique_ptr<MetricsListener>> MetricsListener::Start(MetricsListenerOptions options,
                                                                       Render render) {
  absl::StatusOr<tcp::endpoint> endpoint = web::ParseListenAddress(options.listen_address, "127.0.0.1:9464 or [::1]:9464");
  if (!endpoint.ok()) return endpoint.status();
  if (!endpoint->address().is_loopback() && !options.allow_non_loopback) {
    return absl::InvalidArgumentError(absl::StrCat(
        "listen_address: ", Quote(options.listen_address),
        " is not a loopback address; /metrics is plain HTTP with no sign-in, so it listens on loopback"
        " unless allow_non_loopback is set"));
  }
  auto impl = std::make_unique<Impl>();
  impl->options = std::move(options);
  impl->render = std::move(render);
  beast::error_code error;
  impl->acceptor.open(endpoint->protocol(), error);
  if (!error) impl->acceptor.set_option(asio::socket_base::reuse_address(true), error);
  if (!error) impl->acceptor.bind(*endpoint, error);
  if (!error) impl->acceptor.listen(asio::socket_base::max_listen_connections, error);
  if (error) {
    return absl::UnavailableError(absl::StrCat("listen_address: cannot listen on ",
                                               impl->options.listen_address, ": ", error.message()));
  }
  impl->port = impl->acceptor.local_endpoint().port();
  impl->renderer = std::make_unique<Executor>(1, "metrics");
  impl->Accept();
  impl->io_thread = std::thread([io = &impl->io] {
    NameThisThread("metrics-io");
    io->run();
  });
  return std::unique_ptr<MetricsListener>(new MetricsListener(std::move(impl)));
}

MetricsListener::MetricsListener(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

MetricsListener::~MetricsListener() { Shutdown(); }

int MetricsListener::port() const { return impl_->port; }

void MetricsListener::Shutdown() {
  if (impl_->stopped.exchange(true)) return;
  // A render in progress finishes; what it posts is dropped with the
  // stopped io_context.
  impl_->renderer.reset();
  impl_->io.stop();
  if (impl_->io_thread.joinable()) impl_->io_thread.join();
  // Closed here, once no thread runs the io_context, so that nothing listens
  // when Shutdown returns (a close posted to the io thread could be dropped
  // by the stop before it ran).
  beast::error_code ignored;
  impl_->acceptor.close(ignored);
}

}  // namespace cre::metrics
