// The store: everything the hub keeps, behind an interface.
//
// The MySQL implementation (mysql/) is the only code that knows SQL; the
// server and the engine see this interface and absl::Status. Methods are
// safe to call from many threads at once, and from several hub processes
// sharing one database: the store is where all shared state lives.
//
//   std::unique_ptr<Store> store = ...;
//   CRE_RETURN_IF_ERROR(store->Ping());
//
// Status codes follow Abseil's rules: UNAVAILABLE when the database cannot
// be reached (retry the call), ABORTED when a transaction lost a conflict
// more times than the store retries it, ALREADY_EXISTS on a duplicate key,
// FAILED_PRECONDITION when the schema is not migrated.
#ifndef CRE_HUB_STORE_STORE_H_
#define CRE_HUB_STORE_STORE_H_

#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "cre/v1/agency.pb.h"

namespace cre {

class Store {
 public:
  virtual ~Store() = default;

  // OK if the database answers a query now.
  virtual absl::Status Ping() = 0;

  // Makes the stored agencies match the registry: new ones are added,
  // changed ones updated, and ones no longer registered are retired (kept,
  // because stored messages refer to them). Returns how many rows changed;
  // syncing the same registry twice changes nothing the second time.
  virtual absl::StatusOr<int> SyncAgencies(const std::vector<v1::Agency>& agencies) = 0;

  // The agencies not retired, ordered by id.
  virtual absl::StatusOr<std::vector<v1::Agency>> ListAgencies() = 0;
};

}  // namespace cre

#endif  // CRE_HUB_STORE_STORE_H_
