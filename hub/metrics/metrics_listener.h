// The /metrics listener: plain HTTP/1.1 on a port of its own, for
// Prometheus (docs/operations.md).
//
// Plain, not TLS, and no session: Prometheus scrapes it unattended, with no
// console sign-in, and what it serves carries counts, agency ids and method
// names, never a child's data. That is why it listens on a loopback address
// only unless `allow_non_loopback` says otherwise: the scraper runs on the
// hub's host (or reaches it through a tunnel or a local proxy that adds
// TLS), and nobody else on the network learns the hub's traffic.
//
//   MetricsListenerOptions options;
//   options.listen_address = "127.0.0.1:9464";
//   CRE_ASSIGN_OR_RETURN(auto listener, MetricsListener::Start(options, [&] { return registry.Render(); }));
//   ... listener->port() ...
//   listener->Shutdown();
//
// Each connection serves one request and closes. GET (or HEAD) /metrics is
// answered with what `render` returns, which runs on a thread of the
// listener's own (never the I/O thread: it may wait on the database); other
// paths are 404, other methods 405. A request must arrive whole within
// `read_timeout`.
#ifndef CRE_HUB_METRICS_METRICS_LISTENER_H_
#define CRE_HUB_METRICS_METRICS_LISTENER_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace cre::metrics {

struct MetricsListenerOptions {
  // An IP address and port; port 0 lets the kernel choose (see port()).
  std::string listen_address = "127.0.0.1:0";
  // Listen on an address other than loopback (see above).
  bool allow_non_loopback = false;
  absl::Duration read_timeout = absl::Seconds(10);
  // Bounds writing the response.
  absl::Duration write_timeout = absl::Seconds(30);
};

class MetricsListener {
 public:
  using Render = std::function<std::string()>;

  // INVALID_ARGUMENT naming listen_address for an address that is not an
  // IP address and port, or not loopback without allow_non_loopback;
  // UNAVAILABLE if it cannot be listened on.
  static absl::StatusOr<std::unique_ptr<MetricsListener>> Start(MetricsListenerOptions options, Render render);
  ~MetricsListener();

  MetricsListener(const MetricsListener&) = delete;
  MetricsListener& operator=(const MetricsListener&) = delete;

  int port() const;
  // Stops listening and closes every connection; a render in progress is
  // finished and dropped. Later calls do nothing.
  void Shutdown();

  // The listener's state, shared with its connections (metrics_listener.cc).
  struct Impl;

 private:
  explicit MetricsListener(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace cre::metrics

#endif  // CRE_HUB_METRICS_METRICS_LISTENER_H_
