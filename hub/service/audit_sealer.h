// Seals the audit journal into the hash chain, continuously.
//
// Transactions journal their audit records without touching the chain's
// head (store/mysql/migrations/0006_audit_journal.sql says why); this
// thread moves them into the chain in batches, so that a record is chained
// within milliseconds of its commit. Every hub process runs one; the store
// lets one seal at a time and never seals a record twice. Until the access
// index (Store::IndexAuditAccesses) has caught up with the chain, it also
// indexes a batch of older rows each round.
//
//   AuditSealer sealer(store, absl::Milliseconds(10));
//   sealer.Start();
#ifndef CRE_HUB_SERVICE_AUDIT_SEALER_H_
#define CRE_HUB_SERVICE_AUDIT_SEALER_H_

#include <memory>
#include <thread>

#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "store/store.h"

namespace cre {

class AuditSealer {
 public:
  // Looks for journalled records every `idle_interval` when there were none
  // the last time; at once while there are.
  AuditSealer(std::shared_ptr<Store> store, absl::Duration idle_interval)
      : store_(std::move(store)), idle_interval_(idle_interval) {}
  ~AuditSealer() { Stop(); }

  void Start();
  // Seals what is left, then stops.
  void Stop();

  // Records sealed per transaction: about this many (journal rows are
  // taken whole).
  static constexpr int kBatch = 1000;

 private:
  void Run();

  std::shared_ptr<Store> store_;
  const absl::Duration idle_interval_;
  absl::Notification stopping_;
  std::thread thread_;
};

}  // namespace cre

#endif  // CRE_HUB_SERVICE_AUDIT_SEALER_H_
