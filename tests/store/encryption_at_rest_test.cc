// A child's personal data at rest: the columns that hold it contain no
// plaintext, say which key sealed them, and cannot be moved between rows.
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "cre/v1/referrals.grpc.pb.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/time_util.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "support/test_governance.h"
#include "support/test_hub.h"

namespace cre {
namespace {

constexpr char kName[] = "Zebedee";
constexpr char kAddress[] = "17 Quernmore Terrace";
constexpr char kNarrative[] = "seen with a man called Ostrakov near the canal";

class EncryptionAtRestTest : public ::testing::Test {
 protected:
  v1::SubmitResponse Submit(const std::string& key, const std::string& name, const std::string& nhs_number = "") {
    v1::SubmitConcernRequest request;
    request.set_idempotency_key(key);
    *request.mutable_governance() = testing::TestGovernance();
    v1::NewChild* child = request.mutable_new_child();
    child->mutable_details()->set_given_name(name);
    child->mutable_details()->set_address(kAddress);
    child->mutable_details()->set_nhs_number(nhs_number);
    child->mutable_child()->set_date_of_birth("2013-11-09");
    child->mutable_child()->set_open_plan(v1::OPEN_PLAN_NONE);
    child->mutable_child()->set_home_authority_code("E06000015");
    request.mutable_concern()->set_indicated_level(v1::RISK_LEVEL_HIGH);
    request.mutable_concern()->set_narrative(kNarrative);
    *request.mutable_concern()->mutable_identified_at() =
        google::protobuf::util::TimeUtil::SecondsToTimestamp(absl::ToUnixSeconds(absl::Now()));
    grpc::ClientContext context;
    v1::SubmitResponse response;
    EXPECT_TRUE(v1::Referrals::NewStub(hub_.ChannelFor("derby-health"))
                    ->SubmitConcern(&context, request, &response).ok());
    return response;
  }

  // Rows of `table` whose `column` contains `text` as plain bytes.
  std::string RowsContaining(const std::string& table, const std::string& column, const std::string& text) {
    return hub_.database().QueryString(absl::StrCat("SELECT COUNT(*) FROM ", table, " WHERE INSTR(", column,
                                                    ", CAST('", text, "' AS BINARY)) > 0"));
  }

  grpc::Status Read(const std::string& case_id) {
    v1::GetCaseRequest request;
    request.set_case_id(case_id);
    grpc::ClientContext context;
    v1::GetCaseResponse response;
    return v1::Referrals::NewStub(hub_.ChannelFor("derby-health"))->GetCase(&context, request, &response);
  }

  testing::TestHub hub_;
};

TEST_F(EncryptionAtRestTest, SealedColumnsHoldNoPlaintext) {
  const v1::SubmitResponse receipt = Submit("k", kName, "943 476 5919");
  ASSERT_FALSE(receipt.case_id().empty());
  ASSERT_TRUE(Read(receipt.case_id()).ok());  // and the hub can read it back
  // A second concern with the child's NHS number: the same child, a case
  // whose own copy of the child is sealed too.
  const v1::SubmitResponse again = Submit("again", kName, "9434765919");
  ASSERT_FALSE(again.case_id().empty());
  ASSERT_TRUE(Read(again.case_id()).ok());
  EXPECT_EQ(hub_.database().QueryString("SELECT COUNT(*) FROM child"), "1");

  EXPECT_EQ(RowsContaining("child", "details", kName), "0");
  EXPECT_EQ(RowsContaining("child", "details", kAddress), "0");
  for (const char* number : {"9434765919", "943 476 5919"}) {
    EXPECT_EQ(RowsContaining("child", "details", number), "0");
    EXPECT_EQ(RowsContaining("child", "nhs_index", number), "0");
    EXPECT_EQ(RowsContaining("cre_case", "child_details", number), "0");
  }
  EXPECT_EQ(RowsContaining("cre_case", "child_details", kName), "0");
  EXPECT_EQ(RowsContaining("cre_case", "child_facts", "2013-11-09"), "0");
  EXPECT_EQ(RowsContaining("child", "facts", "2013-11-09"), "0");
  EXPECT_EQ(RowsContaining("message", "body", kNarrative), "0");
  EXPECT_EQ(RowsContaining("message", "body", "Ostrakov"), "0");
  // A case's assessments and events, each a row of its own.
  v1::RecordRiskAssessmentRequest assessment;
  assessment.set_idempotency_key("assessed");
  *assessment.mutable_governance() = testing::TestGovernance();
  assessment.set_case_id(receipt.case_id());
  *assessment.mutable_assessment()->mutable_assessed_at() =
      google::protobuf::util::TimeUtil::SecondsToTimestamp(absl::ToUnixSeconds(absl::Now()));
  assessment.mutable_assessment()->set_level(v1::RISK_LEVEL_MEDIUM);
  assessment.mutable_assessment()->set_assessor_role(v1::PRACTITIONER_ROLE_PARTNER_PRACTITIONER);
  assessment.mutable_assessment()->set_narrative(kNarrative);
  grpc::ClientContext context;
  v1::SubmitResponse recorded;
  ASSERT_TRUE(v1::Referrals::NewStub(hub_.ChannelFor("derby-health"))
                  ->RecordRiskAssessment(&context, assessment, &recorded)
                  .ok());
  EXPECT_EQ(hub_.database().QueryString("SELECT COUNT(*) FROM case_entry"), "1");
  EXPECT_EQ(RowsContaining("case_entry", "body", "Ostrakov"), "0");
  // Each value names the key that sealed it: version 1, then the key id.
  EXPECT_EQ(hub_.database().QueryString("SELECT HEX(SUBSTR(details, 1, 1)) FROM child"), "01");
  EXPECT_EQ(hub_.database().QueryString("SELECT SUBSTR(details, 3, 1) FROM child"), "k");
}

TEST_F(EncryptionAtRestTest, AValueMovedToAnotherRowIsRefusedNotServed) {
  const v1::SubmitResponse first = Submit("a", "Alpha");
  const v1::SubmitResponse second = Submit("b", "Beta");
  // An insider swaps the children's details.
  hub_.database().Execute(
      "UPDATE child a JOIN child b ON a.child_id < b.child_id"
      " SET a.details = b.details, b.details = a.details");
  // DATA_LOSS, naming the column (and no personal data): the stored value is
  // not this row's.
  grpc::Status status = Read(first.case_id());
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DATA_LOSS);
  EXPECT_THAT(status.error_message(), ::testing::HasSubstr("child.details of"));
  EXPECT_EQ(Read(second.case_id()).error_code(), grpc::StatusCode::DATA_LOSS);
}

}  // namespace
}  // namespace cre
