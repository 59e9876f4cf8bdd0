// How fast the pathway engine is: evaluations per second of a typical case
// file (3 assessments, 12 events) on one core, and a sweep over 1,000,000
// generated open cases that finds the overdue actions.
//
//   build/benchmarks/pathway/pathway_benchmark --benchmark_filter=Typical
//   build/benchmarks/pathway/pathway_benchmark --benchmark_filter=Sweep
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "absl/time/time.h"
#include "benchmark/benchmark.h"
#include "cre/v1/case_file.pb.h"
#include "pathway/engine.h"

namespace cre::pathway {
namespace {

namespace v1 = ::cre::v1;

const PathwayEngine& Engine() {
  static const PathwayEngine* engine = [] {
    const std::string root = CRE_BENCH_SOURCE_ROOT;
    auto e = PathwayEngine::FromFiles(root + "/config/policy.textproto",
                                      root + "/config/bank_holiday_changes.textproto");
    if (!e.ok()) std::abort();
    return new PathwayEngine(*std::move(e));
  }();
  return *engine;
}

absl::Time At(const char* rfc3339) {
  absl::Time t;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, rfc3339, &t, &error)) std::abort();
  return t;
}

void Ts(absl::Time t, google::protobuf::Timestamp* ts) { ts->set_seconds(absl::ToUnixSeconds(t)); }

// A looked-after child at HIGH after a MEDIUM start: 3 assessments and 12
// events, part way through its CRE meetings.
v1::CaseFile TypicalCase() {
  v1::CaseFile f;
  f.set_case_id("C-BENCH");
  auto* child = f.mutable_child();
  child->set_date_of_birth("2011-07-14");
  child->set_open_plan(v1::OPEN_PLAN_LOOKED_AFTER);
  child->set_looked_after(true);
  child->set_home_authority_code("E06000015");
  child->set_placement_authority_code("E06000015");
  Ts(At("2026-02-02T09:00:00Z"), f.mutable_opened_at());
  const struct { const char* at; v1::RiskLevel level; } assessments[] = {
      {"2026-02-02T10:00:00Z", v1::RISK_LEVEL_MEDIUM},
      {"2026-03-16T10:00:00Z", v1::RISK_LEVEL_MEDIUM},
      {"2026-03-27T15:00:00Z", v1::RISK_LEVEL_HIGH},
  };
  for (const auto& a : assessments) {
    auto* r = f.add_risk_assessments();
    Ts(At(a.at), r->mutable_assessed_at());
    r->set_level(a.level);
    r->set_assessor_role(v1::PRACTITIONER_ROLE_SOCIAL_WORKER);
    r->set_narrative("...");
  }
  f.mutable_risk_assessments(2)->set_risk_individuals_or_places_identified(true);
  const struct { v1::EventKind kind; const char* at; } events[] = {
      {v1::EVENT_KIND_IRO_NOTIFIED, "2026-02-02T11:00:00Z"},
      {v1::EVENT_KIND_THRESHOLD_DISCUSSION_HELD, "2026-02-04T10:00:00Z"},
      {v1::EVENT_KIND_TASKING_GROUP_DISCUSSED, "2026-02-20T10:00:00Z"},
      {v1::EVENT_KIND_CRE_MEETING_SCHEDULED, "2026-02-05T10:00:00Z"},
      {v1::EVENT_KIND_CRE_MEETING_PAPERS_SUBMITTED, "2026-02-18T10:00:00Z"},
      {v1::EVENT_KIND_CRE_MEETING_HELD, "2026-02-23T10:00:00Z"},
      {v1::EVENT_KIND_OUTLINE_PLAN_SHARED, "2026-02-23T12:00:00Z"},
      {v1::EVENT_KIND_MINUTES_CIRCULATED, "2026-03-10T10:00:00Z"},
      {v1::EVENT_KIND_MISSING_EPISODE, "2026-03-20T18:00:00Z"},
      {v1::EVENT_KIND_RETURN_INTERVIEW, "2026-03-21T11:00:00Z"},
      {v1::EVENT_KIND_IRO_NOTIFIED, "2026-03-27T16:00:00Z"},
      {v1::EVENT_KIND_STRATEGY_DISCUSSION_HELD, "2026-03-30T10:00:00Z"},
  };
  for (const auto& e : events) {
    auto* ev = f.add_events();
    ev->set_kind(e.kind);
    Ts(At(e.at), ev->mutable_occurred_at());
    if (e.kind == v1::EVENT_KIND_IRO_NOTIFIED) Ts(At(e.at) + absl::Hours(1), ev->mutable_acknowledged_at());
    if (e.kind == v1::EVENT_KIND_THRESHOLD_DISCUSSION_HELD) {
      ev->set_threshold_outcome(v1::THRESHOLD_OUTCOME_CRE_MEETING);
    }
    if (e.kind == v1::EVENT_KIND_CRE_MEETING_SCHEDULED) {
      Ts(At("2026-02-23T10:00:00Z"), ev->mutable_scheduled_for());
    }
  }
  return f;
}

const absl::Time kNow = At("2026-04-01T09:00:00+01:00");

// The hot path: facts converted once, evaluated again and again.
void BM_EvaluateTypicalCase(benchmark::State& state) {
  const PathwayEngine& engine = Engine();
  const v1::CaseFile file = TypicalCase();
  if (!engine.Validate(file).ok()) std::abort();
  CaseFacts facts;
  engine.ToFacts(file, &facts);
  PathwayResult result;
  for (auto _ : state) {
    engine.Evaluate(facts, kNow, &result);
    benchmark::DoNotOptimize(result.actions.data());
  }
  state.counters["actions"] = static_cast<double>(result.actions.size());
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EvaluateTypicalCase);

// The whole way from the proto: validate, convert, evaluate, build the
// Pathway proto (what a gRPC handler would do per request).
void BM_EvaluateTypicalCaseFromProto(benchmark::State& state) {
  const PathwayEngine& engine = Engine();
  const v1::CaseFile file = TypicalCase();
  CaseFacts facts;
  PathwayResult result;
  v1::Pathway pathway;
  for (auto _ : state) {
    if (!engine.Validate(file).ok()) std::abort();
    engine.ToFacts(file, &facts);
    engine.Evaluate(facts, kNow, &result);
    engine.ToProto(facts, result, kNow, &pathway);
    benchmark::DoNotOptimize(pathway.actions_size());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EvaluateTypicalCaseFromProto);

// ---- The sweep ----

// splitmix64: cheap, deterministic case generation.
uint64_t Mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Open case number `i`: opened in the year before kNow, 3 assessments and
// up to 12 events, in facts form (what the store would hand the engine).
void GenerateCase(uint64_t i, const Calendar& cal, CaseFacts* f) {
  uint64_t r = Mix(i);
  auto next = [&r](uint64_t n) { r = Mix(r); return r % n; };
  static constexpr v1::OpenPlan kPlans[] = {v1::OPEN_PLAN_NONE, v1::OPEN_PLAN_EARLY_HELP,
                                            v1::OPEN_PLAN_CHILD_IN_NEED,
                                            v1::OPEN_PLAN_CHILD_PROTECTION,
                                            v1::OPEN_PLAN_LOOKED_AFTER};
  f->open_plan = kPlans[next(5)];
  f->looked_after = f->open_plan == v1::OPEN_PLAN_LOOKED_AFTER;
  f->placement = next(10) == 0 ? v1::PLACEMENT_PLACED_OUT
                 : next(10) == 0 ? v1::PLACEMENT_PLACED_IN
                                 : v1::PLACEMENT_LOCAL;
  f->send = next(8) == 0;
  f->date_of_birth = absl::CivilDay(2008 + static_cast<int>(next(10)), 1 + next(12), 1 + next(28));
  absl::Time t = kNow - absl::Hours(24 * (1 + next(365)));
  f->opened_at = t;
  f->assessments.resize(3);
  for (int k = 0; k < 3; ++k) {
    AssessmentFact& a = f->assessments[k];
    t += absl::Hours(1 + next(24 * 20));
    a.at = t;
    a.day = cal.LocalDay(t);
    a.level.recorded = static_cast<v1::RiskLevel>(1 + next(3));
    a.level.effective = a.level.recorded;
    a.assessor = v1::PRACTITIONER_ROLE_SOCIAL_WORKER;
    a.has_narrative = true;
    a.risk_individuals_or_places = next(4) == 0;
    a.index = k;
  }
  static constexpr v1::EventKind kKinds[] = {
      v1::EVENT_KIND_STRATEGY_DISCUSSION_HELD, v1::EVENT_KIND_THRESHOLD_DISCUSSION_HELD,
      v1::EVENT_KIND_CRE_MEETING_REQUESTED,    v1::EVENT_KIND_CRE_MEETING_SCHEDULED,
      v1::EVENT_KIND_CRE_MEETING_HELD,         v1::EVENT_KIND_CRE_MEETING_PAPERS_SUBMITTED,
      v1::EVENT_KIND_MINUTES_CIRCULATED,       v1::EVENT_KIND_MISSING_EPISODE,
      v1::EVENT_KIND_RETURN_INTERVIEW,         v1::EVENT_KIND_IRO_NOTIFIED,
      v1::EVENT_KIND_S47_OUTCOME,              v1::EVENT_KIND_CIN_MEETING_HELD,
      v1::EVENT_KIND_TASKING_GROUP_DISCUSSED,  v1::EVENT_KIND_STEP_UP_REFERRAL,
  };
  const int n = static_cast<int>(next(13));
  f->events.resize(n);
  absl::Time e = f->opened_at;
  for (int k = 0; k < n; ++k) {
    EventFact& ev = f->events[k];
    ev = EventFact();
    e += absl::Hours(1 + next(24 * 10));
    ev.kind = kKinds[next(sizeof kKinds / sizeof kKinds[0])];
    ev.at = e;
    ev.day = cal.LocalDay(e);
    ev.acknowledged_at = e + absl::Hours(2);
    ev.threshold_outcome = v1::THRESHOLD_OUTCOME_CRE_MEETING;
    ev.cp_threshold_met = next(2) == 0;
    ev.scheduled_for = e + absl::Hours(24 * 10);
    ev.scheduled_day = cal.LocalDay(ev.scheduled_for);
    ev.index = k;
  }
  // Assessments and events interleave in time; keep each list sorted.
  std::sort(f->assessments.begin(), f->assessments.end(),
            [](const AssessmentFact& a, const AssessmentFact& b) { return a.at < b.at; });
}

// 1,000,000 open cases, each generated and evaluated, counting the overdue
// actions (the sweep a nightly overdue-alert job would run).
void BM_SweepOneMillionOpenCases(benchmark::State& state) {
  const PathwayEngine& engine = Engine();
  const int64_t cases = state.range(0);
  CaseFacts facts;
  PathwayResult result;
  int64_t overdue = 0, actions = 0;
  for (auto _ : state) {
    overdue = actions = 0;
    for (int64_t i = 0; i < cases; ++i) {
      GenerateCase(static_cast<uint64_t>(i), engine.calendar(), &facts);
      engine.Evaluate(facts, kNow, &result);
      actions += static_cast<int64_t>(result.actions.size());
      for (const ActionResult& a : result.actions) {
        overdue += a.status == v1::ACTION_STATUS_OVERDUE;
      }
    }
  }
  state.counters["cases"] = static_cast<double>(cases);
  state.counters["actions"] = static_cast<double>(actions);
  state.counters["overdue"] = static_cast<double>(overdue);
  state.SetItemsProcessed(state.iterations() * cases);
}
BENCHMARK(BM_SweepOneMillionOpenCases)->Arg(1000000)->Iterations(1)->Unit(benchmark::kMillisecond);

// The generation alone, to subtract from the sweep.
void BM_GenerateOneMillionCases(benchmark::State& state) {
  const PathwayEngine& engine = Engine();
  CaseFacts facts;
  for (auto _ : state) {
    for (int64_t i = 0; i < state.range(0); ++i) {
      GenerateCase(static_cast<uint64_t>(i), engine.calendar(), &facts);
      benchmark::DoNotOptimize(facts.events.data());
    }
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_GenerateOneMillionCases)->Arg(1000000)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace cre::pathway

BENCHMARK_MAIN();
