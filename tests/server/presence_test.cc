// Which agencies the hub processes see, end to end: a real hub reports its
// subscribers' open streams and its callers' last calls (every 100 ms here),
// a second process's streams are added, a process that stops stops counting
// at once, and a stream that ends is counted no more; when each caller's
// certificate expires. What the console's Deliveries page and the metrics
// show (Store::DeliveriesByAgency).
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "store/mysql/mysql_store.h"
#include "support/inbox_stream.h"
#include "support/test_environment.h"
#include "support/test_hub.h"

namespace cre {
namespace {

using ::cre::testing::InboxStream;
using ::cre::testing::TestHub;

void ReportOften(v1::HubConfig& config) { config.set_presence_report_interval_ms(100); }

class PresenceTest : public ::testing::Test {
 protected:
  std::map<std::string, AgencyDeliveries> Rows() {
    std::map<std::string, AgencyDeliveries> rows;
    absl::StatusOr<std::vector<AgencyDeliveries>> listed = store_.DeliveriesByAgency();
    EXPECT_TRUE(listed.ok()) << listed.status();
    if (listed.ok()) {
      for (const AgencyDeliveries& a : *listed) rows[a.agency_id] = a;
    }
    return rows;
  }

  // Whether `holds` comes true within 10 s (reports every 100 ms).
  bool Eventually(const std::function<bool(std::map<std::string, AgencyDeliveries>&)>& holds) {
    const absl::Time until = absl::Now() + absl::Seconds(10);
    while (absl::Now() < until) {
      std::map<std::string, AgencyDeliveries> rows = Rows();
      if (holds(rows)) return true;
      absl::SleepFor(absl::Milliseconds(20));
    }
    return false;
  }

  TestHub hub_{ReportOften};
  mysql::MysqlStore store_{hub_.database().settings(), 2, testing::TestCipher()};
};

TEST_F(PresenceTest, ASubscribedAgencyIsSeenWithItsOpenStreamsOnEveryProcess) {
  const absl::Time before = absl::Now();
  auto pru = std::make_unique<InboxStream>(hub_.ChannelFor("derby-pru"));
  ASSERT_TRUE(Eventually([](auto& rows) { return rows["derby-pru"].open_streams == 1; }))
      << "derby-pru's stream is not reported: " << Rows()["derby-pru"].open_streams;
  EXPECT_GE(Rows()["derby-pru"].last_seen, before - absl::Seconds(1));

  // A call, no stream: seen at the call.
  const absl::Time called = absl::Now();
  ASSERT_TRUE(testing::SubmitReport(hub_.ChannelFor("derby-health"), "presence-1").ok());
  ASSERT_TRUE(Eventually([&](auto& rows) { return rows["derby-health"].last_seen >= called - absl::Seconds(1); }));
  EXPECT_EQ(Rows()["derby-health"].open_streams, 0);

  // A second process with a stream of the same agency: both counted.
  {
    TestHub other(hub_.database(), ReportOften);
    InboxStream on_other(other.ChannelFor("derby-pru"));
    ASSERT_TRUE(Eventually([](auto& rows) { return rows["derby-pru"].open_streams == 2; }));
    // Stopping, it ends its streams and says so: counted no more at once.
    // This process's own report lives 300 ms here, and on a loaded machine
    // it may be late: at once is "no more than this process's", and this
    // process's stream is seen again at its next report.
    other.Stop();
    EXPECT_LE(Rows()["derby-pru"].open_streams, 1);
    ASSERT_TRUE(Eventually([](auto& rows) { return rows["derby-pru"].open_streams == 1; }));
  }

  // The stream ends: counted no more at the next report; still seen.
  const absl::Time streaming = Rows()["derby-pru"].last_seen;
  pru.reset();
  ASSERT_TRUE(Eventually([](auto& rows) { return rows["derby-pru"].open_streams == 0; }));
  EXPECT_GE(Rows()["derby-pru"].last_seen, streaming);
}

// When an agency's client certificate expires, as the edge read it, is
// reported with its presence (migration 0022), and kept when the process
// that saw it stops.
TEST_F(PresenceTest, TheCertificateOfAnAgencysCallsIsReportedAndOutlivesTheProcess) {
  EXPECT_EQ(Rows()["derby-health"].cert_not_after, absl::InfinitePast());
  TestHub other(hub_.database(), ReportOften);
  ASSERT_TRUE(testing::SubmitReport(other.ChannelFor("derby-health"), "presence-cert-1").ok());
  // The test PKI's certificates are valid for a while yet.
  ASSERT_TRUE(Eventually([](auto& rows) { return rows["derby-health"].cert_not_after > absl::Now(); }))
      << "derby-health's certificate is not reported";
  const absl::Time not_after = Rows()["derby-health"].cert_not_after;
  other.Stop();
  EXPECT_EQ(Rows()["derby-health"].cert_not_after, not_after);
  EXPECT_EQ(Rows()["derby-pru"].cert_not_after, absl::InfinitePast()) << "derby-pru has not called";
}

}  // namespace
}  // namespace cre
