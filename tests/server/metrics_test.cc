// The hub's /metrics end to end: a real hub with metrics on a free loopback
// port takes a submission, a refused call, a rate-limited one and one from a
// certificate of no registered agency, and a
// scrape shows each, the deliveries waiting, the certificates' expiry and
// the database up, in text that `promtool check metrics` (Debian's
// prometheus package) finds no problem with. And with the database
// unreachable, a scrape still answers, promptly, with cre_database_up 0.
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "cre/v1/directory.grpc.pb.h"
#include "cre/v1/referrals.grpc.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/hub_metrics.h"
#include "store/mysql/mysql_store.h"
#include "support/inbox_stream.h"
#include "support/metrics_scrape.h"
#include "support/test_environment.h"
#include "support/test_hub.h"

namespace cre {
namespace {

using ::cre::testing::Promtool;
using ::cre::testing::Scrape;
using ::cre::testing::TestHub;
using ::testing::ContainsRegex;
using ::testing::HasSubstr;
using ::testing::Not;

void WithMetrics(v1::HubConfig& config) {
  config.mutable_metrics()->set_listen_address("127.0.0.1:0");
  config.set_presence_report_interval_ms(100);
  // derby-police may read once: its second WhoAmI is refused.
  v1::AgencyRateLimit* police = config.mutable_rate_limit()->add_agencies();
  police->set_agency_id("derby-police");
  police->mutable_reads()->set_per_second(0.001);
  police->mutable_reads()->set_burst(1);
}

TEST(MetricsTest, AScrapeShowsCallsRefusalsDeliveriesAndCertificatesAndPassesPromtool) {
  TestHub hub(WithMetrics);
  ASSERT_GT(hub.metrics_port(), 0);
  EXPECT_NE(hub.metrics_port(), hub.port());

  // A submission (an Operation Liberty report, for the Police Referral Unit).
  ASSERT_TRUE(testing::SubmitReport(hub.ChannelFor("derby-health"), "metrics-1").ok());
  // A refused call: a case that does not exist.
  {
    auto referrals = v1::Referrals::NewStub(hub.ChannelFor("derby-health"));
    grpc::ClientContext context;
    v1::GetCaseRequest request;
    request.set_case_id("00000000-0000-4000-8000-000000000000");
    v1::GetCaseResponse response;
    EXPECT_EQ(referrals->GetCase(&context, request, &response).error_code(), grpc::StatusCode::NOT_FOUND);
  }
  // A rate-limited call: derby-police's second read.
  auto directory = v1::Directory::NewStub(hub.ChannelFor("derby-police"));
  for (grpc::StatusCode expected : {grpc::StatusCode::OK, grpc::StatusCode::RESOURCE_EXHAUSTED}) {
    grpc::ClientContext context;
    v1::WhoAmIResponse response;
    EXPECT_EQ(directory->WhoAmI(&context, v1::WhoAmIRequest(), &response).error_code(), expected);
  }

  // A certificate of no registered agency: refused before any handler.
  {
    auto stranger = v1::Directory::NewStub(hub.ChannelWith("test/unknown.crt", "test/unknown.key"));
    grpc::ClientContext context;
    v1::WhoAmIResponse response;
    EXPECT_EQ(stranger->WhoAmI(&context, v1::WhoAmIRequest(), &response).error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
  }

  std::string text = Scrape(hub.metrics_port());
  EXPECT_THAT(text, HasSubstr("cre_grpc_server_unauthenticated_total 1\n"));
  EXPECT_THAT(text, Not(HasSubstr("code=\"UNAUTHENTICATED\"")));
  EXPECT_THAT(text, HasSubstr("cre_grpc_server_handled_total{method=\"/cre.v1.Referrals/SubmitOperationLibertyReport\",code=\"OK\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("cre_grpc_server_handled_total{method=\"/cre.v1.Referrals/GetCase\",code=\"NOT_FOUND\"} 1\n"));
  EXPECT_THAT(text,
              HasSubstr("cre_grpc_server_handled_total{method=\"/cre.v1.Directory/WhoAmI\",code=\"RESOURCE_EXHAUSTED\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("cre_grpc_server_agency_handled_total{agency=\"derby-health\",code=\"OK\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("cre_grpc_server_handling_seconds_count{method=\"/cre.v1.Referrals/SubmitOperationLibertyReport\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("cre_grpc_server_handling_seconds_bucket{method=\"/cre.v1.Referrals/SubmitOperationLibertyReport\",le=\"+Inf\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("cre_rate_limit_refusals_total{agency=\"derby-police\",kind=\"reads\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("cre_database_up 1\n"));
  // The report waits for the PRU, which has no stream open.
  EXPECT_THAT(text, HasSubstr("cre_deliveries{agency=\"derby-pru\",state=\"pending\"} 1\n"));
  EXPECT_THAT(text, ContainsRegex("cre_delivery_oldest_undelivered_age_seconds\\{agency=\"derby-pru\"\\} [0-9.e-]+\n"));
  EXPECT_THAT(text, HasSubstr("cre_audit_unsealed_records "));
  EXPECT_THAT(text, HasSubstr("# TYPE cre_actions_overdue gauge\n"));
  EXPECT_THAT(text, ContainsRegex("cre_database_connections_max [1-9]"));
  EXPECT_THAT(text, HasSubstr("cre_database_transaction_retries_total{cause=\"deadlock\"} "));
  // The test PKI's certificates expire in the future.
  EXPECT_THAT(text, ContainsRegex("cre_certificate_expiry_seconds\\{certificate=\"hub\",subject=\"[^\"]+\"\\} [1-9]"));
  EXPECT_THAT(text,
              ContainsRegex("cre_certificate_expiry_seconds\\{certificate=\"client_ca\",subject=\"[^\"]+\"\\} [1-9]"));
  EXPECT_THAT(text, ContainsRegex("cre_certificate_expiry_seconds\\{certificate=\"agency\",agency=\"derby-health\"\\} [1-9]"));
  EXPECT_THAT(text, HasSubstr("process_resident_memory_bytes "));

  // Once reported (every 100 ms), the agencies' liveness is in the store.
  const absl::Time until = absl::Now() + absl::Seconds(10);
  while (absl::Now() < until &&
         text.find("cre_agency_last_seen_age_seconds{agency=\"derby-health\"}") == std::string::npos) {
    absl::SleepFor(absl::Milliseconds(100));
    text = Scrape(hub.metrics_port());
  }
  EXPECT_THAT(text, ContainsRegex("cre_agency_last_seen_age_seconds\\{agency=\"derby-health\"\\} [0-9]"));
  EXPECT_THAT(text, HasSubstr("cre_agency_open_streams{agency=\"derby-health\"} 0\n"));

  const auto [status, said] = Promtool(text);
  EXPECT_EQ(status, 0) << said;
  EXPECT_EQ(said, "") << said;
  // A sample for docs/operations.md.
  std::ofstream(::testing::TempDir() + "/metrics-sample.txt") << text;
  if (const char* keep = std::getenv("CRE_METRICS_SAMPLE")) std::ofstream(keep) << text;
}

TEST(MetricsTest, WithTheDatabaseDownAScrapeStillAnswersPromptly) {
  // Nothing listens on port 1 of loopback: every connection is refused.
  mysql::ConnectionSettings settings;
  settings.host = "127.0.0.1";
  settings.port = 1;
  settings.user = "nobody";
  settings.schema = "none";
  HubMetrics::Sources sources;
  sources.store = std::make_shared<mysql::MysqlStore>(settings, 2, testing::TestCipher());
  sources.store_timeout = absl::Seconds(2);
  HubMetrics metrics(std::move(sources));
  const absl::Time start = absl::Now();
  const std::string text = metrics.Render();
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  EXPECT_THAT(text, HasSubstr("cre_database_up 0\n"));
  EXPECT_THAT(text, HasSubstr("process_cpu_seconds_total "));
  EXPECT_THAT(text, Not(HasSubstr("cre_deliveries{")));
  const auto [status, said] = Promtool(text);
  EXPECT_EQ(status, 0) << said;
}

}  // namespace
}  // namespace cre
