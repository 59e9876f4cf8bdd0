// The transport ceiling: a trivial mTLS gRPC echo service (the hub's server
// certificate, client certificates required and verified against the same
// CA) and a closed-loop client of it, so that the hub's rate can be read
// against what gRPC and TLS alone do on this machine.
//
//   CRE_ASSIGN_OR_RETURN(auto server, EchoServer::Start("127.0.0.1:50152", pki));
//   Throughput t = RunEchoLoad("localhost:50152", pki, "derby-health", 16, absl::Seconds(5), &latency);
#ifndef CRE_BENCHMARKS_HUB_ECHO_BENCH_H_
#define CRE_BENCHMARKS_HUB_ECHO_BENCH_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/server.h"
#include "measure.h"
#include "pki.h"

namespace cre::bench {

class EchoServer {
 public:
  // Serves cre.bench.Echo on `address` (host:port) until destroyed.
  static absl::StatusOr<std::unique_ptr<EchoServer>> Start(const std::string& address, const Pki& pki);
  ~EchoServer();

 private:
  struct Service;
  EchoServer(std::unique_ptr<Service> service, std::unique_ptr<grpc::Server> server);
  std::unique_ptr<Service> service_;
  std::unique_ptr<grpc::Server> server_;
};

// Unary echo calls of `payload_bytes`, `concurrency` outstanding, for
// `duration`, on `channels` connections as `agency`.
Throughput RunEchoLoad(const std::string& target, const Pki& pki, const std::string& agency, int concurrency,
                       int channels, absl::Duration duration, LatencySample* latency);

}  // namespace cre::bench

#endif  // CRE_BENCHMARKS_HUB_ECHO_BENCH_H_
