// The delivery side of the MySQL store, driven directly: leases, expiry and
// backoff, dead letters and their requeue, and concurrent claims.
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "store/mysql/mysql_store.h"
#include "support/test_database.h"
#include "support/test_environment.h"

namespace cre::mysql {
namespace {

using ::cre::testing::TestDatabase;
using ::testing::SizeIs;

v1::Agency Agency(const std::string& id, v1::AgencyRole role) {
  v1::Agency agency;
  agency.set_id(id);
  agency.set_display_name(id);
  agency.set_role(role);
  return agency;
}

class DeliveryStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(store_.SyncAgencies({Agency("sender", v1::HEALTH), Agency("pru", v1::POLICE_REFERRAL_UNIT)}).ok());
  }

  // A report without a case, routed to the PRU.
  std::string SubmitReport(const std::string& key) {
    Submission s;
    s.sender_agency_id = "sender";
    s.method = "SubmitOperationLibertyReport";
    s.idempotency_key = key;
    s.request_sha256 = key;
    s.message.set_kind(v1::MESSAGE_KIND_OPERATION_LIBERTY_REPORT);
    s.message.mutable_operation_liberty_report()->set_narrative("n");
    s.accepted_at = absl::Now();
    absl::StatusOr<v1::SubmitResponse> receipt = store_.Accept(
        s, [](const CaseView*, const RepliedMessage*) -> absl::StatusOr<Routing> {
          Routing routing;
          routing.recipients = {"pru"};
          return routing;
        });
    EXPECT_TRUE(receipt.ok()) << receipt.status();
    return receipt.ok() ? receipt->message_id() : "";
  }

  std::vector<v1::RoutedMessage> Claim(const std::string& owner, int limit, const DeliveryPolicy& policy) {
    absl::StatusOr<std::vector<v1::RoutedMessage>> claimed = store_.ClaimDeliveries("pru", owner, limit, policy);
    EXPECT_TRUE(claimed.ok()) << claimed.status();
    return claimed.ok() ? *claimed : std::vector<v1::RoutedMessage>{};
  }

  TestDatabase db_;
  MysqlStore store_{db_.settings(), 4, testing::TestCipher()};
};

TEST_F(DeliveryStoreTest, ALeasedDeliveryIsNotHandedOutAgainUntilItsLeaseEnds) {
  SubmitReport("a");
  DeliveryPolicy policy;
  ASSERT_THAT(Claim("stream-1", 10, policy), SizeIs(1));
  EXPECT_THAT(Claim("stream-2", 10, policy), SizeIs(0));
}

TEST_F(DeliveryStoreTest, ReleasedLeasesAreDueAtOnce) {
  SubmitReport("a");
  DeliveryPolicy policy;
  ASSERT_THAT(Claim("stream-1", 10, policy), SizeIs(1));
  EXPECT_EQ(*store_.ReleaseLeases("stream-1", policy), 1);
  std::vector<v1::RoutedMessage> again = Claim("stream-2", 10, policy);
  ASSERT_THAT(again, SizeIs(1));
  EXPECT_EQ(again[0].redelivery_count(), 1);
}

TEST_F(DeliveryStoreTest, AnExpiredLeaseWaitsOutItsBackoff) {
  SubmitReport("a");
  DeliveryPolicy policy;
  policy.lease = absl::Milliseconds(1);
  policy.initial_backoff = absl::Seconds(30);
  ASSERT_THAT(Claim("stream-1", 10, policy), SizeIs(1));
  absl::SleepFor(absl::Milliseconds(20));
  EXPECT_EQ(*store_.ExpireLeases(policy), 1);
  // Pending again, but not before its backoff.
  EXPECT_THAT(Claim("stream-1", 10, policy), SizeIs(0));
  EXPECT_THAT(*store_.RecipientsWithDueDeliveries(), SizeIs(0));
  db_.Execute("UPDATE delivery SET next_attempt_at = NOW(6)");  // time passes
  EXPECT_THAT(*store_.RecipientsWithDueDeliveries(), ::testing::ElementsAre("pru"));
  EXPECT_THAT(Claim("stream-1", 10, policy), SizeIs(1));
}

TEST_F(DeliveryStoreTest, TooManyAttemptsDeadLetterTheDeliveryUntilRequeued) {
  const std::string message_id = SubmitReport("a");
  DeliveryPolicy policy;
  policy.lease = absl::Milliseconds(1);
  policy.initial_backoff = absl::Milliseconds(1);
  policy.max_attempts = 2;
  for (int attempt = 1; attempt <= 2; ++attempt) {
    ASSERT_THAT(Claim("stream", 10, policy), SizeIs(1)) << "attempt " << attempt;
    absl::SleepFor(absl::Milliseconds(20));
    ASSERT_EQ(*store_.ExpireLeases(policy), 1);
    absl::SleepFor(absl::Milliseconds(5));
  }
  EXPECT_THAT(Claim("stream", 10, policy), SizeIs(0));
  absl::StatusOr<std::vector<DeadDelivery>> dead = store_.ListDeadDeliveries(10);
  ASSERT_TRUE(dead.ok()) << dead.status();
  ASSERT_THAT(*dead, SizeIs(1));
  EXPECT_EQ((*dead)[0].message_id, message_id);
  EXPECT_EQ((*dead)[0].recipient_agency_id, "pru");
  EXPECT_EQ((*dead)[0].attempts, 2);
  EXPECT_EQ((*dead)[0].kind, v1::MESSAGE_KIND_OPERATION_LIBERTY_REPORT);

  EXPECT_EQ(*store_.RequeueDeadDeliveries({(*dead)[0].delivery_id}), 1);
  std::vector<v1::RoutedMessage> back = Claim("stream", 10, policy);
  ASSERT_THAT(back, SizeIs(1));
  EXPECT_EQ(back[0].redelivery_count(), 0);  // attempts start again
}

TEST_F(DeliveryStoreTest, AcknowledgedDeliveriesAreDoneAndAcknowledgingTwiceIsHarmless) {
  SubmitReport("a");
  DeliveryPolicy policy;
  std::vector<v1::RoutedMessage> claimed = Claim("s", 10, policy);
  ASSERT_THAT(claimed, SizeIs(1));
  EXPECT_EQ(*store_.Acknowledge("pru", {claimed[0].delivery_id()}), 1);
  EXPECT_EQ(*store_.Acknowledge("pru", {claimed[0].delivery_id()}), 0);
  EXPECT_EQ(*store_.ReleaseLeases("s", policy), 0);
  EXPECT_THAT(Claim("s", 10, policy), SizeIs(0));
  // Not addressed to the sender: NOT_FOUND, and nothing changes.
  EXPECT_EQ(store_.Acknowledge("sender", {claimed[0].delivery_id()}).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(DeliveryStoreTest, ConcurrentClaimsNeverShareADelivery) {
  constexpr int kReports = 60;
  for (int i = 0; i < kReports; ++i) SubmitReport(absl::StrCat("r", i));
  DeliveryPolicy policy;
  std::vector<std::vector<v1::RoutedMessage>> per_stream(4);
  std::vector<std::thread> streams;
  for (int s = 0; s < 4; ++s) {
    streams.emplace_back([&, s] {
      for (int round = 0; round < 10; ++round) {
        absl::StatusOr<std::vector<v1::RoutedMessage>> claimed =
            store_.ClaimDeliveries("pru", absl::StrCat("stream-", s), 3, policy);
        if (claimed.ok()) per_stream[s].insert(per_stream[s].end(), claimed->begin(), claimed->end());
      }
    });
  }
  for (std::thread& t : streams) t.join();
  // SKIP LOCKED lets a stream come away empty while others hold rows, so
  // whatever the rounds left is claimed now: the property under test is
  // that no delivery went to two streams, not how the work was shared.
  while (true) {
    std::vector<v1::RoutedMessage> rest = Claim("stream-final", 10, policy);
    if (rest.empty()) break;
    per_stream[0].insert(per_stream[0].end(), rest.begin(), rest.end());
  }
  std::set<int64_t> seen;
  size_t total = 0;
  for (const auto& claimed : per_stream) {
    for (const v1::RoutedMessage& m : claimed) {
      EXPECT_TRUE(seen.insert(m.delivery_id()).second) << "delivery " << m.delivery_id() << " claimed twice";
      ++total;
    }
  }
  EXPECT_EQ(total, static_cast<size_t>(kReports));
}

}  // namespace
}  // namespace cre::mysql
