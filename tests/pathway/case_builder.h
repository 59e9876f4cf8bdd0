// Building case files for the engine tests in a few readable lines.
//
//   CaseBuilder c("2010-01-01", cre::v1::OPEN_PLAN_NONE);
//   c.Assess("2026-03-27T15:00:00Z", cre::v1::RISK_LEVEL_HIGH);
//   c.Event(cre::v1::EVENT_KIND_STRATEGY_DISCUSSION_HELD, "2026-03-30T10:00:00Z");
#ifndef CRE_TESTS_PATHWAY_CASE_BUILDER_H_
#define CRE_TESTS_PATHWAY_CASE_BUILDER_H_

#include <string>

#include "cre/v1/case_file.pb.h"
#include "cre/v1/pathway.pb.h"
#include "test_support.h"

namespace cre::pathway::testing {

inline void SetTs(const std::string& rfc3339, google::protobuf::Timestamp* ts) {
  const absl::Time t = T(rfc3339);
  ts->set_seconds(absl::ToUnixSeconds(t));
  ts->set_nanos(static_cast<int>((t - absl::FromUnixSeconds(ts->seconds())) / absl::Nanoseconds(1)));
}

class CaseBuilder {
 public:
  static constexpr char kDerby[] = "E06000015";
  static constexpr char kDerbyshire[] = "E10000007";

  CaseBuilder(const std::string& dob, cre::v1::OpenPlan plan,
              const std::string& opened = "2026-01-05T09:00:00Z") {
    file_.set_case_id("C-TEST");
    auto* child = file_.mutable_child();
    child->set_date_of_birth(dob);
    child->set_open_plan(plan);
    child->set_looked_after(plan == cre::v1::OPEN_PLAN_LOOKED_AFTER);
    child->set_home_authority_code(kDerby);
    child->set_placement_authority_code(kDerby);
    SetTs(opened, file_.mutable_opened_at());
  }

  CaseBuilder& Send() {
    file_.mutable_child()->set_send(true);
    return *this;
  }
  CaseBuilder& Placed(const std::string& home, const std::string& placement) {
    file_.mutable_child()->set_home_authority_code(home);
    file_.mutable_child()->set_placement_authority_code(placement);
    return *this;
  }

  cre::v1::RiskAssessment& Assess(
      const std::string& at, cre::v1::RiskLevel level,
      cre::v1::PractitionerRole by = cre::v1::PRACTITIONER_ROLE_SOCIAL_WORKER) {
    auto* a = file_.add_risk_assessments();
    SetTs(at, a->mutable_assessed_at());
    a->set_level(level);
    a->set_assessor_role(by);
    return *a;
  }

  cre::v1::CaseEvent& Event(cre::v1::EventKind kind, const std::string& at) {
    auto* e = file_.add_events();
    e->set_kind(kind);
    SetTs(at, e->mutable_occurred_at());
    return *e;
  }
  // A hub-routed message, acknowledged at `acked` (empty: not yet).
  cre::v1::CaseEvent& Routed(cre::v1::EventKind kind, const std::string& at,
                             const std::string& acked) {
    auto& e = Event(kind, at);
    if (!acked.empty()) SetTs(acked, e.mutable_acknowledged_at());
    return e;
  }
  cre::v1::CaseEvent& Scheduled(cre::v1::EventKind kind, const std::string& at,
                                const std::string& for_when) {
    auto& e = Event(kind, at);
    SetTs(for_when, e.mutable_scheduled_for());
    return e;
  }
  cre::v1::CaseEvent& Threshold(const std::string& at, cre::v1::ThresholdOutcome outcome) {
    auto& e = Event(cre::v1::EVENT_KIND_THRESHOLD_DISCUSSION_HELD, at);
    e.set_threshold_outcome(outcome);
    return e;
  }

  const cre::v1::CaseFile& file() const { return file_; }
  cre::v1::CaseFile* mutable_file() { return &file_; }

 private:
  cre::v1::CaseFile file_;
};

// The pathway of `c` at `now` with the shipped engine; fails on error.
inline cre::v1::Pathway Evaluate(const CaseBuilder& c, const std::string& now,
                                 const PathwayEngine& engine = ShippedEngine()) {
  auto pathway = engine.Evaluate(c.file(), T(now));
  EXPECT_TRUE(pathway.ok()) << pathway.status();
  return pathway.ok() ? *pathway : cre::v1::Pathway();
}

// The nth action of this kind (from 0), or null.
inline const cre::v1::Action* Find(const cre::v1::Pathway& p, cre::v1::ActionKind kind,
                                   int nth = 0) {
  for (const auto& a : p.actions()) {
    if (a.kind() == kind && nth-- == 0) return &a;
  }
  return nullptr;
}

inline int Count(const cre::v1::Pathway& p, cre::v1::ActionKind kind) {
  int n = 0;
  for (const auto& a : p.actions()) n += a.kind() == kind;
  return n;
}

// "2026-03-31T14:00:00Z" for a Timestamp, for readable expectations.
inline std::string Utc(const google::protobuf::Timestamp& ts) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::FromUnixSeconds(ts.seconds()),
                          absl::UTCTimeZone());
}

}  // namespace cre::pathway::testing

#endif  // CRE_TESTS_PATHWAY_CASE_BUILDER_H_
