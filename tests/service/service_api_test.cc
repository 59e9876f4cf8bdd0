// The service API without gRPC: what a second transport (the console) gets
// when it calls the same API. The same rate limits, role checks, request
// checks, case access and refusal record as over gRPC, on a real MariaDB
// store.
#include "service/service_api.h"

#include <future>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "access/authorization.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "store/mysql/mysql_store.h"
#include "support/fake_clock.h"
#include "support/test_database.h"
#include "support/test_environment.h"
#include "support/test_hub.h"

namespace cre {
namespace {

using ::testing::HasSubstr;

template <typename Request>
Request Parse(const std::string& text) {
  Request request;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &request)) << text;
  return request;
}

// The refusals the API sent to the audit chain.
class AuditRecords {
 public:
  AuditSink Sink() {
    return [this](v1::AuditRecord record) {
      absl::MutexLock lock(&mu_);
      records_.push_back(std::move(record));
    };
  }
  std::vector<v1::AuditRecord> Take() {
    absl::MutexLock lock(&mu_);
    return std::move(records_);
  }

 private:
  absl::Mutex mu_;
  std::vector<v1::AuditRecord> records_;
};

class ServiceApiTest : public ::testing::Test {
 protected:
  using Adjust = std::function<void(v1::HubConfig&)>;

  void Build(const Adjust& adjust = nullptr) {
    config_ = testing::TestHubConfig(db_);
    if (adjust) adjust(config_);
    absl::StatusOr<AgencyRegistry> registry = AgencyRegistry::Create(config_.agency_registry());
    ASSERT_TRUE(registry.ok()) << registry.status();
    registry_ = std::make_shared<const AgencyRegistry>(*std::move(registry));
    store_ = std::make_shared<mysql::MysqlStore>(db_.settings(), 4, testing::TestCipher());
    ASSERT_TRUE(store_->SyncAgencies(registry_->agencies()).ok());
    dispatcher_ = std::make_shared<DeliveryDispatcher>(store_, DeliveryPolicy(), absl::Seconds(1), clock_);
    absl::StatusOr<ServiceApi> api =
        ServiceApi::Create(config_, registry_, store_, dispatcher_, clock_, audit_.Sink());
    ASSERT_TRUE(api.ok()) << api.status();
    api_ = std::make_unique<ServiceApi>(*std::move(api));
  }

  CallContext As(const std::string& agency_id) {
    const v1::Agency* agency = registry_->FindById(agency_id);
    EXPECT_NE(agency, nullptr) << agency_id;
    return CallContext{agency == nullptr ? v1::Agency() : *agency, "test", ""};
  }

  // Calls `method` as `agency_id` with `request_text` (its request in text
  // format) and waits for the answer.
  absl::Status Call(const std::string& agency_id, Method method, const std::string& request_text = "",
                    google::protobuf::Message* response_out = nullptr) {
    const CallContext call = As(agency_id);
    std::promise<absl::Status> answered;
    Done done = [&answered](const absl::Status& status) { answered.set_value(status); };
    v1::SubmitResponse submitted;
    v1::GetCaseResponse read;
    v1::AcknowledgeResponse acked;
    v1::ListOpenActionsResponse actions;
    v1::ListRecordAccessesResponse accesses;
    v1::WhoAmIResponse who;
    v1::ListAgenciesResponse agencies;
    google::protobuf::Message* response = &submitted;
    // Each request lives until the answer: the API's contract.
    v1::SubmitConcernRequest concern;
    v1::SubmitOperationLibertyReportRequest report;
    v1::RecordRiskAssessmentRequest assessment;
    v1::RecordCaseEventsRequest events;
    v1::SubmitStepUpReferralRequest step_up;
    v1::SendNotificationRequest notification;
    v1::RespondRequest respond;
    v1::RecordDecisionNotToShareRequest decision;
    v1::GetCaseRequest get_case;
    v1::AcknowledgeRequest ack;
    v1::ListOpenActionsRequest list;
    v1::ListRecordAccessesRequest list_accesses;
    switch (method) {
      case Method::kWhoAmI:
        response = &who;
        api_->directory->WhoAmI(call, {}, &who, done);
        break;
      case Method::kListAgencies:
        response = &agencies;
        api_->directory->ListAgencies(call, {}, &agencies, done);
        break;
      case Method::kSubmitConcern:
        concern = Parse<v1::SubmitConcernRequest>(request_text);
        api_->referrals->SubmitConcern(call, concern, &submitted, done);
        break;
      case Method::kSubmitOperationLibertyReport:
        report = Parse<v1::SubmitOperationLibertyReportRequest>(request_text);
        api_->referrals->SubmitOperationLibertyReport(call, report, &submitted, done);
        break;
      case Method::kRecordRiskAssessment:
        assessment = Parse<v1::RecordRiskAssessmentRequest>(request_text);
        api_->referrals->RecordRiskAssessment(call, assessment, &submitted, done);
        break;
      case Method::kRecordCaseEvents:
        events = Parse<v1::RecordCaseEventsRequest>(request_text);
        api_->referrals->RecordCaseEvents(call, events, &submitted, done);
        break;
      case Method::kSubmitStepUpReferral:
        step_up = Parse<v1::SubmitStepUpReferralRequest>(request_text);
        api_->referrals->SubmitStepUpReferral(call, step_up, &submitted, done);
        break;
      case Method::kSendNotification:
        notification = Parse<v1::SendNotificationRequest>(request_text);
        api_->referrals->SendNotification(call, notification, &submitted, done);
        break;
      case Method::kRecordDecisionNotToShare:
        decision = Parse<v1::RecordDecisionNotToShareRequest>(request_text);
        api_->referrals->RecordDecisionNotToShare(call, decision, &submitted, done);
        break;
      case Method::kRespond:
        respond = Parse<v1::RespondRequest>(request_text);
        api_->referrals->Respond(call, respond, &submitted, done);
        break;
      case Method::kGetCase:
        response = &read;
        get_case = Parse<v1::GetCaseRequest>(request_text);
        api_->referrals->GetCase(call, get_case, &read, done);
        break;
      case Method::kSubscribe: {
        absl::StatusOr<AdmittedStream> admitted =
            api_->inbox->Subscribe(call, Parse<v1::SubscribeRequest>(request_text));
        done(admitted.status());
        break;
      }
      case Method::kAcknowledge:
        response = &acked;
        ack = Parse<v1::AcknowledgeRequest>(request_text);
        api_->inbox->Acknowledge(call, ack, &acked, done);
        break;
      case Method::kListOpenActions:
        response = &actions;
        list = Parse<v1::ListOpenActionsRequest>(request_text);
        api_->oversight->ListOpenActions(call, list, &actions, done);
        break;
      case Method::kListRecordAccesses:
        response = &accesses;
        list_accesses = Parse<v1::ListRecordAccessesRequest>(request_text);
        api_->oversight->ListRecordAccesses(call, list_accesses, &accesses, done);
        break;
    }
    std::future<absl::Status> answer = answered.get_future();
    if (answer.wait_for(std::chrono::seconds(20)) != std::future_status::ready) {
      ADD_FAILURE() << MethodName(method) << " was never answered";
      return absl::DeadlineExceededError("no answer");
    }
    const absl::Status status = answer.get();
    if (status.ok() && response_out != nullptr) response_out->CopyFrom(*response);
    return status;
  }

  testing::TestDatabase db_;
  testing::FakeClock clock_;
  AuditRecords audit_;
  v1::HubConfig config_;
  std::shared_ptr<const AgencyRegistry> registry_;
  std::shared_ptr<Store> store_;
  std::shared_ptr<DeliveryDispatcher> dispatcher_;
  std::unique_ptr<ServiceApi> api_;
};

constexpr char kNewChildConcern[] =
    R"(idempotency_key: "open"
       new_child { details { family_name: "Example" }
                   child { date_of_birth: "2014-05-01" open_plan: OPEN_PLAN_NONE home_authority_code: "E06000015" } }
       concern { indicated_level: RISK_LEVEL_MEDIUM narrative: "x" identified_at { seconds: $T } }
       governance { purpose: PURPOSE_SAFEGUARDING_CHILD article6_basis: ARTICLE6_BASIS_PUBLIC_TASK
                    article9_condition: ARTICLE9_CONDITION_SAFEGUARDING_CHILDREN
                    sharing_agreement_id: "derby-cre-isa-2026" consent: CONSENT_GIVEN })";

std::string At(absl::string_view text, absl::Time t) {
  std::string out(text);
  const std::string seconds = absl::StrCat(absl::ToUnixSeconds(t));
  out.replace(out.find("$T"), 2, seconds);
  return out;
}

TEST_F(ServiceApiTest, EveryMethodRefusesEveryRoleTheTableDoesNotAllowAndRecordsIt) {
  Build();
  int refused = 0;
  for (const v1::Agency& agency : config_.agency_registry().agencies()) {
    for (Method method : AllMethods()) {
      if (RoleMayCall(agency.role(), method)) continue;
      const absl::Status status = Call(agency.id(), method);
      EXPECT_EQ(status.code(), absl::StatusCode::kPermissionDenied) << agency.id() << " " << MethodName(method);
      EXPECT_THAT(status.message(), HasSubstr(MethodName(method)));
      ++refused;
    }
  }
  ASSERT_GT(refused, 0);
  // One CALL_REFUSED record each, naming who, what and why.
  const std::vector<v1::AuditRecord> records = audit_.Take();
  ASSERT_EQ(records.size(), static_cast<size_t>(refused));
  const v1::AuditRecord& first = records.front();
  EXPECT_EQ(first.kind(), v1::AUDIT_EVENT_KIND_CALL_REFUSED);
  EXPECT_EQ(first.status_code(), "PERMISSION_DENIED");
  EXPECT_FALSE(first.actor_agency_id().empty());
  EXPECT_THAT(first.method(), ::testing::StartsWith("/cre.v1."));
  EXPECT_THAT(first.detail(), HasSubstr("may not call"));
}

TEST_F(ServiceApiTest, TheRoleIsCheckedBeforeTheRequestAndARequestNoTransportCouldReadIsRefusedAfterBoth) {
  Build();
  // A school may not list open actions, however malformed its request.
  EXPECT_EQ(Call("derby-school-ashgrove", Method::kListOpenActions, "page_size: 100000").code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(Call("derby-cpm", Method::kListOpenActions, "page_size: 100000").code(),
            absl::StatusCode::kInvalidArgument);

  const absl::Status unreadable = absl::InvalidArgumentError("request: not a valid cre.v1.ListOpenActionsRequest");
  absl::Status answered;
  api_->gate->RefuseUnreadable(As("derby-school-ashgrove"), Method::kListOpenActions, unreadable,
                               [&answered](const absl::Status& status) { answered = status; });
  EXPECT_EQ(answered.code(), absl::StatusCode::kPermissionDenied);
  api_->gate->RefuseUnreadable(As("derby-cpm"), Method::kListOpenActions, unreadable,
                               [&answered](const absl::Status& status) { answered = status; });
  EXPECT_EQ(answered, unreadable);
  EXPECT_EQ(api_->inbox->RefuseUnreadableSubscribe(As("derby-pru"), unreadable), unreadable);
  EXPECT_EQ(audit_.Take().size(), 5u);
}

TEST_F(ServiceApiTest, ASubmissionAndACaseReadGoThroughTheStoreAndACaseNotSharedIsNotFound) {
  Build();
  v1::SubmitResponse opened;
  ASSERT_TRUE(Call("derby-health", Method::kSubmitConcern, At(kNewChildConcern, clock_.Now() - absl::Minutes(1)),
                   &opened)
                  .ok());
  ASSERT_FALSE(opened.case_id().empty());
  EXPECT_TRUE(audit_.Take().empty()) << "an accepted call is not a refusal";

  v1::GetCaseResponse read;
  const std::string get = absl::StrCat(R"(case_id: ")", opened.case_id(), "\"");
  ASSERT_TRUE(Call("derby-health", Method::kGetCase, get, &read).ok());
  EXPECT_EQ(read.case_id(), opened.case_id());
  EXPECT_EQ(google::protobuf::util::TimeUtil::TimestampToMicroseconds(read.pathway().evaluated_at()),
            absl::ToUnixMicros(clock_.Now()))
      << "the pathway, at the API's clock";

  // Youth justice is not involved: the same words as for a case that does
  // not exist, and the refusal recorded.
  const absl::Status outsider = Call("derby-youth-justice", Method::kGetCase, get);
  EXPECT_EQ(outsider.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(outsider.message(), absl::StrCat("case_id: no case ", opened.case_id(), " is shared with you"));
  const std::vector<v1::AuditRecord> records = audit_.Take();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].actor_agency_id(), "derby-youth-justice");
  EXPECT_EQ(records[0].method(), "/cre.v1.Referrals/GetCase");
  EXPECT_EQ(records[0].status_code(), "NOT_FOUND");

  // The same key again, with another request: refused by the store.
  const absl::Status reused = Call("derby-health", Method::kSubmitConcern,
                                   At(kNewChildConcern, clock_.Now() - absl::Minutes(2)));
  EXPECT_EQ(reused.code(), absl::StatusCode::kAlreadyExists) << reused;
}

TEST_F(ServiceApiTest, TheRateLimitComesBeforeEverythingAndAFloodLeavesOneRecord) {
  Build([](v1::HubConfig& config) {
    v1::RateLimit* submissions = config.mutable_rate_limit()->mutable_submissions();
    submissions->set_per_second(0.01);
    submissions->set_burst(2);
  });
  // Two malformed submissions use the burst; the next ones are refused for
  // the rate before their requests are looked at.
  EXPECT_EQ(Call("derby-health", Method::kSubmitConcern).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Call("derby-health", Method::kSubmitConcern).code(), absl::StatusCode::kInvalidArgument);
  for (int i = 0; i < 5; ++i) {
    const absl::Status limited = Call("derby-health", Method::kSubmitConcern);
    EXPECT_EQ(limited.code(), absl::StatusCode::kResourceExhausted);
    EXPECT_THAT(limited.message(), HasSubstr("rate limit: derby-health may make"));
  }
  // Another class, and another agency, keep their buckets.
  EXPECT_TRUE(Call("derby-health", Method::kWhoAmI).ok());
  EXPECT_EQ(Call("derby-csc", Method::kSubmitConcern).code(), absl::StatusCode::kInvalidArgument);

  int rate_records = 0;
  for (const v1::AuditRecord& record : audit_.Take()) {
    if (record.status_code() == "RESOURCE_EXHAUSTED") ++rate_records;
  }
  EXPECT_EQ(rate_records, 1) << "the first refusal of the second is recorded, the rest counted";
}

TEST_F(ServiceApiTest, AnAdmittedStreamCountsAgainstItsAgencysCapUntilItEnds) {
  Build([](v1::HubConfig& config) { config.mutable_rate_limit()->set_max_open_streams(1); });
  absl::StatusOr<AdmittedStream> first = api_->inbox->Subscribe(As("derby-pru"), {});
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->agency_id, "derby-pru");
  EXPECT_EQ(first->max_in_flight, kDefaultMaxInFlight);

  absl::StatusOr<AdmittedStream> second = api_->inbox->Subscribe(As("derby-pru"), {});
  EXPECT_EQ(second.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(second.status().message(), HasSubstr("stream limit"));

  first->counted.reset();  // the stream ended
  absl::StatusOr<AdmittedStream> third = api_->inbox->Subscribe(As("derby-pru"), Parse<v1::SubscribeRequest>("max_in_flight: 4"));
  ASSERT_TRUE(third.ok()) << third.status();
  EXPECT_EQ(third->max_in_flight, 4);
}

}  // namespace
}  // namespace cre
