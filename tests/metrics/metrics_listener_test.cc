// The /metrics listener on 127.0.0.1: what it serves, what it refuses, and
// that it never listens beyond loopback unless told to.
#include "metrics/metrics_listener.h"

#include <atomic>
#include <string>

#include "boost/asio/connect.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "metrics/metrics.h"

namespace cre::metrics {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;
using ::testing::HasSubstr;

http::response<http::string_body> Fetch(int port, http::verb verb, const std::string& target) {
  boost::asio::io_context io;
  beast::tcp_stream stream(io);
  stream.expires_after(std::chrono::seconds(10));
  stream.connect(tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)));
  http::request<http::empty_body> request(verb, target, 11);
  request.set(http::field::host, "127.0.0.1");
  http::write(stream, request);
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  if (verb == http::verb::head) parser.skip(true);
  http::read(stream, buffer, parser);
  return parser.release();
}

TEST(MetricsListenerTest, ServesTheRenderedTextAtMetrics) {
  std::atomic<int> renders{0};
  auto listener = MetricsListener::Start({}, [&] {
    ++renders;
    return std::string("# HELP x X.\n# TYPE x gauge\nx 1\n");
  });
  ASSERT_TRUE(listener.ok()) << listener.status();
  ASSERT_GT((*listener)->port(), 0);

  auto response = Fetch((*listener)->port(), http::verb::get, "/metrics");
  EXPECT_EQ(response.result_int(), 200);
  EXPECT_EQ(response[http::field::content_type], "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(response.body(), "# HELP x X.\n# TYPE x gauge\nx 1\n");
  // A query string is ignored.
  EXPECT_EQ(Fetch((*listener)->port(), http::verb::get, "/metrics?x=1").result_int(), 200);
  auto head = Fetch((*listener)->port(), http::verb::head, "/metrics");
  EXPECT_EQ(head.result_int(), 200);
  EXPECT_TRUE(head.body().empty());
  EXPECT_EQ(renders.load(), 3);
}

TEST(MetricsListenerTest, OtherPathsAndMethodsAreRefused) {
  auto listener = MetricsListener::Start({}, [] { return std::string("x 1\n"); });
  ASSERT_TRUE(listener.ok()) << listener.status();
  EXPECT_EQ(Fetch((*listener)->port(), http::verb::get, "/").result_int(), 404);
  EXPECT_EQ(Fetch((*listener)->port(), http::verb::get, "/metrics/x").result_int(), 404);
  EXPECT_EQ(Fetch((*listener)->port(), http::verb::post, "/metrics").result_int(), 405);
}

TEST(MetricsListenerTest, RefusesANonLoopbackAddressUnlessAllowed) {
  MetricsListenerOptions options;
  options.listen_address = "0.0.0.0:0";
  auto refused = MetricsListener::Start(options, [] { return std::string(); });
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(refused.status().message(), HasSubstr("not a loopback address"));
  options.allow_non_loopback = true;
  auto allowed = MetricsListener::Start(options, [] { return std::string(); });
  EXPECT_TRUE(allowed.ok()) << allowed.status();

  options.listen_address = "localhost:9464";
  EXPECT_THAT(MetricsListener::Start(options, [] { return std::string(); }).status().message(),
              HasSubstr("not an IP address"));
}

TEST(MetricsListenerTest, ShutdownIsPromptAndTwiceIsHarmless) {
  auto listener = MetricsListener::Start({}, [] { return std::string("x 1\n"); });
  ASSERT_TRUE(listener.ok()) << listener.status();
  const int port = (*listener)->port();
  (*listener)->Shutdown();
  (*listener)->Shutdown();
  boost::asio::io_context io;
  tcp::socket socket(io);
  boost::system::error_code error;
  socket.connect(tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)),
                 error);
  EXPECT_TRUE(error) << "still listening after Shutdown";
}

}  // namespace
}  // namespace cre::metrics
