// Deadlines in bulk, for issue 28's target: 100,000 open cases whose
// deadlines pass at one moment (after an outage, say) are each reviewed and
// alerted exactly once by two hub processes sharing the work, within 60 s,
// while submissions keep a p99 under 100 ms.
//
// The cases are opened by real submissions (SubmitConcern, one new child
// each, identified weeks ago so that the pathway's actions are overdue and
// the hub alerts them at once, on acceptance). The outage is then made by
// SQL: the record of those alerts (hub_action) is deleted, as if they had
// never gone out, and the cases' next deadline is moved to one moment in
// the past (their open actions stay as the pathway computed them). The
// hubs' deadline watchers find every case due at once; each case's review
// finds its overdue actions not yet alerted and alerts each once. The
// alerts' recipients are subscribed on every hub process from the start,
// acknowledging what they receive as their adapters would, and the clock
// stops at the last alert acknowledged. Meanwhile an open loop of Operation
// Liberty reports measures submissions.
//
//   absl::StatusOr<DeadlinesResult> r = RunDeadlines(hub, DeadlinesOptions());
#ifndef CRE_BENCHMARKS_HUB_DEADLINES_BENCH_H_
#define CRE_BENCHMARKS_HUB_DEADLINES_BENCH_H_

#include <cstdint>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "hub_scenarios.h"

namespace cre::bench {

struct DeadlinesOptions {
  int cases = 100000;         // opened by this run
  int seed_concurrency = 64;  // submissions outstanding while opening them
  // The submissions measured during the drain: an open loop of reports.
  std::vector<std::string> submitters;
  int pru_streams = 4;
  double offered_rate = 200;
  absl::Duration offered_for = absl::Seconds(60);
  absl::Duration timeout = absl::Minutes(10);  // for the drain
};

struct DeadlinesResult {
  int64_t cases_opened = 0, seed_failures = 0;
  absl::Duration seeding;
  int64_t open_actions = 0;          // of those cases, when the outage was made
  int64_t expected_alerts = 0;       // hub_action rows deleted: each must come back once
  int64_t expected_deliveries = 0;   // their messages' deliveries
  absl::Duration setup;              // the UPDATE that makes every case due
  bool drained = false;              // every case reviewed before the timeout
  absl::Duration drain;              // from the moment every case was due to the last reviewed
  // Of the alerts' recipients, subscribed on every hub process: every alert
  // received (acknowledged) before the timeout, and when the last was.
  int64_t outstanding_before = 0;  // their deliveries of the cases still out at the outage
  bool all_received = false;
  absl::Duration received;
  int64_t alerts_received = 0;  // deliveries of alerts acknowledged by their recipients
  // (seconds, cases still due, alert deliveries received so far), sampled
  std::vector<std::tuple<double, int64_t, int64_t>> progress;
  int64_t alerts = 0, deliveries = 0;  // after the drain, as expected_*
  int64_t new_messages = 0;            // of the cases, written during the drain: one per alert
  std::unique_ptr<EndToEndResult> submissions;
  std::vector<double> hub_cpu;  // CPU seconds of each hub over the drain
  double database_cpu = -1;
};

absl::StatusOr<DeadlinesResult> RunDeadlines(const HubUnderTest& hub, const DeadlinesOptions& options);

// Prints `r` and the verdict line for the target.
void PrintDeadlines(const DeadlinesResult& r, const DeadlinesOptions& o, const HubUnderTest& hub);

// The phase "deadlines" of hub_benchmark, with its own flags (--deadline_*):
// `hub` plus the second process of --deadline_hub_target, the open loop
// from `submitters` to `pru_streams` streams.
absl::Status DeadlinesPhase(const HubUnderTest& hub, const std::vector<std::string>& submitters, int pru_streams);

}  // namespace cre::bench

#endif  // CRE_BENCHMARKS_HUB_DEADLINES_BENCH_H_
