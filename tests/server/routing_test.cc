// Durable routing end to end: real agencies' certificates, a real hub over
// mTLS, the real MariaDB. Each test gets a hub on a fresh schema. CTest runs
// the cases twice: routing_test on the single server, routing_cluster_test
// on the three-node Galera cluster.
#include <memory>
#include <set>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "cre/v1/referrals.grpc.pb.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/time_util.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "support/inbox_stream.h"
#include "support/test_governance.h"
#include "support/test_hub.h"

namespace cre {
namespace {

using ::cre::testing::Acknowledge;
using ::cre::testing::InboxStream;
using ::cre::testing::TestHub;
using ::google::protobuf::util::TimeUtil;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

google::protobuf::Timestamp HoursAgo(int hours) {
  return TimeUtil::SecondsToTimestamp(absl::ToUnixSeconds(absl::Now() - absl::Hours(hours)));
}

v1::NewChild Child(const std::string& home, const std::string& placement, v1::OpenPlan plan) {
  v1::NewChild child;
  child.mutable_details()->set_given_name("Alex");
  child.mutable_details()->set_family_name("Example");
  child.mutable_details()->set_address("1 Example Street, Derby");
  child.mutable_child()->set_date_of_birth("2014-05-01");
  child.mutable_child()->set_open_plan(plan);
  child.mutable_child()->set_looked_after(plan == v1::OPEN_PLAN_LOOKED_AFTER);
  child.mutable_child()->set_home_authority_code(home);
  child.mutable_child()->set_placement_authority_code(placement);
  return child;
}

v1::SubmitConcernRequest NewChildConcern(const std::string& key, v1::RiskLevel level,
                                         v1::NewChild child = Child("E06000015", "E06000015", v1::OPEN_PLAN_NONE)) {
  v1::SubmitConcernRequest request;
  request.set_idempotency_key(key);
  *request.mutable_governance() = testing::TestGovernance();
  *request.mutable_new_child() = std::move(child);
  request.mutable_concern()->set_indicated_level(level);
  request.mutable_concern()->set_narrative("Seen getting into cars with older men after school.");
  *request.mutable_concern()->mutable_identified_at() = HoursAgo(2);
  return request;
}

v1::SubmitOperationLibertyReportRequest Report(const std::string& key, const std::string& case_id) {
  v1::SubmitOperationLibertyReportRequest request;
  request.set_idempotency_key(key);
  *request.mutable_governance() = testing::TestGovernance();
  request.set_case_id(case_id);
  request.mutable_report()->add_vehicles()->set_registration("AB12 CDE");
  request.mutable_report()->add_places()->set_address("Car park behind the Eagle Centre");
  request.mutable_report()->set_narrative("Silver hatchback collects children at 15:30.");
  return request;
}

class RoutingTest : public ::testing::Test {
 protected:
  std::shared_ptr<grpc::Channel> As(const std::string& agency) { return hub_.ChannelFor(agency); }
  std::unique_ptr<v1::Referrals::Stub> Referrals(const std::string& agency) {
    return v1::Referrals::NewStub(As(agency));
  }

  // Calls `method` on the Referrals stub as `agency`; returns the status.
  template <typename Request, typename Response>
  grpc::Status Call(const std::string& agency,
                    grpc::Status (v1::Referrals::Stub::*method)(grpc::ClientContext*, const Request&, Response*),
                    const Request& request, Response* response) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
    auto stub = Referrals(agency);
    return ((*stub).*method)(&context, request, response);
  }

  v1::SubmitResponse Submit(const std::string& agency, const v1::SubmitConcernRequest& request) {
    v1::SubmitResponse response;
    grpc::Status status = Call(agency, &v1::Referrals::Stub::SubmitConcern, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_code() << " " << status.error_message();
    return response;
  }

  // Receives the next message for `stream` and acknowledges it as `agency`.
  v1::RoutedMessage ReceiveAndAck(InboxStream& stream, const std::string& agency) {
    absl::optional<v1::RoutedMessage> message = stream.Next();
    EXPECT_TRUE(message.has_value()) << agency << " received nothing";
    if (!message) return {};
    EXPECT_TRUE(Acknowledge(As(agency), {message->delivery_id()}).ok());
    return *message;
  }

  TestHub hub_;
};

TEST_F(RoutingTest, MediumConcernGoesToChildrensSocialCareWithTheChild) {
  InboxStream csc(As("derby-csc"));
  v1::SubmitResponse receipt =
      Submit("derby-school-ashgrove", NewChildConcern("concern-1", v1::RISK_LEVEL_MEDIUM));
  EXPECT_THAT(receipt.recipient_agency_ids(), ElementsAre("derby-csc"));
  EXPECT_FALSE(receipt.case_id().empty());

  v1::RoutedMessage message = ReceiveAndAck(csc, "derby-csc");
  EXPECT_EQ(message.kind(), v1::MESSAGE_KIND_CONCERN);
  EXPECT_EQ(message.message_id(), receipt.message_id());
  EXPECT_EQ(message.sender_agency_id(), "derby-school-ashgrove");
  EXPECT_EQ(message.case_id(), receipt.case_id());
  EXPECT_EQ(message.child_details().family_name(), "Example");
  EXPECT_EQ(message.concern().indicated_level(), v1::RISK_LEVEL_MEDIUM);
  EXPECT_EQ(message.redelivery_count(), 0);
}

TEST_F(RoutingTest, LowConcernIsRecordedButRoutedToNobody) {
  v1::SubmitResponse receipt = Submit("derby-health", NewChildConcern("low-1", v1::RISK_LEVEL_LOW));
  EXPECT_THAT(receipt.recipient_agency_ids(), IsEmpty());
  v1::GetCaseRequest get;
  get.set_case_id(receipt.case_id());
  v1::GetCaseResponse read;
  ASSERT_TRUE(Call("derby-health", &v1::Referrals::Stub::GetCase, get, &read).ok());
  EXPECT_EQ(read.messages_size(), 1);
}

TEST_F(RoutingTest, OperationLibertyReportGoesToPruAndInvolvedAgenciesOnly) {
  InboxStream pru(As("derby-pru"));
  InboxStream csc(As("derby-csc"));
  InboxStream police(As("derby-police"));
  v1::SubmitResponse concern =
      Submit("derby-school-ashgrove", NewChildConcern("c", v1::RISK_LEVEL_HIGH));
  ReceiveAndAck(csc, "derby-csc");  // the concern; CSC is now involved

  v1::SubmitResponse receipt;
  ASSERT_TRUE(Call("derby-school-ashgrove", &v1::Referrals::Stub::SubmitOperationLibertyReport,
                   Report("olr-1", concern.case_id()), &receipt).ok());
  EXPECT_THAT(receipt.recipient_agency_ids(), ElementsAre("derby-csc", "derby-pru"));

  v1::RoutedMessage at_pru = ReceiveAndAck(pru, "derby-pru");
  EXPECT_EQ(at_pru.kind(), v1::MESSAGE_KIND_OPERATION_LIBERTY_REPORT);
  EXPECT_EQ(at_pru.operation_liberty_report().vehicles(0).registration(), "AB12 CDE");
  EXPECT_EQ(ReceiveAndAck(csc, "derby-csc").message_id(), receipt.message_id());
  // Neighbourhood policing is not involved with this child.
  EXPECT_FALSE(police.Next(absl::Milliseconds(500)).has_value());
}

TEST_F(RoutingTest, ReportWithoutALinkedChildGoesToThePru) {
  InboxStream pru(As("derby-pru"));
  v1::SubmitResponse receipt;
  ASSERT_TRUE(Call("derby-health", &v1::Referrals::Stub::SubmitOperationLibertyReport,
                   Report("olr-nochild", ""), &receipt).ok());
  EXPECT_THAT(receipt.recipient_agency_ids(), ElementsAre("derby-pru"));
  v1::RoutedMessage message = ReceiveAndAck(pru, "derby-pru");
  EXPECT_TRUE(message.case_id().empty());
  EXPECT_FALSE(message.has_child_details());
}

TEST_F(RoutingTest, CaseReadShowsOnlyWhatTheReaderSentOrReceived) {
  InboxStream csc(As("derby-csc"));
  v1::SubmitResponse concern = Submit("derby-school-ashgrove",
                                      NewChildConcern("c", v1::RISK_LEVEL_HIGH,
                                                      Child("E06000015", "E06000015", v1::OPEN_PLAN_LOOKED_AFTER)));
  ReceiveAndAck(csc, "derby-csc");
  // CSC tells the IRO: police-style intelligence the school was not sent.
  v1::SendNotificationRequest notify;
  notify.set_idempotency_key("iro-1");
  *notify.mutable_governance() = testing::TestGovernance();
  notify.set_case_id(concern.case_id());
  notify.mutable_notification()->set_kind(v1::NOTIFICATION_KIND_IRO);
  notify.mutable_notification()->set_summary("Emerging concern: HIGH risk of CCE.");
  v1::SubmitResponse iro;
  ASSERT_TRUE(Call("derby-csc", &v1::Referrals::Stub::SendNotification, notify, &iro).ok());
  EXPECT_THAT(iro.recipient_agency_ids(), ElementsAre("derby-iro"));

  v1::GetCaseRequest get;
  get.set_case_id(concern.case_id());
  v1::GetCaseResponse school_view, csc_view;
  ASSERT_TRUE(Call("derby-school-ashgrove", &v1::Referrals::Stub::GetCase, get, &school_view).ok());
  ASSERT_TRUE(Call("derby-csc", &v1::Referrals::Stub::GetCase, get, &csc_view).ok());
  EXPECT_EQ(school_view.messages_size(), 1);  // its own concern only
  EXPECT_EQ(csc_view.messages_size(), 2);
  EXPECT_EQ(school_view.child_details().given_name(), "Alex");
  // The pathway comes with the case (no actions yet: no toolkit assessment).
  EXPECT_EQ(school_view.pathway().case_id(), concern.case_id());

  v1::GetCaseResponse police_view;
  EXPECT_EQ(Call("derby-police", &v1::Referrals::Stub::GetCase, get, &police_view).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

// Another authority's looked-after child placed here has an IRO appointed by
// its home authority: CSC's IRO notification goes there, not to this
// authority's IRO service (policy iro_for_child_of_another_authority).
TEST_F(RoutingTest, IroNotificationAboutAnotherAuthoritysChildGoesToItsHomeAuthority) {
  InboxStream home(As("derbyshire-cc"));
  v1::SubmitResponse opened = Submit(
      "derby-csc", NewChildConcern("placed-in-lac", v1::RISK_LEVEL_LOW,
                                   Child("E10000007", "E06000015", v1::OPEN_PLAN_LOOKED_AFTER)));
  v1::SendNotificationRequest notify;
  notify.set_idempotency_key("iro-home");
  *notify.mutable_governance() = testing::TestGovernance();
  notify.set_case_id(opened.case_id());
  notify.mutable_notification()->set_kind(v1::NOTIFICATION_KIND_IRO);
  notify.mutable_notification()->set_summary("Emerging concern: for the child's IRO.");
  v1::SubmitResponse sent;
  ASSERT_TRUE(Call("derby-csc", &v1::Referrals::Stub::SendNotification, notify, &sent).ok());
  EXPECT_THAT(sent.recipient_agency_ids(), ElementsAre("derbyshire-cc"));
  v1::RoutedMessage received = ReceiveAndAck(home, "derbyshire-cc");
  EXPECT_EQ(received.notification().kind(), v1::NOTIFICATION_KIND_IRO);
  EXPECT_EQ(received.message_id(), sent.message_id());
  EXPECT_EQ(hub_.database().QueryString(
                "SELECT COUNT(*) FROM delivery WHERE recipient_agency_id = 'derby-iro'"),
            "0");
}

TEST_F(RoutingTest, IroNotificationAboutAChildOfAnUnregisteredAuthorityNamesItsCode) {
  v1::SubmitResponse opened = Submit(
      "derby-csc", NewChildConcern("placed-in-unknown", v1::RISK_LEVEL_LOW,
                                   Child("E06000099", "E06000015", v1::OPEN_PLAN_LOOKED_AFTER)));
  v1::SendNotificationRequest notify;
  notify.set_idempotency_key("iro-unknown");
  *notify.mutable_governance() = testing::TestGovernance();
  notify.set_case_id(opened.case_id());
  notify.mutable_notification()->set_kind(v1::NOTIFICATION_KIND_IRO);
  notify.mutable_notification()->set_summary("Emerging concern.");
  v1::SubmitResponse sent;
  grpc::Status status = Call("derby-csc", &v1::Referrals::Stub::SendNotification, notify, &sent);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(status.error_message(),
            "child.home_authority_code: no local authority E06000099 is registered with the hub");
}

TEST_F(RoutingTest, StepUpGoesToCscAndItsOutcomeBackToEarlyHelp) {
  InboxStream csc(As("derby-csc"));
  InboxStream early_help(As("derby-early-help"));
  v1::SubmitResponse opened = Submit(
      "derby-early-help",
      NewChildConcern("eh-case", v1::RISK_LEVEL_LOW, Child("E06000015", "", v1::OPEN_PLAN_EARLY_HELP)));

  v1::SubmitStepUpReferralRequest step_up;
  step_up.set_idempotency_key("step-up-1");
  *step_up.mutable_governance() = testing::TestGovernance();
  step_up.set_case_id(opened.case_id());
  step_up.mutable_referral()->set_level(v1::RISK_LEVEL_MEDIUM);
  step_up.mutable_referral()->set_reason("Toolkit now MEDIUM: missing twice this month.");
  v1::SubmitResponse referral;
  ASSERT_TRUE(Call("derby-early-help", &v1::Referrals::Stub::SubmitStepUpReferral, step_up, &referral).ok());
  EXPECT_THAT(referral.recipient_agency_ids(), ElementsAre("derby-csc"));
  v1::RoutedMessage received = ReceiveAndAck(csc, "derby-csc");
  EXPECT_EQ(received.step_up_referral().level(), v1::RISK_LEVEL_MEDIUM);

  v1::RespondRequest accept;
  accept.set_idempotency_key("accept-1");
  *accept.mutable_governance() = testing::TestGovernance();
  accept.set_message_id(received.message_id());
  accept.mutable_response()->set_kind(v1::RESPONSE_KIND_ACCEPT);
  v1::SubmitResponse answer;
  ASSERT_TRUE(Call("derby-csc", &v1::Referrals::Stub::Respond, accept, &answer).ok());
  EXPECT_THAT(answer.recipient_agency_ids(), ElementsAre("derby-early-help"));
  v1::RoutedMessage outcome = ReceiveAndAck(early_help, "derby-early-help");
  EXPECT_EQ(outcome.kind(), v1::MESSAGE_KIND_RESPONSE);
  EXPECT_EQ(outcome.in_reply_to(), received.message_id());
  EXPECT_EQ(outcome.response().kind(), v1::RESPONSE_KIND_ACCEPT);
}

TEST_F(RoutingTest, HostAuthorityHandoffAndItsDisputeComeBack) {
  InboxStream host(As("derbyshire-cc"));
  InboxStream csc(As("derby-csc"));
  // This authority's child, placed in Derbyshire.
  v1::SubmitResponse opened = Submit(
      "derby-csc", NewChildConcern("placed-out", v1::RISK_LEVEL_HIGH,
                                   Child("E06000015", "E10000007", v1::OPEN_PLAN_LOOKED_AFTER)));
  v1::SendNotificationRequest handoff;
  handoff.set_idempotency_key("handoff-1");
  *handoff.mutable_governance() = testing::TestGovernance();
  handoff.set_case_id(opened.case_id());
  handoff.mutable_notification()->set_kind(v1::NOTIFICATION_KIND_HOST_AUTHORITY_HANDOFF);
  handoff.mutable_notification()->set_level(v1::RISK_LEVEL_HIGH);
  handoff.mutable_notification()->set_summary("Please coordinate the CRE meetings.");
  v1::SubmitResponse sent;
  ASSERT_TRUE(Call("derby-csc", &v1::Referrals::Stub::SendNotification, handoff, &sent).ok());
  EXPECT_THAT(sent.recipient_agency_ids(), ElementsAre("derbyshire-cc"));
  v1::RoutedMessage received = ReceiveAndAck(host, "derbyshire-cc");
  EXPECT_EQ(received.notification().kind(), v1::NOTIFICATION_KIND_HOST_AUTHORITY_HANDOFF);

  v1::RespondRequest dispute;
  dispute.set_idempotency_key("dispute-1");
  *dispute.mutable_governance() = testing::TestGovernance();
  dispute.set_message_id(received.message_id());
  dispute.mutable_response()->set_kind(v1::RESPONSE_KIND_DISPUTE);
  dispute.mutable_response()->set_reason("The placement ended last week.");
  v1::SubmitResponse answer;
  ASSERT_TRUE(Call("derbyshire-cc", &v1::Referrals::Stub::Respond, dispute, &answer).ok());
  v1::RoutedMessage back = ReceiveAndAck(csc, "derby-csc");
  EXPECT_EQ(back.response().kind(), v1::RESPONSE_KIND_DISPUTE);
  EXPECT_EQ(back.sender_agency_id(), "derbyshire-cc");
}

TEST_F(RoutingTest, ConsultationsGoBothWaysBetweenHomeAndThisAuthority) {
  InboxStream nottingham(As("nottingham-cc"));
  InboxStream csc(As("derby-csc"));
  // Nottingham's child placed here: Nottingham raises it with this authority.
  v1::SubmitResponse opened = Submit(
      "nottingham-cc", NewChildConcern("placed-in", v1::RISK_LEVEL_MEDIUM,
                                       Child("E06000018", "E06000015", v1::OPEN_PLAN_LOOKED_AFTER)));
  EXPECT_THAT(opened.recipient_agency_ids(), ElementsAre("derby-csc"));
  ReceiveAndAck(csc, "derby-csc");

  v1::SendNotificationRequest consult;
  consult.set_idempotency_key("consult-1");
  *consult.mutable_governance() = testing::TestGovernance();
  consult.set_case_id(opened.case_id());
  consult.mutable_notification()->set_kind(v1::NOTIFICATION_KIND_HOME_AUTHORITY_CONSULTATION);
  consult.mutable_notification()->set_summary("We hold the CRE meeting here; your SW is invited.");
  v1::SubmitResponse to_home;
  ASSERT_TRUE(Call("derby-csc", &v1::Referrals::Stub::SendNotification, consult, &to_home).ok());
  EXPECT_THAT(to_home.recipient_agency_ids(), ElementsAre("nottingham-cc"));
  EXPECT_EQ(ReceiveAndAck(nottingham, "nottingham-cc").message_id(), to_home.message_id());

  consult.set_idempotency_key("consult-2");
  *consult.mutable_governance() = testing::TestGovernance();
  v1::SubmitResponse from_home;
  ASSERT_TRUE(Call("nottingham-cc", &v1::Referrals::Stub::SendNotification, consult, &from_home).ok());
  EXPECT_THAT(from_home.recipient_agency_ids(), ElementsAre("derby-csc"));
  EXPECT_EQ(ReceiveAndAck(csc, "derby-csc").message_id(), from_home.message_id());
}

TEST_F(RoutingTest, CaseUpdatesReachEveryInvolvedAgency) {
  InboxStream csc(As("derby-csc"));
  InboxStream school(As("derby-school-ashgrove"));
  v1::SubmitResponse opened =
      Submit("derby-school-ashgrove", NewChildConcern("c", v1::RISK_LEVEL_HIGH));
  ReceiveAndAck(csc, "derby-csc");
  v1::RecordRiskAssessmentRequest assess;
  assess.set_idempotency_key("assess-1");
  *assess.mutable_governance() = testing::TestGovernance();
  assess.set_case_id(opened.case_id());
  *assess.mutable_assessment()->mutable_assessed_at() = HoursAgo(1);
  assess.mutable_assessment()->set_level(v1::RISK_LEVEL_HIGH);
  assess.mutable_assessment()->set_assessor_role(v1::PRACTITIONER_ROLE_SOCIAL_WORKER);
  v1::SubmitResponse receipt;
  ASSERT_TRUE(Call("derby-csc", &v1::Referrals::Stub::RecordRiskAssessment, assess, &receipt).ok());
  EXPECT_THAT(receipt.recipient_agency_ids(), ElementsAre("derby-school-ashgrove"));
  v1::RoutedMessage update = ReceiveAndAck(school, "derby-school-ashgrove");
  EXPECT_EQ(update.case_update().risk_assessments(0).level(), v1::RISK_LEVEL_HIGH);

  v1::GetCaseRequest get;
  get.set_case_id(opened.case_id());
  v1::GetCaseResponse read;
  ASSERT_TRUE(Call("derby-csc", &v1::Referrals::Stub::GetCase, get, &read).ok());
  EXPECT_EQ(read.case_file().risk_assessments_size(), 1);
  EXPECT_EQ(read.pathway().risk().effective_level(), v1::RISK_LEVEL_HIGH);
}

TEST_F(RoutingTest, UnacknowledgedMessageComesBackAfterTheSubscriberDisconnects) {
  v1::SubmitResponse receipt;
  ASSERT_TRUE(Call("derby-health", &v1::Referrals::Stub::SubmitOperationLibertyReport,
                   Report("olr-1", ""), &receipt).ok());
  int64_t delivery_id = 0;
  {
    InboxStream first(As("derby-pru"));
    absl::optional<v1::RoutedMessage> message = first.Next();
    ASSERT_TRUE(message.has_value());
    delivery_id = message->delivery_id();
    EXPECT_EQ(message->redelivery_count(), 0);
  }  // gone without acknowledging
  InboxStream second(As("derby-pru"));
  absl::optional<v1::RoutedMessage> again = second.Next();
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->delivery_id(), delivery_id);
  EXPECT_EQ(again->message_id(), receipt.message_id());
  EXPECT_EQ(again->redelivery_count(), 1);
  ASSERT_TRUE(Acknowledge(As("derby-pru"), {delivery_id}).ok());
  // Acknowledged: never again, whoever subscribes.
  InboxStream third(As("derby-pru"));
  EXPECT_FALSE(third.Next(absl::Milliseconds(700)).has_value());
}

TEST_F(RoutingTest, UnacknowledgedMessageComesBackWhenItsLeaseRunsOut) {
  InboxStream pru(As("derby-pru"));
  v1::SubmitResponse receipt;
  ASSERT_TRUE(Call("derby-health", &v1::Referrals::Stub::SubmitOperationLibertyReport,
                   Report("olr-1", ""), &receipt).ok());
  absl::optional<v1::RoutedMessage> first = pru.Next();
  ASSERT_TRUE(first.has_value());
  // The test hub's lease is 2 s; the redelivery comes on the same stream.
  absl::optional<v1::RoutedMessage> again = pru.Next(absl::Seconds(10));
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->delivery_id(), first->delivery_id());
  EXPECT_EQ(again->redelivery_count(), 1);
}

TEST_F(RoutingTest, MessagesAboutOneCaseArriveInOrderOneAtATime) {
  InboxStream csc(As("derby-csc"));
  v1::SubmitResponse opened =
      Submit("derby-school-ashgrove", NewChildConcern("c", v1::RISK_LEVEL_HIGH));
  v1::SubmitResponse second, third;
  ASSERT_TRUE(Call("derby-school-ashgrove", &v1::Referrals::Stub::SubmitOperationLibertyReport,
                   Report("r2", opened.case_id()), &second).ok());
  ASSERT_TRUE(Call("derby-school-ashgrove", &v1::Referrals::Stub::SubmitOperationLibertyReport,
                   Report("r3", opened.case_id()), &third).ok());
  absl::optional<v1::RoutedMessage> a = csc.Next();
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->message_id(), opened.message_id());
  // The next one waits for the acknowledgement of the first.
  EXPECT_FALSE(csc.Next(absl::Milliseconds(500)).has_value());
  ASSERT_TRUE(Acknowledge(As("derby-csc"), {a->delivery_id()}).ok());
  EXPECT_EQ(ReceiveAndAck(csc, "derby-csc").message_id(), second.message_id());
  EXPECT_EQ(ReceiveAndAck(csc, "derby-csc").message_id(), third.message_id());
}

TEST_F(RoutingTest, RetryWithTheSameKeyReturnsTheFirstAnswerAndCreatesNothing) {
  InboxStream csc(As("derby-csc"));
  const v1::SubmitConcernRequest request = NewChildConcern("same-key", v1::RISK_LEVEL_MEDIUM);
  v1::SubmitResponse first = Submit("derby-health", request);
  v1::SubmitResponse retry = Submit("derby-health", request);
  EXPECT_EQ(retry.message_id(), first.message_id());
  EXPECT_EQ(retry.case_id(), first.case_id());
  EXPECT_EQ(hub_.database().QueryString("SELECT COUNT(*) FROM message"), "1");
  EXPECT_EQ(hub_.database().QueryString("SELECT COUNT(*) FROM child"), "1");
  ReceiveAndAck(csc, "derby-csc");
  EXPECT_FALSE(csc.Next(absl::Milliseconds(500)).has_value());

  // The same key for another request is refused.
  v1::SubmitConcernRequest other = request;
  other.mutable_concern()->set_narrative("Something else entirely.");
  v1::SubmitResponse refused;
  grpc::Status status = Call("derby-health", &v1::Referrals::Stub::SubmitConcern, other, &refused);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_THAT(status.error_message(), HasSubstr("idempotency_key"));
  // Keys belong to the agency: another agency may use the same one.
  EXPECT_NE(Submit("derby-school-ashgrove", request).message_id(), first.message_id());
  // And they are compared exactly: a key differing in case is another key
  // (migration 0008; the columns' collation was case-insensitive before),
  // so this one is a new submission, not a refused reuse of "same-key".
  v1::SubmitResponse upper;
  v1::SubmitConcernRequest upper_key = other;
  upper_key.set_idempotency_key("SAME-KEY");
  *upper_key.mutable_governance() = testing::TestGovernance();
  ASSERT_TRUE(Call("derby-health", &v1::Referrals::Stub::SubmitConcern, upper_key, &upper).ok());
  EXPECT_NE(upper.message_id(), first.message_id());
}

TEST_F(RoutingTest, TwoHubProcessesShareTheDatabase) {
  TestHub other(hub_.database());
  // PRU listens on the other process; the report is accepted by this one.
  InboxStream pru_there(other.ChannelFor("derby-pru"));
  v1::SubmitResponse receipt;
  ASSERT_TRUE(Call("derby-health", &v1::Referrals::Stub::SubmitOperationLibertyReport,
                   Report("olr-x", ""), &receipt).ok());
  absl::optional<v1::RoutedMessage> message = pru_there.Next();
  ASSERT_TRUE(message.has_value());
  EXPECT_EQ(message->message_id(), receipt.message_id());
  ASSERT_TRUE(Acknowledge(other.ChannelFor("derby-pru"), {message->delivery_id()}).ok());
}

TEST(RoutingAcrossProcessesTest, AcknowledgementsThroughAnotherProcessFreeTheStream) {
  // A long lease: if the stream only learnt of acknowledgements made through
  // its own process, the second report would wait a minute for the lease.
  const TestHub::Adjust long_lease = [](v1::HubConfig& config) {
    config.mutable_delivery()->set_lease_seconds(60);
  };
  TestHub here(long_lease);
  TestHub there(here.database(), long_lease);
  InboxStream pru(here.ChannelFor("derby-pru"), /*max_in_flight=*/1);
  for (const char* key : {"r1", "r2"}) {
    grpc::ClientContext context;
    v1::SubmitResponse receipt;
    ASSERT_TRUE(v1::Referrals::NewStub(here.ChannelFor("derby-health"))
                    ->SubmitOperationLibertyReport(&context, Report(key, ""), &receipt).ok());
  }
  absl::optional<v1::RoutedMessage> first = pru.Next();
  ASSERT_TRUE(first.has_value());
  // The agency's acknowledgements go through the other process.
  ASSERT_TRUE(Acknowledge(there.ChannelFor("derby-pru"), {first->delivery_id()}).ok());
  absl::optional<v1::RoutedMessage> second = pru.Next(absl::Seconds(15));
  ASSERT_TRUE(second.has_value()) << "the stream stayed full after an acknowledgement elsewhere";
  EXPECT_NE(second->delivery_id(), first->delivery_id());
}

// In one process nothing waits for the poller: a delivery is handed out on
// acceptance, or claimed on the wake of its submission or of an
// acknowledgement; and a claim leaves one committed during it for the next
// claim (mysql_delivery.cc). With the poller an hour away, a stream with
// little room, and three agencies submitting at once, so that deliveries
// wait in the store and are claimed while others commit, every report must
// still arrive, and once. (The acknowledgements' wakes alone keep this
// stream going: the test passed with the submissions' wakes removed.)
TEST(RoutingWakeTest, WithoutThePollerEveryReportReachesABusyStream) {
  TestHub hub([](v1::HubConfig& config) { config.mutable_delivery()->set_poll_interval_ms(3600 * 1000); });
  InboxStream pru(hub.ChannelFor("derby-pru"), /*max_in_flight=*/2);
  constexpr int kEach = 60;
  const std::vector<std::string> senders = {"derby-health", "derby-police", "derby-school-ashgrove"};
  std::vector<std::thread> submitters;
  for (const std::string& sender : senders) {
    submitters.emplace_back([&hub, sender] {
      auto stub = v1::Referrals::NewStub(hub.ChannelFor(sender));
      for (int i = 0; i < kEach; ++i) {
        grpc::ClientContext context;
        context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
        v1::SubmitResponse receipt;
        grpc::Status status =
            stub->SubmitOperationLibertyReport(&context, Report(absl::StrCat(sender, "-", i), ""), &receipt);
        EXPECT_TRUE(status.ok()) << status.error_message();
      }
    });
  }
  std::set<std::string> received;
  const auto pru_channel = hub.ChannelFor("derby-pru");
  while (received.size() < senders.size() * kEach) {
    absl::optional<v1::RoutedMessage> message = pru.Next(absl::Seconds(10));
    if (!message) break;
    EXPECT_TRUE(received.insert(message->message_id()).second) << "message " << message->message_id() << " twice";
    EXPECT_TRUE(Acknowledge(pru_channel, {message->delivery_id()}).ok());
  }
  for (std::thread& t : submitters) t.join();
  EXPECT_EQ(received.size(), senders.size() * kEach) << "a delivery waited for the poller";
}

TEST_F(RoutingTest, StreamsOnTwoProcessesNeverGetTheSameDeliveryAtOnce) {
  TestHub other(hub_.database());
  InboxStream here(As("derby-pru"));
  InboxStream there(other.ChannelFor("derby-pru"));
  constexpr int kReports = 20;
  for (int i = 0; i < kReports; ++i) {
    v1::SubmitResponse receipt;
    ASSERT_TRUE(Call("derby-health", &v1::Referrals::Stub::SubmitOperationLibertyReport,
                     Report(absl::StrCat("olr-", i), ""), &receipt).ok());
  }
  // Each report has its own order key, so both streams take part; neither
  // acknowledges, and within the lease each delivery is handed out once.
  std::set<int64_t> seen;
  int received = 0;
  for (InboxStream* stream : {&here, &there}) {
    while (absl::optional<v1::RoutedMessage> m = stream->Next(absl::Milliseconds(300))) {
      if (m->redelivery_count() > 0) continue;  // a lease ran out: fair game
      ++received;
      EXPECT_TRUE(seen.insert(m->delivery_id()).second) << "delivery " << m->delivery_id() << " twice";
    }
  }
  EXPECT_EQ(received, kReports);
}

}  // namespace
}  // namespace cre
