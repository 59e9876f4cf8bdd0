// One subscriber stream: its reactor (gRPC's callback API) and the state that
// outlives it while executor tasks still refer to it.
//
// Reactor methods never block: claiming deliveries runs on the dispatcher's
// executor, and the results are written from there. At most one claim runs
// per stream at a time; a wake during a claim runs another claim after it.
#ifndef CRE_HUB_SERVER_SUBSCRIPTION_H_
#define CRE_HUB_SERVER_SUBSCRIPTION_H_

#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "cre/v1/routed_message.pb.h"
#include "grpcpp/support/byte_buffer.h"
#include "grpcpp/support/server_callback.h"

namespace cre {

class DeliveryDispatcher;

class Subscription : public std::enable_shared_from_this<Subscription> {
 public:
  // Creates the stream's reactor (owned by gRPC) and registers the stream
  // with the dispatcher. Returns the reactor for the Subscribe handler (a
  // raw method: the reactor writes each message serialized).
  static grpc::ServerWriteReactor<grpc::ByteBuffer>* Start(DeliveryDispatcher* dispatcher,
                                                           std::string agency_id, int max_in_flight);

  const std::string& agency_id() const { return agency_id_; }
  const std::string& lease_owner() const { return lease_owner_; }

  // There may be deliveries for this stream: claim them (on the executor).
  void Wake();
  // The agency acknowledged these deliveries; claims more if `more_due`.
  void Acknowledged(const std::vector<int64_t>& delivery_ids, bool more_due);

  // Room for one delivery leased in an accepting transaction
  // (DeliveryDispatcher::HandOff): reserves it and returns true, or false if
  // the stream is full or ending. Each reservation ends with HandOut (the
  // store leased a delivery to this stream) or Unreserve (it did not).
  bool TryReserve();
  void Unreserve();
  // Writes `message`, leased to this stream by a committed transaction.
  void HandOut(v1::RoutedMessage message);
  // Ends the stream with `status` (the hub is stopping).
  void Finish(const grpc::Status& status);

 private:
  class Reactor;
  Subscription(DeliveryDispatcher* dispatcher, std::string agency_id, int max_in_flight);

  void Claim();
  // Hands back, for the agency's next stream, what this stream holds.
  absl::Status ReleaseLeases();
  // Drops from in_flight_ what the store no longer leases to this stream;
  // returns the capacity then.
  int ReconcileInFlight();
  void WriteDone(bool ok);
  void Cancelled();
  void Done();
  void StartNextWriteLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void FinishLocked(const grpc::Status& status) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  int CapacityLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  DeliveryDispatcher* const dispatcher_;
  const std::string agency_id_;
  const int max_in_flight_;
  const std::string lease_owner_;

  absl::Mutex mu_;
  Reactor* reactor_ ABSL_GUARDED_BY(mu_) = nullptr;  // null once gRPC is done with it
  std::deque<v1::RoutedMessage> to_write_ ABSL_GUARDED_BY(mu_);
  // The front of to_write_, serialized, while it is being written.
  grpc::ByteBuffer serialized_ ABSL_GUARDED_BY(mu_);
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  // Finish requested (no more claims or writes) / waiting for a write / sent.
  bool finishing_ ABSL_GUARDED_BY(mu_) = false;
  absl::optional<grpc::Status> pending_finish_ ABSL_GUARDED_BY(mu_);
  bool finish_called_ ABSL_GUARDED_BY(mu_) = false;
  // Leased to this stream and not yet acknowledged, with when they were
  // leased. A copy of the store's leases, which run on the database's clock
  // (store.h): so this reads the host's real clock (absl::Now()), as close
  // to the database's as the process has, and never the hub's Clock, which a
  // test may move by hours.
  absl::flat_hash_map<int64_t, absl::Time> in_flight_ ABSL_GUARDED_BY(mu_);
  // Slots reserved by accepting transactions not yet committed.
  int reserved_ ABSL_GUARDED_BY(mu_) = 0;
  bool claim_scheduled_ ABSL_GUARDED_BY(mu_) = false;
  bool claim_again_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace cre

#endif  // CRE_HUB_SERVER_SUBSCRIPTION_H_
