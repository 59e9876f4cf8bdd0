// The call log and the CALL_REFUSED audit record bound every field a client
// may have chosen, so that no line is huge, split, or dropped.
#include "service/call_record.h"

#include <memory>
#include <string>
#include <vector>

#include "cre/v1/audit.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/log_capture.h"
#include "spdlog/spdlog.h"

namespace cre {
namespace {

using ::testing::HasSubstr;
using ::cre::testing::CapturingSink;
using ::testing::Not;

class CallLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    sink_ = std::make_shared<CapturingSink>();
    spdlog::default_logger()->sinks().push_back(sink_);
  }
  void TearDown() override { spdlog::default_logger()->sinks().pop_back(); }

  std::shared_ptr<CapturingSink> sink_;
};

// What a client can choose: the :path (a method nobody serves), its
// certificate's URIs, and so what a refusal quotes.
v1::CallRecord HugeRecord() {
  v1::CallRecord record;
  record.set_method("/" + std::string(20000, 'm'));
  record.set_code("UNAUTHENTICATED");
  record.set_peer("urn:cre:agency:" + std::string(20000, 'p'));
  record.set_detail("line one\nline two \xff\xfe " + std::string(20000, 'd'));
  return record;
}

TEST_F(CallLogTest, EveryFieldOfALogLineIsBounded) {
  LogCallRecord(HugeRecord());
  const std::vector<std::string> lines = sink_->Lines();
  ASSERT_EQ(lines.size(), 1u) << "the record must be logged, on one line";
  const std::string& line = lines.front();
  EXPECT_LT(line.size(), 2000u);
  EXPECT_THAT(line, HasSubstr("(20001 bytes)"));  // the method
  EXPECT_THAT(line, HasSubstr("(20015 bytes)"));  // the peer
  EXPECT_THAT(line, HasSubstr(R"(line one\\x0aline two \\xff\\xfe ddd)"));
  EXPECT_THAT(line, Not(HasSubstr(std::string(600, 'd'))));
  EXPECT_THAT(line, Not(HasSubstr("\n")));
}

TEST_F(CallLogTest, TheAuditRecordOfARefusalIsBoundedToo) {
  std::vector<v1::AuditRecord> recorded;
  RecordCall(HugeRecord(), [&recorded](v1::AuditRecord record) { recorded.push_back(std::move(record)); });
  ASSERT_EQ(sink_->Lines().size(), 1u);
  EXPECT_LT(sink_->Lines().front().size(), 2000u);
  ASSERT_EQ(recorded.size(), 1u);
  EXPECT_LT(recorded[0].method().size(), 200u);
  EXPECT_LT(recorded[0].detail().size(), 2000u);
  EXPECT_THAT(recorded[0].detail(), HasSubstr("(peer urn:cre:agency:ppp"));
  EXPECT_THAT(recorded[0].detail(), Not(HasSubstr("\n")));
}

TEST_F(CallLogTest, TheHubsOwnTextIsUnchanged) {
  v1::CallRecord record;
  record.set_agency("derby-health");
  record.set_method("/cre.v1.Referrals/SubmitOperationLibertyReport");
  record.set_code("RESOURCE_EXHAUSTED");
  record.set_peer("ipv4:127.0.0.1:40000");
  record.set_detail("rate limit: derby-health may make 50 submissions a second (burst 100); retry after 20ms");
  record.set_trace("00-4bf92f3577b34da6a3ce929d0e0e4736-b7ad6b7169203331-01");
  record.set_parent_span("00f067aa0ba902b7");
  LogCallRecord(record);
  ASSERT_EQ(sink_->Lines().size(), 1u);
  EXPECT_EQ(sink_->Lines().front(),
            "call {\"agency\":\"derby-health\",\"method\":\"/cre.v1.Referrals/SubmitOperationLibertyReport\","
            "\"code\":\"RESOURCE_EXHAUSTED\",\"duration_ms\":0,\"peer\":\"ipv4:127.0.0.1:40000\","
            "\"detail\":\"rate limit: derby-health may make 50 submissions a second (burst 100); retry after 20ms\","
            "\"trace\":\"00-4bf92f3577b34da6a3ce929d0e0e4736-b7ad6b7169203331-01\",\"parent_span\":\"00f067aa0ba902b7\"}");
}

}  // namespace
}  // namespace cre
