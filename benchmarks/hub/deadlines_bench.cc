// See deadlines_bench.h.
#include "deadlines_bench.h"

#include <algorithm>
#include <atomic>
#include <iostream>
#include <thread>

#include "absl/cleanup/cleanup.h"
#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "cre/v1/referrals.grpc.pb.h"
#include "google/protobuf/util/time_util.h"
#include "hub_load.h"
#include "storage_bench.h"

ABSL_FLAG(int, deadline_cases, 100000, "deadlines: cases opened, whose deadlines then pass at one moment");
ABSL_FLAG(int, deadline_seed_concurrency, 64, "deadlines: submissions outstanding while opening them");
ABSL_FLAG(std::string, deadline_hub_target, "",
          "deadlines: a second hub process on the same database (host must match its certificate); empty: one");
ABSL_FLAG(int, deadline_hub_pid, 0, "deadlines: its pid, for its CPU time");
ABSL_FLAG(double, deadline_offered_rate, 200, "deadlines: reports a second submitted during the drain");
ABSL_FLAG(absl::Duration, deadline_offered_for, absl::Seconds(60), "deadlines: how long they are submitted");
ABSL_FLAG(absl::Duration, deadline_timeout, absl::Minutes(10), "deadlines: how long the drain may take");

namespace cre::bench {
namespace {

// The target.
constexpr absl::Duration kTargetDrain = absl::Seconds(60);
constexpr double kTargetP99Ms = 100;

const char* const kSubmitters[] = {"derby-school-ashgrove", "derby-health", "derby-police"};
// Who the reviews' alerts go to: the Duty CPM's service, and Children's
// Social Care, which owns the cases' overdue actions.
const std::vector<std::string> kAlertRecipients = {"derby-cpm", "derby-csc"};
// The cases of this run, for the set-up's and the counts' joins; in the
// hub's schema for the run, dropped after it.
constexpr char kCaseTable[] = "bench_deadline_case";

std::string Joined(const std::string& what) {
  return absl::StrCat(what, " JOIN ", kCaseTable, " b USING (case_id)");
}

double CpuOf(int pid) { return pid > 0 ? CpuSeconds(pid) : -1; }

}  // namespace

absl::StatusOr<DeadlinesResult> RunDeadlines(const HubUnderTest& hub, const DeadlinesOptions& options) {
  DeadlinesResult r;
  const mysql::ConnectionSettings& db = hub.schema;

  // The alerts' recipients (the Duty CPM's service; Children's Social Care,
  // which owns the cases' actions), subscribed to every hub process from the
  // start as their adapters would be, acknowledging what they receive: what
  // the hub sends while the cases are opened is delivered as it goes, and
  // "alerted" is an alert received, not only written.
  std::atomic<int64_t> alerts_received{0};
  const InboxSubscriber::OnMessage on_acked = [&alerts_received](const v1::RoutedMessage& m) {
    if (m.sent_by_hub() && m.notification().kind() == v1::NOTIFICATION_KIND_OVERDUE_ALERT) ++alerts_received;
  };
  std::vector<std::string> recipients;
  for (const std::string& agency : kAlertRecipients) {
    for (size_t k = 0; k < hub.targets.size(); ++k) recipients.push_back(agency);
  }
  absl::StatusOr<std::vector<std::unique_ptr<v1::Inbox::Stub>>> recipient_stubs =
      StubsFor<v1::Inbox>(hub, recipients, 990);
  if (!recipient_stubs.ok()) return recipient_stubs.status();
  std::vector<std::unique_ptr<InboxSubscriber>> recipient_streams;
  for (auto& stub : *recipient_stubs) {
    recipient_streams.push_back(std::make_unique<InboxSubscriber>(stub.get(), 64, nullptr, on_acked));
    recipient_streams.back()->Start();
  }
  // Ended (bounded) on every return: their callbacks use this frame.
  absl::Cleanup close_streams = [&recipient_streams] { CloseAll(recipient_streams); };

  // Opening the cases: every hub process takes its share.
  {
    // Each submitter on every process: StubsFor gives the i-th its
    // connection to target i % targets.
    std::vector<std::string> spread;
    for (size_t i = 0; i < 3 * hub.targets.size(); ++i) spread.push_back(kSubmitters[(i / hub.targets.size()) % 3]);
    absl::StatusOr<std::vector<std::unique_ptr<v1::Referrals::Stub>>> stubs = StubsFor<v1::Referrals>(hub, spread, 950);
    if (!stubs.ok()) return stubs.status();
    absl::StatusOr<std::vector<std::unique_ptr<v1::Referrals::Stub>>> assessors =
        StubsFor<v1::Referrals>(hub, std::vector<std::string>(hub.targets.size(), "derby-csc"), 970);
    if (!assessors.ok()) return assessors.status();
    // Identified three weeks ago, so that the pathway's actions are overdue
    // when each case opens.
    const absl::Time identified = absl::Now() - absl::Hours(24 * 21);
    const int64_t start = NowNanos();
    OpenedCases opened =
        OpenAssessedCases(*stubs, *assessors, absl::StrCat("bench-deadlines-", NowNanos()), options.cases,
                          options.seed_concurrency, [identified](int) { return identified; });
    r.seeding = absl::Nanoseconds(NowNanos() - start);
    r.seed_failures = opened.failed;
    if (r.seed_failures > 0) std::cerr << "hub_benchmark: deadlines: first refusal: " << opened.first_error << "\n";
    std::vector<std::string> ids = std::move(opened.case_ids);
    r.cases_opened = static_cast<int64_t>(ids.size());
    CRE_RETURN_IF_ERROR(ExecuteSql(db, absl::StrCat("DROP TABLE IF EXISTS ", kCaseTable)));
    CRE_RETURN_IF_ERROR(ExecuteSql(
        db, absl::StrCat("CREATE TABLE ", kCaseTable,
                         " (case_id CHAR(36) CHARACTER SET ascii COLLATE ascii_bin PRIMARY KEY) ENGINE=InnoDB")));
    for (size_t i = 0; i < ids.size(); i += 2000) {
      std::vector<std::string> values;
      for (size_t j = i; j < std::min(ids.size(), i + 2000); ++j) values.push_back(absl::StrCat("('", ids[j], "')"));
      CRE_RETURN_IF_ERROR(
          ExecuteSql(db, absl::StrCat("INSERT INTO ", kCaseTable, " VALUES ", absl::StrJoin(values, ","))));
    }
  }

  // The outage: what the hub sent for these cases' overdue actions is
  // forgotten, and every case fell due for review at one moment a minute
  // ago. Their open actions stay as the pathway computed them (all cases
  // identified at one instant, so all due at the same instants), as after a
  // real outage: moving them here would make every review rewrite its
  // case's actions, which no outage does (docs/benchmarks.md, "The drain
  // without the set-up's own work").
  const std::string alerts_sql = absl::StrCat("SELECT COUNT(*) FROM ", Joined("hub_action"),
                                              " WHERE trigger_key LIKE 'alert:%'");
  const std::string deliveries_sql =
      absl::StrCat("SELECT COUNT(*) FROM ", Joined("hub_action h"),
                   " JOIN delivery d ON d.message_id = h.message_id WHERE h.trigger_key LIKE 'alert:%'");
  const std::string messages_sql = absl::StrCat("SELECT COUNT(*) FROM ", Joined("message"));
  const std::string moment = absl::FormatTime("%Y-%m-%d %H:%M:%S", absl::Now() - absl::Minutes(1), absl::UTCTimeZone());
  // From the deadline index, so that a count reads the cases still due, not
  // all of the run's. Even so a count read two index entries a case still
  // due, 0.27 s of MariaDB's CPU with 60,000 due, and taken every 200 ms it
  // was a quarter of a core early in the drain: the poll asks only whether
  // any is due, which reads one, and counts for the progress lines alone.
  const std::string due_from_index = absl::StrCat(
      "FROM cre_case c FORCE INDEX (case_next_deadline) STRAIGHT_JOIN ", kCaseTable,
      " b ON b.case_id = c.case_id WHERE c.next_deadline <= '", moment, "'");
  const std::string due_sql = absl::StrCat("SELECT COUNT(*) ", due_from_index);
  const std::string any_due_sql = absl::StrCat("SELECT EXISTS (SELECT 1 ", due_from_index, ")");
  absl::StatusOr<int64_t> n = QueryInt(db, alerts_sql);
  if (!n.ok()) return n.status();
  r.expected_alerts = *n;
  if (!(n = QueryInt(db, deliveries_sql)).ok()) return n.status();
  r.expected_deliveries = *n;
  if (!(n = QueryInt(db, absl::StrCat("SELECT COUNT(*) FROM ", Joined("case_action")))).ok()) return n.status();
  r.open_actions = *n;
  if (r.expected_alerts == 0) {
    return absl::FailedPreconditionError(absl::StrCat("deadlines: the ", r.cases_opened, " cases opened with ",
                                                      r.open_actions, " open actions and no overdue action alerted:"
                                                      " nothing to measure"));
  }
  CRE_RETURN_IF_ERROR(ExecuteSql(
      db, absl::StrCat("DELETE h FROM ", Joined("hub_action h"), " WHERE h.trigger_key LIKE 'alert:%'")));
  if (!(n = QueryInt(db, messages_sql)).ok()) return n.status();
  const int64_t messages_before = *n;

  // Submissions meanwhile: the open loop starts (its connections and a
  // warm-up take two seconds) before the cases fall due.
  EndToEndOptions load;
  load.tag = absl::StrCat("deadlines-", NowNanos());
  load.submitters = options.submitters;
  load.pru_streams = options.pru_streams;
  load.concurrency = 256;
  load.offered_rate = options.offered_rate;
  load.duration = options.offered_for;
  absl::StatusOr<std::unique_ptr<EndToEndResult>> submissions;
  std::thread submitting([&] { submissions = RunEndToEnd(hub, load); });
  absl::SleepFor(absl::Milliseconds(2500));

  // What the hub sent about the cases so far is delivered before the
  // outage (bounded wait): left waiting, each new alert would wait behind
  // its case's earlier message to the same agency (per-case order).
  const std::string outstanding_sql = absl::StrCat(
      "SELECT COUNT(*) FROM ", kCaseTable, " b STRAIGHT_JOIN message m ON m.case_key = b.case_id"
      " STRAIGHT_JOIN delivery d ON d.message_id = m.message_id WHERE d.state IN ('PENDING', 'LEASED')"
      " AND d.recipient_agency_id IN ('", absl::StrJoin(kAlertRecipients, "', '"), "')");
  for (int waited = 0; waited < 600; ++waited) {
    if (!(n = QueryInt(db, outstanding_sql)).ok()) return n.status();
    r.outstanding_before = *n;
    if (*n == 0) break;
    absl::SleepFor(absl::Milliseconds(500));
  }
  const int64_t received_before = alerts_received.load();

  std::vector<double> hub_start;
  for (int pid : hub.pids) hub_start.push_back(CpuOf(pid));
  double db_start = 0;
  for (int pid : hub.database_pids) db_start += CpuOf(pid);
  const int64_t before_update = NowNanos();
  // The schedules' digests go with their deadlines (migrations/0023).
  absl::Status moved = ExecuteSql(db, absl::StrCat("UPDATE ", Joined("cre_case c"), " SET c.next_deadline = '",
                                                   moment, "', c.schedule_sha256 = NULL"));
  const int64_t due_from = NowNanos();  // committed: every case due
  r.setup = absl::Nanoseconds(due_from - before_update);
  if (moved.ok()) {
    const int64_t give_up = due_from + absl::ToInt64Nanoseconds(options.timeout);
    while (NowNanos() < give_up) {
      const double asked = static_cast<double>(NowNanos() - due_from) / 1e9;
      const bool line_due = r.progress.empty() || asked - std::get<0>(r.progress.back()) >= 5;
      // The count for a progress line; otherwise 1 while any is due.
      absl::StatusOr<int64_t> due = QueryInt(db, line_due ? due_sql : any_due_sql);
      if (!due.ok()) {
        moved = due.status();
        break;
      }
      const double at = static_cast<double>(NowNanos() - due_from) / 1e9;
      const int64_t received = alerts_received.load() - received_before;
      if (line_due || (*due == 0 && !r.drained)) r.progress.emplace_back(at, *due, received);
      if (*due == 0 && !r.drained) {
        r.drained = true;
        r.drain = absl::Nanoseconds(NowNanos() - due_from);
      }
      if (r.drained && received >= r.expected_deliveries) {
        if (r.progress.back() != std::make_tuple(at, *due, received)) r.progress.emplace_back(at, *due, received);
        r.all_received = true;
        r.received = absl::Nanoseconds(NowNanos() - due_from);
        break;
      }
      absl::SleepFor(absl::Milliseconds(200));
    }
  }
  for (size_t k = 0; k < hub.pids.size(); ++k) {
    const double now = CpuOf(hub.pids[k]);
    r.hub_cpu.push_back(now < 0 || hub_start[k] < 0 ? -1 : now - hub_start[k]);
  }
  double db_now = 0;
  for (int pid : hub.database_pids) db_now += CpuOf(pid);
  r.database_cpu = hub.database_pids.empty() ? -1 : db_now - db_start;
  submitting.join();
  r.alerts_received = alerts_received.load() - received_before;
  if (!moved.ok()) return moved;
  if (!submissions.ok()) return submissions.status();
  r.submissions = *std::move(submissions);

  if (!(n = QueryInt(db, alerts_sql)).ok()) return n.status();
  r.alerts = *n;
  if (!(n = QueryInt(db, deliveries_sql)).ok()) return n.status();
  r.deliveries = *n;
  if (!(n = QueryInt(db, messages_sql)).ok()) return n.status();
  r.new_messages = *n - messages_before;
  CRE_RETURN_IF_ERROR(ExecuteSql(db, absl::StrCat("DROP TABLE IF EXISTS ", kCaseTable)));
  return r;
}

void PrintDeadlines(const DeadlinesResult& r, const DeadlinesOptions& o, const HubUnderTest& hub) {
  std::cout << absl::StrFormat(
      "deadlines in bulk   %d hub processes on one database; %d cases opened (concern, assessment) in %.1f s "
      "(%.0f/s, %d refused), %d open actions\n",
      hub.targets.size(), r.cases_opened, absl::ToDoubleSeconds(r.seeding),
      r.cases_opened / std::max(1e-9, absl::ToDoubleSeconds(r.seeding)), r.seed_failures, r.open_actions);
  std::cout << absl::StrFormat(
      "  the outage (SQL): %d alerts forgotten (%d deliveries); every case due at one moment (UPDATE took %.2f s)\n",
      r.expected_alerts, r.expected_deliveries, absl::ToDoubleSeconds(r.setup));
  std::string progress;
  for (const auto& [at, due, received] : r.progress) {
    absl::StrAppend(&progress, absl::StrFormat(" %.0fs:%d/%d", at, due, received));
  }
  std::cout << "  cases still due / alert deliveries received, at:" << progress << "\n";
  if (r.drained) {
    std::cout << absl::StrFormat("  every case reviewed in %.1f s (%.0f cases/s)\n", absl::ToDoubleSeconds(r.drain),
                                 r.cases_opened / std::max(1e-9, absl::ToDoubleSeconds(r.drain)));
  } else {
    std::cout << "  NOT every case reviewed within " << absl::FormatDuration(o.timeout) << "\n";
  }
  std::cout << absl::StrFormat("  the alerts' recipients (%s) subscribed on each hub from the start (%d of their "
                               "deliveries of the cases still outstanding at the outage): ",
                               absl::StrJoin(kAlertRecipients, ", "), r.outstanding_before);
  if (r.all_received) {
    std::cout << absl::StrFormat("every alert received (acknowledged) in %.1f s\n", absl::ToDoubleSeconds(r.received));
  } else {
    std::cout << absl::StrFormat("%d of %d alert deliveries received within %s\n", r.alerts_received,
                                 r.expected_deliveries, absl::FormatDuration(o.timeout));
  }
  std::cout << absl::StrFormat("  alerts: %d of %d (hub_action), deliveries %d of %d, messages written %d\n", r.alerts,
                               r.expected_alerts, r.deliveries, r.expected_deliveries, r.new_messages);
  std::string cpu;
  for (size_t k = 0; k < r.hub_cpu.size(); ++k) {
    absl::StrAppend(&cpu, k ? ", " : "", "hub ", k + 1, " ", absl::StrFormat("%.1f s", r.hub_cpu[k]));
  }
  const double span = absl::ToDoubleSeconds(r.all_received ? r.received : r.drain);
  std::cout << "  CPU over the drain: " << cpu
            << absl::StrFormat(", mariadbd %.1f s (%.1f s of wall clock)\n", r.database_cpu, span);
  const EndToEndResult& s = *r.submissions;
  std::cout << absl::StrFormat("  submissions meanwhile: %.0f/s offered for %s: %d answered, %d failed, %d not sent\n",
                               o.offered_rate, absl::FormatDuration(o.offered_for), s.submitted.completed,
                               s.submitted.failed, s.submitted.skipped)
            << "  submit (scheduled instant to receipt) " << s.submit_latency.Summary() << "\n";
  const double p99 = s.submit_latency.QuantileMs(0.99);
  const bool once = r.alerts == r.expected_alerts && r.deliveries == r.expected_deliveries &&
                    r.new_messages == r.alerts;
  const bool in_time = r.drained && r.all_received && r.received <= kTargetDrain;
  const bool submissions_ok = s.submitted.failed == 0 && s.submitted.skipped == 0 && p99 < kTargetP99Ms;
  std::cout << absl::StrFormat(
      "target (issue 28): every case reviewed and alerted exactly once within %.0f s, submissions p99 < %.0f ms: "
      "%s (%s, %s, p99 %.1f ms)\n",
      absl::ToDoubleSeconds(kTargetDrain), kTargetP99Ms, once && in_time && submissions_ok ? "MET" : "NOT MET",
      !r.drained        ? "not all reviewed"
      : r.all_received ? absl::StrFormat("reviewed in %.1f s, every alert received in %.1f s",
                                         absl::ToDoubleSeconds(r.drain), span)
                       : "not every alert received",
      once ? "each alert once" : "alerts NOT each once", p99);
}

absl::Status DeadlinesPhase(const HubUnderTest& hub, const std::vector<std::string>& submitters, int pru_streams) {
  HubUnderTest both = hub;
  if (!absl::GetFlag(FLAGS_deadline_hub_target).empty()) {
    both.targets.push_back(absl::GetFlag(FLAGS_deadline_hub_target));
    both.pids.push_back(absl::GetFlag(FLAGS_deadline_hub_pid));
  }
  DeadlinesOptions o;
  o.cases = absl::GetFlag(FLAGS_deadline_cases);
  o.seed_concurrency = absl::GetFlag(FLAGS_deadline_seed_concurrency);
  o.submitters = submitters;
  o.pru_streams = pru_streams;
  o.offered_rate = absl::GetFlag(FLAGS_deadline_offered_rate);
  o.offered_for = absl::GetFlag(FLAGS_deadline_offered_for);
  o.timeout = absl::GetFlag(FLAGS_deadline_timeout);
  absl::StatusOr<DeadlinesResult> r = RunDeadlines(both, o);
  if (!r.ok()) return r.status();
  PrintDeadlines(*r, o, both);
  return absl::OkStatus();
}

}  // namespace cre::bench
