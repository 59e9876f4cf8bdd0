// Oversight.ListRecordAccesses over gRPC: the hub's own Children's Social
// Care and CPM service list who looked at a child's record, whether or not
// they are involved with the case; every other agency, another authority
// included, is refused PERMISSION_DENIED, and the refusal is in the audit
// chain like any other. Reading the list is itself an access.
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "cre/v1/oversight.grpc.pb.h"
#include "cre/v1/referrals.grpc.pb.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/time_util.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "store/mysql/mysql_store.h"
#include "support/audit_records.h"
#include "support/test_environment.h"
#include "support/test_governance.h"
#include "support/test_hub.h"

namespace cre {
namespace {

using ::cre::testing::TestHub;
using ::google::protobuf::util::TimeUtil;
using ::testing::HasSubstr;

class RecordAccessApiTest : public ::testing::Test {
 protected:
  // A LOW concern from the school: routed to no one, so the school is the
  // only agency involved with the case.
  std::string OpenCase() {
    v1::SubmitConcernRequest request;
    request.set_idempotency_key("open");
    *request.mutable_governance() = testing::TestGovernance();
    v1::NewChild* child = request.mutable_new_child();
    child->mutable_details()->set_given_name("Alex");
    child->mutable_child()->set_date_of_birth("2013-06-17");
    child->mutable_child()->set_open_plan(v1::OPEN_PLAN_NONE);
    child->mutable_child()->set_home_authority_code("E06000015");
    request.mutable_concern()->set_indicated_level(v1::RISK_LEVEL_LOW);
    request.mutable_concern()->set_narrative("n");
    *request.mutable_concern()->mutable_identified_at() =
        TimeUtil::SecondsToTimestamp(absl::ToUnixSeconds(absl::Now() - absl::Hours(1)));
    grpc::ClientContext context;
    v1::SubmitResponse response;
    grpc::Status status =
        v1::Referrals::NewStub(hub_.ChannelFor("derby-school-ashgrove"))->SubmitConcern(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.case_id();
  }

  grpc::Status GetCase(const std::string& agency, const std::string& case_id) {
    grpc::ClientContext context;
    v1::GetCaseRequest request;
    request.set_case_id(case_id);
    v1::GetCaseResponse response;
    return v1::Referrals::NewStub(hub_.ChannelFor(agency))->GetCase(&context, request, &response);
  }

  grpc::Status List(const std::string& agency, const v1::ListRecordAccessesRequest& request,
                    v1::ListRecordAccessesResponse* response) {
    grpc::ClientContext context;
    return v1::Oversight::NewStub(hub_.ChannelFor(agency))->ListRecordAccesses(&context, request, response);
  }

  // Waits until `count` accesses are indexed (the hub seals its journal
  // within milliseconds, and only sealed records are listed), without
  // listing them: a list is itself an access.
  void AwaitIndexed(int count) {
    const absl::Time deadline = absl::Now() + absl::Seconds(10);
    while (hub_.database().QueryString("SELECT COUNT(*) FROM audit_access") != std::to_string(count) &&
           absl::Now() < deadline) {
      absl::SleepFor(absl::Milliseconds(20));
    }
  }

  v1::ListRecordAccessesResponse ListOk(const std::string& agency, const v1::ListRecordAccessesRequest& request) {
    v1::ListRecordAccessesResponse response;
    grpc::Status status = List(agency, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }

  // The sealed audit records of `kind`.
  std::vector<v1::AuditRecord> Sealed(v1::AuditEventKind kind) {
    mysql::MysqlStore store(hub_.database().settings(), 1, testing::TestCipher());
    return testing::SealedRecordsOfKind(store, kind);
  }

  TestHub hub_;
};

TEST_F(RecordAccessApiTest, TheOwningAuthoritysCscAndCpmListWhoReadTheCase) {
  const std::string case_id = OpenCase();
  ASSERT_FALSE(case_id.empty());
  ASSERT_TRUE(GetCase("derby-school-ashgrove", case_id).ok());

  v1::ListRecordAccessesRequest of_case;
  of_case.set_case_id(case_id);
  // Children's Social Care is not involved with the case: the record is
  // the authority's, and so is the question who looked at it.
  AwaitIndexed(1);
  v1::ListRecordAccessesResponse listed = ListOk("derby-csc", of_case);
  ASSERT_EQ(listed.accesses_size(), 1);
  EXPECT_EQ(listed.accesses(0).kind(), v1::AUDIT_EVENT_KIND_CASE_READ);
  EXPECT_EQ(listed.accesses(0).agency_id(), "derby-school-ashgrove");
  EXPECT_EQ(listed.accesses(0).case_id(), case_id);
  EXPECT_TRUE(listed.complete());
  ASSERT_FALSE(listed.child_id().empty());

  // The CPM service, by the child: the CSC's read of the list is there now,
  // newest first.
  v1::ListRecordAccessesRequest of_child;
  of_child.set_child_id(listed.child_id());
  AwaitIndexed(2);
  v1::ListRecordAccessesResponse by_child = ListOk("derby-cpm", of_child);
  ASSERT_GE(by_child.accesses_size(), 2);
  EXPECT_EQ(by_child.accesses(0).kind(), v1::AUDIT_EVENT_KIND_ACCESS_LOG_READ);
  EXPECT_EQ(by_child.accesses(0).agency_id(), "derby-csc");
  EXPECT_EQ(by_child.accesses(0).method(), "/cre.v1.Oversight/ListRecordAccesses");
  EXPECT_EQ(by_child.accesses(1).kind(), v1::AUDIT_EVENT_KIND_CASE_READ);
  EXPECT_THAT(by_child.case_ids(), ::testing::ElementsAre(case_id));
}

TEST_F(RecordAccessApiTest, EveryOtherAgencyIsRefusedAndTheRefusalIsRecorded) {
  const std::string case_id = OpenCase();
  ASSERT_FALSE(case_id.empty());
  v1::ListRecordAccessesRequest of_case;
  of_case.set_case_id(case_id);
  // The school is involved with the case; Derbyshire is another authority,
  // which may be the home authority of a child placed here: neither is the
  // owning authority's CSC or CPM service.
  const std::vector<std::string> refused = {"derby-school-ashgrove", "derby-health", "derby-pru",
                                            "derby-early-help",      "derby-iro",    "derbyshire-cc"};
  for (const std::string& agency : refused) {
    v1::ListRecordAccessesResponse response;
    grpc::Status status = List(agency, of_case, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED) << agency;
    EXPECT_THAT(status.error_message(), HasSubstr("may not call ListRecordAccesses")) << agency;
    EXPECT_EQ(response.accesses_size(), 0);
  }

  std::vector<v1::AuditRecord> records;
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while ((records = Sealed(v1::AUDIT_EVENT_KIND_CALL_REFUSED)).size() < refused.size() && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  std::vector<std::string> actors;
  for (const v1::AuditRecord& record : records) {
    actors.push_back(record.actor_agency_id());
    EXPECT_EQ(record.method(), "/cre.v1.Oversight/ListRecordAccesses");
    EXPECT_EQ(record.status_code(), "PERMISSION_DENIED");
  }
  EXPECT_THAT(actors, ::testing::UnorderedElementsAreArray(refused));
  // No list was read.
  EXPECT_TRUE(Sealed(v1::AUDIT_EVENT_KIND_ACCESS_LOG_READ).empty());
}

}  // namespace
}  // namespace cre
