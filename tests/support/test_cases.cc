#include "support/test_cases.h"

#include "absl/strings/str_cat.h"
#include "cre/v1/referrals.grpc.pb.h"
#include "google/protobuf/util/time_util.h"
#include "grpcpp/client_context.h"
#include "support/test_governance.h"

namespace cre::testing {
namespace {

google::protobuf::Timestamp At(absl::Time t) {
  return google::protobuf::util::TimeUtil::SecondsToTimestamp(absl::ToUnixSeconds(t));
}

absl::Status Failed(const char* what, const grpc::Status& status) {
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      absl::StrCat(what, ": ", status.error_message()));
}

}  // namespace

absl::StatusOr<std::string> OpenLookedAfterChildAssessedHigh(const TestHub& hub, absl::Time assessed_at,
                                                            const std::string& key) {
  auto referrals = v1::Referrals::NewStub(hub.ChannelFor("derby-csc"));
  v1::SubmitConcernRequest open;
  open.set_idempotency_key(key + "-open");
  *open.mutable_governance() = TestGovernance();
  v1::NewChild* child = open.mutable_new_child();
  child->mutable_details()->set_family_name("Example");
  child->mutable_child()->set_date_of_birth("2012-03-04");
  child->mutable_child()->set_open_plan(v1::OPEN_PLAN_LOOKED_AFTER);
  child->mutable_child()->set_looked_after(true);
  child->mutable_child()->set_home_authority_code("E06000015");
  open.mutable_concern()->set_indicated_level(v1::RISK_LEVEL_LOW);
  open.mutable_concern()->set_narrative("n");
  *open.mutable_concern()->mutable_identified_at() = At(assessed_at - absl::Hours(1));
  v1::SubmitResponse opened;
  {
    grpc::ClientContext context;
    const grpc::Status s = referrals->SubmitConcern(&context, open, &opened);
    if (!s.ok()) return Failed("SubmitConcern", s);
  }
  v1::RecordRiskAssessmentRequest assess;
  assess.set_idempotency_key(key + "-assess");
  *assess.mutable_governance() = TestGovernance();
  assess.set_case_id(opened.case_id());
  *assess.mutable_assessment()->mutable_assessed_at() = At(assessed_at);
  assess.mutable_assessment()->set_level(v1::RISK_LEVEL_HIGH);
  assess.mutable_assessment()->set_assessor_role(v1::PRACTITIONER_ROLE_SOCIAL_WORKER);
  grpc::ClientContext context;
  v1::SubmitResponse assessed;
  const grpc::Status s = referrals->RecordRiskAssessment(&context, assess, &assessed);
  if (!s.ok()) return Failed("RecordRiskAssessment", s);
  return opened.case_id();
}

}  // namespace cre::testing
