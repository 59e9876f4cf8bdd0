// The adapter's durable spool: every submission the adapter has accepted,
// kept on disk until the hub has given its receipt, so that nothing accepted
// is lost while the hub is unreachable or the adapter restarts.
//
// One file per submission, "<idempotency key>.json", written durably (see
// durable_files.h) before any network call and removed only after the
// receipt (or a refusal) has been recorded elsewhere. Its content is a JSON
// object: {"method", "idempotencyKey", "sourceName", "original",
// "request": {...}}. Keys start with their UTC creation time, so the
// file names sort in the order the submissions were accepted.
//
//   Spool spool("/var/lib/cre-health/spool");
//   CRE_RETURN_IF_ERROR(spool.Open());
//   CRE_RETURN_IF_ERROR(spool.Put(submission));   // accepted: now durable
//   for (const Submission& s : spool.Pending()) { ... send, record, spool.Remove(s) ... }
#ifndef CRE_AGENCY_ADAPTERS_CLIENT_SPOOL_H_
#define CRE_AGENCY_ADAPTERS_CLIENT_SPOOL_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "client/submission.h"

namespace cre::client {

class Spool {
 public:
  explicit Spool(std::string dir) : dir_(std::move(dir)) {}

  // Creates the folder if needed.
  absl::Status Open() const;
  // Durable once this returns OK. Putting the same key again replaces it.
  absl::Status Put(const Submission& submission) const;
  // Every submission in the spool, oldest first. An unreadable entry is
  // logged with its file name and skipped (left in place for an operator).
  absl::StatusOr<std::vector<Submission>> Pending() const;
  // The spooled submission read from the file `source_name` with exactly
  // `original` as content, if any: a file that was spooled but not yet
  // moved out of the inbox folder when the adapter stopped.
  absl::StatusOr<bool> Holds(const std::string& source_name, const std::string& original) const;
  // Whether a submission with this idempotency key is spooled.
  bool HoldsKey(const std::string& idempotency_key) const;
  absl::Status Remove(const Submission& submission) const;

  const std::string& dir() const { return dir_; }

 private:
  std::string PathFor(const std::string& idempotency_key) const;

  std::string dir_;
};

}  // namespace cre::client

#endif  // CRE_AGENCY_ADAPTERS_CLIENT_SPOOL_H_
