// When each agency last called this hub process, in memory, for the presence
// reports (service/presence_reporter.h) behind the console's Deliveries page.
//
// The call gate records every call of an agency's own system here (not a
// member of staff's through the console): one hash lookup and an atomic
// update on a slot made for each registered agency at start-up, so that the
// calls' path takes no lock.
//
//   CallerPresence presence(agency_ids);
//   presence.Called("derby-pru", absl::Now());
//   for (const auto& [agency_id, at] : presence.LastCalls()) ...
#ifndef CRE_HUB_SERVICE_CALLER_PRESENCE_H_
#define CRE_HUB_SERVICE_CALLER_PRESENCE_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/time/time.h"

namespace cre {

class CallerPresence {
 public:
  // A slot for each of `agency_ids` (the registry's); a call of any other
  // agency is not recorded.
  explicit CallerPresence(const std::vector<std::string>& agency_ids);

  // `agency_id` called at `at`; an earlier time than one recorded changes
  // nothing. Safe from any thread.
  void Called(const std::string& agency_id, absl::Time at);

  // Each agency that has called since the process started, with its latest
  // call, in no particular order.
  std::vector<std::pair<std::string, absl::Time>> LastCalls() const;

  // `agency_id` called with a client certificate that expires at
  // `not_after` (the edge reads it: server/agency_auth.cc). The latest
  // call's certificate is kept, whatever its expiry: an agency that goes
  // back to an older certificate is shown with it. Safe from any thread.
  void CertificateSeen(const std::string& agency_id, absl::Time not_after);
  // Each agency whose certificate was seen, with its expiry.
  std::vector<std::pair<std::string, absl::Time>> CertificatesSeen() const;

 private:
  // Microseconds since the Unix epoch; 0: never. The map is not changed
  // after construction, only the values it points to.
  absl::flat_hash_map<std::string, std::unique_ptr<std::atomic<int64_t>>> last_call_;
  // The same for CertificateSeen: seconds since the Unix epoch (a
  // certificate's times have no finer grain); INT64_MIN: none seen.
  absl::flat_hash_map<std::string, std::unique_ptr<std::atomic<int64_t>>> cert_not_after_;
};

}  // namespace cre

#endif  // CRE_HUB_SERVICE_CALLER_PRESENCE_H_
