// The case path (issue 28): a day's mix of submissions about children's
// cases, against the real cre-hub of scripts/bench.sh. Of every 20
// submissions, 12 are case events and risk assessments on open cases
// (RecordCaseEvents by Children's Social Care, RecordRiskAssessment by the
// case's opener or Children's Social Care), 5 are concerns (2 about a new
// child, 1 about a child the hub knows by NHS number, which the hub matches
// and opens a new case for, 2 joining an existing case by its id) and 3 are
// Operation Liberty reports on a case. The hub evaluates each on the
// pathway, seals it, routes it to the agencies involved and journals it;
// every agency of the sample registry has subscribed Inbox streams that
// acknowledge, so that every recipient can be timed.
//
// Submit->delivery is matched by message id: a recipient's RoutedMessage
// carries the message_id the submitting call's SubmitResponse names (and
// its hub_actions name the follow-ups'), and a delivery may arrive before
// that answer, so it waits for it. The latency counts from the instant the
// load shape scheduled the call. Follow-ups (the hub's own notifications,
// e.g. to the IRO of a looked-after child) are counted and timed apart
// from the direct recipients.
//
//   absl::StatusOr<std::unique_ptr<CasePool>> pool = OpenCasePool(hub, 2000);
//   absl::StatusOr<std::unique_ptr<CasePathResult>> r = RunCasePath(hub, **pool, options);
#ifndef CRE_BENCHMARKS_HUB_CASE_PATH_H_
#define CRE_BENCHMARKS_HUB_CASE_PATH_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "hub_scenarios.h"
#include "measure.h"

namespace cre::bench {

// A case the benchmark may write to or read, and an agency involved with it.
struct CaseRef {
  std::string case_id;
  std::string agency;       // opened it (the pool's), or involved with it (the history's)
  std::string nhs_number;   // its child's; empty for the history's
};

struct CasePool {
  std::vector<CaseRef> open;     // opened by this run: the mix writes to these
  std::vector<CaseRef> history;  // selected from a database filled beforehand: read only
  Throughput opening;            // the set-up's calls
  std::string first_refusal;     // of the set-up, if any
};

// Opens `n` cases by SubmitConcern (a MEDIUM concern about a new child each,
// from the partners in turn, so that Children's Social Care is involved
// too), `concurrency` outstanding; not timed as the hub's figure.
absl::StatusOr<std::unique_ptr<CasePool>> OpenCasePool(const HubUnderTest& hub, int n, int concurrency = 64);

// Adds to `pool.history` up to `n` cases of the schema, picked at random,
// each with an involved agency that has a certificate: for GetCase on a
// database filled by another tool (benchmarks/history).
absl::Status AddHistoryCases(const HubUnderTest& hub, int n, CasePool& pool);

struct CasePathOptions {
  std::string tag;                  // marks this run's idempotency keys
  int concurrency = 64;             // outstanding (closed loop), or the cap (open loop)
  double offered_rate = 0;          // submissions a second; 0: closed loop (saturation)
  absl::Duration duration = absl::Seconds(10);
  absl::Duration warm_up = absl::Seconds(1);          // closed loop, before the clock starts
  absl::Duration drain_timeout = absl::Seconds(30);   // for deliveries after the last submission
  int streams_per_agency = 2;       // subscribed Inbox streams of each agency, one connection each
  double get_case_rate = 0;         // GetCase calls a second while the submissions run (0: none)
};

struct CasePathResult {
  Throughput submitted;                 // answered OK by the hub (committed)
  // Submit->receipt of those committed, by method and subject: where the
  // hub's time goes, call by call.
  std::map<std::string, LatencySample> by_call;
  // Submissions whose every direct delivery was acknowledged, and when the
  // last of those was (from the first submission).
  int64_t completed = 0;
  absl::Duration elapsed;
  int64_t deliveries_expected = 0, delivered = 0, acknowledged = 0;  // direct recipients
  int64_t follow_ups_expected = 0, follow_ups_delivered = 0;         // the hub's own
  int64_t other_deliveries = 0;         // of no submission of this run (earlier runs', the deadline watcher's)
  LatencySample submit_latency;         // scheduled start to receipt
  LatencySample delivery_latency;       // scheduled start to arrival, direct recipients
  LatencySample follow_up_latency;      // scheduled start to arrival, the hub's follow-ups
  Throughput get_case;                  // GetCase calls alongside, if asked
  LatencySample get_case_latency;       // scheduled start to answer
  // The same, of the cases this run opened and works on, and of the
  // history's (a database filled beforehand), apart.
  LatencySample get_case_open_latency, get_case_history_latency;
  double hub_cpu = -1, database_cpu = -1, generator_cpu = -1;  // while the clock ran; -1: unknown
  int64_t database_disk_read_bytes = -1;  // MariaDB's reads from the disk meanwhile; -1: unknown
  double CompletedPerSecond() const;
  // Every scheduled submission sent and committed, every direct delivery acknowledged.
  bool Complete() const;
};

absl::StatusOr<std::unique_ptr<CasePathResult>> RunCasePath(const HubUnderTest& hub, const CasePool& pool,
                                                            const CasePathOptions& options);

}  // namespace cre::bench

#endif  // CRE_BENCHMARKS_HUB_CASE_PATH_H_
