// A dead letter as the people who run the hub meet it, end to end (issue
// 27): a real hub with /metrics and alerting, mailing a real SMTP server
// (python3-aiosmtpd on loopback). The Police Referral Unit's system takes a
// report and never acknowledges it; after the config's attempts the
// delivery is dead-lettered, and at once the sender's inbox receives the
// hub's non-delivery report, the operators receive one mail, and a scrape
// shows the dead letter, in text promtool accepts. An operator's requeue
// clears the alert with one more mail, held for the digest.
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "cre/v1/referrals.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "support/inbox_stream.h"
#include "support/metrics_scrape.h"
#include "support/smtp_sink.h"
#include "support/test_governance.h"
#include "support/test_hub.h"

namespace cre {
namespace {

using ::cre::testing::InboxStream;
using ::cre::testing::Promtool;
using ::cre::testing::SampleValue;
using ::cre::testing::Scrape;
using ::cre::testing::SmtpSink;
using ::cre::testing::TestHub;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kOps[] = "ops@derby.example";
constexpr char kDeadAtPru[] = "cre_deliveries{agency=\"derby-pru\",state=\"dead\"}";

// Two one-second attempts, then dead; metrics on a free port; alerts
// evaluated every second and mailed to the operators.
void Operated(const SmtpSink& sink, v1::HubConfig& config) {
  config.mutable_delivery()->set_lease_seconds(1);
  config.mutable_delivery()->set_max_attempts(2);
  config.mutable_delivery()->set_initial_backoff_ms(100);
  config.mutable_delivery()->set_max_backoff_seconds(1);
  config.mutable_delivery()->set_poll_interval_ms(100);
  config.mutable_metrics()->set_listen_address("127.0.0.1:0");
  v1::AlertingConfig* alerting = config.mutable_alerting();
  alerting->mutable_smtp()->set_url(sink.url());
  alerting->mutable_smtp()->set_from("cre-hub@derby.example");
  alerting->mutable_smtp()->set_timeout_seconds(10);
  alerting->set_console_url("https://localhost:8443/");
  alerting->add_operators(kOps);
  alerting->set_liveness_after_seconds(900);  // TestHub completes the config before this
  alerting->set_evaluate_interval_seconds(1);
  alerting->set_digest_interval_seconds(3600);
}

TEST(DeadLetterOperationsTest, TheSenderGetsAReportTheOperatorsAMailAndTheMetricsShowIt) {
  SmtpSink sink;
  TestHub hub([&sink](v1::HubConfig& config) { Operated(sink, config); });
  InboxStream health(hub.ChannelFor("derby-health"));
  auto pru = std::make_unique<InboxStream>(hub.ChannelFor("derby-pru"));
  EXPECT_EQ(SampleValue(Scrape(hub.metrics_port()), kDeadAtPru), "");

  v1::SubmitOperationLibertyReportRequest request;
  request.set_idempotency_key("dead-letter-operations");
  *request.mutable_governance() = testing::TestGovernance();
  request.mutable_report()->add_places()->set_address("The underpass by the bus station");
  request.mutable_report()->set_narrative("Children gathered here late at night.");
  grpc::ClientContext context;
  v1::SubmitResponse receipt;
  ASSERT_TRUE(v1::Referrals::NewStub(hub.ChannelFor("derby-health"))
                  ->SubmitOperationLibertyReport(&context, request, &receipt)
                  .ok());
  // Taken twice, never acknowledged.
  ASSERT_TRUE(pru->Next().has_value());
  ASSERT_TRUE(pru->Next().has_value());

  // The report, to the sender's own inbox.
  absl::optional<v1::RoutedMessage> report = health.Next(absl::Seconds(15));
  ASSERT_TRUE(report.has_value()) << "no non-delivery report reached the sender";
  EXPECT_EQ(report->kind(), v1::MESSAGE_KIND_NON_DELIVERY_REPORT);
  EXPECT_EQ(report->non_delivery_report().undelivered_message_id(), receipt.message_id());
  EXPECT_EQ(report->non_delivery_report().recipient_agency_id(), "derby-pru");
  EXPECT_EQ(report->non_delivery_report().reason(), "not acknowledged after 2 attempts");
  ASSERT_TRUE(testing::Acknowledge(hub.ChannelFor("derby-health"), {report->delivery_id()}).ok());

  // The mail, to the operators: one, naming the agency and no content.
  std::vector<SmtpSink::Message> mails = sink.WaitForMessages(1, absl::Seconds(20));
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_EQ(mails[0].rcpt_to, kOps);
  EXPECT_EQ(mails[0].subject, "[CRE hub] RAISED: Dead letters for derby-pru: 1");
  EXPECT_THAT(mails[0].body, HasSubstr("https://localhost:8443/#/deliveries"));
  EXPECT_THAT(mails[0].raw, Not(HasSubstr("underpass")));
  EXPECT_THAT(mails[0].raw, Not(HasSubstr("Children gathered")));
  std::cout << "----- mail as received\n" << mails[0].raw << "-----\n";

  // The metric, in text promtool accepts.
  const std::string text = Scrape(hub.metrics_port());
  EXPECT_EQ(SampleValue(text, kDeadAtPru), "1");
  EXPECT_EQ(Promtool(text), std::make_pair(0, std::string()));
  for (const char* family : {"cre_deliveries{", "cre_delivery_oldest", "cre_agency_"}) {
    for (absl::string_view line : absl::StrSplit(text, '\n')) {
      if (absl::StartsWith(line, family)) std::cout << line << "\n";
    }
  }

  // Requeued by an operator (with the PRU's system stopped, so that it is
  // not dead-lettered again): the metric drops at once; the clearing waits
  // for the digest, so no second mail within the hour.
  pru.reset();
  hub.database().Execute("UPDATE delivery SET state = 'PENDING', attempts = 0 WHERE state = 'DEAD'");
  EXPECT_NE(SampleValue(Scrape(hub.metrics_port()), kDeadAtPru), "1");
  absl::SleepFor(absl::Seconds(3));
  EXPECT_EQ(sink.Messages().size(), 1u);
  EXPECT_EQ(hub.database().QueryString("SELECT COUNT(*) FROM alert_mail WHERE sent_at IS NULL"), "1");
}

}  // namespace
}  // namespace cre
