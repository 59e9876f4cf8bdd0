// Alerts and their mail queue on the real MariaDB (mysql_alerts.cc,
// migration 0021): each change of state queued once per mailbox, two stores
// (two hub processes) applying at once queuing each change once, an older
// evaluation applied late changing nothing, and the mail queue's digest
// rule, lease and sent marks, on the hub's clock as the test moves it.
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "alerting/alert_mail.h"
#include "alerting/alerts.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "store/mysql/mysql_store.h"
#include "support/fake_clock.h"
#include "support/test_database.h"
#include "support/test_environment.h"

namespace cre {
namespace {

using ::cre::testing::TestDatabase;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::SizeIs;

constexpr char kOps[] = "ops@derby.example";
constexpr char kOnCall[] = "oncall@derby.example";

alerting::Alert Certificate(const std::string& subject, const std::string& band) {
  alerting::Alert a;
  a.kind = alerting::AlertKind::kCertificateExpiry;
  a.key = "certificate/" + subject;
  a.state = band;
  a.mailboxes = {kOnCall, kOps};
  a.title = absl::StrCat("Certificate ", subject, " band ", band);
  a.text = "renew it";
  return a;
}

class AlertStoreTest : public ::testing::Test {
 protected:
  std::shared_ptr<mysql::MysqlStore> NewStore() {
    return std::make_shared<mysql::MysqlStore>(db_.settings(), 4, testing::TestCipher());
  }
  int Count(const std::string& where) {
    return std::stoi(db_.QueryString(absl::StrCat("SELECT COUNT(*) FROM alert_mail WHERE ", where)));
  }
  Store::AlertChanges Apply(const std::vector<alerting::Alert>& raised, absl::Time now, Store* store = nullptr) {
    absl::StatusOr<Store::AlertChanges> applied = (store ? store : store_.get())->ApplyAlerts(raised, now);
    EXPECT_TRUE(applied.ok()) << applied.status();
    return applied.ok() ? *applied : Store::AlertChanges();
  }
  std::vector<Store::AlertMailClaim> Claim(const std::string& owner, absl::Time now, Store* store = nullptr) {
    absl::StatusOr<std::vector<Store::AlertMailClaim>> claims =
        (store ? store : store_.get())->ClaimAlertMail(owner, now, absl::Hours(1), absl::Minutes(2), 50);
    EXPECT_TRUE(claims.ok()) << claims.status();
    return claims.ok() ? *claims : std::vector<Store::AlertMailClaim>();
  }

  TestDatabase db_;
  std::shared_ptr<mysql::MysqlStore> store_ = NewStore();
  testing::FakeClock clock_;
};

TEST_F(AlertStoreTest, EachChangeOfStateIsQueuedOnceForEachMailbox) {
  const absl::Time t0 = clock_.Now();
  Store::AlertChanges a = Apply({Certificate("CN=hub", "30d")}, t0);
  EXPECT_EQ(a.raised, 1);
  EXPECT_EQ(a.queued, 2);

  // Raised still, in the same state: no news, whatever the number of rounds.
  for (int i = 1; i <= 3; ++i) {
    a = Apply({Certificate("CN=hub", "30d")}, t0 + absl::Minutes(i));
    EXPECT_EQ(a.raised + a.changed + a.cleared + a.queued, 0);
  }
  // Another band: a change.
  a = Apply({Certificate("CN=hub", "14d")}, t0 + absl::Minutes(10));
  EXPECT_EQ(a.changed, 1);
  EXPECT_EQ(a.queued, 2);
  // Renewed: cleared, mailed to those it was raised with.
  a = Apply({}, t0 + absl::Minutes(20));
  EXPECT_EQ(a.cleared, 1);
  EXPECT_EQ(a.queued, 2);
  // Raised again later: a new raise.
  a = Apply({Certificate("CN=hub", "7d")}, t0 + absl::Minutes(30));
  EXPECT_EQ(a.raised, 1);

  EXPECT_EQ(Count("mailbox = 'ops@derby.example'"), 4);
  EXPECT_EQ(Count("mailbox = 'oncall@derby.example'"), 4);
  EXPECT_EQ(Count("change_kind = 'RAISED'"), 4);
  EXPECT_EQ(Count("change_kind = 'CHANGED'"), 2);
  EXPECT_EQ(Count("change_kind = 'CLEARED'"), 2);
}

TEST_F(AlertStoreTest, AnEvaluationOlderThanOneAppliedChangesNothing) {
  const absl::Time t0 = clock_.Now();
  Apply({Certificate("CN=hub", "30d")}, t0 + absl::Minutes(5));
  // Read before the one above, applied after it: it would clear the alert.
  const Store::AlertChanges late = Apply({}, t0);
  EXPECT_TRUE(late.stale);
  EXPECT_EQ(late.cleared, 0);
  EXPECT_EQ(db_.QueryString("SELECT COUNT(*) FROM alert WHERE cleared_at IS NULL"), "1");
}

TEST_F(AlertStoreTest, RefusesAKeyRaisedTwiceOrTooLong) {
  EXPECT_EQ(store_->ApplyAlerts({Certificate("CN=a", "7d"), Certificate("CN=a", "7d")}, clock_.Now()).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->ApplyAlerts({Certificate(std::string(300, 'x'), "7d")}, clock_.Now()).status().code(),
            absl::StatusCode::kInvalidArgument);
}

// Two hub processes evaluate the same state and apply it at the same time,
// round after round: each change is queued once.
TEST_F(AlertStoreTest, TwoProcessesApplyingAtOnceQueueEachChangeOnce) {
  std::shared_ptr<mysql::MysqlStore> other = NewStore();
  const absl::Time t0 = clock_.Now();
  constexpr int kRounds = 12;
  // Round r: certificates 0..r raised (each round raises one more), and in
  // odd rounds certificate 0 in another band.
  auto alerts_of = [](int r) {
    std::vector<alerting::Alert> raised;
    for (int i = 0; i <= r; ++i) {
      raised.push_back(Certificate(absl::StrCat("CN=c", i), i == 0 && r % 2 == 1 ? "7d" : "14d"));
    }
    return raised;
  };
  for (int r = 0; r < kRounds; ++r) {
    const absl::Time at = t0 + absl::Minutes(r);
    std::thread a([&] { Apply(alerts_of(r), at, store_.get()); });
    std::thread b([&] { Apply(alerts_of(r), at, other.get()); });
    a.join();
    b.join();
  }
  // Raised: kRounds certificates; certificate 0 changed in every round after
  // the first (14d, 7d, 14d, ...). Each change to two mailboxes.
  EXPECT_EQ(Count("change_kind = 'RAISED'"), 2 * kRounds);
  EXPECT_EQ(Count("change_kind = 'CHANGED'"), 2 * (kRounds - 1));
  EXPECT_EQ(Count("change_kind = 'CLEARED'"), 0);
}

TEST_F(AlertStoreTest, TheFirstChangeIsMailedAtOnceAndTheNextOnesInOneDigestAnHourLater) {
  const absl::Time t0 = clock_.Now();
  alerting::Alert only_ops = Certificate("CN=hub", "30d");
  only_ops.mailboxes = {kOps};
  Apply({only_ops}, t0);

  std::vector<Store::AlertMailClaim> claims = Claim("hub-a", t0);
  ASSERT_THAT(claims, SizeIs(1));
  EXPECT_EQ(claims[0].mailbox, kOps);
  ASSERT_THAT(claims[0].changes, SizeIs(1));
  EXPECT_EQ(claims[0].changes[0].change, alerting::AlertChange::kRaised);
  EXPECT_EQ(claims[0].changes[0].title, only_ops.title);
  // Leased: another process finds nothing to send.
  EXPECT_THAT(Claim("hub-b", t0), IsEmpty());
  ASSERT_TRUE(store_->MarkAlertMailSent("hub-a", claims[0], t0).ok());
  EXPECT_THAT(Claim("hub-b", t0), IsEmpty());

  // Two changes within the hour: they wait...
  alerting::Alert band14 = only_ops;
  band14.state = "14d";
  Apply({band14}, t0 + absl::Minutes(10));
  alerting::Alert other = Certificate("CN=ca", "30d");
  other.mailboxes = {kOps};
  Apply({band14, other}, t0 + absl::Minutes(40));
  EXPECT_THAT(Claim("hub-a", t0 + absl::Minutes(10)), IsEmpty());
  EXPECT_THAT(Claim("hub-a", t0 + absl::Minutes(59)), IsEmpty());
  // ...and go together an hour after the first mail.
  claims = Claim("hub-b", t0 + absl::Minutes(60));
  ASSERT_THAT(claims, SizeIs(1));
  ASSERT_THAT(claims[0].changes, SizeIs(2));
  EXPECT_EQ(claims[0].changes[0].change, alerting::AlertChange::kChanged);
  EXPECT_EQ(claims[0].changes[1].change, alerting::AlertChange::kRaised);
  // A change queued while the digest is being sent waits for the next one.
  Apply({band14}, t0 + absl::Minutes(61));  // CN=ca cleared
  ASSERT_TRUE(store_->MarkAlertMailSent("hub-b", claims[0], t0 + absl::Minutes(61)).ok());
  EXPECT_THAT(Claim("hub-a", t0 + absl::Minutes(62)), IsEmpty());
  claims = Claim("hub-a", t0 + absl::Minutes(121));
  ASSERT_THAT(claims, SizeIs(1));
  ASSERT_THAT(claims[0].changes, SizeIs(1));
  EXPECT_EQ(claims[0].changes[0].change, alerting::AlertChange::kCleared);
  ASSERT_TRUE(store_->MarkAlertMailSent("hub-a", claims[0], t0 + absl::Minutes(121)).ok());

  // A quiet spell, then a change: at once again.
  Apply({}, t0 + absl::Hours(5));
  claims = Claim("hub-a", t0 + absl::Hours(5));
  ASSERT_THAT(claims, SizeIs(1));
  EXPECT_EQ(claims[0].changes[0].change, alerting::AlertChange::kCleared);
  EXPECT_EQ(Count("sent_at IS NULL"), 1);
}

// A process that claimed a mailbox and died (or whose send failed) holds it
// until its lease ends; then another process sends the same changes: at
// least once.
TEST_F(AlertStoreTest, AClaimNotMarkedSentIsClaimedAgainWhenItsLeaseEnds) {
  const absl::Time t0 = clock_.Now();
  alerting::Alert a = Certificate("CN=hub", "7d");
  a.mailboxes = {kOps};
  Apply({a}, t0);
  std::vector<Store::AlertMailClaim> first = Claim("hub-a", t0);
  ASSERT_THAT(first, SizeIs(1));
  EXPECT_THAT(Claim("hub-b", t0 + absl::Seconds(119)), IsEmpty());
  std::vector<Store::AlertMailClaim> again = Claim("hub-b", t0 + absl::Minutes(2));
  ASSERT_THAT(again, SizeIs(1));
  ASSERT_THAT(again[0].changes, SizeIs(1));
  EXPECT_EQ(again[0].changes[0].id, first[0].changes[0].id);
  // The late mark of the first process does not end the second's lease.
  ASSERT_TRUE(store_->MarkAlertMailSent("hub-a", first[0], t0 + absl::Minutes(3)).ok());
  EXPECT_EQ(db_.QueryString("SELECT lease_owner FROM alert_mailbox"), "hub-b");
  ASSERT_TRUE(store_->MarkAlertMailSent("hub-b", again[0], t0 + absl::Minutes(3)).ok());
  EXPECT_EQ(db_.QueryString("SELECT lease_owner FROM alert_mailbox"), "");
  EXPECT_EQ(Count("sent_at IS NULL"), 0);
}

// Two processes claiming at once: a mailbox goes to one of them.
TEST_F(AlertStoreTest, TwoProcessesClaimingAtOnceShareNoMailbox) {
  const absl::Time t0 = clock_.Now();
  std::vector<alerting::Alert> raised;
  for (int i = 0; i < 20; ++i) {
    alerting::Alert a = Certificate(absl::StrCat("CN=c", i), "7d");
    a.mailboxes = {absl::StrCat("box", i, "@derby.example")};
    raised.push_back(a);
  }
  Apply(raised, t0);
  std::shared_ptr<mysql::MysqlStore> other = NewStore();
  std::vector<Store::AlertMailClaim> a, b;
  std::thread ta([&] {
    for (int i = 0; i < 10; ++i) {
      for (auto& c : Claim("hub-a", t0, store_.get())) a.push_back(c);
    }
  });
  std::thread tb([&] {
    for (int i = 0; i < 10; ++i) {
      for (auto& c : Claim("hub-b", t0, other.get())) b.push_back(c);
    }
  });
  ta.join();
  tb.join();
  std::set<std::string> mailboxes;
  for (const auto& c : a) EXPECT_TRUE(mailboxes.insert(c.mailbox).second) << c.mailbox;
  for (const auto& c : b) EXPECT_TRUE(mailboxes.insert(c.mailbox).second) << c.mailbox;
  EXPECT_EQ(mailboxes.size(), 20u);
}

}  // namespace
}  // namespace cre
