// Reports which agencies this hub process sees to the store, for the
// console's Deliveries page: when each last called here, and how many inbox
// streams each holds open here.
//
// Both are known only to this process (the streams are in its memory), and
// several processes share one database, so each writes reports of its own
// (Store::ReportPresence) and the page adds them up. They are counted in
// memory (CallerPresence, the dispatcher's streams) and written every
// `interval` in one transaction on a thread of the reporter's own, never on
// a caller's. A report counts for three intervals: one late or failed report
// does not make the process look gone, and a process killed stops counting
// after at most that. Stop() ends the process's presence at once.
//
//   PresenceReporter reporter(store, dispatcher.process_id(), presence,
//                             [&] { return dispatcher.StreamsByAgency(); }, absl::Seconds(15));
//   reporter.Start();
#ifndef CRE_HUB_SERVICE_PRESENCE_REPORTER_H_
#define CRE_HUB_SERVICE_PRESENCE_REPORTER_H_

#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "service/caller_presence.h"
#include "store/store.h"

namespace cre {

class PresenceReporter {
 public:
  // Inbox streams open in this process now, by agency.
  using StreamCounts = std::function<absl::flat_hash_map<std::string, int>()>;

  // Reports as `hub_process` (unique to this run of this process: the
  // dispatcher's process_id) every `interval`, real time.
  PresenceReporter(std::shared_ptr<Store> store, std::string hub_process,
                   std::shared_ptr<const CallerPresence> calls, StreamCounts streams, absl::Duration interval);
  ~PresenceReporter() { Stop(); }

  void Start();
  // If started: ends the process's presence, so that its streams are no
  // longer counted, keeping what it saw since its last report. One
  // transaction: a stop waits on the database once.
  void Stop();

  // One report, now. (The thread calls it; tests may too.)
  absl::Status Report();

  // How long a report counts.
  absl::Duration live_for() const { return 3 * interval_; }

 private:
  // What this process sees now, every agency reported before included.
  std::vector<AgencyPresence> Seen() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  std::shared_ptr<Store> store_;
  const std::string hub_process_;
  std::shared_ptr<const CallerPresence> calls_;
  const StreamCounts streams_;
  const absl::Duration interval_;

  absl::Mutex mu_;
  // Every agency reported so far, with the last_seen reported: reported
  // again each time, so that its count of streams goes back to 0 when they
  // end.
  absl::flat_hash_map<std::string, absl::Time> reported_ ABSL_GUARDED_BY(mu_);
  bool failing_ ABSL_GUARDED_BY(mu_) = false;

  absl::Notification stopping_;
  std::thread thread_;
};

}  // namespace cre

#endif  // CRE_HUB_SERVICE_PRESENCE_REPORTER_H_
