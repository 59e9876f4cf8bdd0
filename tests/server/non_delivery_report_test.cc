// Non-delivery reports end to end (issue 27), on a real hub over mTLS: a
// recipient that never acknowledges has its delivery dead-lettered after the
// config's max_attempts, and the sender's own inbox stream receives the
// hub's report saying which message did not reach whom, and why, with the
// trace of the call that submitted it.
#include <iostream>
#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "cre/v1/referrals.grpc.pb.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
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

constexpr char kCallersTrace[] = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

// One short attempt after another: dead after the second, within seconds.
void ShortLeases(v1::HubConfig& config) {
  config.mutable_delivery()->set_lease_seconds(1);
  config.mutable_delivery()->set_max_attempts(2);
  config.mutable_delivery()->set_initial_backoff_ms(100);
  config.mutable_delivery()->set_max_backoff_seconds(1);
  config.mutable_delivery()->set_poll_interval_ms(100);
}

TEST(NonDeliveryReportTest, TheSenderReceivesAReportWhenItsRecipientNeverAcknowledges) {
  TestHub hub(&ShortLeases);
  InboxStream health(hub.ChannelFor("derby-health"));
  InboxStream pru(hub.ChannelFor("derby-pru"));

  v1::SubmitOperationLibertyReportRequest request;
  request.set_idempotency_key("never-acknowledged");
  *request.mutable_governance() = testing::TestGovernance();
  request.mutable_report()->add_places()->set_address("The underpass by the bus station");
  request.mutable_report()->set_narrative("Children gathered here late at night.");
  grpc::ClientContext context;
  context.AddMetadata("traceparent", kCallersTrace);
  v1::SubmitResponse receipt;
  ASSERT_TRUE(v1::Referrals::NewStub(hub.ChannelFor("derby-health"))
                  ->SubmitOperationLibertyReport(&context, request, &receipt)
                  .ok());

  // The PRU's stream takes it twice and never acknowledges.
  absl::optional<v1::RoutedMessage> first = pru.Next();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->message_id(), receipt.message_id());
  absl::optional<v1::RoutedMessage> second = pru.Next();
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->delivery_id(), first->delivery_id());
  EXPECT_EQ(second->redelivery_count(), 1);

  absl::optional<v1::RoutedMessage> report = health.Next(absl::Seconds(15));
  ASSERT_TRUE(report.has_value()) << "no non-delivery report reached the sender";
  EXPECT_EQ(report->kind(), v1::MESSAGE_KIND_NON_DELIVERY_REPORT);
  EXPECT_TRUE(report->sent_by_hub());
  EXPECT_EQ(report->sender_agency_id(), "");
  EXPECT_EQ(report->case_id(), "");
  EXPECT_TRUE(MessageDifferencer::Equals(report->governance(), hub.config().governance().hub_envelope()))
      << report->governance().DebugString();
  const v1::NonDeliveryReport& ndr = report->non_delivery_report();
  EXPECT_EQ(ndr.undelivered_message_id(), receipt.message_id());
  EXPECT_EQ(ndr.undelivered_kind(), v1::MESSAGE_KIND_OPERATION_LIBERTY_REPORT);
  EXPECT_EQ(ndr.recipient_agency_id(), "derby-pru");
  EXPECT_EQ(ndr.undelivered_delivery_id(), first->delivery_id());
  EXPECT_EQ(ndr.attempts(), 2);
  EXPECT_EQ(ndr.reason(), "not acknowledged after 2 attempts");
  // The submission's trace, as the PRU received it with the message.
  EXPECT_TRUE(absl::StartsWith(first->traceparent(), "00-0af7651916cd43dd8448eb211c80319c-")) << first->traceparent();
  EXPECT_EQ(report->traceparent(), first->traceparent());
  std::cout << "the sender received:\n" << report->DebugString();

  EXPECT_TRUE(testing::Acknowledge(hub.ChannelFor("derby-health"), {report->delivery_id()}).ok());
  EXPECT_FALSE(health.Next(absl::Seconds(2)).has_value()) << "one report, once";
  EXPECT_EQ(hub.database().QueryString("SELECT state FROM delivery WHERE delivery_id = " +
                                       std::to_string(report->delivery_id())),
            "ACKED");
}

}  // namespace
}  // namespace cre
