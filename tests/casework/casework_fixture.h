// What the casework unit tests share: the shipped agency registry and
// pathway engine (read from config/, as the hub reads them), a Router for
// Derby City Council (E06000015, the authority of config/hub.textproto),
// instants written as RFC 3339 text, and cases built in a few lines.
//
// No database, no gRPC, no clock: every instant is given by the test.
//
// The shipped registry (config/agencies.textproto), by role:
//   derby-pru (POLICE_REFERRAL_UNIT), derby-police, derby-health,
//   derby-school-ashgrove (EDUCATION), derby-youth-justice, derby-housing,
//   derby-youth-club (PARTNER, no authority code), derby-early-help,
//   derby-csc (CHILDRENS_SOCIAL_CARE), derby-cpm (CPM_SERVICE),
//   derby-iro (IRO_SERVICE), and two OTHER_LOCAL_AUTHORITY entries:
//   derbyshire-cc (E10000007) and nottingham-cc (E06000018).
#ifndef CRE_TESTS_CASEWORK_CASEWORK_FIXTURE_H_
#define CRE_TESTS_CASEWORK_CASEWORK_FIXTURE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "casework/case_decision.h"
#include "casework/routing_rules.h"
#include "common/files.h"
#include "common/proto_time.h"
#include "cre/v1/agency.pb.h"
#include "cre/v1/case_file.pb.h"
#include "gtest/gtest.h"
#include "identity/agency_registry.h"
#include "pathway/engine.h"

namespace cre::casework_testing {

inline constexpr char kDerby[] = "E06000015";       // this hub's authority
inline constexpr char kDerbyshire[] = "E10000007";  // derbyshire-cc
inline constexpr char kNottingham[] = "E06000018";  // nottingham-cc
inline constexpr char kUnregistered[] = "E06000099";  // a well-formed code nobody registered

inline std::string SourceRoot() { return CRE_TEST_SOURCE_ROOT; }

// An instant from RFC 3339 text; fails the test if it does not parse.
inline absl::Time T(const std::string& text) {
  absl::Time t;
  std::string error;
  EXPECT_TRUE(absl::ParseTime(absl::RFC3339_full, text, &t, &error)) << text << ": " << error;
  return t;
}

// Microseconds since the epoch, as trigger keys spell a due instant.
inline std::string Micros(const std::string& rfc3339) {
  return std::to_string(absl::ToUnixMicros(T(rfc3339)));
}

// The registry of config/agencies.textproto, as the hub loads it.
inline std::shared_ptr<const AgencyRegistry> ShippedRegistry() {
  static const std::shared_ptr<const AgencyRegistry> registry = [] {
    v1::AgencyRegistry proto;
    const absl::Status read = ReadTextProto(SourceRoot() + "/config/agencies.textproto", &proto);
    EXPECT_TRUE(read.ok()) << read;
    absl::StatusOr<AgencyRegistry> created = AgencyRegistry::Create(proto);
    EXPECT_TRUE(created.ok()) << created.status();
    return std::make_shared<const AgencyRegistry>(*std::move(created));
  }();
  return registry;
}

// The shipped registry with `extra` entries appended.
inline std::shared_ptr<const AgencyRegistry> RegistryWith(const std::vector<v1::Agency>& extra) {
  v1::AgencyRegistry proto;
  const absl::Status read = ReadTextProto(SourceRoot() + "/config/agencies.textproto", &proto);
  EXPECT_TRUE(read.ok()) << read;
  for (const v1::Agency& agency : extra) *proto.add_agencies() = agency;
  absl::StatusOr<AgencyRegistry> created = AgencyRegistry::Create(proto);
  EXPECT_TRUE(created.ok()) << created.status();
  return std::make_shared<const AgencyRegistry>(*std::move(created));
}

// The shipped registry without the agencies of `role`.
inline std::shared_ptr<const AgencyRegistry> RegistryWithout(v1::AgencyRole role) {
  v1::AgencyRegistry proto;
  const absl::Status read = ReadTextProto(SourceRoot() + "/config/agencies.textproto", &proto);
  EXPECT_TRUE(read.ok()) << read;
  v1::AgencyRegistry kept;
  for (const v1::Agency& agency : proto.agencies()) {
    if (agency.role() != role) *kept.add_agencies() = agency;
  }
  absl::StatusOr<AgencyRegistry> created = AgencyRegistry::Create(kept);
  EXPECT_TRUE(created.ok()) << created.status();
  return std::make_shared<const AgencyRegistry>(*std::move(created));
}

// The engine of config/policy.textproto and config/bank_holiday_changes.textproto.
inline std::shared_ptr<const pathway::PathwayEngine> ShippedEngine() {
  static const std::shared_ptr<const pathway::PathwayEngine> engine = [] {
    absl::StatusOr<pathway::PathwayEngine> e =
        pathway::PathwayEngine::FromFiles(SourceRoot() + "/config/policy.textproto",
                                          SourceRoot() + "/config/bank_holiday_changes.textproto");
    EXPECT_TRUE(e.ok()) << e.status();
    return std::make_shared<const pathway::PathwayEngine>(*std::move(e));
  }();
  return engine;
}

// The routing choices of the shipped policy, as hub_server.cc takes them.
inline RouterOptions ShippedRouterOptions() {
  RouterOptions options;
  options.iro_for_child_of_another_authority = ShippedEngine()->policy().iro_for_child_of_another_authority;
  return options;
}

inline Router DerbyRouter(RouterOptions options = ShippedRouterOptions(),
                          std::shared_ptr<const AgencyRegistry> registry = ShippedRegistry()) {
  return Router(std::move(registry), kDerby, options);
}

// The registered agency with this id (the caller, as its certificate says).
inline v1::Agency Agency(const std::string& id) {
  const v1::Agency* agency = ShippedRegistry()->FindById(id);
  EXPECT_NE(agency, nullptr) << id << " is not in config/agencies.textproto";
  return agency == nullptr ? v1::Agency() : *agency;
}

// A case about a child of `home` living in `placement` ("" : at home), open
// on `plan`, opened on Monday 2 March 2026 at 09:00 (GMT), with the
// agencies involved so far. Its assessments and events are added by Assess
// and Event.
class CaseBuilder {
 public:
  CaseBuilder(const std::string& home, const std::string& placement, v1::OpenPlan plan) {
    v1::CaseFile& file = view_.case_file;
    file.set_case_id("11111111-2222-4333-8444-555555555555");
    v1::Child* child = file.mutable_child();
    child->set_date_of_birth("2012-03-04");  // 13 on the dates used: no floor rule
    child->set_open_plan(plan);
    child->set_looked_after(plan == v1::OPEN_PLAN_LOOKED_AFTER);
    child->set_home_authority_code(home);
    child->set_placement_authority_code(placement);
    *file.mutable_opened_at() = ToProtoTime(T("2026-03-02T09:00:00Z"));
  }

  CaseBuilder& Involved(std::vector<std::string> agency_ids) {
    view_.involved_agency_ids = std::move(agency_ids);
    return *this;
  }

  CaseBuilder& Assess(const std::string& at, v1::RiskLevel level,
                      v1::PractitionerRole by = v1::PRACTITIONER_ROLE_SOCIAL_WORKER) {
    v1::RiskAssessment* a = view_.case_file.add_risk_assessments();
    *a->mutable_assessed_at() = ToProtoTime(T(at));
    a->set_level(level);
    a->set_assessor_role(by);
    a->set_narrative("Toolkit completed with partners.");
    return *this;
  }

  // An event at `at`; a hub-routed one acknowledged at `acked` ("" : not yet).
  CaseBuilder& Event(v1::EventKind kind, const std::string& at, const std::string& acked = "") {
    v1::CaseEvent* e = view_.case_file.add_events();
    e->set_kind(kind);
    *e->mutable_occurred_at() = ToProtoTime(T(at));
    if (!acked.empty()) *e->mutable_acknowledged_at() = ToProtoTime(T(acked));
    return *this;
  }

  const CaseView& view() const { return view_; }
  const std::string& case_id() const { return view_.case_file.case_id(); }

 private:
  CaseView view_;
};

}  // namespace cre::casework_testing

#endif  // CRE_TESTS_CASEWORK_CASEWORK_FIXTURE_H_
