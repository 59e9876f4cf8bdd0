// W3C trace context end to end (issue 27), on a real hub over mTLS: a
// traceparent in a submission's metadata is continued in a span of the
// hub's own, which the call's log line names, which the recipient receives
// with the message and which the client gets back in the response's
// initial metadata; without one, or with one that is not valid, the hub
// begins a trace of its own. A client cannot set the hub's span for it.
#include <algorithm>
#include <iostream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/trace_context.h"
#include "cre/v1/referrals.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "spdlog/spdlog.h"
#include "support/inbox_stream.h"
#include "support/log_capture.h"
#include "support/test_governance.h"
#include "support/test_hub.h"

namespace cre {
namespace {

using ::cre::testing::CapturingSink;
using ::cre::testing::InboxStream;
using ::cre::testing::TestHub;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kTraceId[] = "4bf92f3577b34da6a3ce929d0e0e4736";
constexpr char kCallersSpan[] = "00f067aa0ba902b7";

class TracingTest : public ::testing::Test {
 protected:
  void SetUp() override { spdlog::default_logger()->sinks().push_back(sink_); }
  void TearDown() override {
    auto& sinks = spdlog::default_logger()->sinks();
    sinks.erase(std::remove(sinks.begin(), sinks.end(), sink_), sinks.end());
  }

  // An Operation Liberty report from Health (to the PRU), with `metadata`;
  // returns the traceparent the hub sent back in its initial metadata.
  std::string Submit(const std::string& key, const std::vector<std::pair<std::string, std::string>>& metadata) {
    v1::SubmitOperationLibertyReportRequest request;
    request.set_idempotency_key(key);
    *request.mutable_governance() = testing::TestGovernance();
    request.mutable_report()->add_places()->set_address("a");
    request.mutable_report()->set_narrative("n");
    grpc::ClientContext context;
    for (const auto& [name, value] : metadata) context.AddMetadata(name, value);
    v1::SubmitResponse receipt;
    const grpc::Status status =
        v1::Referrals::NewStub(hub_.ChannelFor("derby-health"))->SubmitOperationLibertyReport(&context, request, &receipt);
    EXPECT_TRUE(status.ok()) << status.error_message();
    auto returned = context.GetServerInitialMetadata().find("traceparent");
    if (returned == context.GetServerInitialMetadata().end()) return "";
    return std::string(returned->second.data(), returned->second.size());
  }

  // The call log lines of SubmitOperationLibertyReport.
  std::vector<std::string> SubmitLines() {
    std::vector<std::string> lines;
    for (const std::string& line : sink_->Lines()) {
      if (absl::StartsWith(line, "call ") && absl::StrContains(line, "SubmitOperationLibertyReport")) {
        lines.push_back(line);
      }
    }
    return lines;
  }

  std::shared_ptr<CapturingSink> sink_ = std::make_shared<CapturingSink>();
  TestHub hub_;
};

TEST_F(TracingTest, ACallersTraceIsLoggedReturnedAndCarriedToTheRecipient) {
  InboxStream pru(hub_.ChannelFor("derby-pru"));
  const std::string returned =
      Submit("traced", {{"traceparent", absl::StrCat("00-", kTraceId, "-", kCallersSpan, "-01")}});
  absl::optional<TraceParent> hub_span = ParseTraceparent(returned);
  ASSERT_TRUE(hub_span.has_value()) << "the hub returns its traceparent: " << returned;
  EXPECT_EQ(hub_span->trace_id, kTraceId);
  EXPECT_NE(hub_span->parent_id, kCallersSpan) << "the hub's own span, a child of the caller's";

  absl::optional<v1::RoutedMessage> received = pru.Next();
  ASSERT_TRUE(received.has_value());
  EXPECT_EQ(received->traceparent(), returned);

  const std::vector<std::string> lines = SubmitLines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_THAT(lines[0], HasSubstr(absl::StrCat("\"trace\":\"", returned, "\"")));
  EXPECT_THAT(lines[0], HasSubstr(absl::StrCat("\"parent_span\":\"", kCallersSpan, "\"")));
  std::cout << "the hub logged: " << lines[0] << "\n";
}

TEST_F(TracingTest, WithoutATraceparentTheHubBeginsATrace) {
  InboxStream pru(hub_.ChannelFor("derby-pru"));
  const std::string returned = Submit("untraced", {});
  absl::optional<TraceParent> hub_span = ParseTraceparent(returned);
  ASSERT_TRUE(hub_span.has_value()) << returned;
  EXPECT_NE(hub_span->trace_id, kTraceId);
  absl::optional<v1::RoutedMessage> received = pru.Next();
  ASSERT_TRUE(received.has_value());
  EXPECT_EQ(received->traceparent(), returned);
  const std::vector<std::string> lines = SubmitLines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_THAT(lines[0], HasSubstr(absl::StrCat("\"trace\":\"", returned, "\"")));
  EXPECT_THAT(lines[0], HasSubstr("\"parent_span\":\"\""));
}

TEST_F(TracingTest, AnInvalidTraceparentIsTreatedAsAbsentAndTheHubsSpanCannotBeForged) {
  InboxStream pru(hub_.ChannelFor("derby-pru"));
  const std::string forged = absl::StrCat("00-", kTraceId, "-", kCallersSpan, "-01");
  const std::string returned =
      Submit("forged", {{"traceparent", absl::StrCat("00-", kTraceId, "-0000000000000000-01")},
                        {"cre-hub-traceparent", forged}});
  absl::optional<TraceParent> hub_span = ParseTraceparent(returned);
  ASSERT_TRUE(hub_span.has_value()) << returned;
  EXPECT_NE(hub_span->trace_id, kTraceId) << "an all-zero parent-id makes the traceparent invalid";
  absl::optional<v1::RoutedMessage> received = pru.Next();
  ASSERT_TRUE(received.has_value());
  EXPECT_EQ(received->traceparent(), returned);
  EXPECT_NE(received->traceparent(), forged);
  EXPECT_THAT(SubmitLines(), Not(Contains(HasSubstr(kTraceId))));
}

}  // namespace
}  // namespace cre
