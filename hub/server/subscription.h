// One Inbox.Subscribe stream on gRPC: its reactor (gRPC's callback API) and
// the state that outlives it while executor tasks still refer to it. The
// dispatcher (delivery/delivery_dispatcher.h) sees it as an InboxStream.
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
#include "delivery/inbox_stream.h"
#include "grpcpp/support/byte_buffer.h"
#include "grpcpp/support/server_callback.h"
#include "service/inbox_api.h"

namespace cre {

class DeliveryDispatcher;

class Subscription final : public InboxStream, public std::enable_shared_from_this<Subscription> {
 public:
  // Creates the stream's reactor (owned by gRPC) for a stream the service
  // API admitted, and registers the stream with the dispatcher. Returns the
  // reactor for the Subscribe handler (a raw method: the reactor writes
  // each message serialized). The stream counts against its agency's cap
  // until gRPC is done with it.
  static grpc::ServerWriteReactor<grpc::ByteBuffer>* Start(DeliveryDispatcher* dispatcher,
                                                           AdmittedStream admitted);

  // InboxStream. Claims run on the dispatcher's executor.
  const std::string& agency_id() const override { return agency_id_; }
  const std::string& lease_owner() const override { return lease_owner_; }
  void Wake() override;
  void Acknowledged(const std::vector<int64_t>& delivery_ids, bool more_due) override;
  bool TryReserve() override;
  void Unreserve() override;
  void GivenBack() override;
  void HandOut(v1::RoutedMessage message) override;
  void Finish(const absl::Status& status) override;

 private:
  class Reactor;
  Subscription(DeliveryDispatcher* dispatcher, AdmittedStream admitted);

  void Claim();
  // Hands back, for the agency's next stream, what this stream holds.
  absl::Status ReleaseLeases();
  // Drops from in_flight_ what the store no longer leases to this stream;
  // returns the capacity then. After a check that found nothing to drop,
  // Claim skips the next for kQuietCheck (quiet_until_).
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
  // The Subscribe call's trace, for the stream's log lines.
  const TraceContext trace_;
  // Counts this stream against its agency's cap; released when gRPC is done.
  std::unique_ptr<OpenStreamCount> counted_;

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
  // The claim running began while slots were reserved / a claim since the
  // last GivenBack ran short while they were: it found the window full, or
  // filled it. Only then may a slot given back have left something due.
  bool claiming_with_reserved_ ABSL_GUARDED_BY(mu_) = false;
  bool short_of_reserved_ ABSL_GUARDED_BY(mu_) = false;
  // Until when a full window is not checked against the store again: the
  // last check found every delivery still leased to this stream.
  absl::Time quiet_until_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
};

}  // namespace cre

#endif  // CRE_HUB_SERVER_SUBSCRIPTION_H_
