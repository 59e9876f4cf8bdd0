// A decision not to share (Children Act 2004 s.16LA; docs/procedure.md,
// Choice 37) end to end, on a real hub over mTLS and MariaDB: recorded by an
// agency involved with the case, it is delivered to the case's lead agency
// with the sender's envelope, kept on the case's record where the agencies
// involved read it, and audited; an agency not involved is told there is no
// such case, and a decision without its reason is refused by name with
// nothing written.
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
#include "support/test_governance.h"
#include "support/test_hub.h"

namespace cre {
namespace {

using ::cre::testing::InboxStream;
using ::cre::testing::TestHub;
using ::google::protobuf::util::MessageDifferencer;
using ::google::protobuf::util::TimeUtil;

google::protobuf::Timestamp MinutesAgo(int minutes) {
  return TimeUtil::SecondsToTimestamp(absl::ToUnixSeconds(absl::Now()) - 60 * minutes);
}

// A MEDIUM concern from health about a child new to the hub: the case
// involves health and, which received it, Children's Social Care, its lead.
std::string OpenCase(const TestHub& hub) {
  v1::SubmitConcernRequest request;
  request.set_idempotency_key("open");
  v1::NewChild* child = request.mutable_new_child();
  child->mutable_details()->set_family_name("Example");
  child->mutable_child()->set_date_of_birth("2011-02-03");
  child->mutable_child()->set_open_plan(v1::OPEN_PLAN_NONE);
  child->mutable_child()->set_home_authority_code("E06000015");
  request.mutable_concern()->set_indicated_level(v1::RISK_LEVEL_MEDIUM);
  request.mutable_concern()->set_narrative("Seen getting into cars with older men after school.");
  *request.mutable_concern()->mutable_identified_at() = MinutesAgo(30);
  *request.mutable_governance() = testing::TestGovernance();
  grpc::ClientContext context;
  v1::SubmitResponse receipt;
  const grpc::Status status =
      v1::Referrals::NewStub(hub.ChannelFor("derby-health"))->SubmitConcern(&context, request, &receipt);
  EXPECT_TRUE(status.ok()) << status.error_message();
  return receipt.case_id();
}

v1::RecordDecisionNotToShareRequest Decision(const std::string& key, const std::string& case_id) {
  v1::RecordDecisionNotToShareRequest request;
  request.set_idempotency_key(key);
  request.set_case_id(case_id);
  v1::DecisionNotToShare* d = request.mutable_decision();
  d->set_withheld_information("what the child said at the sexual health clinic about the men in the cars");
  d->set_withheld_from_agency_id("derby-police");
  d->set_ground(v1::WITHHOLDING_GROUND_MORE_DETRIMENTAL_TO_CHILD);
  d->set_justification(
      "She has said she will stop coming to the clinic if the police are told, and the clinic is the only "
      "service she still attends; her account is shared with Social Care, which leads the case.");
  d->set_decided_by("A. Nurse (safeguarding lead)");
  d->set_decided_by_role(v1::PRACTITIONER_ROLE_PARTNER_PRACTITIONER);
  *d->mutable_decided_at() = MinutesAgo(5);
  d->set_review_date("2027-01-15");
  v1::Governance* g = request.mutable_governance();
  g->set_purpose(v1::PURPOSE_SAFEGUARDING_CHILD);
  g->set_article6_basis(v1::ARTICLE6_BASIS_LEGAL_OBLIGATION);
  g->set_article9_condition(v1::ARTICLE9_CONDITION_SAFEGUARDING_CHILDREN);
  g->set_sharing_agreement_id(testing::kTestAgreement);
  return request;
}

grpc::Status Record(const TestHub& hub, const std::string& agency, const v1::RecordDecisionNotToShareRequest& request,
                    v1::SubmitResponse* receipt) {
  grpc::ClientContext context;
  return v1::Referrals::NewStub(hub.ChannelFor(agency))->RecordDecisionNotToShare(&context, request, receipt);
}

grpc::Status Read(const TestHub& hub, const std::string& agency, const std::string& case_id,
                  v1::GetCaseResponse* read) {
  grpc::ClientContext context;
  v1::GetCaseRequest get;
  get.set_case_id(case_id);
  return v1::Referrals::NewStub(hub.ChannelFor(agency))->GetCase(&context, get, read);
}

// The decision events of a case as `agency` reads it.
std::vector<v1::CaseEvent> DecisionsOf(const TestHub& hub, const std::string& agency, const std::string& case_id) {
  v1::GetCaseResponse read;
  const grpc::Status status = Read(hub, agency, case_id, &read);
  EXPECT_TRUE(status.ok()) << agency << ": " << status.error_message();
  std::vector<v1::CaseEvent> decisions;
  for (const v1::CaseEvent& event : read.case_file().events()) {
    if (event.kind() == v1::EVENT_KIND_DECISION_NOT_TO_SHARE) decisions.push_back(event);
  }
  return decisions;
}

// Rows in every table a submission writes to, the case's record included.
std::string WrittenRows(const TestHub& hub) {
  return hub.database().QueryString(
      "SELECT CONCAT_WS(',', (SELECT COUNT(*) FROM cre_case), (SELECT COUNT(*) FROM case_entry),"
      " (SELECT COUNT(*) FROM message), (SELECT COUNT(*) FROM delivery),"
      " (SELECT COUNT(*) FROM involvement), (SELECT COUNT(*) FROM idempotency))");
}

TEST(DecisionNotToShareTest, IsDeliveredToTheLeadAgencyAndKeptOnTheCase) {
  TestHub hub;
  const std::string case_id = OpenCase(hub);
  ASSERT_FALSE(case_id.empty());
  InboxStream csc(hub.ChannelFor("derby-csc"));
  absl::optional<v1::RoutedMessage> concern = csc.Next();  // the concern that opened the case
  ASSERT_TRUE(concern.has_value());
  ASSERT_TRUE(testing::Acknowledge(hub.ChannelFor("derby-csc"), {concern->delivery_id()}).ok());

  const v1::RecordDecisionNotToShareRequest request = Decision("withhold-1", case_id);
  v1::SubmitResponse receipt;
  const grpc::Status status = Record(hub, "derby-health", request, &receipt);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(receipt.case_id(), case_id);
  EXPECT_THAT(receipt.recipient_agency_ids(), ::testing::ElementsAre("derby-csc"));

  // The lead agency receives the decision, with the sender's envelope.
  absl::optional<v1::RoutedMessage> received = csc.Next();
  ASSERT_TRUE(received.has_value());
  EXPECT_EQ(received->message_id(), receipt.message_id());
  EXPECT_EQ(received->kind(), v1::MESSAGE_KIND_DECISION_NOT_TO_SHARE);
  EXPECT_EQ(received->sender_agency_id(), "derby-health");
  EXPECT_EQ(received->case_id(), case_id);
  EXPECT_TRUE(MessageDifferencer::Equals(received->decision_not_to_share(), request.decision()))
      << received->decision_not_to_share().DebugString();
  EXPECT_TRUE(MessageDifferencer::Equals(received->governance(), request.governance()));
  ASSERT_TRUE(testing::Acknowledge(hub.ChannelFor("derby-csc"), {received->delivery_id()}).ok());

  // Kept: every agency involved reads it on the case's record (but the one it
  // was withheld from: TheAgencyItWasWithheldFromDoesNotReadIt).
  for (const char* agency : {"derby-health", "derby-csc"}) {
    const std::vector<v1::CaseEvent> decisions = DecisionsOf(hub, agency, case_id);
    ASSERT_EQ(decisions.size(), 1u) << agency;
    EXPECT_TRUE(MessageDifferencer::Equals(decisions[0].decision_not_to_share(), request.decision())) << agency;
    EXPECT_EQ(decisions[0].occurred_at().seconds(), request.decision().decided_at().seconds()) << agency;
  }

  // A retry is the same decision, not a second one.
  v1::SubmitResponse again;
  ASSERT_TRUE(Record(hub, "derby-health", request, &again).ok());
  EXPECT_EQ(again.message_id(), receipt.message_id());
  EXPECT_EQ(DecisionsOf(hub, "derby-csc", case_id).size(), 1u);

  // Audited: the event recorded and the message accepted, without its words.
  const std::string accepted = absl::StrCat(
      "SELECT (SELECT COUNT(*) FROM audit_log WHERE record LIKE '%MESSAGE_KIND_DECISION_NOT_TO_SHARE to [derby-csc]%')"
      " + (SELECT COUNT(*) FROM audit_journal WHERE entry LIKE '%MESSAGE_KIND_DECISION_NOT_TO_SHARE to [derby-csc]%')");
  EXPECT_EQ(hub.database().QueryString(accepted), "1");
  EXPECT_EQ(hub.database().QueryString(
                "SELECT (SELECT COUNT(*) FROM audit_log WHERE record LIKE '%sexual health clinic%')"
                " + (SELECT COUNT(*) FROM audit_journal WHERE entry LIKE '%sexual health clinic%')"),
            "0");
}

TEST(DecisionNotToShareTest, TheLeadAgencysOwnDecisionGoesToTheCpmService) {
  TestHub hub;
  const std::string case_id = OpenCase(hub);
  ASSERT_FALSE(case_id.empty());
  InboxStream cpm(hub.ChannelFor("derby-cpm"));
  v1::SubmitResponse receipt;
  const grpc::Status status = Record(hub, "derby-csc", Decision("csc-withholds", case_id), &receipt);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_THAT(receipt.recipient_agency_ids(), ::testing::ElementsAre("derby-cpm"));
  absl::optional<v1::RoutedMessage> received = cpm.Next();
  ASSERT_TRUE(received.has_value());
  EXPECT_EQ(received->kind(), v1::MESSAGE_KIND_DECISION_NOT_TO_SHARE);
  EXPECT_EQ(received->sender_agency_id(), "derby-csc");
}

// Health opened the case, so it reads it; what CSC withheld from it, by its
// id or by its role, it does not read there (Choice 37).
TEST(DecisionNotToShareTest, TheAgencyItWasWithheldFromDoesNotReadIt) {
  TestHub hub;
  const std::string case_id = OpenCase(hub);
  ASSERT_FALSE(case_id.empty());
  v1::RecordDecisionNotToShareRequest by_id = Decision("from-health", case_id);
  by_id.mutable_decision()->set_withheld_from_agency_id("derby-health");
  v1::RecordDecisionNotToShareRequest by_role = Decision("from-health-services", case_id);
  by_role.mutable_decision()->set_withheld_from_role(v1::HEALTH);
  v1::RecordDecisionNotToShareRequest from_police = Decision("from-police", case_id);
  for (const v1::RecordDecisionNotToShareRequest* request : {&by_id, &by_role, &from_police}) {
    v1::SubmitResponse receipt;
    const grpc::Status status = Record(hub, "derby-csc", *request, &receipt);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }
  EXPECT_EQ(DecisionsOf(hub, "derby-csc", case_id).size(), 3u);
  const std::vector<v1::CaseEvent> health_reads = DecisionsOf(hub, "derby-health", case_id);
  ASSERT_EQ(health_reads.size(), 1u);
  EXPECT_EQ(health_reads[0].decision_not_to_share().withheld_from_agency_id(), "derby-police");
}

TEST(DecisionNotToShareTest, AnAgencyNotInvolvedIsToldThereIsNoSuchCase) {
  TestHub hub;
  const std::string case_id = OpenCase(hub);
  ASSERT_FALSE(case_id.empty());
  const std::string before = WrittenRows(hub);
  v1::SubmitResponse receipt;
  const grpc::Status status = Record(hub, "derby-school-ashgrove", Decision("school", case_id), &receipt);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(status.error_message(), absl::StrCat("case_id: no case ", case_id, " is shared with you"));
  EXPECT_EQ(WrittenRows(hub), before);
}

TEST(DecisionNotToShareTest, ADecisionWithoutItsReasonIsRefusedByNameAndWritesNothing) {
  TestHub hub;
  const std::string case_id = OpenCase(hub);
  ASSERT_FALSE(case_id.empty());
  const std::string before = WrittenRows(hub);
  v1::RecordDecisionNotToShareRequest request = Decision("no-reason", case_id);
  request.mutable_decision()->clear_justification();
  v1::SubmitResponse receipt;
  grpc::Status status = Record(hub, "derby-health", request, &receipt);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "decision.justification: required");

  request = Decision("no-ground", case_id);
  request.mutable_decision()->clear_ground();
  status = Record(hub, "derby-health", request, &receipt);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "decision.ground: required");

  // Its envelope: what is required by default, named.
  request = Decision("no-agreement", case_id);
  request.mutable_governance()->clear_sharing_agreement_id();
  status = Record(hub, "derby-health", request, &receipt);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "governance.sharing_agreement_id: required for RecordDecisionNotToShare");
  EXPECT_EQ(WrittenRows(hub), before);
  EXPECT_TRUE(DecisionsOf(hub, "derby-health", case_id).empty());

  // The key the refusal did not take is free for the decision with its reason.
  request = Decision("no-reason", case_id);
  ASSERT_TRUE(Record(hub, "derby-health", request, &receipt).ok());
  EXPECT_EQ(DecisionsOf(hub, "derby-health", case_id).size(), 1u);
}

}  // namespace
}  // namespace cre
