// See hub_scenarios.h.
#include "hub_scenarios.h"

#include <atomic>
#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "client/hub_channel.h"
#include "google/protobuf/util/time_util.h"
#include "hub_load.h"
#include "load.h"
#include "storage_bench.h"

namespace cre::bench {
namespace {

// The acknowledgements of one run's reports (those carrying `tag`): how
// many, and when the last came. Outlives the streams it counts for.
struct AckCount {
  std::atomic<int64_t> acknowledged{0}, last{0};

  InboxSubscriber::OnMessage Of(const std::string& tag) {
    return [this, tag](const v1::RoutedMessage& m) {
      if (!SentNanos(m, tag)) return;
      acknowledged.fetch_add(1);
      last.store(NowNanos());
    };
  }
  // Until `expected` have come or the clock passes `give_up_nanos`.
  void WaitFor(int64_t expected, int64_t give_up_nanos) const {
    while (acknowledged.load() < expected && NowNanos() < give_up_nanos) absl::SleepFor(absl::Milliseconds(10));
  }
};

}  // namespace

// Ends every stream and waits (bounded) for their ends and their acks. A
// stream or an acknowledgement still out after that would call back into
// what the caller is about to destroy (its stubs, its counters): the
// benchmark stops there, without destructors, as a failure.
void CloseAll(std::vector<std::unique_ptr<InboxSubscriber>>& subscribers) {
  for (auto& s : subscribers) s->Cancel();
  bool ended = true;
  for (auto& s : subscribers) ended = s->WaitDone(absl::Seconds(10)) && ended;
  const int64_t give_up = NowNanos() + absl::ToInt64Nanoseconds(absl::Seconds(12));
  for (auto& s : subscribers) {
    while (s->AcksPending() > 0 && NowNanos() < give_up) absl::SleepFor(absl::Milliseconds(5));
    ended = ended && s->AcksPending() == 0;
  }
  if (!ended) {
    std::cerr << "hub_benchmark: streams or acknowledgements still open 20 s after the end of a phase; stopping\n";
    std::cout.flush();
    std::_Exit(3);
  }
}

double EndToEndResult::AcknowledgedPerSecond() const {
  const double seconds = absl::ToDoubleSeconds(elapsed);
  return seconds > 0 ? static_cast<double>(acknowledged) / seconds : 0;
}

absl::StatusOr<std::unique_ptr<EndToEndResult>> RunEndToEnd(const HubUnderTest& hub,
                                                            const EndToEndOptions& options) {
  auto result = std::make_unique<EndToEndResult>();
  AckCount acks;
  const std::string tag = options.tag;
  auto on_delivered = [&result, tag](const v1::RoutedMessage& m) {
    if (std::optional<int64_t> sent = SentNanos(m, tag)) result->delivery_latency.Add(NowNanos() - *sent);
  };
  absl::StatusOr<std::vector<std::unique_ptr<v1::Inbox::Stub>>> inbox_stubs =
      StubsFor<v1::Inbox>(hub, std::vector<std::string>(options.pru_streams, "derby-pru"), 100);
  if (!inbox_stubs.ok()) return inbox_stubs.status();
  std::vector<std::unique_ptr<InboxSubscriber>> subscribers;
  for (auto& stub : *inbox_stubs) {
    subscribers.push_back(std::make_unique<InboxSubscriber>(stub.get(), 64, on_delivered, acks.Of(tag)));
    subscribers.back()->Start();
  }
  absl::StatusOr<std::vector<std::unique_ptr<v1::Referrals::Stub>>> submit_stubs =
      StubsFor<v1::Referrals>(hub, options.submitters, 200);
  if (!submit_stubs.ok()) return submit_stubs.status();
  // Warm-up, not measured: the submitting connections' TLS handshakes and
  // the hub's database connections are made before the clock starts, as in
  // a hub that has been running. Its reports carry another tag, so that the
  // streams acknowledge them without counting them.
  std::atomic<int64_t> warm_up_sequence{0};
  RunClosedLoop(options.concurrency, options.warm_up, [&](int64_t scheduled, Done done) {
    const int64_t n = warm_up_sequence.fetch_add(1);
    SubmitReport((*submit_stubs)[n % submit_stubs->size()].get(),
                 TimedReport(absl::StrCat(tag, "-warm-up-", n), tag + "-warm-up", scheduled),
                 [done](const grpc::Status& status, const v1::SubmitResponse&) { done(status.ok()); });
  });
  absl::SleepFor(absl::Seconds(1));  // streams open; the warm-up's and an earlier run's leftovers acked

  std::atomic<int64_t> sequence{0};
  FirstError first_error;
  Issue issue = [&](int64_t scheduled, Done done) {
    const int64_t n = sequence.fetch_add(1);
    SubmitReport((*submit_stubs)[n % submit_stubs->size()].get(),
                 TimedReport(absl::StrCat(tag, "-", n), tag, scheduled),
                 [&result, &first_error, scheduled, done](const grpc::Status& status, const v1::SubmitResponse&) {
                   if (status.ok()) result->submit_latency.Add(NowNanos() - scheduled);
                   if (!status.ok()) first_error.Note(status);
                   done(status.ok());
                 });
  };
  const CpuSince cpu(hub);
  const int64_t start = NowNanos();
  result->submitted = options.offered_rate > 0
                          ? RunOpenLoop(options.offered_rate, options.duration, options.concurrency, issue)
                          : RunClosedLoop(options.concurrency, options.duration, issue);
  acks.WaitFor(result->submitted.completed, NowNanos() + absl::ToInt64Nanoseconds(options.drain_timeout));
  result->acknowledged = acks.acknowledged.load();
  result->elapsed = absl::Nanoseconds(std::max<int64_t>(acks.last.load(), start) - start);
  result->hub_cpu = cpu.Hub();
  result->database_cpu = cpu.Database();
  result->generator_cpu = cpu.Generator();
  CloseAll(subscribers);
  if (!first_error.Get().empty()) std::cerr << "hub_benchmark: " << tag << ": first refusal: " << first_error.Get() << "\n";
  return result;
}

absl::StatusOr<BacklogResult> RunBacklog(const HubUnderTest& hub, const std::vector<std::string>& submitters,
                                         int concurrency, absl::Duration fill, int pru_streams) {
  BacklogResult result;
  const std::string tag = absl::StrCat("backlog-", NowNanos());
  absl::StatusOr<std::vector<std::unique_ptr<v1::Referrals::Stub>>> submit_stubs =
      StubsFor<v1::Referrals>(hub, submitters, 600);
  if (!submit_stubs.ok()) return submit_stubs.status();
  std::atomic<int64_t> sequence{0};
  FirstError first_error;
  result.filled = RunClosedLoop(concurrency, fill, [&](int64_t scheduled, Done done) {
    const int64_t n = sequence.fetch_add(1);
    SubmitReport((*submit_stubs)[n % submit_stubs->size()].get(), TimedReport(absl::StrCat(tag, "-", n), tag, scheduled),
                 [&first_error, done](const grpc::Status& status, const v1::SubmitResponse&) {
                   if (!status.ok()) first_error.Note(status);
                   done(status.ok());
                 });
  });
  if (!first_error.Get().empty()) std::cerr << "hub_benchmark: " << tag << ": first refusal: " << first_error.Get() << "\n";

  AckCount acks;
  absl::StatusOr<std::vector<std::unique_ptr<v1::Inbox::Stub>>> inbox_stubs =
      StubsFor<v1::Inbox>(hub, std::vector<std::string>(pru_streams, "derby-pru"), 700);
  if (!inbox_stubs.ok()) return inbox_stubs.status();
  const CpuSince cpu(hub);
  const int64_t start = NowNanos();
  std::vector<std::unique_ptr<InboxSubscriber>> subscribers;
  for (auto& stub : *inbox_stubs) {
    subscribers.push_back(std::make_unique<InboxSubscriber>(stub.get(), 64, nullptr, acks.Of(tag)));
    subscribers.back()->Start();
  }
  // Bounded: what is not drained in a minute is reported as such.
  acks.WaitFor(result.filled.completed, start + absl::ToInt64Nanoseconds(absl::Minutes(1)));
  result.acknowledged = acks.acknowledged.load();
  result.drain = absl::Nanoseconds(std::max<int64_t>(acks.last.load(), start) - start);
  result.hub_cpu = cpu.Hub();
  result.database_cpu = cpu.Database();
  CloseAll(subscribers);
  return result;
}

namespace {

// Opens a case as `agency` with a LOW concern (recorded, routed to nobody).
absl::StatusOr<std::string> OpenCase(const HubUnderTest& hub, const std::string& agency) {
  absl::StatusOr<std::unique_ptr<v1::Referrals::Stub>> stub = StubFor<v1::Referrals>(hub, agency, 300);
  if (!stub.ok()) return stub.status();
  v1::SubmitConcernRequest request;
  request.set_idempotency_key(absl::StrCat("bench-fanout-case-", NowNanos()));
  *request.mutable_governance() = BenchGovernance();
  v1::NewChild* child = request.mutable_new_child();
  child->mutable_details()->set_given_name("Alex");
  child->mutable_details()->set_family_name("Example");
  child->mutable_details()->set_address("1 Example Street, Derby");
  child->mutable_child()->set_date_of_birth("2014-05-01");
  child->mutable_child()->set_open_plan(v1::OPEN_PLAN_NONE);
  child->mutable_child()->set_home_authority_code("E06000015");
  child->mutable_child()->set_placement_authority_code("E06000015");
  request.mutable_concern()->set_indicated_level(v1::RISK_LEVEL_LOW);
  request.mutable_concern()->set_narrative("Seen getting into cars with older men after school.");
  *request.mutable_concern()->mutable_identified_at() =
      google::protobuf::util::TimeUtil::SecondsToTimestamp(absl::ToUnixSeconds(absl::Now()) - 7200);
  grpc::ClientContext context;
  v1::SubmitResponse response;
  grpc::Status status = (*stub)->SubmitConcern(&context, request, &response);
  if (!status.ok()) return absl::InternalError("open the fan-out case: " + status.error_message());
  return response.case_id();
}

// The benchmark's set-up, not the hub's work: no call lets an agency join a
// case it has not sent to or received from, so the rows are written here.
absl::Status Involve(const HubUnderTest& hub, const std::string& case_id, const std::vector<std::string>& agencies) {
  std::vector<std::string> rows;
  for (const std::string& agency : agencies) rows.push_back(absl::StrCat("('", case_id, "','", agency, "')"));
  return ExecuteSql(hub.schema, "INSERT IGNORE INTO involvement (case_id, agency_id) VALUES " +
                                    absl::StrJoin(rows, ","));
}

// Per report (keyed by its send instant): how many partners have it, and when the last did.
struct Arrivals {
  absl::Mutex mu;
  std::map<int64_t, std::pair<int, int64_t>> by_report ABSL_GUARDED_BY(mu);

  void Add(int64_t sent) {
    absl::MutexLock lock(&mu);
    auto& [count, last] = by_report[sent];
    ++count;
    last = NowNanos();
  }
  // The last arrival once `expected` have arrived, within `timeout`; -1 otherwise.
  int64_t WaitFor(int64_t sent, int expected, absl::Duration timeout) {
    absl::MutexLock lock(&mu);
    auto complete = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) { return by_report[sent].first >= expected; };
    mu.AwaitWithTimeout(absl::Condition(&complete), timeout);
    return complete() ? by_report[sent].second : -1;
  }
};

}  // namespace

absl::StatusOr<FanOutResult> RunFanOut(const HubUnderTest& hub, const std::vector<std::string>& partners,
                                       int reports) {
  const std::string opener = "derby-school-ashgrove";
  absl::StatusOr<std::string> case_id = OpenCase(hub, opener);
  if (!case_id.ok()) return case_id.status();
  if (absl::Status s = Involve(hub, *case_id, partners); !s.ok()) return s;

  Arrivals arrivals;
  auto on_delivered = [&arrivals](const v1::RoutedMessage& m) {
    if (std::optional<int64_t> sent = SentNanos(m, "fanout")) arrivals.Add(*sent);
  };
  std::vector<std::unique_ptr<v1::Inbox::Stub>> stubs;
  std::vector<std::unique_ptr<InboxSubscriber>> subscribers;
  for (const std::string& partner : partners) {
    absl::StatusOr<std::unique_ptr<v1::Inbox::Stub>> stub = StubFor<v1::Inbox>(hub, partner, 400);
    if (!stub.ok()) return stub.status();
    stubs.push_back(*std::move(stub));
    subscribers.push_back(std::make_unique<InboxSubscriber>(stubs.back().get(), 16, on_delivered, nullptr));
    subscribers.back()->Start();
  }
  absl::SleepFor(absl::Seconds(2));  // every partner connected (TLS handshakes) and subscribed

  absl::StatusOr<std::unique_ptr<v1::Referrals::Stub>> submitter = StubFor<v1::Referrals>(hub, opener, 300);
  if (!submitter.ok()) return submitter.status();
  FanOutResult result;
  result.recipients = static_cast<int>(partners.size());
  for (int r = 0; r < reports; ++r) {
    const int64_t sent = NowNanos();
    grpc::ClientContext context;
    v1::SubmitResponse response;
    grpc::Status status = (*submitter)->SubmitOperationLibertyReport(
        &context, TimedReport(absl::StrCat("fanout-", sent), "fanout", sent, *case_id), &response);
    if (!status.ok()) return absl::InternalError("fan-out report: " + status.error_message());
    result.to_receipt.push_back(absl::Nanoseconds(NowNanos() - sent));
    const int64_t last = arrivals.WaitFor(sent, result.recipients, absl::Seconds(30));
    result.to_last_delivery.push_back(last < 0 ? absl::InfiniteDuration() : absl::Nanoseconds(last - sent));
  }
  CloseAll(subscribers);
  return result;
}

absl::StatusOr<IdleResult> RunIdleStreams(const HubUnderTest& hub, const std::vector<std::string>& agencies,
                                          int streams, int per_agency_channels) {
  IdleResult result;
  result.requested = streams;
  result.before = ReadProcessStatus(hub.pid());
  std::vector<std::unique_ptr<v1::Inbox::Stub>> stubs;
  for (const std::string& agency : agencies) {
    for (int c = 0; c < per_agency_channels; ++c) {
      absl::StatusOr<std::unique_ptr<v1::Inbox::Stub>> stub = StubFor<v1::Inbox>(hub, agency, 500 + c);
      if (!stub.ok()) return stub.status();
      stubs.push_back(*std::move(stub));
    }
  }
  std::vector<std::unique_ptr<InboxSubscriber>> subscribers;
  for (int i = 0; i < streams; ++i) {
    subscribers.push_back(std::make_unique<InboxSubscriber>(stubs[i % stubs.size()].get(), 0, nullptr, nullptr));
    subscribers.back()->Start();
  }
  absl::SleepFor(absl::Seconds(4));  // handshakes done, every stream registered and idle
  for (auto& s : subscribers) result.still_open += s->Done() ? 0 : 1;
  result.with_streams = ReadProcessStatus(hub.pid());
  CloseAll(subscribers);
  return result;
}

}  // namespace cre::bench
