// A listener's address as the config gives it, "127.0.0.1:8443" or
// "[::1]:8443" (port 0: any free port), as an Asio endpoint: one reading for
// the console's HTTPS listener (web/https_server.h) and the metrics' plain
// HTTP one (metrics/metrics_listener.h). Header-only, as Asio is.
//
//   CRE_ASSIGN_OR_RETURN(tcp::endpoint endpoint, ParseListenAddress(text, "127.0.0.1:8443 or [::1]:8443"));
#ifndef CRE_HUB_WEB_LISTEN_ADDRESS_H_
#define CRE_HUB_WEB_LISTEN_ADDRESS_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "boost/asio/ip/tcp.hpp"
#include "common/quote.h"

namespace cre::web {

// INVALID_ARGUMENT naming listen_address, the text and what is wrong with
// it, with `examples` of good ones.
inline absl::StatusOr<boost::asio::ip::tcp::endpoint> ParseListenAddress(const std::string& text,
                                                                         absl::string_view examples) {
  const auto invalid = [&](absl::string_view why) {
    return absl::InvalidArgumentError(
        absl::StrCat("listen_address: ", Quote(text), " ", why, " (e.g. ", examples, ")"));
  };
  const size_t colon = text.rfind(':');
  if (colon == std::string::npos) return invalid("has no port");
  std::string host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  int port = 0;
  if (!absl::SimpleAtoi(text.substr(colon + 1), &port) || port < 0 || port > 65535) {
    return invalid("has no valid port");
  }
  boost::system::error_code error;
  const boost::asio::ip::address address = boost::asio::ip::make_address(host, error);
  if (error) return invalid("is not an IP address and port");
  return boost::asio::ip::tcp::endpoint(address, static_cast<unsigned short>(port));
}

}  // namespace cre::web

#endif  // CRE_HUB_WEB_LISTEN_ADDRESS_H_
