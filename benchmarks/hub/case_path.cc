// See case_path.h.
#include "case_path.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <thread>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "google/protobuf/util/time_util.h"
#include "hub_load.h"
#include "load.h"
#include "storage_bench.h"

namespace cre::bench {
namespace {

// The partners whose concerns open the pool's cases, in turn; each case's
// opener writes its risk assessments, concerns and reports afterwards.
const char* const kOpeners[] = {"derby-health", "derby-school-ashgrove", "derby-police", "derby-youth-justice",
                                "derby-housing"};
// A MEDIUM concern goes to Children's Social Care, which is then involved
// and records the case events.
constexpr char kChildrensSocialCare[] = "derby-csc";
// Every agency of the sample registry (config/agencies.textproto): any of
// them may be a recipient of the mix or of the hub's follow-ups (the PRU of
// a report, the IRO service of a looked-after child, another authority). The
// benchmark's partners are involved with none of these cases.
const char* const kSubscribed[] = {"derby-pru", "derby-police", "derby-health", "derby-school-ashgrove",
                                   "derby-youth-justice", "derby-housing", "derby-youth-club", "derby-early-help",
                                   "derby-csc", "derby-cpm", "derby-iro", "derbyshire-cc", "nottingham-cc"};

google::protobuf::Timestamp At(absl::Time t) {
  return google::protobuf::util::TimeUtil::SecondsToTimestamp(absl::ToUnixSeconds(t));
}

uint64_t Mix(uint64_t x) {  // splitmix64's finaliser: spreads consecutive numbers over the pool
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// A valid NHS number (Modulus 11 check digit) derived from `seed`: the hub
// matches a child by it, so each seed is one child.
std::string NhsNumber(uint64_t seed) {
  for (;; ++seed) {
    const std::string nine = absl::StrCat(100000000 + seed % 900000000);
    int sum = 0;
    for (int i = 0; i < 9; ++i) sum += (nine[i] - '0') * (10 - i);
    int check = 11 - sum % 11;
    if (check == 11) check = 0;
    if (check != 10) return absl::StrCat(nine, check);
  }
}

// A MEDIUM concern about a child new to the hub, or known by `nhs_number`;
// one in ten is looked after, so that the pathway notifies the IRO.
v1::SubmitConcernRequest NewChildConcern(const std::string& key, const std::string& nhs_number, int64_t i) {
  v1::SubmitConcernRequest request;
  request.set_idempotency_key(key);
  *request.mutable_governance() = BenchGovernance();
  v1::NewChild* child = request.mutable_new_child();
  child->mutable_details()->set_given_name(absl::StrCat("Child", i % 100000));
  child->mutable_details()->set_family_name("Example");
  child->mutable_details()->set_address(absl::StrCat(i % 400 + 1, " Example Street, Derby"));
  child->mutable_details()->set_nhs_number(nhs_number);
  child->mutable_child()->set_date_of_birth(absl::StrFormat("%d-%02d-%02d", 2008 + i % 8, i % 12 + 1, i % 28 + 1));
  const bool looked_after = i % 10 == 0;
  child->mutable_child()->set_looked_after(looked_after);
  child->mutable_child()->set_open_plan(looked_after ? v1::OPEN_PLAN_LOOKED_AFTER : v1::OPEN_PLAN_NONE);
  child->mutable_child()->set_home_authority_code("E06000015");
  child->mutable_child()->set_placement_authority_code("E06000015");
  request.mutable_concern()->set_indicated_level(v1::RISK_LEVEL_MEDIUM);
  request.mutable_concern()->set_narrative("Seen getting into cars with older men after school.");
  *request.mutable_concern()->mutable_identified_at() = At(absl::Now() - absl::Hours(2));
  return request;
}

// What each delivery belongs to, by message id, and the figures of the
// run. Deliveries and receipts arrive in either order: a delivery whose
// receipt has not come yet waits in its message's entry.
class Deliveries {
 public:
  // The receipt of a submission scheduled at `sent`; `measured` false for
  // the warm-up's, whose deliveries are acknowledged but not counted.
  void Submitted(const v1::SubmitResponse& receipt, int64_t sent, bool measured) {
    absl::MutexLock lock(&mu_);
    Register(receipt.message_id(), sent, measured, false, receipt.recipient_agency_ids_size());
    for (const v1::HubActionReceipt& action : receipt.hub_actions()) {
      Register(action.message_id(), sent, measured, true, action.recipient_agency_ids_size());
    }
  }
  void Delivered(const v1::RoutedMessage& m) {
    if (m.redelivery_count() > 0) return;  // handed out again: its first arrival was counted
    const int64_t now = NowNanos();
    absl::MutexLock lock(&mu_);
    Entry& e = by_id_[m.message_id()];
    if (e.sent < 0) {
      e.early.push_back(now);
    } else {
      Arrived(e, now);
    }
  }
  void Acknowledged(const v1::RoutedMessage& m) {
    absl::MutexLock lock(&mu_);
    Entry& e = by_id_[m.message_id()];
    if (e.sent < 0) {
      ++e.early_acks;
    } else {
      Acked(e);
    }
  }
  // Until every measured direct delivery is acknowledged, or the clock
  // passes `give_up_nanos`.
  void WaitForAll(int64_t give_up_nanos) {
    absl::MutexLock lock(&mu_);
    auto all = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return acknowledged_ >= expected_; };
    mu_.AwaitWithTimeout(absl::Condition(&all), absl::Nanoseconds(give_up_nanos - NowNanos()));
  }
  void Fill(CasePathResult& r, int64_t start) {
    absl::MutexLock lock(&mu_);
    r.completed = completed_;
    r.elapsed = absl::Nanoseconds(std::max(last_completion_, start) - start);
    r.deliveries_expected = expected_;
    r.delivered = delivered_;
    r.acknowledged = acknowledged_;
    r.follow_ups_expected = follow_ups_expected_;
    r.follow_ups_delivered = follow_ups_delivered_;
    for (const auto& [id, e] : by_id_) r.other_deliveries += e.sent < 0 ? static_cast<int64_t>(e.early.size()) : 0;
    for (int64_t nanos : direct_) r.delivery_latency.Add(nanos);
    for (int64_t nanos : follow_up_) r.follow_up_latency.Add(nanos);
  }

 private:
  struct Entry {
    int64_t sent = -1;  // -1: no receipt names it (yet)
    bool measured = false, follow_up = false;
    int expected = 0, acked = 0;
    std::vector<int64_t> early;  // arrivals before the receipt
    int early_acks = 0;
  };

  void Register(const std::string& id, int64_t sent, bool measured, bool follow_up, int recipients)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    Entry& e = by_id_[id];
    e.sent = sent;
    e.measured = measured;
    e.follow_up = follow_up;
    e.expected = recipients;
    if (measured && !follow_up) {
      expected_ += recipients;
      if (recipients == 0) Complete();
    }
    if (measured && follow_up) follow_ups_expected_ += recipients;
    for (int64_t at : e.early) Arrived(e, at);
    e.early.clear();
    for (; e.early_acks > 0; --e.early_acks) Acked(e);
  }
  void Arrived(const Entry& e, int64_t at) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (!e.measured) return;
    if (e.follow_up) {
      ++follow_ups_delivered_;
      follow_up_.push_back(at - e.sent);
    } else {
      ++delivered_;
      direct_.push_back(at - e.sent);
    }
  }
  void Acked(Entry& e) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (!e.measured || e.follow_up || e.acked >= e.expected) return;
    ++acknowledged_;
    if (++e.acked == e.expected) Complete();
  }
  void Complete() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    ++completed_;
    last_completion_ = NowNanos();
  }

  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Entry> by_id_ ABSL_GUARDED_BY(mu_);
  int64_t expected_ ABSL_GUARDED_BY(mu_) = 0, delivered_ ABSL_GUARDED_BY(mu_) = 0,
      acknowledged_ ABSL_GUARDED_BY(mu_) = 0, completed_ ABSL_GUARDED_BY(mu_) = 0,
      last_completion_ ABSL_GUARDED_BY(mu_) = 0, follow_ups_expected_ ABSL_GUARDED_BY(mu_) = 0,
      follow_ups_delivered_ ABSL_GUARDED_BY(mu_) = 0;
  // Latencies in nanoseconds, moved into the result's samples at the end.
  std::vector<int64_t> direct_ ABSL_GUARDED_BY(mu_), follow_up_ ABSL_GUARDED_BY(mu_);
};

// The calls of the mix, by n % 20.
enum class Call { kEvents, kAssessment, kNewChild, kKnownChild, kJoinCase, kReport };
Call CallFor(int64_t n) {
  const int slot = static_cast<int>(n % 20);
  if (slot < 6) return Call::kEvents;
  if (slot < 12) return Call::kAssessment;
  if (slot < 14) return Call::kNewChild;
  if (slot < 15) return Call::kKnownChild;
  if (slot < 17) return Call::kJoinCase;
  return Call::kReport;
}
const char* NameOf(Call call) {
  switch (call) {
    case Call::kEvents: return "RecordCaseEvents";
    case Call::kAssessment: return "RecordRiskAssessment";
    case Call::kNewChild: return "SubmitConcern, new child";
    case Call::kKnownChild: return "SubmitConcern, known child (NHS number)";
    case Call::kJoinCase: return "SubmitConcern on a case";
    case Call::kReport: return "SubmitOperationLibertyReport on a case";
  }
  return "?";
}
constexpr int kCalls = 6;

// The agencies' Referrals stubs, one connection each, spread over the hub's
// processes; `first_channel` keeps them apart from other phases'.
absl::StatusOr<std::map<std::string, std::unique_ptr<v1::Referrals::Stub>>> ReferralsStubs(
    const HubUnderTest& hub, const std::vector<std::string>& agencies, int first_channel) {
  absl::StatusOr<std::vector<std::unique_ptr<v1::Referrals::Stub>>> stubs =
      StubsFor<v1::Referrals>(hub, agencies, first_channel);
  if (!stubs.ok()) return stubs.status();
  std::map<std::string, std::unique_ptr<v1::Referrals::Stub>> by_agency;
  for (size_t i = 0; i < agencies.size(); ++i) by_agency[agencies[i]] = std::move((*stubs)[i]);
  return by_agency;
}

// Issues the mix's n-th call on the pool's cases.
class Mixer {
 public:
  Mixer(std::map<std::string, std::unique_ptr<v1::Referrals::Stub>> stubs, const CasePool& pool, std::string tag)
      : stubs_(std::move(stubs)), pool_(pool), tag_(std::move(tag)), seed_(Mix(static_cast<uint64_t>(NowNanos()))) {}

  // `done` gets the status and the receipt.
  void Issue(int64_t n, int64_t scheduled, SubmitDone done) {
    const CaseRef& c = pool_.open[Mix(seed_ ^ static_cast<uint64_t>(n)) % pool_.open.size()];
    const std::string key = absl::StrCat(tag_, "-", n);
    const absl::Time now = absl::Now();
    switch (CallFor(n)) {
      case Call::kEvents: {
        v1::RecordCaseEventsRequest r;
        r.set_idempotency_key(key);
        *r.mutable_governance() = BenchGovernance();
        r.set_case_id(c.case_id);
        v1::CaseEvent* event = r.add_events();
        event->set_kind(v1::EVENT_KIND_MISSING_EPISODE);
        *event->mutable_occurred_at() = At(now - absl::Minutes(1));
        event->set_note("Returned home late; return interview to follow.");
        v1::Referrals::Stub* stub = Stub(kChildrensSocialCare);
        return SubmitAsync(r, [stub](auto... a) { stub->async()->RecordCaseEvents(a...); }, std::move(done));
      }
      case Call::kAssessment: {
        // The opener's and Children's Social Care's in turn; never LOW, which
        // would need a team manager's approval under the floor rule.
        const bool csc = (n / 20) % 2 == 0;
        v1::RecordRiskAssessmentRequest r;
        r.set_idempotency_key(key);
        *r.mutable_governance() = BenchGovernance();
        r.set_case_id(c.case_id);
        *r.mutable_assessment()->mutable_assessed_at() = At(now - absl::Minutes(1));
        r.mutable_assessment()->set_level(v1::RISK_LEVEL_MEDIUM);
        r.mutable_assessment()->set_assessor_role(csc ? v1::PRACTITIONER_ROLE_SOCIAL_WORKER
                                                      : v1::PRACTITIONER_ROLE_PARTNER_PRACTITIONER);
        r.mutable_assessment()->set_narrative("Toolkit completed with the child; risk remains.");
        v1::Referrals::Stub* stub = Stub(csc ? kChildrensSocialCare : c.agency);
        return SubmitAsync(r, [stub](auto... a) { stub->async()->RecordRiskAssessment(a...); }, std::move(done));
      }
      case Call::kNewChild:
      case Call::kKnownChild: {
        const bool known = CallFor(n) == Call::kKnownChild;
        const std::string nhs = known ? c.nhs_number : NhsNumber(Mix(seed_ + static_cast<uint64_t>(n)));
        v1::Referrals::Stub* stub = Stub(kOpeners[n % std::size(kOpeners)]);
        return SubmitAsync(NewChildConcern(key, nhs, n), [stub](auto... a) { stub->async()->SubmitConcern(a...); },
                           std::move(done));
      }
      case Call::kJoinCase: {
        v1::SubmitConcernRequest r;
        r.set_idempotency_key(key);
        *r.mutable_governance() = BenchGovernance();
        r.set_case_id(c.case_id);
        r.mutable_concern()->set_indicated_level(v1::RISK_LEVEL_MEDIUM);
        r.mutable_concern()->set_narrative("Seen again with the same older men near the bus station.");
        *r.mutable_concern()->mutable_identified_at() = At(now - absl::Minutes(30));
        v1::Referrals::Stub* stub = Stub(c.agency);
        return SubmitAsync(r, [stub](auto... a) { stub->async()->SubmitConcern(a...); }, std::move(done));
      }
      case Call::kReport:
        return SubmitReport(Stub(c.agency), TimedReport(key, tag_, scheduled, c.case_id), std::move(done));
    }
  }

 private:
  v1::Referrals::Stub* Stub(const std::string& agency) const { return stubs_.at(agency).get(); }

  const std::map<std::string, std::unique_ptr<v1::Referrals::Stub>> stubs_;
  const CasePool& pool_;
  const std::string tag_;
  const uint64_t seed_;
};

// GetCase on random cases of the pool (its own and the history's) as an
// involved agency, at `rate` a second for `duration`, on connections of
// their own.
class Reader {
 public:
  static absl::StatusOr<std::unique_ptr<Reader>> Make(const HubUnderTest& hub, const CasePool& pool) {
    auto reader = std::unique_ptr<Reader>(new Reader);
    reader->cases_ = pool.open;
    reader->open_ = pool.open.size();
    reader->cases_.insert(reader->cases_.end(), pool.history.begin(), pool.history.end());
    std::vector<std::string> agencies;
    for (const CaseRef& c : reader->cases_) {
      if (std::find(agencies.begin(), agencies.end(), c.agency) == agencies.end()) agencies.push_back(c.agency);
    }
    absl::StatusOr<std::map<std::string, std::unique_ptr<v1::Referrals::Stub>>> stubs =
        ReferralsStubs(hub, agencies, 1100);
    if (!stubs.ok()) return stubs.status();
    reader->stubs_ = *std::move(stubs);
    return reader;
  }
  void Run(double rate, absl::Duration duration, CasePathResult& r) {
    const uint64_t seed = Mix(static_cast<uint64_t>(NowNanos()));
    std::atomic<int64_t> sequence{0};
    r.get_case = RunOpenLoop(rate, duration, 64, [&](int64_t scheduled, Done done) {
      const size_t i = Mix(seed ^ static_cast<uint64_t>(sequence.fetch_add(1))) % cases_.size();
      const CaseRef& c = cases_[i];
      LatencySample* of_kind = i < open_ ? &r.get_case_open_latency : &r.get_case_history_latency;
      struct Call {
        grpc::ClientContext context;
        v1::GetCaseRequest request;
        v1::GetCaseResponse response;
      };
      auto* call = new Call;
      call->request.set_case_id(c.case_id);
      call->context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
      stubs_.at(c.agency)->async()->GetCase(&call->context, &call->request, &call->response,
                                            [call, scheduled, done, &r, of_kind](grpc::Status status) {
                                              if (status.ok()) {
                                                const int64_t latency = NowNanos() - scheduled;
                                                r.get_case_latency.Add(latency);
                                                of_kind->Add(latency);
                                              }
                                              delete call;
                                              done(status.ok());
                                            });
    });
  }

 private:
  Reader() = default;
  std::vector<CaseRef> cases_;  // the run's own cases, then the history's
  size_t open_ = 0;             // how many of cases_ are the run's own
  std::map<std::string, std::unique_ptr<v1::Referrals::Stub>> stubs_;
};

// Subscribes every agency and acknowledges what waits for them, until a
// second passes with nothing (a minute at the most).
absl::Status Drain(const HubUnderTest& hub) {
  absl::StatusOr<std::vector<std::unique_ptr<v1::Inbox::Stub>>> stubs =
      StubsFor<v1::Inbox>(hub, std::vector<std::string>(std::begin(kSubscribed), std::end(kSubscribed)), 1200);
  if (!stubs.ok()) return stubs.status();
  std::atomic<int64_t> last{NowNanos()};
  std::vector<std::unique_ptr<InboxSubscriber>> subscribers;
  for (auto& stub : *stubs) {
    subscribers.push_back(std::make_unique<InboxSubscriber>(
        stub.get(), 64, nullptr, [&last](const v1::RoutedMessage&) { last.store(NowNanos()); }));
    subscribers.back()->Start();
  }
  const int64_t give_up = NowNanos() + absl::ToInt64Nanoseconds(absl::Minutes(1));
  while (NowNanos() - last.load() < absl::ToInt64Nanoseconds(absl::Seconds(1)) && NowNanos() < give_up) {
    absl::SleepFor(absl::Milliseconds(50));
  }
  CloseAll(subscribers);
  return absl::OkStatus();
}

}  // namespace

double CasePathResult::CompletedPerSecond() const {
  const double seconds = absl::ToDoubleSeconds(elapsed);
  return seconds > 0 ? static_cast<double>(completed) / seconds : 0;
}

bool CasePathResult::Complete() const {
  return submitted.completed > 0 && submitted.failed == 0 && submitted.skipped == 0 &&
         completed == submitted.completed && acknowledged == deliveries_expected;
}

absl::StatusOr<std::unique_ptr<CasePool>> OpenCasePool(const HubUnderTest& hub, int n, int concurrency) {
  const std::vector<std::string> openers(std::begin(kOpeners), std::end(kOpeners));
  absl::StatusOr<std::map<std::string, std::unique_ptr<v1::Referrals::Stub>>> stubs =
      ReferralsStubs(hub, openers, 1000);
  if (!stubs.ok()) return stubs.status();
  auto pool = std::make_unique<CasePool>();
  const std::string run = absl::StrCat("bench-case-pool-", NowNanos());
  const uint64_t seed = Mix(static_cast<uint64_t>(NowNanos()));
  absl::Mutex mu;
  FirstError first_error;
  std::atomic<int64_t> sequence{0};
  pool->opening = RunCalls(concurrency, n, [&](int64_t, Done done) {
    const int64_t i = sequence.fetch_add(1);
    const std::string& opener = openers[i % openers.size()];
    const std::string nhs = NhsNumber(seed + static_cast<uint64_t>(i));
    v1::Referrals::Stub* stub = stubs->at(opener).get();
    SubmitAsync(NewChildConcern(absl::StrCat(run, "-", i), nhs, i),
                [stub](auto... a) { stub->async()->SubmitConcern(a...); },
                [&, opener, nhs, done](const grpc::Status& status, const v1::SubmitResponse& receipt) {
                  if (status.ok()) {
                    absl::MutexLock lock(&mu);
                    pool->open.push_back({receipt.case_id(), opener, nhs});
                  } else {
                    first_error.Note(status);
                  }
                  done(status.ok());
                });
  });
  pool->first_refusal = first_error.Get();
  if (pool->open.empty()) return absl::InternalError("no case opened: " + pool->first_refusal);
  // The concerns' deliveries (to Children's Social Care, and the IRO
  // service's follow-ups) are taken now, so that the first measured phase
  // does not begin with a backlog of the set-up's.
  if (absl::Status s = Drain(hub); !s.ok()) return s;
  return pool;
}

namespace {

// The first 48 bits of a UUID `id` (its first twelve hex digits), or 0.
uint64_t LeadingBits(const std::string& id) {
  uint64_t bits = 0;
  const std::string hex = id.substr(0, 8) + (id.size() >= 13 ? id.substr(9, 4) : "");
  return absl::SimpleHexAtoi(hex, &bits) ? bits : 0;
}

}  // namespace

absl::Status AddHistoryCases(const HubUnderTest& hub, int n, CasePool& pool) {
  // Random rows without sorting the whole table: the cases from a random
  // point of the key order on, one involved agency each. The point is drawn
  // between the first key and the last by their first 48 bits, which are
  // the time a case was opened (ids that lead with the time, as the hub's
  // and bench_history's are) or spread over the whole range (the random ids
  // of older histories).
  absl::StatusOr<std::vector<std::pair<std::string, std::string>>> range =
      QueryPairs(hub.schema, "SELECT MIN(case_id), MAX(case_id) FROM cre_case");
  if (!range.ok()) return range.status();
  if (range->empty() || range->front().first.empty()) return absl::OkStatus();  // no case to read
  const uint64_t first = LeadingBits(range->front().first), last = LeadingBits(range->front().second);
  const uint64_t point = first + (last > first ? Mix(static_cast<uint64_t>(NowNanos())) % (last - first) : 0);
  absl::StatusOr<std::vector<std::pair<std::string, std::string>>> rows = QueryPairs(
      hub.schema, absl::StrFormat("SELECT c.case_id, MIN(i.agency_id) FROM cre_case c JOIN involvement i"
                                  " ON i.case_id = c.case_id WHERE c.purged_at IS NULL AND c.case_id >= '%08x-%04x'"
                                  " GROUP BY c.case_id ORDER BY c.case_id LIMIT %d",
                                  point >> 16, point & 0xffff, n));
  if (!rows.ok()) return rows.status();
  for (auto& [case_id, agency] : *rows) {
    if (!std::filesystem::exists(hub.pki.dir + "/agencies/" + agency + ".crt")) continue;
    pool.history.push_back({case_id, agency, ""});
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<CasePathResult>> RunCasePath(const HubUnderTest& hub, const CasePool& pool,
                                                            const CasePathOptions& options) {
  if (pool.open.empty()) return absl::FailedPreconditionError("no open case to write to");
  auto result = std::make_unique<CasePathResult>();
  Deliveries deliveries;
  std::vector<std::string> streams;
  for (const char* agency : kSubscribed) {
    for (int i = 0; i < options.streams_per_agency; ++i) streams.push_back(agency);
  }
  absl::StatusOr<std::vector<std::unique_ptr<v1::Inbox::Stub>>> inbox_stubs = StubsFor<v1::Inbox>(hub, streams, 800);
  if (!inbox_stubs.ok()) return inbox_stubs.status();
  std::vector<std::unique_ptr<InboxSubscriber>> subscribers;
  for (auto& stub : *inbox_stubs) {
    subscribers.push_back(std::make_unique<InboxSubscriber>(
        stub.get(), 64, [&deliveries](const v1::RoutedMessage& m) { deliveries.Delivered(m); },
        [&deliveries](const v1::RoutedMessage& m) { deliveries.Acknowledged(m); }));
    subscribers.back()->Start();
  }
  std::vector<std::string> submitters(std::begin(kOpeners), std::end(kOpeners));
  submitters.push_back(kChildrensSocialCare);
  absl::StatusOr<std::map<std::string, std::unique_ptr<v1::Referrals::Stub>>> stubs =
      ReferralsStubs(hub, submitters, 900);
  if (!stubs.ok()) return stubs.status();
  Mixer mixer(*std::move(stubs), pool, options.tag);
  std::unique_ptr<Reader> reader;
  if (options.get_case_rate > 0) {
    absl::StatusOr<std::unique_ptr<Reader>> made = Reader::Make(hub, pool);
    if (!made.ok()) return made.status();
    reader = *std::move(made);
  }

  // Warm-up, not measured, as in the no-case phases: connections made and
  // the hub's pool filled before the clock starts.
  std::atomic<int64_t> sequence{0};
  FirstError first_error;
  absl::Mutex by_call_mu;
  const auto submit = [&](bool measured) {
    return [&, measured](int64_t scheduled, Done done) {
      const int64_t n = sequence.fetch_add(1);
      const Call call = CallFor(n);
      mixer.Issue(n, scheduled, [&, measured, scheduled, call, done](const grpc::Status& status,
                                                                       const v1::SubmitResponse& receipt) {
        if (status.ok()) {
          deliveries.Submitted(receipt, scheduled, measured);
          if (measured) {
            const int64_t latency = NowNanos() - scheduled;
            result->submit_latency.Add(latency);
            absl::MutexLock lock(&by_call_mu);
            result->by_call[NameOf(call)].Add(latency);
          }
        } else if (measured) {
          first_error.Note(status);
        }
        done(status.ok());
      });
    };
  };
  RunClosedLoop(std::min(options.concurrency, 64), options.warm_up, submit(false));
  absl::SleepFor(absl::Seconds(1));  // streams open; the warm-up's deliveries acknowledged

  const CpuSince cpu(hub);
  const int64_t start = NowNanos();
  std::thread reading;
  if (reader) {
    reading = std::thread([&] { reader->Run(options.get_case_rate, options.duration, *result); });
  }
  result->submitted = options.offered_rate > 0
                          ? RunOpenLoop(options.offered_rate, options.duration, options.concurrency, submit(true))
                          : RunClosedLoop(options.concurrency, options.duration, submit(true));
  if (reading.joinable()) reading.join();
  deliveries.WaitForAll(NowNanos() + absl::ToInt64Nanoseconds(options.drain_timeout));
  result->hub_cpu = cpu.Hub();
  result->database_cpu = cpu.Database();
  result->generator_cpu = cpu.Generator();
  result->database_disk_read_bytes = cpu.DatabaseDiskReads();
  // Follow-ups are not waited for; those still coming are counted short.
  absl::SleepFor(absl::Milliseconds(200));
  CloseAll(subscribers);
  deliveries.Fill(*result, start);
  if (!first_error.Get().empty()) {
    std::cerr << "hub_benchmark: " << options.tag << ": first refusal: " << first_error.Get() << "\n";
  }
  return result;
}

}  // namespace cre::bench
