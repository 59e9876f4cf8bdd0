// Two hub processes' presence reporters on one database, as the console's
// Deliveries page sees them: their agencies' streams added up, last_seen the
// latest either saw, a process killed no longer counting its streams after
// its reports' life (three intervals), one that stops not counting them at
// once. Reports every 100 ms, so that every wait is short and bounded.
#include "service/presence_reporter.h"

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "store/mysql/mysql_store.h"
#include "store/store_conformance.h"
#include "support/test_database.h"
#include "support/test_environment.h"

namespace cre {
namespace {

using ::cre::testing::MakeAgency;
using ::cre::testing::TestDatabase;

constexpr absl::Duration kInterval = absl::Milliseconds(100);

// One hub process as its reporter sees it: the calls its gate recorded and
// the streams open in it, which the test sets.
class FakeProcess {
 public:
  explicit FakeProcess(std::shared_ptr<Store> store, const std::string& id)
      : calls_(std::make_shared<CallerPresence>(std::vector<std::string>{"sender", "pru", "iro"})),
        reporter_(std::move(store), id, calls_, [this] { return Streams(); }, kInterval) {}

  void Called(const std::string& agency_id, absl::Time at) { calls_->Called(agency_id, at); }
  void SetStreams(const std::string& agency_id, int count) {
    absl::MutexLock lock(&mu_);
    if (count == 0) {
      streams_.erase(agency_id);
    } else {
      streams_[agency_id] = count;
    }
  }
  PresenceReporter& reporter() { return reporter_; }

 private:
  absl::flat_hash_map<std::string, int> Streams() {
    absl::MutexLock lock(&mu_);
    return streams_;
  }

  std::shared_ptr<CallerPresence> calls_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, int> streams_ ABSL_GUARDED_BY(mu_);
  PresenceReporter reporter_;  // last: its thread reads the above
};

class PresenceReporterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(store_->SyncAgencies({MakeAgency("sender", v1::HEALTH), MakeAgency("pru", v1::POLICE_REFERRAL_UNIT),
                                      MakeAgency("iro", v1::IRO_SERVICE)})
                    .ok());
  }

  std::map<std::string, AgencyDeliveries> Rows() {
    std::map<std::string, AgencyDeliveries> rows;
    absl::StatusOr<std::vector<AgencyDeliveries>> listed = store_->DeliveriesByAgency();
    EXPECT_TRUE(listed.ok()) << listed.status();
    if (listed.ok()) {
      for (const AgencyDeliveries& a : *listed) rows[a.agency_id] = a;
    }
    return rows;
  }

  // Whether `holds` comes true within 5 s (the reporters write every 100 ms).
  bool Eventually(const std::function<bool(std::map<std::string, AgencyDeliveries>&)>& holds) {
    const absl::Time until = absl::Now() + absl::Seconds(5);
    while (absl::Now() < until) {
      std::map<std::string, AgencyDeliveries> rows = Rows();
      if (holds(rows)) return true;
      absl::SleepFor(absl::Milliseconds(20));
    }
    return false;
  }

  TestDatabase db_;
  std::shared_ptr<Store> store_ = std::make_shared<mysql::MysqlStore>(db_.settings(), 4, testing::TestCipher());
};

TEST_F(PresenceReporterTest, TwoProcessesStreamsAreAddedUpAndAKilledProcessStopsCountingItsOwn) {
  // "a" reports on its own thread; "b" when the test says, and is killed by
  // never reporting again.
  FakeProcess a(store_, "process-a");
  FakeProcess b(store_, "process-b");
  const absl::Time t = absl::FromUnixMicros(absl::ToUnixMicros(absl::Now())) - absl::Minutes(5);
  a.Called("iro", t);
  b.Called("iro", t + absl::Seconds(2));  // the later: last_seen
  a.Called("sender", t + absl::Seconds(3));
  a.SetStreams("pru", 2);
  b.SetStreams("pru", 1);
  const absl::Time started = absl::Now();
  a.reporter().Start();
  const absl::Time b_reported = absl::Now();
  ASSERT_TRUE(b.reporter().Report().ok());

  ASSERT_TRUE(Eventually([](auto& rows) { return rows["pru"].open_streams == 3; }))
      << "the streams of both processes: " << Rows()["pru"].open_streams;
  std::map<std::string, AgencyDeliveries> rows = Rows();
  EXPECT_EQ(rows["iro"].last_seen, t + absl::Seconds(2));
  EXPECT_EQ(rows["iro"].open_streams, 0);
  EXPECT_EQ(rows["sender"].last_seen, t + absl::Seconds(3));
  // An agency holding a stream open is seen at each report.
  EXPECT_GE(rows["pru"].last_seen, started - absl::Milliseconds(1));
  EXPECT_LE(rows["pru"].last_seen, absl::Now());

  // "b" reports no more (killed): after its reports' life, three intervals,
  // its stream no longer counts; what it saw still does.
  ASSERT_TRUE(Eventually([](auto& rows) { return rows["pru"].open_streams == 2; }));
  EXPECT_GE(absl::Now() - b_reported, b.reporter().live_for() - absl::Milliseconds(50))
      << "b's stream stopped counting before its report ran out";
  EXPECT_EQ(Rows()["iro"].last_seen, t + absl::Seconds(2));

  // A stream that ends: counted no more at the next report; the agency's
  // last_seen stays.
  const absl::Time pru_seen = Rows()["pru"].last_seen;
  a.SetStreams("pru", 0);
  ASSERT_TRUE(Eventually([](auto& rows) { return rows["pru"].open_streams == 0; }));
  EXPECT_GE(Rows()["pru"].last_seen, pru_seen);

  // A process that stops: its streams no longer count as soon as Stop
  // returns, not three intervals later.
  a.SetStreams("iro", 1);
  ASSERT_TRUE(Eventually([](auto& rows) { return rows["iro"].open_streams == 1; }));
  a.reporter().Stop();
  rows = Rows();
  EXPECT_EQ(rows["iro"].open_streams, 0);
  EXPECT_GE(rows["iro"].last_seen, started) << "seen while its stream was open";
  EXPECT_EQ(rows["sender"].last_seen, t + absl::Seconds(3));
}

TEST_F(PresenceReporterTest, AReporterNeverStartedEndsNothing) {
  FakeProcess a(store_, "process-a");
  a.Called("iro", absl::Now());
  a.reporter().Stop();
  EXPECT_TRUE(Rows().empty());
}

}  // namespace
}  // namespace cre
