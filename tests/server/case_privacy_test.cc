// An agency not involved with a case learns nothing about it, not even that
// it exists: every call that names a case answers an outsider exactly as it
// answers a case id that was never issued, and writes nothing.
//
// The check on who may write to a case once came after checks against the
// case itself (an assessment dated before the child's birth, say), so an
// outsider holding a case id recovered a child's exact date of birth by
// bisection in 14 calls; GetCase answered PERMISSION_DENIED for a case and
// NOT_FOUND for a random id.
#include <functional>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "common/ids.h"
#include "cre/v1/referrals.grpc.pb.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/time_util.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "support/test_governance.h"
#include "support/test_hub.h"

namespace cre {
namespace {

using ::cre::testing::TestHub;
using ::google::protobuf::util::TimeUtil;

google::protobuf::Timestamp At(absl::Time time) { return TimeUtil::SecondsToTimestamp(absl::ToUnixSeconds(time)); }

// One call naming a case, as a given agency makes it.
struct CaseCall {
  std::string name;
  std::string agency;
  std::function<grpc::Status(v1::Referrals::Stub& stub, const std::string& case_id)> call;
};

template <typename Request, typename Response>
grpc::Status Send(grpc::Status (v1::Referrals::Stub::*method)(grpc::ClientContext*, const Request&, Response*),
                  v1::Referrals::Stub& stub, const Request& request) {
  grpc::ClientContext context;
  Response response;
  return (stub.*method)(&context, request, &response);
}

class CasePrivacyTest : public ::testing::Test {
 protected:
  // A LOW concern from the school: recorded, routed to no one, so the school
  // is the only agency involved.
  std::string OpenCase(const std::string& nhs_number = "") {
    v1::SubmitConcernRequest request;
    request.set_idempotency_key("open");
    *request.mutable_governance() = testing::TestGovernance();
    v1::NewChild* child = request.mutable_new_child();
    child->mutable_details()->set_given_name("Alex");
    child->mutable_details()->set_nhs_number(nhs_number);
    child->mutable_child()->set_date_of_birth("2013-06-17");
    child->mutable_child()->set_open_plan(v1::OPEN_PLAN_LOOKED_AFTER);
    child->mutable_child()->set_looked_after(true);
    child->mutable_child()->set_home_authority_code("E06000015");
    request.mutable_concern()->set_indicated_level(v1::RISK_LEVEL_LOW);
    request.mutable_concern()->set_narrative("n");
    *request.mutable_concern()->mutable_identified_at() = At(absl::Now() - absl::Hours(1));
    grpc::ClientContext context;
    v1::SubmitResponse response;
    EXPECT_TRUE(v1::Referrals::NewStub(hub_.ChannelFor("derby-school-ashgrove"))
                    ->SubmitConcern(&context, request, &response)
                    .ok());
    return response.case_id();
  }

  std::string WrittenRows() {
    return hub_.database().QueryString(
        "SELECT CONCAT_WS(',', (SELECT COUNT(*) FROM message), (SELECT COUNT(*) FROM delivery),"
        " (SELECT COUNT(*) FROM case_entry), (SELECT COUNT(*) FROM involvement),"
        " (SELECT COUNT(*) FROM idempotency))");
  }

  TestHub hub_;
};

// Every call of Referrals that names a case, each made by an agency whose
// role may make it, with what would be refused against the case itself if
// the caller were involved (a date before the child was born).
std::vector<CaseCall> CallsNamingACase() {
  const absl::Time before_birth = absl::FromCivil(absl::CivilSecond(2001, 1, 1, 12, 0, 0), absl::UTCTimeZone());
  return {
      {"RecordRiskAssessment", "derby-police",
       [=](v1::Referrals::Stub& stub, const std::string& case_id) {
         v1::RecordRiskAssessmentRequest r;
         r.set_idempotency_key("x");
         *r.mutable_governance() = testing::TestGovernance();
         r.set_case_id(case_id);
         *r.mutable_assessment()->mutable_assessed_at() = At(before_birth);
         r.mutable_assessment()->set_level(v1::RISK_LEVEL_HIGH);
         r.mutable_assessment()->set_assessor_role(v1::PRACTITIONER_ROLE_PARTNER_PRACTITIONER);
         r.mutable_assessment()->set_narrative("n");
         return Send(&v1::Referrals::Stub::RecordRiskAssessment, stub, r);
       }},
      {"RecordCaseEvents", "derby-early-help",
       [=](v1::Referrals::Stub& stub, const std::string& case_id) {
         v1::RecordCaseEventsRequest r;
         r.set_idempotency_key("x");
         *r.mutable_governance() = testing::TestGovernance();
         r.set_case_id(case_id);
         v1::CaseEvent* event = r.add_events();
         event->set_kind(v1::EVENT_KIND_MISSING_EPISODE);
         *event->mutable_occurred_at() = At(before_birth);
         return Send(&v1::Referrals::Stub::RecordCaseEvents, stub, r);
       }},
      {"SubmitConcern", "derby-health",
       [](v1::Referrals::Stub& stub, const std::string& case_id) {
         v1::SubmitConcernRequest r;
         r.set_idempotency_key("x");
         *r.mutable_governance() = testing::TestGovernance();
         r.set_case_id(case_id);
         r.mutable_concern()->set_indicated_level(v1::RISK_LEVEL_HIGH);
         r.mutable_concern()->set_narrative("n");
         *r.mutable_concern()->mutable_identified_at() = At(absl::Now());
         return Send(&v1::Referrals::Stub::SubmitConcern, stub, r);
       }},
      {"SubmitOperationLibertyReport", "derby-police",
       [](v1::Referrals::Stub& stub, const std::string& case_id) {
         v1::SubmitOperationLibertyReportRequest r;
         r.set_idempotency_key("x");
         *r.mutable_governance() = testing::TestGovernance();
         r.set_case_id(case_id);
         r.mutable_report()->set_narrative("n");
         r.mutable_report()->add_places()->set_address("a");
         return Send(&v1::Referrals::Stub::SubmitOperationLibertyReport, stub, r);
       }},
      {"SubmitStepUpReferral", "derby-early-help",
       [](v1::Referrals::Stub& stub, const std::string& case_id) {
         v1::SubmitStepUpReferralRequest r;
         r.set_idempotency_key("x");
         *r.mutable_governance() = testing::TestGovernance();
         r.set_case_id(case_id);
         r.mutable_referral()->set_level(v1::RISK_LEVEL_HIGH);
         r.mutable_referral()->set_reason("r");
         return Send(&v1::Referrals::Stub::SubmitStepUpReferral, stub, r);
       }},
      {"SendNotification", "derby-cpm",
       [](v1::Referrals::Stub& stub, const std::string& case_id) {
         v1::SendNotificationRequest r;
         r.set_idempotency_key("x");
         *r.mutable_governance() = testing::TestGovernance();
         r.set_case_id(case_id);
         r.mutable_notification()->set_kind(v1::NOTIFICATION_KIND_IRO);
         r.mutable_notification()->set_summary("s");
         return Send(&v1::Referrals::Stub::SendNotification, stub, r);
       }},
      {"SendNotificationFromAnotherAuthority", "derbyshire-cc",
       [](v1::Referrals::Stub& stub, const std::string& case_id) {
         v1::SendNotificationRequest r;
         r.set_idempotency_key("x");
         *r.mutable_governance() = testing::TestGovernance();
         r.set_case_id(case_id);
         r.mutable_notification()->set_kind(v1::NOTIFICATION_KIND_HOME_AUTHORITY_CONSULTATION);
         r.mutable_notification()->set_summary("s");
         return Send(&v1::Referrals::Stub::SendNotification, stub, r);
       }},
      // Dated before the child was born: refused for that if the caller
      // were involved (decision.decided_at: before the case opened).
      {"RecordDecisionNotToShare", "derby-youth-justice",
       [=](v1::Referrals::Stub& stub, const std::string& case_id) {
         v1::RecordDecisionNotToShareRequest r;
         r.set_idempotency_key("x");
         *r.mutable_governance() = testing::TestGovernance();
         r.set_case_id(case_id);
         v1::DecisionNotToShare* d = r.mutable_decision();
         d->set_withheld_information("w");
         d->set_withheld_from_role(v1::POLICE);
         d->set_ground(v1::WITHHOLDING_GROUND_MORE_DETRIMENTAL_TO_CHILD);
         d->set_justification("j");
         d->set_decided_by("d");
         d->set_decided_by_role(v1::PRACTITIONER_ROLE_PARTNER_PRACTITIONER);
         *d->mutable_decided_at() = At(before_birth);
         return Send(&v1::Referrals::Stub::RecordDecisionNotToShare, stub, r);
       }},
      {"GetCase", "derby-pru",
       [](v1::Referrals::Stub& stub, const std::string& case_id) {
         v1::GetCaseRequest r;
         r.set_case_id(case_id);
         return Send(&v1::Referrals::Stub::GetCase, stub, r);
       }},
  };
}

TEST_F(CasePrivacyTest, AnOutsiderIsAnsweredAsIfTheCaseDidNotExist) {
  const std::string real = OpenCase();
  ASSERT_FALSE(real.empty());
  const std::string never_issued = NewUuid();
  const std::string before = WrittenRows();
  for (const CaseCall& c : CallsNamingACase()) {
    auto stub = v1::Referrals::NewStub(hub_.ChannelFor(c.agency));
    const grpc::Status on_real = c.call(*stub, real);
    const grpc::Status on_random = c.call(*stub, never_issued);
    EXPECT_EQ(on_real.error_code(), grpc::StatusCode::NOT_FOUND) << c.name << ": " << on_real.error_message();
    EXPECT_EQ(on_random.error_code(), on_real.error_code()) << c.name;
    // The same words, but for the id the caller gave.
    EXPECT_EQ(on_real.error_message(), absl::StrCat("case_id: no case ", real, " is shared with you")) << c.name;
    EXPECT_EQ(absl::StrReplaceAll(on_random.error_message(), {{never_issued, real}}), on_real.error_message())
        << c.name;
  }
  EXPECT_EQ(WrittenRows(), before) << "a refused call wrote something";
}

// An agency that raises a concern about a child the hub already holds (the
// same NHS number) gets a case of its own for that child, answered as for
// any new child: it learns nothing of the child's earlier case, not even
// that there is one.
TEST_F(CasePrivacyTest, AConcernWithAKnownChildsNhsNumberLearnsNothingOfTheChildsOtherCase) {
  const std::string schools = OpenCase("943 476 5919");
  ASSERT_FALSE(schools.empty());
  auto health = v1::Referrals::NewStub(hub_.ChannelFor("derby-health"));
  auto concern = [&](const std::string& key, const std::string& nhs_number) {
    v1::SubmitConcernRequest request;
    request.set_idempotency_key(key);
    *request.mutable_governance() = testing::TestGovernance();
    v1::NewChild* child = request.mutable_new_child();
    child->mutable_details()->set_given_name("Alexander");
    child->mutable_details()->set_nhs_number(nhs_number);
    child->mutable_child()->set_date_of_birth("2013-06-17");
    child->mutable_child()->set_open_plan(v1::OPEN_PLAN_NONE);
    child->mutable_child()->set_home_authority_code("E06000015");
    request.mutable_concern()->set_indicated_level(v1::RISK_LEVEL_LOW);
    request.mutable_concern()->set_narrative("n");
    *request.mutable_concern()->mutable_identified_at() = At(absl::Now() - absl::Hours(1));
    grpc::ClientContext context;
    v1::SubmitResponse response;
    EXPECT_TRUE(health->SubmitConcern(&context, request, &response).ok()) << key;
    return response;
  };
  const v1::SubmitResponse known = concern("known", "9434765919");
  const v1::SubmitResponse unknown = concern("unknown", "4010232137");
  EXPECT_EQ(hub_.database().QueryString("SELECT COUNT(*) FROM child"), "2");
  EXPECT_EQ(hub_.database().QueryString(absl::StrCat("SELECT COUNT(DISTINCT child_id) FROM cre_case WHERE case_id IN ('",
                                                     schools, "', '", known.case_id(), "')")),
            "1");

  // The receipt: a case of its own, the same fields as for a child new to
  // the hub.
  EXPECT_NE(known.case_id(), schools);
  EXPECT_FALSE(known.case_id().empty());
  EXPECT_EQ(known.recipient_agency_ids_size(), unknown.recipient_agency_ids_size());
  EXPECT_EQ(known.hub_actions_size(), unknown.hub_actions_size());
  // Its case: the child as health described them, its own message, only
  // health involved.
  grpc::ClientContext context;
  v1::GetCaseRequest read;
  read.set_case_id(known.case_id());
  v1::GetCaseResponse got;
  ASSERT_TRUE(health->GetCase(&context, read, &got).ok());
  EXPECT_EQ(got.child_details().given_name(), "Alexander");
  EXPECT_EQ(got.child_details().nhs_number(), "9434765919");
  EXPECT_EQ(got.case_file().child().open_plan(), v1::OPEN_PLAN_NONE);
  EXPECT_THAT(got.involved_agency_ids(), ::testing::ElementsAre("derby-health"));
  ASSERT_EQ(got.messages_size(), 1);
  EXPECT_EQ(got.messages(0).message_id(), known.message_id());
  // The school's case stays the school's: to health, as if it did not exist.
  read.set_case_id(schools);
  grpc::ClientContext again;
  const grpc::Status refused = health->GetCase(&again, read, &got);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(refused.error_message(), absl::StrCat("case_id: no case ", schools, " is shared with you"));
}

TEST_F(CasePrivacyTest, DatesAgainstTheCaseAreCheckedOnlyForThoseInvolved) {
  const std::string case_id = OpenCase();
  v1::RecordRiskAssessmentRequest r;
  r.set_idempotency_key("early");
  *r.mutable_governance() = testing::TestGovernance();
  r.set_case_id(case_id);
  *r.mutable_assessment()->mutable_assessed_at() =
      At(absl::FromCivil(absl::CivilSecond(2001, 1, 1, 12, 0, 0), absl::UTCTimeZone()));
  r.mutable_assessment()->set_level(v1::RISK_LEVEL_HIGH);
  r.mutable_assessment()->set_assessor_role(v1::PRACTITIONER_ROLE_PARTNER_PRACTITIONER);
  r.mutable_assessment()->set_narrative("n");
  // The school opened the case: its mistake is explained to it.
  auto school = v1::Referrals::NewStub(hub_.ChannelFor("derby-school-ashgrove"));
  EXPECT_EQ(Send(&v1::Referrals::Stub::RecordRiskAssessment, *school, r).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  // The police are not involved: the same request tells them nothing.
  auto police = v1::Referrals::NewStub(hub_.ChannelFor("derby-police"));
  EXPECT_EQ(Send(&v1::Referrals::Stub::RecordRiskAssessment, *police, r).error_code(), grpc::StatusCode::NOT_FOUND);
}

}  // namespace
}  // namespace cre
