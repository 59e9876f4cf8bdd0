// The traffic of the fault tests that kill hub processes or database nodes
// while it flows (tests/fault/): an agency submitting Operation Liberty
// reports with fail-over between hub processes, and the PRU receiving from
// each of them, subscribing again whenever a stream ends and acknowledging
// what it received.
//
//   PruReceivers pru(2);
//   std::thread r0([&] { pru.Run(0, AgencyChannel(port0, "derby-pru")); });
//   std::string id = SubmitReportWithFailover({health0, health1}, i, deadline);
//   std::vector<std::string> missing = pru.AwaitAll(acknowledged, absl::Seconds(60));
//   pru.Stop(); r0.join();
#ifndef CRE_TESTS_SUPPORT_FAILOVER_TRAFFIC_H_
#define CRE_TESTS_SUPPORT_FAILOVER_TRAFFIC_H_

#include <atomic>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"

namespace cre::testing {

// A channel to the hub on localhost:`port` as `agency`, with the test PKI;
// it reconnects quickly, so that a restarted hub is found at once.
std::shared_ptr<grpc::Channel> AgencyChannel(int port, const std::string& agency);

// Submits report `i` (idempotency key "report-i") until one of `channels`
// answers with a receipt, trying them in turn from channels[i % size] with
// the same key, each attempt given 2 s; the message id, or "" if none did
// by `deadline`.
std::string SubmitReportWithFailover(const std::vector<std::shared_ptr<grpc::Channel>>& channels, int i,
                                     absl::Time deadline);

// The PRU's side, over several streams (one per hub).
class PruReceivers {
 public:
  explicit PruReceivers(int streams) : open_(streams, nullptr) {}

  // Receives on `channel` as stream `slot` until Stop(), subscribing again
  // whenever the stream ends (its hub died), and acknowledges each message.
  // A lost acknowledgement means a redelivery: counted, as a duplicate.
  void Run(int slot, const std::shared_ptr<grpc::Channel>& channel);

  // Ends every Run, cancelling the streams open now.
  void Stop();

  // Waits up to `wait` for every id of `ids` to arrive; those still missing.
  std::vector<std::string> AwaitAll(const std::set<std::string>& ids, absl::Duration wait);

  // How many messages arrived, and how many deliveries (with duplicates).
  struct Counts {
    int delivered = 0;
    int deliveries = 0;
  };
  Counts counts() const;

 private:
  std::atomic<bool> stop_{false};
  mutable absl::Mutex mu_;
  std::map<std::string, int> received_ ABSL_GUARDED_BY(mu_);
  std::vector<grpc::ClientContext*> open_ ABSL_GUARDED_BY(mu_);
};

}  // namespace cre::testing

#endif  // CRE_TESTS_SUPPORT_FAILOVER_TRAFFIC_H_
