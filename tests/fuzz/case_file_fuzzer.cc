// libFuzzer target: a case file as JSON (pathway/text_io.h, what
// `hubctl pathway evaluate --case FILE.json` reads), then, when it parses,
// the pathway engine's Validate and Evaluate on it, with the shipped policy
// and bank holiday changes (config/), loaded once.
//
// Beyond "no crash, no leak, no undefined behaviour", it aborts when a
// documented property breaks:
//   - a parse failure is INVALID_ARGUMENT naming the source;
//   - Evaluate refuses exactly what Validate refuses, with the same status;
//   - the hot path (ToFacts, Evaluate(facts), ToProto) gives the same pathway
//     as Evaluate(file), and evaluating twice gives the same pathway: the
//     engine is pure and deterministic (pathway/engine.h);
//   - the pathway prints as JSON (as hubctl does) when the records are within
//     years 1100 to 9000 (see DeadlinesRepresentable).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <algorithm>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "cre/v1/case_file.pb.h"
#include "cre/v1/pathway.pb.h"
#include "google/protobuf/stubs/logging.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "pathway/case_facts.h"
#include "pathway/engine.h"
#include "pathway/pathway_result.h"
#include "pathway/text_io.h"

namespace {

namespace v1 = ::cre::v1;
using cre::pathway::PathwayEngine;

[[noreturn]] void Fail(absl::string_view what, const absl::Status& status) {
  std::fprintf(stderr, "case_file_fuzzer: %.*s (status: %s)\n", static_cast<int>(what.size()),
               what.data(), status.ToString().c_str());
  std::abort();
}

// Loaded once; reachable for the whole run, so not a leak.
const PathwayEngine* engine = nullptr;

absl::Time ToTime(const google::protobuf::Timestamp& ts) {
  return absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos());
}

// Every instant the file records.
std::vector<absl::Time> Instants(const v1::CaseFile& file) {
  std::vector<absl::Time> out;
  auto add = [&out](bool has, const google::protobuf::Timestamp& ts) {
    if (has) out.push_back(ToTime(ts));
  };
  add(file.has_opened_at(), file.opened_at());
  for (const v1::RiskAssessment& a : file.risk_assessments()) {
    add(a.has_assessed_at(), a.assessed_at());
    add(a.low_risk_approval().has_approved_at(), a.low_risk_approval().approved_at());
  }
  for (const v1::CaseEvent& e : file.events()) {
    add(e.has_occurred_at(), e.occurred_at());
    add(e.has_acknowledged_at(), e.acknowledged_at());
    add(e.has_scheduled_for(), e.scheduled_for());
  }
  return out;
}

// A policy period is at most 10000 units (pathway/policy.cc): 10000 months
// after a record, or 10000 working days before one, stays within
// google.protobuf.Timestamp's years 1 to 9999 when every record is within
// these years. Records nearer either end can have deadlines out of range.
bool DeadlinesRepresentable(const v1::CaseFile& file) {
  const absl::Time earliest = absl::FromCivil(absl::CivilSecond(1100, 1, 1), absl::UTCTimeZone());
  const absl::Time latest = absl::FromCivil(absl::CivilSecond(9000, 1, 1), absl::UTCTimeZone());
  for (absl::Time t : Instants(file)) {
    if (t < earliest || t > latest) return false;
  }
  return true;
}

void EvaluateAt(const v1::CaseFile& file, const absl::Status& valid, absl::Time now) {
  absl::StatusOr<v1::Pathway> pathway = engine->Evaluate(file, now);
  if (!valid.ok()) {
    if (pathway.status() != valid) Fail("Evaluate refused differently from Validate", pathway.status());
    return;
  }
  if (!pathway.ok()) Fail("Evaluate refused a valid case file", pathway.status());

  cre::pathway::CaseFacts facts;
  cre::pathway::PathwayResult result;
  v1::Pathway hot;
  engine->ToFacts(file, &facts);
  engine->Evaluate(facts, now, &result);
  engine->ToProto(facts, result, now, &hot);
  if (!google::protobuf::util::MessageDifferencer::Equals(*pathway, hot)) {
    Fail("the hot path and Evaluate(file) disagree", absl::OkStatus());
  }
  absl::StatusOr<v1::Pathway> again = engine->Evaluate(file, now);
  if (!again.ok() || !google::protobuf::util::MessageDifferencer::Equals(*pathway, *again)) {
    Fail("Evaluate is not deterministic", again.status());
  }
  // What `hubctl pathway evaluate` prints; it refuses out-of-range timestamps.
  if (DeadlinesRepresentable(file)) {
    std::string json;
    const auto printed = google::protobuf::util::MessageToJsonString(*pathway, &json);
    if (!printed.ok()) {
      Fail("the pathway does not print as JSON", absl::InternalError(printed.ToString()));
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  // Protobuf's JSON parser logs nothing useful here; the status is checked.
  google::protobuf::SetLogHandler(nullptr);
  absl::StatusOr<PathwayEngine> loaded =
      PathwayEngine::FromFiles(CRE_FUZZ_POLICY_FILE, CRE_FUZZ_HOLIDAYS_FILE);
  if (!loaded.ok()) Fail("cannot load the shipped policy", loaded.status());
  engine = new PathwayEngine(*std::move(loaded));
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string json(reinterpret_cast<const char*>(data), size);
  v1::CaseFile file;
  const absl::Status parsed = cre::pathway::ParseJsonProto(json, "fuzz.json", &file);
  if (!parsed.ok()) {
    if (parsed.code() != absl::StatusCode::kInvalidArgument ||
        !absl::StartsWith(parsed.message(), "fuzz.json: ")) {
      Fail("a parse failure is not INVALID_ARGUMENT naming the source", parsed);
    }
    return 0;
  }
  const absl::Status valid = engine->Validate(file);
  if (!valid.ok() && valid.code() != absl::StatusCode::kInvalidArgument) {
    Fail("Validate refused with another code than INVALID_ARGUMENT", valid);
  }
  // A fixed day (a Monday in term time), and just after the last record.
  EvaluateAt(file, valid, absl::FromUnixSeconds(1780300800));  // 2026-06-01T08:00:00Z
  if (valid.ok()) {
    absl::Time last = absl::InfinitePast();
    for (absl::Time t : Instants(file)) last = std::max(last, t);
    EvaluateAt(file, valid, last + absl::Hours(1));
  }
  return 0;
}
