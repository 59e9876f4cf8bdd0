// What the hub refuses, and that a refusal writes nothing: every method
// called by every role that may not call it, and a table of malformed
// requests across the services, each answered with the documented status
// code and a message naming the field (never the value: see
// hub/access/request_validation.cc).
#include <algorithm>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "access/authorization.h"
#include "access/governance.h"
#include "cre/v1/directory.grpc.pb.h"
#include "cre/v1/inbox.grpc.pb.h"
#include "cre/v1/oversight.grpc.pb.h"
#include "cre/v1/referrals.grpc.pb.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/time_util.h"
#include "grpcpp/client_context.h"
#include "grpcpp/generic/generic_stub.h"
#include "gtest/gtest.h"
#include "support/inbox_stream.h"
#include "support/test_governance.h"
#include "support/test_hub.h"

namespace cre {
namespace {

using ::cre::testing::InboxStream;
using ::cre::testing::TestHub;
using ::testing::HasSubstr;
using ::testing::Not;

using Channel = std::shared_ptr<grpc::Channel>;

std::unique_ptr<grpc::ClientContext> Context() {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  return context;
}

template <typename Request>
Request Parse(const std::string& text) {
  Request request;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &request)) << text;
  return request;
}

// Calls `method` with `request_text` (text format of its request type) and
// returns the status. Subscribe returns the status the stream ended with.
grpc::Status CallMethod(Method method, const Channel& channel, const std::string& request_text = "") {
  auto context = Context();
  auto referrals = v1::Referrals::NewStub(channel);
  v1::SubmitResponse submitted;
  switch (method) {
    case Method::kWhoAmI: {
      v1::WhoAmIResponse response;
      return v1::Directory::NewStub(channel)->WhoAmI(context.get(), {}, &response);
    }
    case Method::kListAgencies: {
      v1::ListAgenciesResponse response;
      return v1::Directory::NewStub(channel)->ListAgencies(context.get(), {}, &response);
    }
    case Method::kSubmitConcern:
      return referrals->SubmitConcern(context.get(), Parse<v1::SubmitConcernRequest>(request_text), &submitted);
    case Method::kSubmitOperationLibertyReport:
      return referrals->SubmitOperationLibertyReport(
          context.get(), Parse<v1::SubmitOperationLibertyReportRequest>(request_text), &submitted);
    case Method::kRecordRiskAssessment:
      return referrals->RecordRiskAssessment(
          context.get(), Parse<v1::RecordRiskAssessmentRequest>(request_text), &submitted);
    case Method::kRecordCaseEvents:
      return referrals->RecordCaseEvents(context.get(), Parse<v1::RecordCaseEventsRequest>(request_text),
                                         &submitted);
    case Method::kSubmitStepUpReferral:
      return referrals->SubmitStepUpReferral(
          context.get(), Parse<v1::SubmitStepUpReferralRequest>(request_text), &submitted);
    case Method::kSendNotification:
      return referrals->SendNotification(context.get(), Parse<v1::SendNotificationRequest>(request_text),
                                         &submitted);
    case Method::kRecordDecisionNotToShare:
      return referrals->RecordDecisionNotToShare(
          context.get(), Parse<v1::RecordDecisionNotToShareRequest>(request_text), &submitted);
    case Method::kRespond:
      return referrals->Respond(context.get(), Parse<v1::RespondRequest>(request_text), &submitted);
    case Method::kGetCase: {
      v1::GetCaseResponse response;
      return referrals->GetCase(context.get(), Parse<v1::GetCaseRequest>(request_text), &response);
    }
    case Method::kSubscribe: {
      v1::SubscribeRequest request = Parse<v1::SubscribeRequest>(request_text);
      auto reader = v1::Inbox::NewStub(channel)->Subscribe(context.get(), request);
      v1::RoutedMessage ignored;
      while (reader->Read(&ignored)) {
      }
      return reader->Finish();
    }
    case Method::kAcknowledge: {
      v1::AcknowledgeResponse response;
      return v1::Inbox::NewStub(channel)->Acknowledge(
          context.get(), Parse<v1::AcknowledgeRequest>(request_text), &response);
    }
    case Method::kListOpenActions: {
      v1::ListOpenActionsResponse response;
      return v1::Oversight::NewStub(channel)->ListOpenActions(
          context.get(), Parse<v1::ListOpenActionsRequest>(request_text), &response);
    }
    case Method::kListRecordAccesses: {
      v1::ListRecordAccessesResponse response;
      return v1::Oversight::NewStub(channel)->ListRecordAccesses(
          context.get(), Parse<v1::ListRecordAccessesRequest>(request_text), &response);
    }
  }
  return grpc::Status(grpc::StatusCode::INTERNAL, "unknown method");
}

class RefusalsTest : public ::testing::Test {
 protected:
  // Rows in every table a submission writes to.
  std::string WrittenRows() {
    return hub_.database().QueryString(
        "SELECT CONCAT_WS(',', (SELECT COUNT(*) FROM child), (SELECT COUNT(*) FROM cre_case),"
        " (SELECT COUNT(*) FROM message), (SELECT COUNT(*) FROM delivery),"
        " (SELECT COUNT(*) FROM involvement), (SELECT COUNT(*) FROM idempotency),"
        " (SELECT COUNT(*) FROM case_entry))");
  }

  TestHub hub_;
};

TEST_F(RefusalsTest, EveryMethodRefusesEveryRoleTheTableDoesNotAllow) {
  const std::string before = WrittenRows();
  for (const v1::Agency& agency : hub_.config().agency_registry().agencies()) {
    const Channel channel = hub_.ChannelFor(agency.id());
    int refused = 0;
    for (Method method : AllMethods()) {
      if (RoleMayCall(agency.role(), method)) continue;
      grpc::Status status = CallMethod(method, channel);
      EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED)
          << agency.id() << " calling " << MethodName(method) << ": " << status.error_message();
      EXPECT_THAT(status.error_message(), HasSubstr(MethodName(method)));
      ++refused;
    }
    // Least privilege: no role may do everything.
    EXPECT_GT(refused, 0) << agency.id() << " may call every method";
  }
  EXPECT_EQ(WrittenRows(), before);
}

TEST_F(RefusalsTest, EveryRoleIsCoveredBySampleRegistry) {
  std::set<v1::AgencyRole> roles;
  for (const v1::Agency& agency : hub_.config().agency_registry().agencies()) roles.insert(agency.role());
  for (int role = v1::AgencyRole_MIN + 1; role <= v1::AgencyRole_MAX; ++role) {
    EXPECT_TRUE(roles.count(static_cast<v1::AgencyRole>(role))) << v1::AgencyRole_Name(role);
  }
}

struct BadRequest {
  const char* name;
  const char* agency;
  Method method;
  const char* request;  // text format
  grpc::StatusCode code;
  const char* message;  // a substring naming what is wrong
};

constexpr char kChild[] =
    R"(new_child { details { family_name: "Example" }
                   child { date_of_birth: "2014-05-01" open_plan: OPEN_PLAN_NONE
                           home_authority_code: "E06000015" } })";
constexpr char kConcern[] =
    R"(concern { indicated_level: RISK_LEVEL_MEDIUM narrative: "x" identified_at { seconds: 1780000000 } })";
constexpr char kUnknownCase[] = "00000000-0000-4000-8000-000000000000";

std::string Cat(std::initializer_list<absl::string_view> parts) {
  std::string out;
  for (absl::string_view p : parts) absl::StrAppend(&out, p, " ");
  return out;
}

const std::vector<BadRequest>& BadRequests() {
  static const auto* const rows = new std::vector<BadRequest>{
      {"NoIdempotencyKey", "derby-health", Method::kSubmitConcern, "",
       grpc::StatusCode::INVALID_ARGUMENT, "idempotency_key: required"},
      {"KeyWithSpaces", "derby-health", Method::kSubmitConcern, R"(idempotency_key: "a b")",
       grpc::StatusCode::INVALID_ARGUMENT, "idempotency_key"},
      {"NoSubject", "derby-health", Method::kSubmitConcern, R"(idempotency_key: "k")",
       grpc::StatusCode::INVALID_ARGUMENT, "subject"},
      {"MalformedCaseId", "derby-health", Method::kSubmitConcern,
       R"(idempotency_key: "k" case_id: "42")", grpc::StatusCode::INVALID_ARGUMENT, "case_id"},
      {"UnknownCase", "derby-health", Method::kSubmitConcern,
       nullptr, grpc::StatusCode::NOT_FOUND, "case_id: no case"},
      {"NoConcern", "derby-health", Method::kSubmitConcern, nullptr,
       grpc::StatusCode::INVALID_ARGUMENT, "concern: required"},
      {"NoName", "derby-health", Method::kSubmitConcern, nullptr,
       grpc::StatusCode::INVALID_ARGUMENT, "new_child.details.family_name"},
      {"BadDateOfBirth", "derby-health", Method::kSubmitConcern, nullptr,
       grpc::StatusCode::INVALID_ARGUMENT, "new_child.child.date_of_birth"},
      {"NoHomeAuthority", "derby-health", Method::kSubmitConcern, nullptr,
       grpc::StatusCode::INVALID_ARGUMENT, "new_child.child.home_authority_code"},
      {"LookedAfterWithoutLacPlan", "derby-health", Method::kSubmitConcern, nullptr,
       grpc::StatusCode::INVALID_ARGUMENT, "new_child.child.looked_after"},
      {"ChildOfNoConcernToThisAuthority", "derby-health", Method::kSubmitConcern, nullptr,
       grpc::StatusCode::INVALID_ARGUMENT, "child"},
      {"NarrativeTooLong", "derby-health", Method::kSubmitConcern, nullptr,
       grpc::StatusCode::INVALID_ARGUMENT, "concern.narrative: 70000 bytes; at most 65536"},
      {"EmptyReport", "derby-health", Method::kSubmitOperationLibertyReport,
       R"(idempotency_key: "k" report { narrative: "x" })", grpc::StatusCode::INVALID_ARGUMENT,
       "report: name at least one"},
      {"ReportUnknownCase", "derby-health", Method::kSubmitOperationLibertyReport, nullptr,
       grpc::StatusCode::NOT_FOUND, "case_id: no case"},
      {"AssessmentWithoutLevel", "derby-csc", Method::kRecordRiskAssessment, nullptr,
       grpc::StatusCode::INVALID_ARGUMENT, "assessment.level: required"},
      {"NoEvents", "derby-csc", Method::kRecordCaseEvents, nullptr,
       grpc::StatusCode::INVALID_ARGUMENT, "events: at least one"},
      {"EventWithoutKind", "derby-csc", Method::kRecordCaseEvents, nullptr,
       grpc::StatusCode::INVALID_ARGUMENT, "events[0].kind: required"},
      {"StepUpWithoutReason", "derby-early-help", Method::kSubmitStepUpReferral, nullptr,
       grpc::StatusCode::INVALID_ARGUMENT, "referral.reason: required"},
      {"NotificationWithoutKind", "derby-csc", Method::kSendNotification, nullptr,
       grpc::StatusCode::INVALID_ARGUMENT, "notification.kind: required"},
      {"DeclineWithoutReason", "derby-csc", Method::kRespond, nullptr,
       grpc::StatusCode::INVALID_ARGUMENT, "response.reason: required"},
      {"RespondToAMessageNeverReceived", "derby-csc", Method::kRespond, nullptr,
       grpc::StatusCode::NOT_FOUND, "message_id: no message"},
      {"GetCaseMalformedId", "derby-csc", Method::kGetCase, R"(case_id: "../etc")",
       grpc::StatusCode::INVALID_ARGUMENT, "case_id"},
      {"GetUnknownCase", "derby-csc", Method::kGetCase, nullptr, grpc::StatusCode::NOT_FOUND,
       "case_id: no case"},
      {"AcknowledgeNothing", "derby-pru", Method::kAcknowledge, "", grpc::StatusCode::INVALID_ARGUMENT,
       "delivery_ids: at least one"},
      {"AcknowledgeSomeoneElses", "derby-pru", Method::kAcknowledge, "delivery_ids: 999999",
       grpc::StatusCode::NOT_FOUND, "delivery_ids[0]"},
      {"SubscribeTooManyInFlight", "derby-pru", Method::kSubscribe, "max_in_flight: 100000",
       grpc::StatusCode::INVALID_ARGUMENT, "max_in_flight"},
      {"ActionsPageTooLarge", "derby-cpm", Method::kListOpenActions, "page_size: 100000",
       grpc::StatusCode::INVALID_ARGUMENT, "page_size"},
      {"ActionsForeignPageToken", "derby-cpm", Method::kListOpenActions, R"(page_token: "not-ours")",
       grpc::StatusCode::INVALID_ARGUMENT, "page_token"},
      {"ActionsWindowTooLong", "derby-cpm", Method::kListOpenActions, "due_within_working_days: 999",
       grpc::StatusCode::INVALID_ARGUMENT, "due_within_working_days: 999 is not between 0 and 250"},
      {"ActionsNegativeWindow", "derby-cpm", Method::kListOpenActions, "due_within_working_days: -1",
       grpc::StatusCode::INVALID_ARGUMENT, "due_within_working_days"},
      {"ActionsOfAnotherTeam", "derby-csc", Method::kListOpenActions, R"(owner_agency_id: "derby-early-help")",
       grpc::StatusCode::PERMISSION_DENIED, "owner_agency_id: a team sees only its own actions"},
      {"AccessesOfNobody", "derby-csc", Method::kListRecordAccesses, "limit: 10", grpc::StatusCode::INVALID_ARGUMENT,
       "subject: a case_id or a child_id is required"},
      {"AccessesOfAMalformedChild", "derby-cpm", Method::kListRecordAccesses, R"(child_id: "sam")",
       grpc::StatusCode::INVALID_ARGUMENT, "child_id: not an id the hub issued"},
      {"AccessesOfAnUnknownCase", "derby-cpm", Method::kListRecordAccesses, R"(case_id: "00000000-0000-4000-8000-000000000000")",
       grpc::StatusCode::NOT_FOUND, "case_id: no case"},
      {"AccessesTooMany", "derby-csc", Method::kListRecordAccesses, R"(case_id: "$CASE" limit: 501)",
       grpc::StatusCode::INVALID_ARGUMENT, "limit: 501 is not between 0 and 500"},
      {"AccessesBeforeANegativeRow", "derby-csc", Method::kListRecordAccesses, R"(case_id: "$CASE" before_seq: -1)",
       grpc::StatusCode::INVALID_ARGUMENT, "before_seq"},

      // --- Referrals.SubmitConcern: the key, the subject, the concern. ---
      {"KeyTooLong", "derby-health", Method::kSubmitConcern, nullptr,
       grpc::StatusCode::INVALID_ARGUMENT, "idempotency_key: at most 128 bytes"},
      {"KeyWithControlCharacter", "derby-health", Method::kSubmitConcern, R"(idempotency_key: "a\tb")",
       grpc::StatusCode::INVALID_ARGUMENT, "idempotency_key: printable ASCII only"},
      {"EmptyCaseId", "derby-health", Method::kSubmitConcern,
       R"(idempotency_key: "k" case_id: "" concern { indicated_level: RISK_LEVEL_LOW narrative: "x" identified_at { seconds: 1780000000 } })",
       grpc::StatusCode::INVALID_ARGUMENT, "case_id: required"},
      {"ConcernWithoutLevel", "derby-health", Method::kSubmitConcern,
       R"(idempotency_key: "k" case_id: "$CASE" concern { narrative: "x" identified_at { seconds: 1780000000 } })",
       grpc::StatusCode::INVALID_ARGUMENT, "concern.indicated_level: required"},
      {"ConcernWithoutTime", "derby-health", Method::kSubmitConcern,
       R"(idempotency_key: "k" case_id: "$CASE" concern { indicated_level: RISK_LEVEL_LOW narrative: "x" })",
       grpc::StatusCode::INVALID_ARGUMENT, "concern.identified_at: required"},
      {"ConcernBeforeTheEpoch", "derby-health", Method::kSubmitConcern,
       R"(idempotency_key: "k" case_id: "$CASE" concern { indicated_level: RISK_LEVEL_LOW narrative: "x" identified_at { seconds: -1 } })",
       grpc::StatusCode::INVALID_ARGUMENT, "concern.identified_at: not a valid instant"},
      {"ConcernAtTheEpoch", "derby-health", Method::kSubmitConcern,
       R"(idempotency_key: "k" case_id: "$CASE" concern { indicated_level: RISK_LEVEL_LOW narrative: "x" identified_at { seconds: 0 } })",
       grpc::StatusCode::INVALID_ARGUMENT, "concern.identified_at: before 1970-01-01T00:00:01Z"},
      {"ConcernAfter2100", "derby-health", Method::kSubmitConcern,
       R"(idempotency_key: "k" case_id: "$CASE" concern { indicated_level: RISK_LEVEL_LOW narrative: "x" identified_at { seconds: 4133980800 } })",
       grpc::StatusCode::INVALID_ARGUMENT,
       "concern.identified_at: after 2100: not a date a record can carry"},
      {"ConcernNanosOutOfRange", "derby-health", Method::kSubmitConcern,
       R"(idempotency_key: "k" case_id: "$CASE" concern { indicated_level: RISK_LEVEL_LOW narrative: "x" identified_at { seconds: 1780000000 nanos: 1000000000 } })",
       grpc::StatusCode::INVALID_ARGUMENT, "concern.identified_at: not a valid instant"},
      {"BlankNarrative", "derby-health", Method::kSubmitConcern,
       R"(idempotency_key: "k" case_id: "$CASE" concern { indicated_level: RISK_LEVEL_LOW narrative: " \t " identified_at { seconds: 1780000000 } })",
       grpc::StatusCode::INVALID_ARGUMENT, "concern.narrative: required"},
      // proto3 enums are open: a number outside the enum arrives as it was sent.
      {"ConcernLevelOutOfRange", "derby-health", Method::kSubmitConcern,
       R"(idempotency_key: "k" case_id: "$CASE" concern { indicated_level: 7 narrative: "x" identified_at { seconds: $NOW } })",
       grpc::StatusCode::INVALID_ARGUMENT, "concern.indicated_level: 7 is not a value of RiskLevel"},
      {"AgencyReferenceTooLong", "derby-health", Method::kSubmitConcern, nullptr,
       grpc::StatusCode::INVALID_ARGUMENT, "new_child.details.agency_reference: 1025 bytes; at most 1024"},
      {"GivenNameTooLong", "derby-health", Method::kSubmitConcern, nullptr,
       grpc::StatusCode::INVALID_ARGUMENT, "new_child.details.given_name: 1025 bytes; at most 1024"},
      {"AddressTooLong", "derby-health", Method::kSubmitConcern, nullptr,
       grpc::StatusCode::INVALID_ARGUMENT, "new_child.details.address: 2000 bytes; at most 1024"},
      {"NoOpenPlan", "derby-health", Method::kSubmitConcern, nullptr,
       grpc::StatusCode::INVALID_ARGUMENT, "new_child.child.open_plan: required"},
      {"OpenPlanOutOfRange", "derby-health", Method::kSubmitConcern, nullptr,
       grpc::StatusCode::INVALID_ARGUMENT, "new_child.child.open_plan: 9 is not a value of OpenPlan"},
      {"DateOfBirthNotZeroPadded", "derby-health", Method::kSubmitConcern, nullptr,
       grpc::StatusCode::INVALID_ARGUMENT, "new_child.child.date_of_birth: not a date YYYY-MM-DD"},
      {"NhsNumberWithAWrongCheckDigit", "derby-health", Method::kSubmitConcern, nullptr,
       grpc::StatusCode::INVALID_ARGUMENT,
       "new_child.details.nhs_number: not a valid NHS number: the check digit is wrong (Modulus 11)"},
      {"NhsNumberOfNineDigits", "derby-health", Method::kSubmitConcern, nullptr,
       grpc::StatusCode::INVALID_ARGUMENT, "new_child.details.nhs_number: 9 digits; an NHS number has 10"},
      {"NhsNumberWithHyphens", "derby-health", Method::kSubmitConcern, nullptr,
       grpc::StatusCode::INVALID_ARGUMENT, "new_child.details.nhs_number: not an NHS number"},
      {"HomeAuthorityInLowerCase", "derby-health", Method::kSubmitConcern, nullptr,
       grpc::StatusCode::INVALID_ARGUMENT, "new_child.child.home_authority_code"},
      {"PlacementAuthorityNotAnOnsCode", "derby-health", Method::kSubmitConcern, nullptr,
       grpc::StatusCode::INVALID_ARGUMENT, "new_child.child.placement_authority_code"},
      {"KeyReusedForAnotherRequest", "derby-health", Method::kSubmitConcern,
       R"(idempotency_key: "open" case_id: "$CASE" concern { indicated_level: RISK_LEVEL_LOW narrative: "other" identified_at { seconds: $NOW } })",
       grpc::StatusCode::ALREADY_EXISTS, "idempotency_key"},

      // --- Referrals.SubmitOperationLibertyReport ---
      {"ReportMalformedCaseId", "derby-health", Method::kSubmitOperationLibertyReport,
       R"(idempotency_key: "k" case_id: "not-a-uuid" report { narrative: "x" places { address: "a" } })",
       grpc::StatusCode::INVALID_ARGUMENT, "case_id: not an id the hub issued"},
      {"IndividualWithoutNameOrDescription", "derby-health", Method::kSubmitOperationLibertyReport,
       R"(idempotency_key: "k" report { narrative: "x" individuals { address: "a" } })",
       grpc::StatusCode::INVALID_ARGUMENT, "report.individuals[0].name"},
      {"PlaceWithoutNameOrAddress", "derby-health", Method::kSubmitOperationLibertyReport,
       R"(idempotency_key: "k" report { narrative: "x" places { description: "d" } })",
       grpc::StatusCode::INVALID_ARGUMENT, "report.places[0].address"},
      {"SecondPlaceWithoutNameOrAddress", "derby-health", Method::kSubmitOperationLibertyReport,
       R"(idempotency_key: "k" report { narrative: "x" places { address: "a" } places { description: "d" } })",
       grpc::StatusCode::INVALID_ARGUMENT, "report.places[1].address"},
      {"EmptyVehicle", "derby-health", Method::kSubmitOperationLibertyReport,
       R"(idempotency_key: "k" report { narrative: "x" vehicles { } })",
       grpc::StatusCode::INVALID_ARGUMENT, "report.vehicles[0].registration"},
      {"RegistrationTooLong", "derby-health", Method::kSubmitOperationLibertyReport,
       R"(idempotency_key: "k" report { narrative: "x" vehicles { registration: "AB12CDEAB12CDEAB12CDEAB12CDEAB12C" } })",
       grpc::StatusCode::INVALID_ARGUMENT, "report.vehicles[0].registration: 33 bytes; at most 32"},
      {"TooManyPlaces", "derby-health", Method::kSubmitOperationLibertyReport, nullptr,
       grpc::StatusCode::INVALID_ARGUMENT, "report.places: 101 entries; at most 100"},
      {"ReportWithoutNarrative", "derby-health", Method::kSubmitOperationLibertyReport,
       R"(idempotency_key: "k" report { places { address: "a" } })",
       grpc::StatusCode::INVALID_ARGUMENT, "report.narrative: required"},
      {"ReportOnACaseNotInvolvedWith", "derby-police", Method::kSubmitOperationLibertyReport,
       R"(idempotency_key: "k" case_id: "$CASE" report { narrative: "x" places { address: "a" } })",
       grpc::StatusCode::NOT_FOUND, "is shared with you"},

      // --- Referrals.RecordRiskAssessment ---
      {"AssessmentWithoutCaseId", "derby-csc", Method::kRecordRiskAssessment,
       R"(idempotency_key: "k" assessment { level: RISK_LEVEL_LOW })",
       grpc::StatusCode::INVALID_ARGUMENT, "case_id: required"},
      {"NoAssessment", "derby-csc", Method::kRecordRiskAssessment,
       R"(idempotency_key: "k" case_id: "$CASE")", grpc::StatusCode::INVALID_ARGUMENT, "assessment: required"},
      {"AssessmentWithoutTime", "derby-csc", Method::kRecordRiskAssessment,
       R"(idempotency_key: "k" case_id: "$CASE" assessment { level: RISK_LEVEL_HIGH assessor_role: PRACTITIONER_ROLE_SOCIAL_WORKER })",
       grpc::StatusCode::INVALID_ARGUMENT, "assessment.assessed_at: required"},
      {"AssessmentWithoutAssessor", "derby-csc", Method::kRecordRiskAssessment,
       R"(idempotency_key: "k" case_id: "$CASE" assessment { level: RISK_LEVEL_HIGH assessed_at { seconds: $NOW } })",
       grpc::StatusCode::INVALID_ARGUMENT, "assessment.assessor_role: required"},
      {"AssessmentLevelOutOfRange", "derby-csc", Method::kRecordRiskAssessment,
       R"(idempotency_key: "k" case_id: "$CASE" assessment { level: 9 assessed_at { seconds: $NOW } assessor_role: PRACTITIONER_ROLE_SOCIAL_WORKER narrative: "n" })",
       grpc::StatusCode::INVALID_ARGUMENT, "assessment.level: 9 is not a value of RiskLevel"},
      {"AssessorRoleOutOfRange", "derby-csc", Method::kRecordRiskAssessment,
       R"(idempotency_key: "k" case_id: "$CASE" assessment { level: RISK_LEVEL_HIGH assessed_at { seconds: $NOW } assessor_role: 99 narrative: "n" })",
       grpc::StatusCode::INVALID_ARGUMENT, "assessment.assessor_role: 99 is not a value of PractitionerRole"},
      {"ApprovalTeamManagerTooLong", "derby-csc", Method::kRecordRiskAssessment, nullptr,
       grpc::StatusCode::INVALID_ARGUMENT, "assessment.low_risk_approval.team_manager: 1025 bytes; at most 1024"},
      {"ApprovalRationaleTooLong", "derby-csc", Method::kRecordRiskAssessment, nullptr,
       grpc::StatusCode::INVALID_ARGUMENT, "assessment.low_risk_approval.rationale: 70000 bytes; at most 65536"},
      {"ApprovalAtTheEpoch", "derby-csc", Method::kRecordRiskAssessment,
       R"(idempotency_key: "k" case_id: "$CASE" assessment { level: RISK_LEVEL_LOW assessed_at { seconds: $NOW } assessor_role: PRACTITIONER_ROLE_SOCIAL_WORKER low_risk_approval { team_manager: "t" approved_at { seconds: 0 } } })",
       grpc::StatusCode::INVALID_ARGUMENT, "assessment.low_risk_approval.approved_at: before 1970-01-01T00:00:01Z"},
      {"AssessmentByAnAgencyNotInvolved", "derby-school-ashgrove", Method::kRecordRiskAssessment,
       R"(idempotency_key: "k" case_id: "$CASE" assessment { level: RISK_LEVEL_HIGH assessed_at { seconds: $NOW } assessor_role: PRACTITIONER_ROLE_SOCIAL_WORKER narrative: "n" })",
       grpc::StatusCode::NOT_FOUND, "is shared with you"},

      // --- Referrals.RecordCaseEvents ---
      {"EventWithoutTime", "derby-csc", Method::kRecordCaseEvents,
       R"(idempotency_key: "k" case_id: "$CASE" events { kind: EVENT_KIND_STRATEGY_DISCUSSION_HELD })",
       grpc::StatusCode::INVALID_ARGUMENT, "events[0].occurred_at: required"},
      {"SecondEventWithoutKind", "derby-csc", Method::kRecordCaseEvents,
       R"(idempotency_key: "k" case_id: "$CASE" events { kind: EVENT_KIND_STRATEGY_DISCUSSION_HELD occurred_at { seconds: $NOW } } events { occurred_at { seconds: $NOW } })",
       grpc::StatusCode::INVALID_ARGUMENT, "events[1].kind: required"},
      {"TooManyEvents", "derby-csc", Method::kRecordCaseEvents, nullptr,
       grpc::StatusCode::INVALID_ARGUMENT, "events: 101 entries; at most 100"},
      {"EventNoteTooLong", "derby-csc", Method::kRecordCaseEvents, nullptr,
       grpc::StatusCode::INVALID_ARGUMENT, "events[0].note: 70000 bytes; at most 65536"},
      {"EventKindOutOfRange", "derby-csc", Method::kRecordCaseEvents,
       R"(idempotency_key: "k" case_id: "$CASE" events { kind: 99 occurred_at { seconds: $NOW } })",
       grpc::StatusCode::INVALID_ARGUMENT, "events[0].kind: 99 is not a value of EventKind"},
      {"EventMessageIdTooLong", "derby-csc", Method::kRecordCaseEvents, nullptr,
       grpc::StatusCode::INVALID_ARGUMENT, "events[0].message_id: 70000 bytes; at most 65536"},
      {"EventMessageIdNotAnId", "derby-csc", Method::kRecordCaseEvents,
       R"(idempotency_key: "k" case_id: "$CASE" events { kind: EVENT_KIND_STRATEGY_DISCUSSION_HELD occurred_at { seconds: $NOW } message_id: "m-1" })",
       grpc::StatusCode::INVALID_ARGUMENT, "events[0].message_id: not an id the hub issued"},
      {"EventScheduledPastTheStorableRange", "derby-csc", Method::kRecordCaseEvents,
       R"(idempotency_key: "k" case_id: "$CASE" events { kind: EVENT_KIND_CRE_MEETING_SCHEDULED occurred_at { seconds: $NOW } scheduled_for { seconds: 1000000000000000 } })",
       grpc::StatusCode::INVALID_ARGUMENT, "events[0].scheduled_for: not a valid instant"},
      {"EventAcknowledgedAfter2100", "derby-csc", Method::kRecordCaseEvents,
       R"(idempotency_key: "k" case_id: "$CASE" events { kind: EVENT_KIND_IRO_NOTIFIED occurred_at { seconds: $NOW } acknowledged_at { seconds: 4133980800 } })",
       grpc::StatusCode::INVALID_ARGUMENT, "events[0].acknowledged_at: after 2100"},
      {"EventThresholdOutcomeOutOfRange", "derby-csc", Method::kRecordCaseEvents,
       R"(idempotency_key: "k" case_id: "$CASE" events { kind: EVENT_KIND_THRESHOLD_DISCUSSION_HELD occurred_at { seconds: $NOW } threshold_outcome: 12 })",
       grpc::StatusCode::INVALID_ARGUMENT, "events[0].threshold_outcome: 12 is not a value of ThresholdOutcome"},
      {"EventsOnUnknownCase", "derby-csc", Method::kRecordCaseEvents, nullptr,
       grpc::StatusCode::NOT_FOUND, "case_id: no case"},

      // --- Referrals.SubmitStepUpReferral ---
      {"StepUpWithoutLevel", "derby-early-help", Method::kSubmitStepUpReferral,
       R"(idempotency_key: "k" case_id: "$CASE" referral { reason: "r" })",
       grpc::StatusCode::INVALID_ARGUMENT, "referral.level: required"},
      {"StepUpMalformedCaseId", "derby-early-help", Method::kSubmitStepUpReferral,
       R"(idempotency_key: "k" case_id: "00000000-0000-4000-8000-00000000000Z" referral { level: RISK_LEVEL_HIGH reason: "r" })",
       grpc::StatusCode::INVALID_ARGUMENT, "case_id: not an id the hub issued"},
      {"StepUpOnUnknownCase", "derby-early-help", Method::kSubmitStepUpReferral, nullptr,
       grpc::StatusCode::NOT_FOUND, "case_id: no case"},

      // --- Referrals.SendNotification: the routing rules' preconditions. ---
      {"NotificationWithoutSummary", "derby-csc", Method::kSendNotification,
       R"(idempotency_key: "k" case_id: "$CASE" notification { kind: NOTIFICATION_KIND_DUTY_CPM_ESCALATION })",
       grpc::StatusCode::INVALID_ARGUMENT, "notification.summary: required"},
      {"NotificationWithoutCaseId", "derby-csc", Method::kSendNotification,
       R"(idempotency_key: "k" notification { kind: NOTIFICATION_KIND_IRO summary: "s" })",
       grpc::StatusCode::INVALID_ARGUMENT, "case_id: required"},
      {"NotificationOnUnknownCase", "derby-csc", Method::kSendNotification, nullptr,
       grpc::StatusCode::NOT_FOUND, "case_id: no case"},
      {"IroNotificationForAChildNotLookedAfter", "derby-csc", Method::kSendNotification,
       R"(idempotency_key: "k" case_id: "$CASE" notification { kind: NOTIFICATION_KIND_IRO summary: "s" })",
       grpc::StatusCode::FAILED_PRECONDITION, "notification.kind: an IRO notification is for a looked-after child"},
      {"HandoffForAChildPlacedAtHome", "derby-csc", Method::kSendNotification,
       R"(idempotency_key: "k" case_id: "$CASE" notification { kind: NOTIFICATION_KIND_HOST_AUTHORITY_HANDOFF summary: "s" })",
       grpc::StatusCode::FAILED_PRECONDITION, "notification.kind: a host-authority handoff"},
      {"ConsultationAboutThisAuthoritysOwnChild", "derby-csc", Method::kSendNotification,
       R"(idempotency_key: "k" case_id: "$CASE" notification { kind: NOTIFICATION_KIND_HOME_AUTHORITY_CONSULTATION summary: "s" })",
       grpc::StatusCode::FAILED_PRECONDITION, "notification.kind: a home-authority consultation"},
      {"NotificationLevelOutOfRange", "derby-csc", Method::kSendNotification,
       R"(idempotency_key: "k" case_id: "$CASE" notification { kind: NOTIFICATION_KIND_DUTY_CPM_ESCALATION level: 9 summary: "s" })",
       grpc::StatusCode::INVALID_ARGUMENT, "notification.level: 9 is not a value of RiskLevel"},
      {"NotificationActionKindOutOfRange", "derby-csc", Method::kSendNotification,
       R"(idempotency_key: "k" case_id: "$CASE" notification { kind: NOTIFICATION_KIND_DUTY_CPM_ESCALATION summary: "s" action_kind: 57 })",
       grpc::StatusCode::INVALID_ARGUMENT, "notification.action_kind: 57 is not a value of ActionKind"},
      {"NotificationOwnerOutOfRange", "derby-csc", Method::kSendNotification,
       R"(idempotency_key: "k" case_id: "$CASE" notification { kind: NOTIFICATION_KIND_DUTY_CPM_ESCALATION summary: "s" owner: 99 })",
       grpc::StatusCode::INVALID_ARGUMENT, "notification.owner: 99 is not a value of PractitionerRole"},
      {"NotificationDueLongBeforeTheEpoch", "derby-csc", Method::kSendNotification,
       R"(idempotency_key: "k" case_id: "$CASE" notification { kind: NOTIFICATION_KIND_DUTY_CPM_ESCALATION summary: "s" due_at { seconds: -1000000000000000 } })",
       grpc::StatusCode::INVALID_ARGUMENT, "notification.due_at: not a valid instant"},
      {"NotificationWithAnAlertsActionFromAnAgency", "derby-csc", Method::kSendNotification,
       R"(idempotency_key: "k" case_id: "$CASE" notification { kind: NOTIFICATION_KIND_DUTY_CPM_ESCALATION summary: "s" action_kind: IRO_NOTIFICATION })",
       grpc::StatusCode::INVALID_ARGUMENT, "notification.action_kind: only the hub's overdue alerts carry one"},
      {"NotificationWithAnAlertsOwnerFromAnAgency", "derby-csc", Method::kSendNotification,
       R"(idempotency_key: "k" case_id: "$CASE" notification { kind: NOTIFICATION_KIND_DUTY_CPM_ESCALATION summary: "s" owner: PRACTITIONER_ROLE_IRO })",
       grpc::StatusCode::INVALID_ARGUMENT, "notification.owner: only the hub's overdue alerts carry one"},
      {"NotificationWithAnAlertsDueTimeFromAnAgency", "derby-csc", Method::kSendNotification,
       R"(idempotency_key: "k" case_id: "$CASE" notification { kind: NOTIFICATION_KIND_DUTY_CPM_ESCALATION summary: "s" due_at { seconds: $NOW } })",
       grpc::StatusCode::INVALID_ARGUMENT, "notification.due_at: only the hub's overdue alerts carry one"},
      {"OverdueAlertFromAnAgency", "derby-csc", Method::kSendNotification,
       R"(idempotency_key: "k" case_id: "$CASE" notification { kind: NOTIFICATION_KIND_OVERDUE_ALERT summary: "s" })",
       grpc::StatusCode::INVALID_ARGUMENT, "notification.kind"},
      {"ConsultationByAnAuthorityNotInvolved", "derbyshire-cc", Method::kSendNotification,
       R"(idempotency_key: "k" case_id: "$CASE" notification { kind: NOTIFICATION_KIND_HOME_AUTHORITY_CONSULTATION summary: "s" })",
       grpc::StatusCode::NOT_FOUND, "is shared with you"},

      // --- Referrals.Respond ---
      {"RespondWithoutMessageId", "derby-csc", Method::kRespond,
       R"(idempotency_key: "k" response { kind: RESPONSE_KIND_ACKNOWLEDGE })",
       grpc::StatusCode::INVALID_ARGUMENT, "message_id: required"},
      {"RespondMalformedMessageId", "derby-csc", Method::kRespond,
       R"(idempotency_key: "k" message_id: "1 OR 1=1" response { kind: RESPONSE_KIND_ACKNOWLEDGE })",
       grpc::StatusCode::INVALID_ARGUMENT, "message_id: not an id the hub issued"},
      {"RespondWithoutKind", "derby-csc", Method::kRespond,
       R"(idempotency_key: "k" message_id: "$MESSAGE" response { reason: "r" })",
       grpc::StatusCode::INVALID_ARGUMENT, "response.kind: required"},
      {"DisputeWithoutReason", "derby-csc", Method::kRespond,
       R"(idempotency_key: "k" message_id: "$MESSAGE" response { kind: RESPONSE_KIND_DISPUTE reason: "  " })",
       grpc::StatusCode::INVALID_ARGUMENT, "response.reason: required"},
      {"ResponseKindOutOfRange", "derby-csc", Method::kRespond,
       R"(idempotency_key: "k" message_id: "$MESSAGE" response { kind: 42 })",
       grpc::StatusCode::INVALID_ARGUMENT, "response.kind: 42 is not a value of ResponseKind"},
      {"RespondToAMessageDeliveredToAnother", "derby-pru", Method::kRespond,
       R"(idempotency_key: "k" message_id: "$MESSAGE" response { kind: RESPONSE_KIND_ACKNOWLEDGE })",
       grpc::StatusCode::NOT_FOUND, "message_id: no message"},

      // --- The governance envelope (access/governance.h): each field a
      // method requires, and each that is malformed, by name. ---
      {"GovernanceMissing", "derby-health", Method::kSubmitConcern,
       R"(idempotency_key: "k" case_id: "$CASE" concern { indicated_level: RISK_LEVEL_LOW narrative: "x" identified_at { seconds: $NOW } }
          # no governance)",
       grpc::StatusCode::INVALID_ARGUMENT,
       "governance: required for SubmitConcern (purpose, article6_basis, article9_condition, sharing_agreement_id, "
       "consent)"},
      {"GovernanceWithoutPurpose", "derby-health", Method::kSubmitConcern,
       R"(idempotency_key: "k" case_id: "$CASE" concern { indicated_level: RISK_LEVEL_LOW narrative: "x" identified_at { seconds: $NOW } }
          governance { article6_basis: ARTICLE6_BASIS_PUBLIC_TASK article9_condition: ARTICLE9_CONDITION_SAFEGUARDING_CHILDREN
                       sharing_agreement_id: "derby-cre-isa-2026" consent: CONSENT_GIVEN })",
       grpc::StatusCode::INVALID_ARGUMENT, "governance.purpose: required for SubmitConcern"},
      {"GovernanceWithoutArticle6Basis", "derby-health", Method::kSubmitOperationLibertyReport,
       R"(idempotency_key: "k" report { narrative: "x" places { address: "a" } }
          governance { purpose: PURPOSE_DISRUPTING_EXPLOITATION article9_condition: ARTICLE9_CONDITION_PREVENTING_UNLAWFUL_ACTS
                       sharing_agreement_id: "derby-cre-isa-2026" consent: CONSENT_NOT_SOUGHT_RISK_TO_CHILD })",
       grpc::StatusCode::INVALID_ARGUMENT, "governance.article6_basis: required for SubmitOperationLibertyReport"},
      {"GovernanceWithoutArticle9Condition", "derby-csc", Method::kRecordRiskAssessment,
       R"(idempotency_key: "k" case_id: "$CASE" assessment { level: RISK_LEVEL_HIGH assessed_at { seconds: $NOW } assessor_role: PRACTITIONER_ROLE_SOCIAL_WORKER }
          governance { article6_basis: ARTICLE6_BASIS_PUBLIC_TASK })",
       grpc::StatusCode::INVALID_ARGUMENT, "governance.article9_condition: required for RecordRiskAssessment"},
      {"GovernanceEventsWithoutArticle6Basis", "derby-csc", Method::kRecordCaseEvents,
       R"(idempotency_key: "k" case_id: "$CASE" events { kind: EVENT_KIND_STRATEGY_DISCUSSION_HELD occurred_at { seconds: $NOW } }
          governance { purpose: PURPOSE_SAFEGUARDING_CHILD article9_condition: ARTICLE9_CONDITION_SAFEGUARDING_CHILDREN })",
       grpc::StatusCode::INVALID_ARGUMENT, "governance.article6_basis: required for RecordCaseEvents"},
      {"GovernanceWithoutAgreement", "derby-early-help", Method::kSubmitStepUpReferral,
       R"(idempotency_key: "k" case_id: "$CASE" referral { level: RISK_LEVEL_HIGH reason: "r" }
          governance { purpose: PURPOSE_SAFEGUARDING_CHILD article6_basis: ARTICLE6_BASIS_PUBLIC_TASK
                       article9_condition: ARTICLE9_CONDITION_SAFEGUARDING_CHILDREN consent: CONSENT_GIVEN })",
       grpc::StatusCode::INVALID_ARGUMENT, "governance.sharing_agreement_id: required for SubmitStepUpReferral"},
      {"GovernanceWithoutConsent", "derby-csc", Method::kSendNotification,
       R"(idempotency_key: "k" case_id: "$CASE" notification { kind: NOTIFICATION_KIND_DUTY_CPM_ESCALATION summary: "s" }
          governance { purpose: PURPOSE_CRE_PROCEDURE article6_basis: ARTICLE6_BASIS_PUBLIC_TASK
                       article9_condition: ARTICLE9_CONDITION_SAFEGUARDING_CHILDREN sharing_agreement_id: "derby-cre-isa-2026" })",
       grpc::StatusCode::INVALID_ARGUMENT, "governance.consent: required for SendNotification"},
      {"GovernanceResponseWithoutPurpose", "derby-csc", Method::kRespond,
       R"(idempotency_key: "k" message_id: "$MESSAGE" response { kind: RESPONSE_KIND_ACKNOWLEDGE }
          governance { article6_basis: ARTICLE6_BASIS_PUBLIC_TASK article9_condition: ARTICLE9_CONDITION_NOT_APPLICABLE
                       sharing_agreement_id: "derby-cre-isa-2026" consent: CONSENT_GIVEN })",
       grpc::StatusCode::INVALID_ARGUMENT, "governance.purpose: required for Respond"},
      {"GovernanceUnknownAgreement", "derby-health", Method::kSubmitConcern,
       R"(idempotency_key: "k" case_id: "$CASE" concern { indicated_level: RISK_LEVEL_LOW narrative: "x" identified_at { seconds: $NOW } }
          governance { purpose: PURPOSE_SAFEGUARDING_CHILD article6_basis: ARTICLE6_BASIS_PUBLIC_TASK
                       article9_condition: ARTICLE9_CONDITION_SAFEGUARDING_CHILDREN sharing_agreement_id: "no-such-agreement"
                       consent: CONSENT_GIVEN })",
       grpc::StatusCode::INVALID_ARGUMENT, "governance.sharing_agreement_id: not an agreement of the register"},
      {"GovernanceAgreementTheCallerDidNotSign", "derby-health", Method::kSubmitConcern,
       R"(idempotency_key: "k" case_id: "$CASE" concern { indicated_level: RISK_LEVEL_LOW narrative: "x" identified_at { seconds: $NOW } }
          governance { purpose: PURPOSE_SAFEGUARDING_CHILD article6_basis: ARTICLE6_BASIS_PUBLIC_TASK
                       article9_condition: ARTICLE9_CONDITION_SAFEGUARDING_CHILDREN
                       sharing_agreement_id: "derby-missing-children-protocol" consent: CONSENT_GIVEN })",
       grpc::StatusCode::INVALID_ARGUMENT,
       "governance.sharing_agreement_id: the calling agency is not a party to this agreement"},
      {"GovernanceNotSoughtWithoutReason", "derby-health", Method::kSubmitConcern,
       R"(idempotency_key: "k" case_id: "$CASE" concern { indicated_level: RISK_LEVEL_LOW narrative: "x" identified_at { seconds: $NOW } }
          governance { purpose: PURPOSE_SAFEGUARDING_CHILD article6_basis: ARTICLE6_BASIS_PUBLIC_TASK
                       article9_condition: ARTICLE9_CONDITION_SAFEGUARDING_CHILDREN sharing_agreement_id: "derby-cre-isa-2026"
                       consent: CONSENT_NOT_SOUGHT_OTHER consent_note: " " })",
       grpc::StatusCode::INVALID_ARGUMENT, "governance.consent_note: required with CONSENT_NOT_SOUGHT_OTHER"},
      {"GovernanceConsentAsBasisButRefused", "derby-health", Method::kSubmitConcern,
       R"(idempotency_key: "k" case_id: "$CASE" concern { indicated_level: RISK_LEVEL_LOW narrative: "x" identified_at { seconds: $NOW } }
          governance { purpose: PURPOSE_SAFEGUARDING_CHILD article6_basis: ARTICLE6_BASIS_CONSENT
                       article9_condition: ARTICLE9_CONDITION_SAFEGUARDING_CHILDREN sharing_agreement_id: "derby-cre-isa-2026"
                       consent: CONSENT_REFUSED })",
       grpc::StatusCode::INVALID_ARGUMENT,
       "governance.consent: must be CONSENT_GIVEN when article6_basis is ARTICLE6_BASIS_CONSENT"},
      {"GovernanceOtherPurposeUnstated", "derby-health", Method::kSubmitConcern,
       R"(idempotency_key: "k" case_id: "$CASE" concern { indicated_level: RISK_LEVEL_LOW narrative: "x" identified_at { seconds: $NOW } }
          governance { purpose: PURPOSE_OTHER article6_basis: ARTICLE6_BASIS_PUBLIC_TASK
                       article9_condition: ARTICLE9_CONDITION_SAFEGUARDING_CHILDREN sharing_agreement_id: "derby-cre-isa-2026"
                       consent: CONSENT_GIVEN })",
       grpc::StatusCode::INVALID_ARGUMENT, "governance.purpose_detail: required with PURPOSE_OTHER"},
      {"GovernanceConsentOutOfRange", "derby-health", Method::kSubmitConcern,
       R"(idempotency_key: "k" case_id: "$CASE" concern { indicated_level: RISK_LEVEL_LOW narrative: "x" identified_at { seconds: $NOW } }
          governance { purpose: PURPOSE_SAFEGUARDING_CHILD article6_basis: ARTICLE6_BASIS_PUBLIC_TASK
                       article9_condition: ARTICLE9_CONDITION_SAFEGUARDING_CHILDREN sharing_agreement_id: "derby-cre-isa-2026"
                       consent: 9 })",
       grpc::StatusCode::INVALID_ARGUMENT, "governance.consent: 9 is not a value of Consent"},
      {"GovernanceConsentNoteTooLong", "derby-health", Method::kSubmitConcern, nullptr,
       grpc::StatusCode::INVALID_ARGUMENT, "governance.consent_note: 1025 bytes; at most 1024"},

      // --- Referrals.RecordDecisionNotToShare (Children Act 2004 s.16LA):
      // each field of the decision missing or malformed, by name; the case
      // and the registry's refusals. Requests: DecisionRequest. ---
      {"DecisionWithoutReason", "derby-health", Method::kRecordDecisionNotToShare, nullptr,
       grpc::StatusCode::INVALID_ARGUMENT, "decision.justification: required"},
      {"DecisionReasonTooLong", "derby-health", Method::kRecordDecisionNotToShare, nullptr,
       grpc::StatusCode::INVALID_ARGUMENT, "decision.justification: 8193 bytes; at most 8192"},
      {"DecisionWithoutWhatWasWithheld", "derby-health", Method::kRecordDecisionNotToShare, nullptr,
       grpc::StatusCode::INVALID_ARGUMENT, "decision.withheld_information: required"},
      {"DecisionWithheldInformationTooLong", "derby-health", Method::kRecordDecisionNotToShare, nullptr,
       grpc::StatusCode::INVALID_ARGUMENT, "decision.withheld_information: 1025 bytes; at most 1024"},
      {"DecisionWithheldFromNobody", "derby-health", Method::kRecordDecisionNotToShare, nullptr,
       grpc::StatusCode::INVALID_ARGUMENT, "decision.withheld_from: required"},
      {"DecisionWithheldFromAMalformedAgency", "derby-health", Method::kRecordDecisionNotToShare, nullptr,
       grpc::StatusCode::INVALID_ARGUMENT, "decision.withheld_from_agency_id: not an agency id"},
      {"DecisionWithheldFromAnUnknownAgency", "derby-health", Method::kRecordDecisionNotToShare, nullptr,
       grpc::StatusCode::INVALID_ARGUMENT, "decision.withheld_from_agency_id: not an agency of the registry"},
      {"DecisionWithheldFromTheSenderItself", "derby-health", Method::kRecordDecisionNotToShare, nullptr,
       grpc::StatusCode::INVALID_ARGUMENT, "decision.withheld_from_agency_id: the sending agency itself"},
      {"DecisionWithheldFromARoleOutOfRange", "derby-health", Method::kRecordDecisionNotToShare, nullptr,
       grpc::StatusCode::INVALID_ARGUMENT, "decision.withheld_from_role: 99 is not a value of AgencyRole"},
      {"DecisionWithoutGround", "derby-health", Method::kRecordDecisionNotToShare, nullptr,
       grpc::StatusCode::INVALID_ARGUMENT, "decision.ground: required"},
      {"DecisionGroundOutOfRange", "derby-health", Method::kRecordDecisionNotToShare, nullptr,
       grpc::StatusCode::INVALID_ARGUMENT, "decision.ground: 5 is not a value of WithholdingGround"},
      {"DecisionByNobody", "derby-health", Method::kRecordDecisionNotToShare, nullptr,
       grpc::StatusCode::INVALID_ARGUMENT, "decision.decided_by: required"},
      {"DecisionWithoutTheDecidersRole", "derby-health", Method::kRecordDecisionNotToShare, nullptr,
       grpc::StatusCode::INVALID_ARGUMENT, "decision.decided_by_role: required"},
      {"DecisionWithoutItsTime", "derby-health", Method::kRecordDecisionNotToShare, nullptr,
       grpc::StatusCode::INVALID_ARGUMENT, "decision.decided_at: required"},
      {"DecisionBeforeTheCaseOpened", "derby-health", Method::kRecordDecisionNotToShare, nullptr,
       grpc::StatusCode::INVALID_ARGUMENT, "decision.decided_at: before the case opened"},
      {"DecisionInTheFuture", "derby-health", Method::kRecordDecisionNotToShare, nullptr,
       grpc::StatusCode::INVALID_ARGUMENT, "decision.decided_at: in the future"},
      {"DecisionReviewDateNotADate", "derby-health", Method::kRecordDecisionNotToShare, nullptr,
       grpc::StatusCode::INVALID_ARGUMENT, "decision.review_date: not a date YYYY-MM-DD"},
      {"DecisionReviewedBeforeItWasMade", "derby-health", Method::kRecordDecisionNotToShare, nullptr,
       grpc::StatusCode::INVALID_ARGUMENT, "decision.review_date: before the day of decision.decided_at"},
      {"DecisionMissing", "derby-health", Method::kRecordDecisionNotToShare, R"(idempotency_key: "k" case_id: "$CASE")",
       grpc::StatusCode::INVALID_ARGUMENT, "decision: required"},
      {"DecisionWithoutCaseId", "derby-health", Method::kRecordDecisionNotToShare, nullptr,
       grpc::StatusCode::INVALID_ARGUMENT, "case_id: required"},
      {"DecisionOnUnknownCase", "derby-health", Method::kRecordDecisionNotToShare, nullptr,
       grpc::StatusCode::NOT_FOUND, "case_id: no case"},
      {"DecisionByAnAgencyNotInvolved", "derby-pru", Method::kRecordDecisionNotToShare, nullptr,
       grpc::StatusCode::NOT_FOUND, "is shared with you"},
      {"DecisionAmongCaseEvents", "derby-csc", Method::kRecordCaseEvents,
       R"(idempotency_key: "k" case_id: "$CASE" events { kind: EVENT_KIND_DECISION_NOT_TO_SHARE occurred_at { seconds: $NOW } })",
       grpc::StatusCode::INVALID_ARGUMENT, "events[0].kind: a decision not to share is recorded by RecordDecisionNotToShare"},
      {"GovernanceDecisionWithoutAgreement", "derby-health", Method::kRecordDecisionNotToShare, nullptr,
       grpc::StatusCode::INVALID_ARGUMENT, "governance.sharing_agreement_id: required for RecordDecisionNotToShare"},

      // --- Referrals.GetCase ---
      {"GetCaseWithoutId", "derby-csc", Method::kGetCase, "", grpc::StatusCode::INVALID_ARGUMENT,
       "case_id: required"},
      {"GetCaseNotInvolvedWith", "derby-pru", Method::kGetCase, R"(case_id: "$CASE")",
       grpc::StatusCode::NOT_FOUND, "is shared with you"},

      // --- Inbox ---
      {"AcknowledgeIdZero", "derby-pru", Method::kAcknowledge, "delivery_ids: 0",
       grpc::StatusCode::INVALID_ARGUMENT, "delivery_ids[0]: not a delivery id"},
      {"AcknowledgeNegativeSecondId", "derby-pru", Method::kAcknowledge, "delivery_ids: 1 delivery_ids: -5",
       grpc::StatusCode::INVALID_ARGUMENT, "delivery_ids[1]: not a delivery id"},
      {"AcknowledgeTooMany", "derby-pru", Method::kAcknowledge, nullptr,
       grpc::StatusCode::INVALID_ARGUMENT, "delivery_ids: 257 entries; at most 256"},
      {"SubscribeNegativeInFlight", "derby-pru", Method::kSubscribe, "max_in_flight: -1",
       grpc::StatusCode::INVALID_ARGUMENT, "max_in_flight"},

      // --- Oversight ---
      {"ActionsTokenTooLong", "derby-cpm", Method::kListOpenActions, nullptr,
       grpc::StatusCode::INVALID_ARGUMENT, "page_token: 1025 bytes; at most 1024"},
      {"ActionsNegativePageSize", "derby-cpm", Method::kListOpenActions, "page_size: -1",
       grpc::StatusCode::INVALID_ARGUMENT, "page_size"},
      {"ActionsOfAnUnknownOwnerRole", "derby-cpm", Method::kListOpenActions, "owner: 99",
       grpc::StatusCode::INVALID_ARGUMENT, "owner: 99 is not a value of PractitionerRole"},
      {"ActionsTokenOfTwoParts", "derby-cpm", Method::kListOpenActions, R"(page_token: "YXxi")",
       grpc::StatusCode::INVALID_ARGUMENT, "page_token"},
      // The shape of a token this hub issues (web-safe base64 of a|b|c), not one it issued.
      {"ActionsTokenOfThreeGarbageParts", "derby-cpm", Method::kListOpenActions, R"(page_token: "YXxifGM")",
       grpc::StatusCode::INVALID_ARGUMENT, "page_token: not a token this hub issued"},
      // A well-formed instant and case, and a rule id that is not ASCII ("r\u00e9gle").
      {"ActionsTokenWithANonAsciiRule", "derby-cpm", Method::kListOpenActions,
       R"(page_token: "MjAyNi0wMS0wMSAwMDowMDowMHwwYjlhOGUzYy0xZjJkLTRjNWItOWE3ZS0zZDJjMWIwYTlmOGV8csOpZ2xl")",
       grpc::StatusCode::INVALID_ARGUMENT, "page_token: not a token this hub issued"},
      // Directory's requests have no fields to get wrong.
  };
  return *rows;
}

// A decision not to share on $CASE, decided a minute before $NOW: each
// field as `changes` gives it (an empty text leaves it out), with an
// envelope unless the changes give one.
std::string DecisionRequest(const std::map<std::string, std::string>& changes) {
  const std::vector<std::pair<std::string, std::string>> fields = {
      {"withheld_information", R"(withheld_information: "the child's disclosures at the clinic")"},
      {"withheld_from", R"(withheld_from_agency_id: "derby-police")"},
      {"ground", "ground: WITHHOLDING_GROUND_MORE_DETRIMENTAL_TO_CHILD"},
      {"justification", R"(justification: "She would stop attending the only service she trusts.")"},
      {"decided_by", R"(decided_by: "A. Nurse")"},
      {"decided_by_role", "decided_by_role: PRACTITIONER_ROLE_PARTNER_PRACTITIONER"},
      {"decided_at", "decided_at { seconds: $BEFORE }"},
      {"review_date", ""},
  };
  std::string decision;
  for (const auto& [name, text] : fields) {
    auto changed = changes.find(name);
    absl::StrAppend(&decision, changed == changes.end() ? text : changed->second, " ");
  }
  auto case_id = changes.find("case_id");
  auto governance = changes.find("governance");
  return absl::StrCat(R"(idempotency_key: "k" )",
                      case_id == changes.end() ? R"(case_id: "$CASE")" : case_id->second, " decision { ", decision,
                      "} ", governance == changes.end() ? testing::kTestGovernanceText : governance->second);
}

// Requests too long to write inline in the table.
std::string RequestFor(const BadRequest& row) {
  const std::string name = row.name;
  const std::string unknown_case = absl::StrCat(R"(idempotency_key: "k" case_id: ")", kUnknownCase, "\"");
  if (name == "UnknownCase") return Cat({unknown_case, kConcern});
  if (name == "NoConcern") return Cat({R"(idempotency_key: "k")", kChild});
  if (name == "NoName") {
    return Cat({R"(idempotency_key: "k" new_child { child { date_of_birth: "2014-05-01" }})", kConcern});
  }
  if (name == "BadDateOfBirth") {
    return Cat({R"(idempotency_key: "k" new_child { details { family_name: "E" }
                   child { date_of_birth: "2014-02-30" open_plan: OPEN_PLAN_NONE }})", kConcern});
  }
  if (name == "NoHomeAuthority") {
    return Cat({R"(idempotency_key: "k" new_child { details { family_name: "E" }
                   child { date_of_birth: "2014-02-03" open_plan: OPEN_PLAN_NONE }})", kConcern});
  }
  if (name == "LookedAfterWithoutLacPlan") {
    return Cat({R"(idempotency_key: "k" new_child { details { family_name: "E" }
                   child { date_of_birth: "2014-02-03" open_plan: OPEN_PLAN_NONE looked_after: true
                           home_authority_code: "E06000015" }})", kConcern});
  }
  if (name == "ChildOfNoConcernToThisAuthority") {
    // Nottingham's child living in Nottingham: not this authority's to hold.
    return Cat({R"(idempotency_key: "k" new_child { details { family_name: "E" }
                   child { date_of_birth: "2014-02-03" open_plan: OPEN_PLAN_NONE
                           home_authority_code: "E06000018" placement_authority_code: "E06000018" }})",
                kConcern});
  }
  if (name == "NarrativeTooLong") {
    return Cat({R"(idempotency_key: "k")", kChild,
                absl::StrCat(R"(concern { indicated_level: RISK_LEVEL_LOW identified_at { seconds: 1780000000 } narrative: ")",
                             std::string(70000, 'x'), "\" }")});
  }
  if (name == "ReportUnknownCase") {
    return Cat({unknown_case, R"(report { narrative: "x" places { address: "a" } })"});
  }
  if (name == "AssessmentWithoutLevel") {
    return Cat({unknown_case, R"(assessment { assessed_at { seconds: 1780000000 } assessor_role: PRACTITIONER_ROLE_SOCIAL_WORKER })"});
  }
  if (name == "NoEvents") return unknown_case;
  if (name == "EventWithoutKind") return Cat({unknown_case, R"(events { occurred_at { seconds: 1780000000 } })"});
  if (name == "StepUpWithoutReason") return Cat({unknown_case, "referral { level: RISK_LEVEL_HIGH }"});
  if (name == "NotificationWithoutKind") return Cat({unknown_case, R"(notification { summary: "s" })"});
  if (name == "DeclineWithoutReason") {
    return absl::StrCat(R"(idempotency_key: "k" message_id: ")", kUnknownCase,
                        R"(" response { kind: RESPONSE_KIND_DECLINE })");
  }
  if (name == "RespondToAMessageNeverReceived") {
    return absl::StrCat(R"(idempotency_key: "k" message_id: ")", kUnknownCase,
                        R"(" response { kind: RESPONSE_KIND_ACKNOWLEDGE })");
  }
  if (name == "GetUnknownCase") return absl::StrCat(R"(case_id: ")", kUnknownCase, "\"");
  const std::string on_case = R"(idempotency_key: "k" case_id: "$CASE")";
  auto new_child = [](absl::string_view details, absl::string_view facts) {
    return absl::StrCat(R"(idempotency_key: "k" new_child { details { family_name: "E" )", details,
                        " } child { ", facts, " } } ", kConcern);
  };
  constexpr char kFacts[] = R"(date_of_birth: "2014-02-03" open_plan: OPEN_PLAN_NONE home_authority_code: "E06000015")";
  if (name == "KeyTooLong") return Cat({absl::StrCat(R"(idempotency_key: ")", std::string(129, 'k'), "\""), kChild, kConcern});
  if (name == "GivenNameTooLong") {
    return new_child(absl::StrCat(R"(given_name: ")", std::string(1025, 'g'), "\""), kFacts);
  }
  if (name == "AddressTooLong") return new_child(absl::StrCat(R"(address: ")", std::string(2000, 'a'), "\""), kFacts);
  if (name == "AgencyReferenceTooLong") {
    return new_child(absl::StrCat(R"(agency_reference: ")", std::string(1025, 'r'), "\""), kFacts);
  }
  constexpr char kLowAssessment[] =
      R"(level: RISK_LEVEL_LOW assessed_at { seconds: $NOW } assessor_role: PRACTITIONER_ROLE_SOCIAL_WORKER)";
  if (name == "ApprovalTeamManagerTooLong") {
    return Cat({on_case, absl::StrCat("assessment { ", kLowAssessment, R"( low_risk_approval { team_manager: ")",
                                      std::string(1025, 't'), "\" } }")});
  }
  if (name == "ApprovalRationaleTooLong") {
    return Cat({on_case, absl::StrCat("assessment { ", kLowAssessment,
                                      R"( low_risk_approval { team_manager: "t" rationale: ")",
                                      std::string(70000, 'r'), "\" } }")});
  }
  if (name == "EventMessageIdTooLong") {
    return Cat({on_case, absl::StrCat("events { kind: EVENT_KIND_IRO_NOTIFIED occurred_at { seconds: $NOW } message_id: \"",
                                      std::string(70000, 'm'), "\" }")});
  }
  if (name == "ActionsTokenTooLong") return absl::StrCat(R"(page_token: ")", std::string(1025, 'p'), "\"");
  if (name == "NoOpenPlan") return new_child("", R"(date_of_birth: "2014-02-03" home_authority_code: "E06000015")");
  if (name == "OpenPlanOutOfRange") {
    return new_child("", R"(date_of_birth: "2014-02-03" open_plan: 9 home_authority_code: "E06000015")");
  }
  if (name == "DateOfBirthNotZeroPadded") {
    return new_child("", R"(date_of_birth: "2014-2-3" open_plan: OPEN_PLAN_NONE home_authority_code: "E06000015")");
  }
  if (name == "NhsNumberWithAWrongCheckDigit") return new_child(R"(nhs_number: "9434765918")", kFacts);
  if (name == "NhsNumberOfNineDigits") return new_child(R"(nhs_number: "943 476 591")", kFacts);
  if (name == "NhsNumberWithHyphens") return new_child(R"(nhs_number: "943-476-5919")", kFacts);
  if (name == "HomeAuthorityInLowerCase") {
    return new_child("", R"(date_of_birth: "2014-02-03" open_plan: OPEN_PLAN_NONE home_authority_code: "e06000015")");
  }
  if (name == "PlacementAuthorityNotAnOnsCode") {
    return new_child("", absl::StrCat(kFacts, R"( placement_authority_code: "E0600001X")"));
  }
  if (name == "TooManyPlaces") {
    std::string places;
    for (int i = 0; i < 101; ++i) absl::StrAppend(&places, R"(places { address: "a" } )");
    return absl::StrCat(R"(idempotency_key: "k" report { narrative: "x" )", places, "}");
  }
  if (name == "TooManyEvents") {
    std::string events;
    for (int i = 0; i < 101; ++i) {
      absl::StrAppend(&events, "events { kind: EVENT_KIND_STRATEGY_DISCUSSION_HELD occurred_at { seconds: $NOW } } ");
    }
    return Cat({on_case, events});
  }
  if (name == "EventNoteTooLong") {
    return Cat({on_case, absl::StrCat("events { kind: EVENT_KIND_STRATEGY_DISCUSSION_HELD occurred_at { seconds: $NOW } note: \"",
                                      std::string(70000, 'n'), "\" }")});
  }
  if (name == "EventsOnUnknownCase") {
    return Cat({unknown_case, "events { kind: EVENT_KIND_STRATEGY_DISCUSSION_HELD occurred_at { seconds: $NOW } }"});
  }
  if (name == "StepUpOnUnknownCase") return Cat({unknown_case, R"(referral { level: RISK_LEVEL_HIGH reason: "r" })"});
  if (name == "NotificationOnUnknownCase") {
    return Cat({unknown_case, R"(notification { kind: NOTIFICATION_KIND_DUTY_CPM_ESCALATION summary: "s" })"});
  }
  if (name == "GovernanceConsentNoteTooLong") {
    return Cat({on_case, R"(concern { indicated_level: RISK_LEVEL_LOW narrative: "x" identified_at { seconds: $NOW } })",
                absl::StrCat(R"(governance { purpose: PURPOSE_SAFEGUARDING_CHILD article6_basis: ARTICLE6_BASIS_PUBLIC_TASK
                                article9_condition: ARTICLE9_CONDITION_SAFEGUARDING_CHILDREN
                                sharing_agreement_id: "derby-cre-isa-2026" consent: CONSENT_NOT_SOUGHT_OTHER
                                consent_note: ")",
                             std::string(1025, 'n'), "\" }")});
  }
  if (name == "DecisionWithoutReason") return DecisionRequest({{"justification", ""}});
  if (name == "DecisionReasonTooLong") {
    return DecisionRequest({{"justification", absl::StrCat(R"(justification: ")", std::string(8193, 'r'), "\"")}});
  }
  if (name == "DecisionWithoutWhatWasWithheld") return DecisionRequest({{"withheld_information", ""}});
  if (name == "DecisionWithheldInformationTooLong") {
    return DecisionRequest(
        {{"withheld_information", absl::StrCat(R"(withheld_information: ")", std::string(1025, 'm'), "\"")}});
  }
  if (name == "DecisionWithheldFromNobody") return DecisionRequest({{"withheld_from", ""}});
  if (name == "DecisionWithheldFromAMalformedAgency") {
    return DecisionRequest({{"withheld_from", R"(withheld_from_agency_id: "derby police")"}});
  }
  if (name == "DecisionWithheldFromAnUnknownAgency") {
    return DecisionRequest({{"withheld_from", R"(withheld_from_agency_id: "derby-nobody")"}});
  }
  if (name == "DecisionWithheldFromTheSenderItself") {
    return DecisionRequest({{"withheld_from", R"(withheld_from_agency_id: "derby-health")"}});
  }
  if (name == "DecisionWithheldFromARoleOutOfRange") return DecisionRequest({{"withheld_from", "withheld_from_role: 99"}});
  if (name == "DecisionWithoutGround") return DecisionRequest({{"ground", ""}});
  if (name == "DecisionGroundOutOfRange") return DecisionRequest({{"ground", "ground: 5"}});
  if (name == "DecisionByNobody") return DecisionRequest({{"decided_by", R"(decided_by: " ")"}});
  if (name == "DecisionWithoutTheDecidersRole") return DecisionRequest({{"decided_by_role", ""}});
  if (name == "DecisionWithoutItsTime") return DecisionRequest({{"decided_at", ""}});
  if (name == "DecisionBeforeTheCaseOpened") {
    return DecisionRequest({{"decided_at", "decided_at { seconds: 1000000000 }"}});
  }
  if (name == "DecisionInTheFuture") return DecisionRequest({{"decided_at", "decided_at { seconds: $LATER }"}});
  if (name == "DecisionReviewDateNotADate") return DecisionRequest({{"review_date", R"(review_date: "31/12/2026")"}});
  if (name == "DecisionReviewedBeforeItWasMade") {
    return DecisionRequest({{"review_date", R"(review_date: "2001-01-01")"}});
  }
  if (name == "DecisionWithoutCaseId") return DecisionRequest({{"case_id", ""}});
  if (name == "DecisionOnUnknownCase") {
    return DecisionRequest({{"case_id", absl::StrCat(R"(case_id: ")", kUnknownCase, "\"")}});
  }
  if (name == "DecisionByAnAgencyNotInvolved") return DecisionRequest({});
  if (name == "GovernanceDecisionWithoutAgreement") {
    return DecisionRequest(
        {{"governance", R"(governance { purpose: PURPOSE_SAFEGUARDING_CHILD article6_basis: ARTICLE6_BASIS_PUBLIC_TASK
                                        article9_condition: ARTICLE9_CONDITION_SAFEGUARDING_CHILDREN })"}});
  }
  if (name == "AcknowledgeTooMany") {
    std::string ids;
    for (int i = 1; i <= 257; ++i) absl::StrAppend(&ids, "delivery_ids: ", i, " ");
    return ids;
  }
  return row.request;
}

// A row's request with a good governance envelope if it is a submission
// that does not speak of one itself: what such a row tests is refused for
// its own sake, before the store or after it, not for want of an envelope.
std::string WithEnvelope(const BadRequest& row, std::string request) {
  const std::vector<Method>& governed = GovernedMethods();
  if (std::find(governed.begin(), governed.end(), row.method) == governed.end()) return request;
  if (absl::StrContains(request, "governance")) return request;
  return Cat({request, testing::kTestGovernanceText});
}

// A case opened now by derby-health (so involving derby-health and, the
// concern being MEDIUM, derby-csc, which received the concern): the rows that
// need a real case or message name it as $CASE and $MESSAGE; $NOW is the
// present, for times that must fall after the case opened.
struct OpenedCase {
  std::string case_id;
  std::string message_id;
};

OpenedCase OpenCase(const TestHub& hub) {
  auto context = Context();
  v1::SubmitResponse opened;
  auto request = Parse<v1::SubmitConcernRequest>(
      Cat({R"(idempotency_key: "open")", kChild, kConcern, testing::kTestGovernanceText}));
  *request.mutable_concern()->mutable_identified_at() =
      google::protobuf::util::TimeUtil::SecondsToTimestamp(absl::ToUnixSeconds(absl::Now()) - 60);
  grpc::Status status =
      v1::Referrals::NewStub(hub.ChannelFor("derby-health"))->SubmitConcern(context.get(), request, &opened);
  EXPECT_TRUE(status.ok()) << status.error_message();
  return {opened.case_id(), opened.message_id()};
}

TEST_F(RefusalsTest, TheTableCoversEveryServiceWithAtLeastFiftyRequests) {
  std::set<Method> methods;
  std::set<std::string> names;
  for (const BadRequest& row : BadRequests()) {
    methods.insert(row.method);
    EXPECT_TRUE(names.insert(row.name).second) << "two rows named " << row.name;
  }
  EXPECT_GE(BadRequests().size(), 50u);
  // Every method that takes a request with fields (Directory's take none).
  for (Method method : AllMethods()) {
    if (method == Method::kWhoAmI || method == Method::kListAgencies) continue;
    EXPECT_TRUE(methods.count(method)) << "no malformed request for " << MethodName(method);
  }
}

TEST_F(RefusalsTest, MalformedRequestsAreRefusedNamingTheFieldAndWriteNothing) {
  const OpenedCase opened = OpenCase(hub_);
  ASSERT_FALSE(opened.case_id.empty());
  const std::string now = absl::StrCat(absl::ToUnixSeconds(absl::Now()));
  const std::string before = WrittenRows();
  for (const BadRequest& row : BadRequests()) {
    // A key of its own for each row: a row the hub wrongly accepted must not
    // turn the next row's refusal into ALREADY_EXISTS.
    const std::string request = absl::StrReplaceAll(
        WithEnvelope(row, RequestFor(row)), {{"$CASE", opened.case_id},
                          {"$MESSAGE", opened.message_id},
                          {"$NOW", now},
                          {"$BEFORE", absl::StrCat(absl::ToUnixSeconds(absl::Now()) - 60)},
                          {"$LATER", absl::StrCat(absl::ToUnixSeconds(absl::Now()) + 3600)},
                          {R"(idempotency_key: "k")", absl::StrCat(R"(idempotency_key: ")", row.name, "\"")}});
    grpc::Status status = CallMethod(row.method, hub_.ChannelFor(row.agency), request);
    EXPECT_EQ(status.error_code(), row.code) << row.name << ": " << status.error_message();
    EXPECT_THAT(status.error_message(), HasSubstr(row.message)) << row.name;
    // No refusal echoes what was sent: the long values are made of one
    // repeated letter, never seen in a message.
    for (char letter : std::string("agkmnprtx")) {
      EXPECT_THAT(status.error_message(), Not(HasSubstr(std::string(8, letter)))) << row.name;
    }
  }
  EXPECT_EQ(WrittenRows(), before);

  // None of them broke the hub: a good call is still answered, on a fresh
  // connection and on the case.
  auto context = Context();
  v1::GetCaseResponse read;
  grpc::Status good = v1::Referrals::NewStub(hub_.ChannelFor("derby-health"))
                          ->GetCase(context.get(), Parse<v1::GetCaseRequest>(absl::StrCat(
                                                       R"(case_id: ")", opened.case_id, "\"")),
                                    &read);
  ASSERT_TRUE(good.ok()) << good.error_message();
  EXPECT_EQ(read.case_id(), opened.case_id);
  EXPECT_EQ(CallMethod(Method::kWhoAmI, hub_.ChannelFor("derby-csc")).error_code(), grpc::StatusCode::OK);
}

TEST_F(RefusalsTest, AnEventBeforeTheCaseOpenedIsRefusedAndNothingIsWritten) {
  // A case opened now, by CSC.
  auto context = Context();
  v1::SubmitResponse opened;
  auto request = Parse<v1::SubmitConcernRequest>(
      Cat({R"(idempotency_key: "open")", kChild, kConcern, testing::kTestGovernanceText}));
  *request.mutable_concern()->mutable_identified_at() =
      google::protobuf::util::TimeUtil::SecondsToTimestamp(absl::ToUnixSeconds(absl::Now()));
  ASSERT_TRUE(v1::Referrals::NewStub(hub_.ChannelFor("derby-csc"))
                  ->SubmitConcern(context.get(), request, &opened).ok());
  const std::string before = WrittenRows();
  grpc::Status status = CallMethod(
      Method::kRecordCaseEvents, hub_.ChannelFor("derby-csc"),
      absl::StrCat(R"(idempotency_key: "late" case_id: ")", opened.case_id(),
                   R"(" events { kind: EVENT_KIND_STRATEGY_DISCUSSION_HELD occurred_at { seconds: 1000000000 } } )",
                   testing::kTestGovernanceText));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("events[0].occurred_at"));
  EXPECT_EQ(WrittenRows(), before);
}

TEST_F(RefusalsTest, AnAgencyNotInvolvedWithACaseCannotWriteToIt) {
  auto context = Context();
  v1::SubmitResponse opened;
  ASSERT_TRUE(v1::Referrals::NewStub(hub_.ChannelFor("derby-health"))
                  ->SubmitConcern(context.get(),
                                  Parse<v1::SubmitConcernRequest>(
                                      Cat({R"(idempotency_key: "o")", kChild, kConcern, testing::kTestGovernanceText})),
                                  &opened).ok());
  const std::string before = WrittenRows();
  // Youth justice learns the id somehow; it still may not add to the case.
  grpc::Status status = CallMethod(
      Method::kSubmitOperationLibertyReport, hub_.ChannelFor("derby-youth-justice"),
      absl::StrCat(R"(idempotency_key: "x" case_id: ")", opened.case_id(),
                   R"(" report { narrative: "x" places { address: "a" } } )", testing::kTestGovernanceText));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(status.error_message(), absl::StrCat("case_id: no case ", opened.case_id(), " is shared with you"));
  EXPECT_EQ(WrittenRows(), before);
}

// Calls `method` (e.g. "/cre.v1.Inbox/Acknowledge") with `bytes` as its
// request, as they are: what a client with a broken or hostile encoder sends.
grpc::Status CallWithBytes(const Channel& channel, const std::string& method, const std::string& bytes) {
  grpc::GenericStub stub(channel);
  auto context = Context();
  grpc::Slice slice(bytes);
  const grpc::ByteBuffer request(&slice, 1);
  grpc::ByteBuffer response;
  std::promise<grpc::Status> done;
  stub.UnaryCall(context.get(), method, grpc::StubOptions(), &request, &response,
                 [&done](grpc::Status status) { done.set_value(std::move(status)); });
  return done.get_future().get();
}

// Serialized `text` (text format of Request) with "MARKER" made invalid UTF-8.
template <typename Request>
std::string NotUtf8(const std::string& text) {
  return absl::StrReplaceAll(Parse<Request>(text).SerializeAsString(), {{"MARKER", "\x80\xc0\xaf\xff\xfe!"}});
}

TEST_F(RefusalsTest, BadBytesAreRefusedNamingTheFieldAndWriteNothing) {
  const std::string before = WrittenRows();
  struct Row {
    const char* agency;
    const char* method;
    std::string bytes;
    const char* message;
  };
  const Row rows[] = {
      {"derby-health", "/cre.v1.Referrals/SubmitOperationLibertyReport",
       NotUtf8<v1::SubmitOperationLibertyReportRequest>(
           R"(idempotency_key: "bytes" report { places { address: "a" } narrative: "MARKER" })"),
       "report.narrative: not valid UTF-8"},
      {"derby-pru", "/cre.v1.Inbox/Acknowledge", std::string("\x0a\x05\x01\x02", 4),
       "request: not a valid cre.v1.AcknowledgeRequest message"},
      {"derby-cpm", "/cre.v1.Oversight/ListOpenActions",
       NotUtf8<v1::ListOpenActionsRequest>(R"(page_token: "MARKER")"), "page_token: not valid UTF-8"},
      {"derby-csc", "/cre.v1.Referrals/GetCase", std::string(12, '\xff'),
       "request: not a valid cre.v1.GetCaseRequest message"},
  };
  for (const Row& row : rows) {
    grpc::Status status = CallWithBytes(hub_.ChannelFor(row.agency), row.method, row.bytes);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << row.method << ": " << status.error_message();
    EXPECT_EQ(status.error_message(), row.message) << row.method;
  }
  EXPECT_EQ(WrittenRows(), before);
  // The role is still checked first: a school may not list open actions,
  // however its request is encoded.
  EXPECT_EQ(CallWithBytes(hub_.ChannelFor("derby-school-ashgrove"), "/cre.v1.Oversight/ListOpenActions",
                          std::string(12, '\xff'))
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

// A request's unknown fields are dropped before anything is stored or
// relayed: a report carrying 1 MiB the hub's protos do not declare reaches
// the PRU without it, and a new child's details with 70 KiB of them are
// stored (their column holds 64 KiB).
TEST_F(RefusalsTest, UnknownFieldsAreNeitherStoredNorRelayed) {
  InboxStream pru(hub_.ChannelFor("derby-pru"));
  auto report = Parse<v1::SubmitOperationLibertyReportRequest>(
      Cat({R"(idempotency_key: "unknown-1" report { places { address: "a" } narrative: "n" })",
           testing::kTestGovernanceText}));
  report.GetReflection()->MutableUnknownFields(&report)->AddLengthDelimited(900, std::string(1 << 20, 'u'));
  report.mutable_report()->GetReflection()->MutableUnknownFields(report.mutable_report())
      ->AddLengthDelimited(900, std::string(1 << 20, 'u'));
  auto context = Context();
  v1::SubmitResponse submitted;
  grpc::Status status = v1::Referrals::NewStub(hub_.ChannelFor("derby-health"))
                            ->SubmitOperationLibertyReport(context.get(), report, &submitted);
  ASSERT_TRUE(status.ok()) << status.error_message();
  absl::optional<v1::RoutedMessage> relayed = pru.Next();
  ASSERT_TRUE(relayed.has_value());
  EXPECT_EQ(relayed->message_id(), submitted.message_id());
  EXPECT_LT(relayed->ByteSizeLong(), 1000u);
  EXPECT_TRUE(relayed->GetReflection()->GetUnknownFields(*relayed).empty());
  const v1::OperationLibertyReport& relayed_report = relayed->operation_liberty_report();
  EXPECT_TRUE(relayed_report.GetReflection()->GetUnknownFields(relayed_report).empty());

  auto concern = Parse<v1::SubmitConcernRequest>(
      Cat({R"(idempotency_key: "unknown-2")", kChild, kConcern, testing::kTestGovernanceText}));
  v1::ChildDetails* details = concern.mutable_new_child()->mutable_details();
  details->GetReflection()->MutableUnknownFields(details)->AddLengthDelimited(900, std::string(70000, 'u'));
  auto opening = Context();
  v1::SubmitResponse opened;
  status = v1::Referrals::NewStub(hub_.ChannelFor("derby-health"))->SubmitConcern(opening.get(), concern, &opened);
  ASSERT_TRUE(status.ok()) << status.error_message();
  auto reading = Context();
  v1::GetCaseResponse read;
  status = v1::Referrals::NewStub(hub_.ChannelFor("derby-health"))
               ->GetCase(reading.get(), Parse<v1::GetCaseRequest>(absl::StrCat(R"(case_id: ")", opened.case_id(), "\"")),
                         &read);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(read.child_details().family_name(), "Example");
  EXPECT_TRUE(read.child_details().GetReflection()->GetUnknownFields(read.child_details()).empty());
}

}  // namespace
}  // namespace cre
