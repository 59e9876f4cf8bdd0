// Alerts by e-mail end to end: a real hub (TestHub) with alerting
// configured, mailing through libcurl to a real SMTP server (python3-aiosmtpd,
// support/smtp_sink.h) on loopback. A certificate near expiry is mailed to
// the operators once however many evaluations find it, and its next band an
// interval later; an overdue action is mailed to the Duty CPM's mailbox
// once, linking to its case and holding nothing of the child. The hub runs
// on a FakeClock; evaluations run every second of real time.
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/fake_clock.h"
#include "support/smtp_sink.h"
#include "support/test_cases.h"
#include "support/test_environment.h"
#include "support/test_hub.h"

namespace cre {
namespace {

using ::cre::testing::FakeClock;
using ::cre::testing::SmtpSink;
using ::cre::testing::TestHub;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kOps[] = "ops@derby.example";
constexpr char kDutyCpm[] = "duty-cpm@derby.example";

std::vector<SmtpSink::Message> To(const std::vector<SmtpSink::Message>& all, const std::string& rcpt) {
  std::vector<SmtpSink::Message> to;
  for (const SmtpSink::Message& m : all) {
    if (m.rcpt_to == rcpt) to.push_back(m);
  }
  return to;
}

// The mails as received, for docs/operations.md's samples.
void Show(const std::vector<SmtpSink::Message>& mails) {
  for (const SmtpSink::Message& m : mails) std::cout << "----- mail as received\n" << m.raw << "-----\n";
}

// Alerting to `sink`: the operators, a default Duty CPM mailbox, an
// evaluation every second, a digest an hour.
void MailTo(const SmtpSink& sink, int liveness_after_seconds, v1::HubConfig& config) {
  v1::AlertingConfig* alerting = config.mutable_alerting();
  alerting->mutable_smtp()->set_url(sink.url());
  alerting->mutable_smtp()->set_from("cre-hub@derby.example");
  alerting->mutable_smtp()->set_timeout_seconds(10);
  alerting->set_console_url("https://localhost:8443/");
  alerting->add_operators(kOps);
  alerting->add_mailboxes()->set_address(kDutyCpm);
  alerting->set_liveness_after_seconds(liveness_after_seconds);
  alerting->set_digest_interval_seconds(3600);
  alerting->set_evaluate_interval_seconds(1);
}

class AlertsMailTest : public ::testing::Test {
 protected:
  void SetCertificates(std::vector<alerting::CertificateExpiry> certificates) {
    absl::MutexLock lock(&mu_);
    certificates_ = std::move(certificates);
  }

  SmtpSink sink_;
  FakeClock clock_;
  absl::Mutex mu_;
  std::vector<alerting::CertificateExpiry> certificates_ ABSL_GUARDED_BY(mu_);
  TestHub hub_{[this](v1::HubConfig& config) { MailTo(sink_, 900, config); }, clock_, [this]() -> absl::StatusOr<std::vector<alerting::CertificateExpiry>> {
                 absl::MutexLock lock(&mu_);
                 return certificates_;
               }};
};

TEST_F(AlertsMailTest, ACertificateNearExpiryIsMailedOnceAndItsNextBandAnIntervalLater) {
  SetCertificates({{"CN=hub.e2e.test", clock_.Now() + absl::Hours(24 * 10)}});
  std::vector<SmtpSink::Message> ops = To(sink_.WaitForMessages(1, absl::Seconds(20)), kOps);
  ASSERT_EQ(ops.size(), 1u);
  EXPECT_EQ(ops[0].subject, "[CRE hub] RAISED: Certificate CN=hub.e2e.test expires within 14 days");
  EXPECT_THAT(ops[0].body, HasSubstr("valid until"));
  EXPECT_EQ(ops[0].headers["from"], "<cre-hub@derby.example>");

  // More evaluations (one a second) find it in the same band: no more mail.
  absl::SleepFor(absl::Seconds(3));
  EXPECT_EQ(To(sink_.Messages(), kOps).size(), 1u);
  EXPECT_EQ(hub_.database().QueryString("SELECT COUNT(*) FROM alert_mail"), "1");

  // Its next band: queued, and held for the digest interval after the mail.
  SetCertificates({{"CN=hub.e2e.test", clock_.Now() + absl::Hours(24 * 5)}});
  absl::SleepFor(absl::Seconds(3));
  EXPECT_EQ(hub_.database().QueryString("SELECT COUNT(*) FROM alert_mail WHERE sent_at IS NULL"), "1");
  EXPECT_EQ(To(sink_.Messages(), kOps).size(), 1u);
  clock_.Advance(absl::Hours(1));
  ops = To(sink_.WaitForMessages(2, absl::Seconds(20)), kOps);
  ASSERT_EQ(ops.size(), 2u);
  EXPECT_EQ(ops[1].subject, "[CRE hub] CHANGED: Certificate CN=hub.e2e.test expires within 7 days");
  Show(ops);
}

TEST_F(AlertsMailTest, AnOverdueActionIsMailedToTheDutyCpmOnceWithALinkAndNothingOfTheChild) {
  absl::StatusOr<std::string> case_id =
      testing::OpenLookedAfterChildAssessedHigh(hub_, clock_.Now() - absl::Hours(72), "late");
  ASSERT_TRUE(case_id.ok()) << case_id.status();
  std::vector<SmtpSink::Message> duty = To(sink_.WaitForMessages(1, absl::Seconds(20)), kDutyCpm);
  ASSERT_EQ(duty.size(), 1u);
  absl::SleepFor(absl::Seconds(3));
  duty = To(sink_.Messages(), kDutyCpm);
  ASSERT_EQ(duty.size(), 1u);
  // Every action overdue at once is in that one mail (the IRO notification
  // among them: 48 clock hours, 72 ago).
  EXPECT_THAT(duty[0].raw, HasSubstr("Overdue: notification of the Independent Reviewing Officer"));
  EXPECT_THAT(duty[0].body, HasSubstr("https://localhost:8443/#/case/" + *case_id));
  // The child (test_cases.cc): family name Example, born 2012-03-04.
  EXPECT_THAT(duty[0].raw, Not(HasSubstr("Example")));
  EXPECT_THAT(duty[0].raw, Not(HasSubstr("2012-03-04")));
  EXPECT_THAT(duty[0].raw, Not(HasSubstr("4 March 2012")));
  EXPECT_TRUE(To(sink_.Messages(), kOps).empty());
  Show(duty);
}

// The operators' alerts about agencies: not collecting their messages (a
// minute, here), then one's deliveries dead-lettered (set so by the test, as
// max_attempts would): the first mailed at once, the next changes together
// an interval later.
class OperatorAlertsMailTest : public ::testing::Test {
 protected:
  SmtpSink sink_;
  FakeClock clock_;
  TestHub hub_{[this](v1::HubConfig& config) { MailTo(sink_, 60, config); }, clock_};
};

TEST_F(OperatorAlertsMailTest, AnAgencyNotCollectingThenItsDeadLettersAreMailedToTheOperators) {
  // The IRO notification waits for derby-iro, which never connects.
  ASSERT_TRUE(testing::OpenLookedAfterChildAssessedHigh(hub_, clock_.Now() - absl::Hours(72), "late").ok());
  clock_.Advance(absl::Minutes(2));
  std::vector<SmtpSink::Message> ops;
  for (absl::Time end = absl::Now() + absl::Seconds(20); ops.empty() && absl::Now() < end;) {
    ops = To(sink_.WaitForMessages(2, absl::Seconds(1)), kOps);
  }
  ASSERT_EQ(ops.size(), 1u);
  // derby-cpm and derby-csc too: the hub's own overdue notifications wait
  // for them. One mail, all three.
  EXPECT_EQ(ops[0].subject, "[CRE hub] Digest: 3 alert changes (3 raised, 0 changed, 0 cleared)");
  EXPECT_THAT(ops[0].body, HasSubstr("RAISED: Agency derby-iro is not collecting its messages"));
  EXPECT_THAT(ops[0].body, HasSubstr("never been seen"));
  EXPECT_THAT(ops[0].body, HasSubstr("https://localhost:8443/#/deliveries"));

  hub_.database().Execute("UPDATE delivery SET state = 'DEAD' WHERE recipient_agency_id = 'derby-iro'");
  absl::SleepFor(absl::Seconds(3));
  EXPECT_EQ(To(sink_.Messages(), kOps).size(), 1u);  // held for the digest
  clock_.Advance(absl::Hours(1));
  for (absl::Time end = absl::Now() + absl::Seconds(20); ops.size() < 2 && absl::Now() < end;) {
    ops = To(sink_.WaitForMessages(3, absl::Seconds(1)), kOps);
  }
  ASSERT_EQ(ops.size(), 2u);
  EXPECT_THAT(ops[1].subject, HasSubstr("Digest: 2 alert changes (1 raised, 0 changed, 1 cleared)"));
  EXPECT_THAT(ops[1].body, HasSubstr("CLEARED: Agency derby-iro is not collecting its messages"));
  EXPECT_THAT(ops[1].body, HasSubstr("RAISED: Dead letters for derby-iro: 1"));
  Show(ops);
}

// The hub's own watch on its certificate files, with no source given: a
// client CA bundle that also holds a CA certificate ten days from expiry
// (made here with openssl) is mailed to the operators once, however many
// evaluations find it.
class CertificateFileAlertTest : public ::testing::Test {
 protected:
  static std::string BundleWithACaNearExpiry() {
    const std::string dir = ::testing::TempDir() + "/cert-file-alert";
    const std::string make = absl::StrCat(
        "mkdir -p ", dir, " && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 10",
        " -subj /CN=CA-near-expiry -keyout ", dir, "/soon.key -out ", dir, "/soon.crt 2>/dev/null && cat ",
        testing::CertsDir(), "/ca.crt ", dir, "/soon.crt > ", dir, "/bundle.crt");
    if (std::system(make.c_str()) != 0) ADD_FAILURE() << "could not run: " << make;
    return dir + "/bundle.crt";
  }

  SmtpSink sink_;
  FakeClock clock_;
  const std::string bundle_ = BundleWithACaNearExpiry();
  TestHub hub_{[this](v1::HubConfig& config) {
                 MailTo(sink_, 900, config);
                 config.mutable_tls()->set_client_ca_file(bundle_);
               },
               clock_};
};

TEST_F(CertificateFileAlertTest, ACaCertificateNearExpiryInTheBundleIsMailedOnce) {
  std::vector<SmtpSink::Message> ops = To(sink_.WaitForMessages(1, absl::Seconds(20)), kOps);
  ASSERT_EQ(ops.size(), 1u);
  EXPECT_EQ(ops[0].subject,
            "[CRE hub] RAISED: Certificate of the client CA (CN=CA-near-expiry) expires within 14 days");
  absl::SleepFor(absl::Seconds(3));  // three more evaluations
  EXPECT_EQ(To(sink_.Messages(), kOps).size(), 1u);
  EXPECT_EQ(hub_.database().QueryString("SELECT COUNT(*) FROM alert_mail"), "1");
  Show(ops);
}

}  // namespace
}  // namespace cre
