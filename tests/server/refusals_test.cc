// What the hub refuses, and that a refusal writes nothing: every method
// called by every role that may not call it, and a table of malformed
// requests across the services.
#include <functional>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "cre/v1/directory.grpc.pb.h"
#include "cre/v1/inbox.grpc.pb.h"
#include "cre/v1/oversight.grpc.pb.h"
#include "cre/v1/referrals.grpc.pb.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/time_util.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "routing/authorization.h"
#include "support/inbox_stream.h"
#include "support/test_hub.h"

namespace cre {
namespace {

using ::cre::testing::InboxStream;
using ::cre::testing::TestHub;
using ::testing::HasSubstr;

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
        " (SELECT COUNT(*) FROM involvement), (SELECT COUNT(*) FROM idempotency))");
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
  };
  return *rows;
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
  return row.request;
}

TEST_F(RefusalsTest, MalformedRequestsAreRefusedNamingTheFieldAndWriteNothing) {
  const std::string before = WrittenRows();
  for (const BadRequest& row : BadRequests()) {
    grpc::Status status = CallMethod(row.method, hub_.ChannelFor(row.agency), RequestFor(row));
    EXPECT_EQ(status.error_code(), row.code) << row.name << ": " << status.error_message();
    EXPECT_THAT(status.error_message(), HasSubstr(row.message)) << row.name;
  }
  EXPECT_EQ(WrittenRows(), before);
}

TEST_F(RefusalsTest, AnEventBeforeTheCaseOpenedIsRefusedAndNothingIsWritten) {
  // A case opened now, by CSC.
  auto context = Context();
  v1::SubmitResponse opened;
  auto request = Parse<v1::SubmitConcernRequest>(Cat({R"(idempotency_key: "open")", kChild, kConcern}));
  *request.mutable_concern()->mutable_identified_at() =
      google::protobuf::util::TimeUtil::SecondsToTimestamp(absl::ToUnixSeconds(absl::Now()));
  ASSERT_TRUE(v1::Referrals::NewStub(hub_.ChannelFor("derby-csc"))
                  ->SubmitConcern(context.get(), request, &opened).ok());
  const std::string before = WrittenRows();
  grpc::Status status = CallMethod(
      Method::kRecordCaseEvents, hub_.ChannelFor("derby-csc"),
      absl::StrCat(R"(idempotency_key: "late" case_id: ")", opened.case_id(),
                   R"(" events { kind: EVENT_KIND_STRATEGY_DISCUSSION_HELD occurred_at { seconds: 1000000000 } })"));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("events[0].occurred_at"));
  EXPECT_EQ(WrittenRows(), before);
}

TEST_F(RefusalsTest, AnAgencyNotInvolvedWithACaseCannotWriteToIt) {
  auto context = Context();
  v1::SubmitResponse opened;
  ASSERT_TRUE(v1::Referrals::NewStub(hub_.ChannelFor("derby-health"))
                  ->SubmitConcern(context.get(),
                                  Parse<v1::SubmitConcernRequest>(Cat({R"(idempotency_key: "o")", kChild, kConcern})),
                                  &opened).ok());
  const std::string before = WrittenRows();
  // Youth justice learns the id somehow; it still may not add to the case.
  grpc::Status status = CallMethod(
      Method::kSubmitOperationLibertyReport, hub_.ChannelFor("derby-youth-justice"),
      absl::StrCat(R"(idempotency_key: "x" case_id: ")", opened.case_id(),
                   R"(" report { narrative: "x" places { address: "a" } })"));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(status.error_message(), HasSubstr("not involved"));
  EXPECT_EQ(WrittenRows(), before);
}

}  // namespace
}  // namespace cre
