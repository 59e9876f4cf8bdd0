// The governance envelope end to end, on a real hub over mTLS: what a sender
// states reaches each recipient with the message (on its inbox stream and in
// GetCase), what the hub sends itself carries the hub's envelope from the
// config, which fields are required is the config's, and a refused envelope
// writes nothing.
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "cre/v1/referrals.grpc.pb.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "google/protobuf/util/time_util.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "support/inbox_stream.h"
#include "support/test_cases.h"
#include "support/test_governance.h"
#include "support/test_hub.h"

namespace cre {
namespace {

using ::cre::testing::InboxStream;
using ::cre::testing::TestHub;
using ::google::protobuf::util::MessageDifferencer;
using ::testing::HasSubstr;

google::protobuf::Timestamp MinutesAgo(int minutes) {
  return google::protobuf::util::TimeUtil::SecondsToTimestamp(absl::ToUnixSeconds(absl::Now()) - 60 * minutes);
}

v1::SubmitConcernRequest MediumConcern(const std::string& key) {
  v1::SubmitConcernRequest request;
  request.set_idempotency_key(key);
  v1::NewChild* child = request.mutable_new_child();
  child->mutable_details()->set_family_name("Example");
  child->mutable_child()->set_date_of_birth("2011-02-03");
  child->mutable_child()->set_open_plan(v1::OPEN_PLAN_NONE);
  child->mutable_child()->set_home_authority_code("E06000015");
  request.mutable_concern()->set_indicated_level(v1::RISK_LEVEL_MEDIUM);
  request.mutable_concern()->set_narrative("Seen getting into cars with older men after school.");
  *request.mutable_concern()->mutable_identified_at() = MinutesAgo(10);
  return request;
}

v1::SubmitOperationLibertyReportRequest Report(const std::string& key) {
  v1::SubmitOperationLibertyReportRequest request;
  request.set_idempotency_key(key);
  request.mutable_report()->add_places()->set_address("The underpass by the bus station");
  request.mutable_report()->set_narrative("Children gathered here late at night.");
  return request;
}

grpc::Status SubmitConcern(const TestHub& hub, const std::string& agency, const v1::SubmitConcernRequest& request,
                           v1::SubmitResponse* response) {
  grpc::ClientContext context;
  return v1::Referrals::NewStub(hub.ChannelFor(agency))->SubmitConcern(&context, request, response);
}

grpc::Status SubmitReport(const TestHub& hub, const std::string& agency,
                          const v1::SubmitOperationLibertyReportRequest& request, v1::SubmitResponse* response) {
  grpc::ClientContext context;
  return v1::Referrals::NewStub(hub.ChannelFor(agency))->SubmitOperationLibertyReport(&context, request, response);
}

std::string Rows(const TestHub& hub, const std::string& table) {
  return hub.database().QueryString("SELECT COUNT(*) FROM " + table);
}

TEST(GovernanceEnvelopeTest, EachRecipientReceivesTheSendersEnvelopeWithTheMessage) {
  TestHub hub;
  InboxStream csc(hub.ChannelFor("derby-csc"));
  v1::SubmitConcernRequest request = MediumConcern("health-1");
  v1::Governance* sent = request.mutable_governance();
  sent->set_purpose(v1::PURPOSE_SAFEGUARDING_CHILD);
  sent->set_article6_basis(v1::ARTICLE6_BASIS_PUBLIC_TASK);
  sent->set_article9_condition(v1::ARTICLE9_CONDITION_HEALTH_OR_SOCIAL_CARE);
  sent->set_sharing_agreement_id(testing::kTestAgreement);
  sent->set_consent(v1::CONSENT_NOT_SOUGHT_OTHER);
  sent->set_consent_note("Seen in the emergency department at night; no one with parental responsibility present.");
  v1::SubmitResponse receipt;
  const grpc::Status status = SubmitConcern(hub, "derby-health", request, &receipt);
  ASSERT_TRUE(status.ok()) << status.error_message();

  absl::optional<v1::RoutedMessage> received = csc.Next();
  ASSERT_TRUE(received.has_value());
  EXPECT_EQ(received->message_id(), receipt.message_id());
  EXPECT_FALSE(received->sent_by_hub());
  EXPECT_TRUE(MessageDifferencer::Equals(received->governance(), *sent)) << received->governance().DebugString();

  // And in the case, as CSC reads it.
  grpc::ClientContext context;
  v1::GetCaseRequest get;
  get.set_case_id(receipt.case_id());
  v1::GetCaseResponse read;
  ASSERT_TRUE(v1::Referrals::NewStub(hub.ChannelFor("derby-csc"))->GetCase(&context, get, &read).ok());
  ASSERT_EQ(read.messages_size(), 1);
  EXPECT_TRUE(MessageDifferencer::Equals(read.messages(0).governance(), *sent));
}

TEST(GovernanceEnvelopeTest, AnAgreementOfSomeAgenciesServesItsParties) {
  TestHub hub;
  InboxStream pru(hub.ChannelFor("derby-pru"));
  v1::SubmitOperationLibertyReportRequest request = Report("police-1");
  *request.mutable_governance() = testing::TestGovernance();
  request.mutable_governance()->set_purpose(v1::PURPOSE_DISRUPTING_EXPLOITATION);
  request.mutable_governance()->set_article9_condition(v1::ARTICLE9_CONDITION_PREVENTING_UNLAWFUL_ACTS);
  request.mutable_governance()->set_sharing_agreement_id(testing::kPoliceAndCscAgreement);
  v1::SubmitResponse receipt;
  const grpc::Status status = SubmitReport(hub, "derby-police", request, &receipt);
  ASSERT_TRUE(status.ok()) << status.error_message();
  absl::optional<v1::RoutedMessage> received = pru.Next();
  ASSERT_TRUE(received.has_value());
  EXPECT_EQ(received->governance().sharing_agreement_id(), testing::kPoliceAndCscAgreement);
  EXPECT_EQ(received->governance().article9_condition(), v1::ARTICLE9_CONDITION_PREVENTING_UNLAWFUL_ACTS);

  // A school signed the area's agreement, not that one.
  request.set_idempotency_key("school-1");
  const grpc::Status refused = SubmitReport(hub, "derby-school-ashgrove", request, &receipt);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(refused.error_message(),
            "governance.sharing_agreement_id: the calling agency is not a party to this agreement");
}

TEST(GovernanceEnvelopeTest, WhatTheHubSendsItselfCarriesTheHubsEnvelope) {
  TestHub hub;
  InboxStream iro(hub.ChannelFor("derby-iro"));
  // Assessed HIGH, a looked-after child: the hub notifies the IRO itself.
  absl::StatusOr<std::string> case_id =
      testing::OpenLookedAfterChildAssessedHigh(hub, absl::Now() - absl::Minutes(5), "lac");
  ASSERT_TRUE(case_id.ok()) << case_id.status();
  absl::optional<v1::RoutedMessage> notified = iro.Next();
  ASSERT_TRUE(notified.has_value());
  EXPECT_TRUE(notified->sent_by_hub());
  EXPECT_EQ(notified->notification().kind(), v1::NOTIFICATION_KIND_IRO);
  const v1::Governance& hub_envelope = hub.config().governance().hub_envelope();
  EXPECT_TRUE(MessageDifferencer::Equals(notified->governance(), hub_envelope)) << notified->governance().DebugString();
  // As config/governance.textproto and the defaults have it.
  EXPECT_EQ(notified->governance().purpose(), v1::PURPOSE_CRE_PROCEDURE);
  EXPECT_EQ(notified->governance().article6_basis(), v1::ARTICLE6_BASIS_PUBLIC_TASK);
  EXPECT_EQ(notified->governance().article9_condition(), v1::ARTICLE9_CONDITION_SAFEGUARDING_CHILDREN);
  EXPECT_EQ(notified->governance().sharing_agreement_id(), testing::kTestAgreement);
  EXPECT_EQ(notified->governance().consent(), v1::CONSENT_NOT_SOUGHT_OTHER);
  EXPECT_THAT(notified->governance().consent_note(), HasSubstr("Sent by the hub itself"));
}

TEST(GovernanceEnvelopeTest, ARefusedEnvelopeWritesNothingAndLeavesTheKeyFree) {
  TestHub hub;
  const v1::SubmitConcernRequest bare = MediumConcern("health-2");
  v1::SubmitResponse receipt;
  const grpc::Status refused = SubmitConcern(hub, "derby-health", bare, &receipt);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(refused.error_message(), HasSubstr("governance: required for SubmitConcern"));
  for (const char* table : {"child", "cre_case", "message", "delivery", "involvement", "idempotency"}) {
    EXPECT_EQ(Rows(hub, table), "0") << table;
  }

  // The same key, now with an envelope, is a first submission, not a reuse.
  v1::SubmitConcernRequest governed = bare;
  *governed.mutable_governance() = testing::TestGovernance();
  const grpc::Status accepted = SubmitConcern(hub, "derby-health", governed, &receipt);
  ASSERT_TRUE(accepted.ok()) << accepted.error_message();
  EXPECT_EQ(Rows(hub, "message"), "1");
  EXPECT_EQ(Rows(hub, "idempotency"), "1");
  // The envelope is part of what the key stands for: the same key without
  // one is another request.
  EXPECT_EQ(SubmitConcern(hub, "derby-health", bare, &receipt).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  v1::SubmitConcernRequest other = governed;
  other.mutable_governance()->set_consent(v1::CONSENT_GIVEN);
  EXPECT_EQ(SubmitConcern(hub, "derby-health", other, &receipt).error_code(), grpc::StatusCode::ALREADY_EXISTS);
}

TEST(GovernanceEnvelopeTest, WhichFieldsAreRequiredIsTheConfigs) {
  // Operation Liberty reports need no envelope at this hub; the rest keep
  // their defaults.
  TestHub hub([](v1::HubConfig& config) {
    for (v1::GovernanceRequirement& requirement : *config.mutable_governance()->mutable_requirements()) {
      if (requirement.method() == "SubmitOperationLibertyReport") requirement.clear_required();
    }
  });
  InboxStream pru(hub.ChannelFor("derby-pru"));
  v1::SubmitResponse receipt;
  const grpc::Status status = SubmitReport(hub, "derby-health", Report("bare-report"), &receipt);
  ASSERT_TRUE(status.ok()) << status.error_message();
  absl::optional<v1::RoutedMessage> received = pru.Next();
  ASSERT_TRUE(received.has_value());
  EXPECT_FALSE(received->has_governance());
  EXPECT_EQ(SubmitConcern(hub, "derby-health", MediumConcern("bare-concern"), &receipt).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

}  // namespace
}  // namespace cre
