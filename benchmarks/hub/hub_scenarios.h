// The hub end to end, as scripts/bench.sh runs it against a real cre-hub
// process: sustained Operation Liberty reports from several agencies to
// subscribed PRU streams, a backlog drained by streams that subscribe late,
// one report fanned out to 100 involved agencies, and thousands of idle
// subscriber streams.
#ifndef CRE_BENCHMARKS_HUB_HUB_SCENARIOS_H_
#define CRE_BENCHMARKS_HUB_HUB_SCENARIOS_H_

#include <string>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "absl/synchronization/mutex.h"
#include "client/hub_channel.h"
#include "hub_load.h"
#include "measure.h"
#include "pki.h"
#include "store/mysql/connection_pool.h"

namespace cre::bench {

// The hub under test: one hub process, or several sharing one database (a
// server or a Galera cluster). The end-to-end runs and the backlog spread
// their connections over every process in turn; the other phases use the
// first alone.
struct HubUnderTest {
  std::vector<std::string> targets;  // localhost:PORT of each (the certificate's SAN)
  Pki pki;
  std::vector<int> pids;             // of each, in the order of `targets`, for /proc
  std::vector<int> database_pids;    // mariadbd's (a cluster's nodes'), for /proc; empty: unknown
  mysql::ConnectionSettings schema;  // the hub's own schema, for the fan-out's set-up

  const std::string& target() const { return targets.front(); }
  int pid() const { return pids.front(); }
};

struct EndToEndOptions {
  std::string tag;                          // marks this run's reports
  std::vector<std::string> submitters;      // agency ids, one channel each
  int pru_streams = 4;                      // subscribed derby-pru streams, one channel each
  int concurrency = 16;                     // submissions outstanding (closed loop), or the cap (open loop)
  double offered_rate = 0;                  // submissions a second; 0: closed loop (saturation)
  absl::Duration duration = absl::Seconds(10);
  absl::Duration warm_up = absl::Seconds(1);  // closed loop, before the clock starts
  absl::Duration drain_timeout = absl::Seconds(30);  // for deliveries after the last submission
};

struct EndToEndResult {
  Throughput submitted;       // answered OK by the hub (committed)
  int64_t acknowledged = 0;   // delivered to a PRU stream and acknowledged, of those
  absl::Duration elapsed;     // first submission to last acknowledgement
  LatencySample submit_latency;    // call to receipt
  LatencySample delivery_latency;  // call (scheduled start) to arrival on a PRU stream
  // CPU seconds each process used while the clock ran (to the last
  // acknowledgement); -1 where unknown.
  double hub_cpu = -1, database_cpu = -1, generator_cpu = -1;
  double AcknowledgedPerSecond() const;
};

// A stub of `Service` on the hub as `agency`, on a connection of its own
// (`channel_id`: calls on one id share one connection).
template <typename Service>
absl::StatusOr<std::unique_ptr<typename Service::Stub>> StubFor(const HubUnderTest& hub, const std::string& agency,
                                                               int channel_id) {
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel =
      client::MakeHubChannel(hub.pki.For(hub.target(), agency, channel_id));
  if (!channel.ok()) return channel.status();
  return Service::NewStub(*channel);
}

// One stub per agency of `agencies`, each on its own connection
// (channel ids first_channel, first_channel + 1, ...), to the hub's
// processes in turn: the i-th to targets[i % targets.size()].
template <typename Service>
absl::StatusOr<std::vector<std::unique_ptr<typename Service::Stub>>> StubsFor(
    const HubUnderTest& hub, const std::vector<std::string>& agencies, int first_channel) {
  std::vector<std::unique_ptr<typename Service::Stub>> stubs;
  for (size_t i = 0; i < agencies.size(); ++i) {
    absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = client::MakeHubChannel(
        hub.pki.For(hub.targets[i % hub.targets.size()], agencies[i], first_channel + static_cast<int>(i)));
    if (!channel.ok()) return channel.status();
    stubs.push_back(Service::NewStub(*channel));
  }
  return stubs;
}

// --- What the end-to-end phases share -------------------------------------

// CPU seconds the hub's processes, MariaDB's (summed over each) and this
// process have used since it was made; -1 where unknown.
class CpuSince {
 public:
  explicit CpuSince(const HubUnderTest& hub)
      : hub_(hub),
        hub_start_(Sum(hub.pids, CpuSeconds)),
        database_start_(Sum(hub.database_pids, CpuSeconds)),
        generator_start_(CpuSeconds(0)),
        database_reads_start_(Sum(hub.database_pids, DiskReadBytes)) {}
  double Hub() const { return Used(hub_start_, Sum(hub_.pids, CpuSeconds)); }
  double Database() const { return Used(database_start_, Sum(hub_.database_pids, CpuSeconds)); }
  double Generator() const { return Used(generator_start_, CpuSeconds(0)); }
  // Bytes MariaDB has had read from the disk since: pages its buffer pool
  // did not hold. -1 where unknown.
  int64_t DatabaseDiskReads() const {
    return Used(database_reads_start_, Sum(hub_.database_pids, DiskReadBytes));
  }

 private:
  // `read` of each process, summed; -1 if any is unknown, or there are none.
  template <typename T>
  static T Sum(const std::vector<int>& pids, T (*read)(int)) {
    T sum = pids.empty() ? -1 : 0;
    for (int pid : pids) {
      const T value = pid > 0 ? read(pid) : -1;
      if (value < 0) return -1;
      sum += value;
    }
    return sum;
  }
  template <typename T>
  static T Used(T before, T after) { return before < 0 || after < 0 ? -1 : after - before; }
  const HubUnderTest& hub_;
  const double hub_start_, database_start_, generator_start_;
  const int64_t database_reads_start_;
};

// Ends every stream and waits (bounded) for their ends and their acks. A
// stream or an acknowledgement still out after that would call back into
// what the caller is about to destroy (its stubs, its counters): the
// benchmark stops there, without destructors, as a failure.
void CloseAll(std::vector<std::unique_ptr<InboxSubscriber>>& subscribers);

// Keeps the first error of a run, to print once.
class FirstError {
 public:
  void Note(const grpc::Status& status) {
    absl::MutexLock lock(&mu_);
    if (message_.empty()) message_ = absl::StrCat(status.error_code(), ": ", status.error_message());
  }
  std::string Get() {
    absl::MutexLock lock(&mu_);
    return message_;
  }

 private:
  absl::Mutex mu_;
  std::string message_;
};

absl::StatusOr<std::unique_ptr<EndToEndResult>> RunEndToEnd(const HubUnderTest& hub, const EndToEndOptions& options);

struct BacklogResult {
  Throughput filled;        // reports accepted while no PRU stream was open
  int64_t acknowledged = 0;  // of those, delivered and acknowledged once the streams opened
  absl::Duration drain;      // the streams' first subscription to the last acknowledgement
  double hub_cpu = -1, database_cpu = -1;  // CPU seconds of the drain; -1 where unknown
};

// An agency whose system was away: `concurrency` reports outstanding for
// `fill` from `submitters` while no derby-pru stream is open, so that every
// delivery waits in the store; then `pru_streams` streams subscribe and
// claim, and the clock runs until the last of them is acknowledged.
absl::StatusOr<BacklogResult> RunBacklog(const HubUnderTest& hub, const std::vector<std::string>& submitters,
                                         int concurrency, absl::Duration fill, int pru_streams);

struct FanOutResult {
  int recipients = 0;        // involved agencies subscribed (besides the PRU)
  std::vector<absl::Duration> to_last_delivery;  // one per report
  std::vector<absl::Duration> to_receipt;        // the submitting call itself
};

// Opens a case (a LOW concern from derby-school-ashgrove), makes the
// `partners` involved with it by SQL, subscribes each, and times `reports`
// reports on the case, one after the other, to the last partner's delivery.
absl::StatusOr<FanOutResult> RunFanOut(const HubUnderTest& hub, const std::vector<std::string>& partners,
                                       int reports);

struct IdleResult {
  int requested = 0;
  int still_open = 0;   // streams the hub had not ended when measured
  ProcessStatus before;
  ProcessStatus with_streams;
};

// Opens `streams` Inbox.Subscribe streams spread over the `agencies`'
// channels (`per_agency_channels` connections each), lets them settle, and
// reads the hub's RSS and threads; then closes them.
absl::StatusOr<IdleResult> RunIdleStreams(const HubUnderTest& hub, const std::vector<std::string>& agencies,
                                          int streams, int per_agency_channels);

}  // namespace cre::bench

#endif  // CRE_BENCHMARKS_HUB_HUB_SCENARIOS_H_
