// The per-agency rate limit, end to end: a real hub over real mTLS with small
// limits. Calls within the burst are served; the next is refused with
// RESOURCE_EXHAUSTED naming the limit and the wait, before anything is
// written (but for one sampled CALL_REFUSED audit record); other agencies,
// and the same agency's other classes of call, are unaffected; after the
// wait the agency is served again. And the cap on open inbox streams.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "cre/v1/audit.pb.h"
#include "cre/v1/directory.grpc.pb.h"
#include "cre/v1/referrals.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "support/inbox_stream.h"
#include "support/test_hub.h"

namespace cre {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr char kSubmitMethod[] = "/cre.v1.Referrals/SubmitOperationLibertyReport";

class RateLimitTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    hub_ = new testing::TestHub([](v1::HubConfig& config) {
      // One submission every 2 s after a burst of 3, for every agency.
      v1::RateLimitConfig* limits = config.mutable_rate_limit();
      limits->mutable_submissions()->set_per_second(0.5);
      limits->mutable_submissions()->set_burst(3);
      // The PRU may hold one inbox stream open at a time.
      v1::AgencyRateLimit* pru = limits->add_agencies();
      pru->set_agency_id("derby-pru");
      pru->set_max_open_streams(1);
    });
  }
  static void TearDownTestSuite() {
    delete hub_;
    hub_ = nullptr;
  }

  static grpc::Status Submit(const std::string& agency, const std::string& key) {
    return testing::SubmitReport(hub_->ChannelFor(agency), key);
  }

  static grpc::Status WhoAmI(const std::string& agency) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    v1::WhoAmIResponse response;
    return v1::Directory::NewStub(hub_->ChannelFor(agency))->WhoAmI(&context, {}, &response);
  }

  static int Count(const std::string& query) { return std::stoi(hub_->database().QueryString(query)); }

  // The number of sealed audit records that name `agency`, once the hub's
  // sealer has emptied the journal (a journal row holds a whole
  // transaction's records, so only sealed rows can be counted one by one).
  static int SealedAuditNaming(const std::string& agency) {
    for (int i = 0; i < 100 && Count("SELECT COUNT(*) FROM audit_journal") > 0; ++i) {
      absl::SleepFor(absl::Milliseconds(50));
    }
    EXPECT_EQ(Count("SELECT COUNT(*) FROM audit_journal"), 0) << "the sealer left the journal unsealed";
    return Count(absl::StrCat("SELECT COUNT(*) FROM audit_log WHERE record LIKE '%", agency, "%'"));
  }

  // The CALL_REFUSED records of `agency`'s refusals for a rate limit.
  static std::vector<v1::AuditRecord> RateLimitRecords(const std::string& agency) {
    std::vector<v1::AuditRecord> records;
    const std::string where =
        absl::StrCat("record LIKE '%RESOURCE_EXHAUSTED%' AND record LIKE '%", agency, "%'");
    const int n = Count("SELECT COUNT(*) FROM audit_log WHERE " + where);
    for (int i = 0; i < n; ++i) {
      v1::AuditRecord record;
      EXPECT_TRUE(record.ParseFromString(absl::HexStringToBytes(hub_->database().QueryString(
          absl::StrCat("SELECT HEX(record) FROM audit_log WHERE ", where, " ORDER BY seq LIMIT 1 OFFSET ", i)))));
      records.push_back(record);
    }
    return records;
  }

  static testing::TestHub* hub_;
};

testing::TestHub* RateLimitTest::hub_ = nullptr;

TEST_F(RateLimitTest, OverTheBurstIsResourceExhaustedUntilTheWaitIsOver) {
  for (int i = 0; i < 3; ++i) {
    grpc::Status status = Submit("derby-health", absl::StrCat("burst-", i));
    ASSERT_TRUE(status.ok()) << i << ": " << status.error_code() << " " << status.error_message();
  }
  const std::string health_messages = "SELECT COUNT(*) FROM message WHERE sender_agency_id = 'derby-health'";
  const std::string health_keys = "SELECT COUNT(*) FROM idempotency WHERE agency_id = 'derby-health'";
  const int messages_before = Count(health_messages);
  const int keys_before = Count(health_keys);
  const int audit_before = SealedAuditNaming("derby-health");
  ASSERT_EQ(messages_before, 3);

  // A flood: each call refused at once, with its own code and the limit.
  constexpr int kRefused = 5;
  const absl::Time flood_start = absl::Now();
  grpc::Status refused;
  for (int i = 0; i < kRefused; ++i) {
    refused = Submit("derby-health", absl::StrCat("flood-", i));
    ASSERT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << i << ": " << refused.error_message();
    EXPECT_THAT(refused.error_message(),
                StartsWith("rate limit: derby-health may make 0.5 submissions a second (burst 3); retry after "));
  }
  const absl::Duration flood_took = absl::Now() - flood_start;

  // The same agency may still read; another agency may still submit.
  EXPECT_TRUE(WhoAmI("derby-health").ok());
  grpc::Status other = Submit("derby-school-ashgrove", "other-agency");
  EXPECT_TRUE(other.ok()) << other.error_code() << " " << other.error_message();

  // Nothing was written for the refused calls but the sampled audit record,
  // which is written off the call's thread: wait for it.
  std::vector<v1::AuditRecord> records;
  for (int i = 0; i < 100 && records.empty(); ++i) {
    absl::SleepFor(absl::Milliseconds(50));
    records = RateLimitRecords("derby-health");
  }
  absl::SleepFor(absl::Milliseconds(300));  // time for any record that should not be there
  records = RateLimitRecords("derby-health");
  ASSERT_FALSE(records.empty()) << "no CALL_REFUSED record of the rate limit";
  // One record per agency and class per second of refusals.
  EXPECT_LE(records.size(), 1 + static_cast<size_t>(absl::ToInt64Seconds(flood_took)))
      << "refusals took " << flood_took;
  EXPECT_EQ(records[0].kind(), v1::AUDIT_EVENT_KIND_CALL_REFUSED);
  EXPECT_EQ(records[0].actor_agency_id(), "derby-health");
  EXPECT_EQ(records[0].method(), kSubmitMethod);
  EXPECT_EQ(records[0].status_code(), "RESOURCE_EXHAUSTED");
  EXPECT_THAT(records[0].detail(), HasSubstr("rate limit: derby-health may make 0.5 submissions a second"));
  EXPECT_EQ(Count(health_messages), messages_before);
  EXPECT_EQ(Count(health_keys), keys_before);
  EXPECT_EQ(SealedAuditNaming("derby-health"), audit_before + static_cast<int>(records.size()));

  // After the wait the message gave, the agency is served again.
  const std::string message = refused.error_message();
  absl::Duration wait;
  ASSERT_TRUE(absl::ParseDuration(message.substr(message.rfind(' ') + 1), &wait)) << message;
  EXPECT_GT(wait, absl::ZeroDuration());
  EXPECT_LE(wait, absl::Seconds(2));
  absl::SleepFor(wait + absl::Milliseconds(50));
  grpc::Status again = Submit("derby-health", "after-the-wait");
  EXPECT_TRUE(again.ok()) << again.error_code() << " " << again.error_message();
  EXPECT_EQ(Count(health_messages), messages_before + 1);
}

TEST_F(RateLimitTest, StreamsOverTheCapAreRefusedUntilOneEnds) {
  auto first = std::make_unique<testing::InboxStream>(hub_->ChannelFor("derby-pru"));
  // A report reaching the stream shows it is past its handler, so counted.
  ASSERT_TRUE(Submit("derby-police", "for-the-pru").ok());
  absl::optional<v1::RoutedMessage> delivered = first->Next();
  ASSERT_TRUE(delivered.has_value()) << "the PRU's first stream got nothing";

  testing::InboxStream second(hub_->ChannelFor("derby-pru"));
  absl::optional<grpc::Status> ended = second.Ended();
  ASSERT_TRUE(ended.has_value()) << "a second stream of the PRU was not refused";
  EXPECT_EQ(ended->error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << ended->error_message();
  EXPECT_EQ(ended->error_message(),
            "stream limit: derby-pru may hold 1 inbox streams open at once on this hub; "
            "retry after one of them ends");

  // Another agency's stream is not refused.
  testing::InboxStream csc(hub_->ChannelFor("derby-csc"));
  EXPECT_FALSE(csc.Ended(absl::Milliseconds(500)).has_value());

  // When the first stream ends, a new one is served: it gets the report the
  // first never acknowledged. (The count drops when gRPC has destroyed the
  // ended call, a moment after the client sees it end: retry until then.)
  first.reset();
  bool served = false;
  for (int attempt = 0; attempt < 50 && !served; ++attempt) {
    testing::InboxStream next(hub_->ChannelFor("derby-pru"));
    absl::optional<v1::RoutedMessage> redelivered = next.Next(absl::Milliseconds(500));
    if (redelivered.has_value()) {
      // Reports the earlier test left for the PRU may come first: a
      // delivery leased on acceptance can overtake older ones without a
      // case (only a case's messages keep their order).
      bool again = redelivered->delivery_id() == delivered->delivery_id();
      for (int i = 0; i < 20 && !again; ++i) {
        absl::optional<v1::RoutedMessage> more = next.Next(absl::Milliseconds(500));
        if (!more.has_value()) break;
        again = more->delivery_id() == delivered->delivery_id();
      }
      EXPECT_TRUE(again) << "the report the first stream never acknowledged did not come again";
      served = true;
      break;
    }
    absl::optional<grpc::Status> status = next.Ended(absl::Milliseconds(100));
    if (status.has_value()) {
      EXPECT_EQ(status->error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << status->error_message();
    }
    absl::SleepFor(absl::Milliseconds(100));
  }
  EXPECT_TRUE(served) << "no PRU stream was served after the first ended";
}

}  // namespace
}  // namespace cre
