// Alerts without a database or a mail server (hub/alerting/): which are
// raised from a snapshot, whom they go to, the certificate bands, the digest
// rule's timing on a clock the test moves, the mails' words, and that no
// mail holds a child's personal data, from a real case through the pathway
// engine to the mail.
#include <string>
#include <vector>

#include "alerting/alert_mail.h"
#include "alerting/alerts.h"
#include "casework/casework.h"
#include "casework_fixture.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/fake_clock.h"
#include "support/open_actions.h"

namespace cre::alerting {
namespace {

using ::cre::casework_testing::CaseBuilder;
using ::cre::casework_testing::T;
using ::cre::testing::ActionDue;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

v1::AlertingConfig Config() {
  v1::AlertingConfig config;
  config.mutable_smtp()->set_url("smtp://127.0.0.1:2525");
  config.mutable_smtp()->set_from("cre-hub@derby.example");
  config.set_console_url("https://hub.derby.example:8443/");
  config.add_operators("ops@derby.example");
  config.add_operators("oncall@derby.example");
  config.set_liveness_after_seconds(900);
  config.set_digest_interval_seconds(3600);
  config.set_evaluate_interval_seconds(60);
  v1::AlertMailbox* fallback = config.add_mailboxes();
  fallback->set_address("duty-cpm@derby.example");
  v1::AlertMailbox* csc = config.add_mailboxes();
  csc->set_agency_id("derby-csc");
  csc->set_address("csc-duty@derby.example");
  v1::AlertMailbox* csc_sw = config.add_mailboxes();
  csc_sw->set_agency_id("derby-csc");
  csc_sw->set_role(v1::PRACTITIONER_ROLE_SOCIAL_WORKER);
  csc_sw->set_address("csc-sw-duty@derby.example");
  v1::AlertMailbox* iro = config.add_mailboxes();
  iro->set_role(v1::PRACTITIONER_ROLE_IRO);
  iro->set_address("iro-manager@derby.example");
  return config;
}

const absl::Time kNow = T("2026-12-05T12:00:00Z");

std::vector<std::string> Keys(const std::vector<Alert>& alerts) {
  std::vector<std::string> keys;
  for (const Alert& a : alerts) keys.push_back(a.key);
  return keys;
}

const Alert* Find(const std::vector<Alert>& alerts, const std::string& key) {
  for (const Alert& a : alerts) {
    if (a.key == key) return &a;
  }
  return nullptr;
}

// ------------------------------------------------------------ mailboxes

TEST(MailboxesTest, TheMostSpecificEntryDecides) {
  const AlertRules rules(Config());
  EXPECT_THAT(rules.MailboxesFor("derby-csc", v1::PRACTITIONER_ROLE_SOCIAL_WORKER),
              ElementsAre("csc-sw-duty@derby.example"));
  EXPECT_THAT(rules.MailboxesFor("derby-csc", v1::PRACTITIONER_ROLE_TEAM_MANAGER),
              ElementsAre("csc-duty@derby.example"));
  EXPECT_THAT(rules.MailboxesFor("derby-iro", v1::PRACTITIONER_ROLE_IRO), ElementsAre("iro-manager@derby.example"));
  EXPECT_THAT(rules.MailboxesFor("derby-cpm", v1::PRACTITIONER_ROLE_CPM), ElementsAre("duty-cpm@derby.example"));
  EXPECT_THAT(rules.MailboxesFor("", v1::PRACTITIONER_ROLE_LEAD_PRACTITIONER),
              ElementsAre("duty-cpm@derby.example"));
}

TEST(MailboxesTest, WithoutADefaultAnUnmatchedActionGoesToNobody) {
  v1::AlertingConfig config = Config();
  config.mutable_mailboxes()->DeleteSubrange(0, 1);
  const AlertRules rules(config);
  EXPECT_THAT(rules.MailboxesFor("derby-cpm", v1::PRACTITIONER_ROLE_CPM), IsEmpty());
}

TEST(MailboxesTest, SeveralEntriesForOneOwnerAreEachMailed) {
  v1::AlertingConfig config = Config();
  v1::AlertMailbox* second = config.add_mailboxes();
  second->set_agency_id("derby-csc");
  second->set_role(v1::PRACTITIONER_ROLE_SOCIAL_WORKER);
  second->set_address("another@derby.example");
  const AlertRules rules(config);
  EXPECT_THAT(rules.MailboxesFor("derby-csc", v1::PRACTITIONER_ROLE_SOCIAL_WORKER),
              ElementsAre("another@derby.example", "csc-sw-duty@derby.example"));
}

// ------------------------------------------------------------ evaluation

// Past the earliest actions alerted one by one, an owner's other overdue
// actions are one alert, whose state is their count: a backlog of thousands
// is a bounded number of alerts, and a change of the count a change worth
// a mail. It says how many and whose, nothing of a case or a child.
TEST(EvaluateTest, AnOwnersOverdueActionsPastTheEarliestAreOneSummaryAlertWhoseStateIsTheirCount) {
  const AlertRules rules(Config());
  AlertSnapshot snapshot;
  snapshot.more_overdue.push_back({"derby-csc", v1::PRACTITIONER_ROLE_SOCIAL_WORKER, 50, 12345});
  snapshot.more_overdue.push_back({"", v1::PRACTITIONER_ROLE_DUTY_CPM, 50, 1});
  snapshot.more_overdue.push_back({"derby-police", v1::PRACTITIONER_ROLE_SOCIAL_WORKER, 7, 0});  // none more
  const std::vector<Alert> alerts = rules.Evaluate(snapshot, kNow);
  ASSERT_THAT(Keys(alerts), ElementsAre("overdue-more/-/PRACTITIONER_ROLE_DUTY_CPM",
                                        "overdue-more/derby-csc/PRACTITIONER_ROLE_SOCIAL_WORKER"));
  const Alert& csc = alerts[1];
  EXPECT_EQ(csc.kind, AlertKind::kMoreOverdue);
  EXPECT_EQ(csc.state, "12345");
  EXPECT_THAT(csc.mailboxes, ElementsAre("csc-sw-duty@derby.example"));
  EXPECT_THAT(csc.title, HasSubstr("12345 more actions"));
  EXPECT_THAT(csc.title, HasSubstr("derby-csc"));
  EXPECT_THAT(csc.text, HasSubstr("Besides the 50 earliest"));
  EXPECT_THAT(csc.text, HasSubstr("https://hub.derby.example:8443/#/due"));
  EXPECT_THAT(csc.text, Not(HasSubstr("/#/case/")));
  EXPECT_THAT(alerts[0].title, HasSubstr("1 more action ("));

  // One more overdue: the same alert in a new state.
  snapshot.more_overdue[0].more = 12346;
  EXPECT_EQ(rules.Evaluate(snapshot, kNow)[1].state, "12346");
}

TEST(EvaluateTest, AnOverdueActionIsAnAlertToItsOwnersMailboxWithALinkToItsCase) {
  const AlertRules rules(Config());
  AlertSnapshot snapshot;
  snapshot.overdue_actions.emplace_back(
      "5d6c1f0e-8a1b-4c2d-9e3f-0a1b2c3d4e5f",
      ActionDue("high.strategy_discussion", kNow - absl::Hours(3), "derby-csc", v1::PRACTITIONER_ROLE_SOCIAL_WORKER,
                v1::STRATEGY_DISCUSSION));
  // Not overdue yet (the store was asked for those due before now; a race
  // with the clock must not raise it).
  snapshot.overdue_actions.emplace_back(
      "5d6c1f0e-8a1b-4c2d-9e3f-0a1b2c3d4e5f",
      ActionDue("later", kNow + absl::Hours(1), "derby-csc", v1::PRACTITIONER_ROLE_SOCIAL_WORKER, v1::S47_ENQUIRY));
  const std::vector<Alert> alerts = rules.Evaluate(snapshot, kNow);
  ASSERT_THAT(Keys(alerts), ElementsAre("overdue/5d6c1f0e-8a1b-4c2d-9e3f-0a1b2c3d4e5f/high.strategy_discussion"));
  const Alert& a = alerts[0];
  EXPECT_EQ(a.kind, AlertKind::kOverdueAction);
  EXPECT_THAT(a.mailboxes, ElementsAre("csc-sw-duty@derby.example"));
  EXPECT_EQ(a.state, std::to_string(absl::ToUnixSeconds(kNow - absl::Hours(3))));
  EXPECT_THAT(a.title, HasSubstr("Overdue"));
  EXPECT_THAT(a.title, HasSubstr("derby-csc"));
  EXPECT_THAT(a.text, HasSubstr("https://hub.derby.example:8443/#/case/5d6c1f0e-8a1b-4c2d-9e3f-0a1b2c3d4e5f"));
  EXPECT_THAT(a.text, HasSubstr("https://hub.derby.example:8443/#/due"));
}

TEST(EvaluateTest, AnAgencyWithDeliveriesWaitingAndNoStreamPastTheThresholdIsAlerted) {
  const AlertRules rules(Config());
  AlertSnapshot snapshot;
  AgencyQueue gone;  // seen 20 minutes ago, nothing open
  gone.agency_id = "derby-pru";
  gone.pending = 3;
  gone.oldest_undelivered = kNow - absl::Minutes(30);
  gone.last_seen = kNow - absl::Minutes(20);
  AgencyQueue recent = gone;  // seen 10 minutes ago: within the threshold
  recent.agency_id = "derby-health";
  recent.last_seen = kNow - absl::Minutes(10);
  AgencyQueue streaming = gone;  // a stream open: it is there, only slow
  streaming.agency_id = "derby-iro";
  streaming.open_streams = 1;
  AgencyQueue idle = gone;  // nothing waiting: no matter how long away
  idle.agency_id = "derby-housing";
  idle.pending = 0;
  AgencyQueue never = gone;  // never seen: counted from the oldest waiting
  never.agency_id = "derby-police";
  never.last_seen = absl::InfinitePast();
  AgencyQueue never_recent = never;
  never_recent.agency_id = "derby-school-ashgrove";
  never_recent.oldest_undelivered = kNow - absl::Minutes(5);
  snapshot.agencies = {gone, recent, streaming, idle, never, never_recent};
  const std::vector<Alert> alerts = rules.Evaluate(snapshot, kNow);
  EXPECT_THAT(Keys(alerts), ElementsAre("liveness/derby-police", "liveness/derby-pru"));
  const Alert* pru = Find(alerts, "liveness/derby-pru");
  ASSERT_NE(pru, nullptr);
  EXPECT_THAT(pru->mailboxes, ElementsAre("oncall@derby.example", "ops@derby.example"));
  EXPECT_EQ(pru->state, "raised");
  EXPECT_THAT(pru->text, HasSubstr("last seen at 2026-12-05 11:40 UTC (20 minutes ago"));
  EXPECT_THAT(pru->text, HasSubstr("https://hub.derby.example:8443/#/deliveries"));
  EXPECT_THAT(Find(alerts, "liveness/derby-police")->text, HasSubstr("never been seen"));
}

TEST(EvaluateTest, DeadLettersAreAnAlertPerAgencyWhoseStateIsTheCount) {
  const AlertRules rules(Config());
  AlertSnapshot snapshot;
  AgencyQueue q;
  q.agency_id = "derby-iro";
  q.dead = 2;
  q.open_streams = 1;
  snapshot.agencies = {q};
  std::vector<Alert> alerts = rules.Evaluate(snapshot, kNow);
  ASSERT_THAT(Keys(alerts), ElementsAre("dead-letters/derby-iro"));
  EXPECT_EQ(alerts[0].state, "2");
  EXPECT_THAT(alerts[0].title, HasSubstr("Dead letters for derby-iro: 2"));
  EXPECT_THAT(alerts[0].mailboxes, ElementsAre("oncall@derby.example", "ops@derby.example"));
  snapshot.agencies[0].dead = 5;
  alerts = rules.Evaluate(snapshot, kNow);
  EXPECT_EQ(alerts[0].state, "5");
  snapshot.agencies[0].dead = 0;  // requeued
  EXPECT_THAT(rules.Evaluate(snapshot, kNow), IsEmpty());
}

TEST(EvaluateTest, CertificatesAlertByBandAndEachBandIsAState) {
  EXPECT_EQ(ExpiryBandOf(kNow + absl::Hours(24 * 31), kNow), ExpiryBand::kFine);
  EXPECT_EQ(ExpiryBandOf(kNow + absl::Hours(24 * 30), kNow), ExpiryBand::kWithin30Days);
  EXPECT_EQ(ExpiryBandOf(kNow + absl::Hours(24 * 15), kNow), ExpiryBand::kWithin30Days);
  EXPECT_EQ(ExpiryBandOf(kNow + absl::Hours(24 * 14), kNow), ExpiryBand::kWithin14Days);
  EXPECT_EQ(ExpiryBandOf(kNow + absl::Hours(24 * 8), kNow), ExpiryBand::kWithin14Days);
  EXPECT_EQ(ExpiryBandOf(kNow + absl::Hours(24 * 7), kNow), ExpiryBand::kWithin7Days);
  EXPECT_EQ(ExpiryBandOf(kNow + absl::Seconds(1), kNow), ExpiryBand::kWithin7Days);
  EXPECT_EQ(ExpiryBandOf(kNow, kNow), ExpiryBand::kExpired);
  EXPECT_EQ(ExpiryBandOf(kNow - absl::Hours(1), kNow), ExpiryBand::kExpired);

  const AlertRules rules(Config());
  AlertSnapshot snapshot;
  snapshot.certificates = {{"CN=hub.derby.example", kNow + absl::Hours(24 * 40)},
                           {"CN=CRE development CA", kNow + absl::Hours(24 * 20)},
                           {"urn:cre:agency:derby-pru", kNow + absl::Hours(24 * 10)},
                           {"urn:cre:agency:derby-iro", kNow + absl::Hours(24 * 3)},
                           {"urn:cre:agency:derby-health", kNow - absl::Hours(2)}};
  const std::vector<Alert> alerts = rules.Evaluate(snapshot, kNow);
  ASSERT_THAT(Keys(alerts), ElementsAre("certificate/CN=CRE development CA", "certificate/urn:cre:agency:derby-health",
                                        "certificate/urn:cre:agency:derby-iro",
                                        "certificate/urn:cre:agency:derby-pru"));
  EXPECT_EQ(alerts[0].state, "30d");
  EXPECT_EQ(alerts[1].state, "expired");
  EXPECT_EQ(alerts[2].state, "7d");
  EXPECT_EQ(alerts[3].state, "14d");
  EXPECT_THAT(alerts[3].title, HasSubstr("expires within 14 days"));
  EXPECT_THAT(alerts[1].title, HasSubstr("has expired"));
  EXPECT_THAT(alerts[0].mailboxes, ElementsAre("oncall@derby.example", "ops@derby.example"));
}

TEST(EvaluateTest, ARenewedCertificateBesideTheOldOneSpeaksForItsSubject) {
  const AlertRules rules(Config());
  AlertSnapshot snapshot;
  snapshot.certificates = {{"CN=CRE development CA", kNow + absl::Hours(24 * 5)},
                           {"CN=CRE development CA", kNow + absl::Hours(24 * 365)}};
  EXPECT_THAT(rules.Evaluate(snapshot, kNow), IsEmpty());
}

TEST(EvaluateTest, AControlCharacterInASubjectGoesNoFurtherThanTheAlert) {
  const AlertRules rules(Config());
  AlertSnapshot snapshot;
  snapshot.certificates = {{"CN=evil\r\nBcc: someone@else", kNow + absl::Hours(24)}};
  const std::vector<Alert> alerts = rules.Evaluate(snapshot, kNow);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_THAT(alerts[0].title, Not(HasSubstr("\n")));
  EXPECT_THAT(alerts[0].key, Not(HasSubstr("\r")));
}

// ------------------------------------------------------------ the digest rule

// A mailbox's first change is due at once; a change within the interval of
// the last mail waits for the interval's end, and goes with whatever else
// came meanwhile. The test plays the hub's clock forward as the watcher
// would.
TEST(DigestTest, FirstChangeAtOnceThenOneDigestAnIntervalAfterTheLastMail) {
  testing::FakeClock clock(kNow);
  const absl::Duration hour = absl::Hours(1);
  absl::Time last_mailed = absl::InfinitePast();

  // 12:00, a certificate enters its 30-day band: mailed at once.
  absl::Time first_pending = clock.Now();
  EXPECT_EQ(MailDueAt(first_pending, last_mailed, hour), clock.Now());
  last_mailed = clock.Now();

  // 12:10 and 12:40, two more changes: due at 13:00, together.
  clock.Advance(absl::Minutes(10));
  first_pending = clock.Now();
  EXPECT_EQ(MailDueAt(first_pending, last_mailed, hour), kNow + hour);
  clock.Advance(absl::Minutes(30));
  EXPECT_EQ(MailDueAt(first_pending, last_mailed, hour), kNow + hour);  // the first waiting decides
  clock.Set(kNow + hour);
  EXPECT_LE(MailDueAt(first_pending, last_mailed, hour), clock.Now());
  last_mailed = clock.Now();  // the digest goes at 13:00

  // 16:30, after a quiet spell: at once again.
  clock.Set(kNow + absl::Minutes(270));
  first_pending = clock.Now();
  EXPECT_EQ(MailDueAt(first_pending, last_mailed, hour), clock.Now());
}

// ------------------------------------------------------------ the mails

QueuedChange Change(AlertChange change, const std::string& title, const std::string& text, absl::Time at) {
  QueuedChange c;
  c.alert_key = "k/" + title;
  c.change = change;
  c.title = title;
  c.text = text;
  c.queued_at = at;
  return c;
}

TEST(MailTest, OneChangeIsAMailOfItsOwn) {
  const Mail mail = ComposeMail("ops@derby.example",
                                {Change(AlertChange::kRaised, "Certificate CN=hub expires within 30 days",
                                        "The certificate CN=hub expires within 30 days.", kNow)});
  EXPECT_EQ(mail.to, "ops@derby.example");
  EXPECT_EQ(mail.subject, "[CRE hub] RAISED: Certificate CN=hub expires within 30 days");
  EXPECT_THAT(mail.body, HasSubstr("The certificate CN=hub expires within 30 days."));
  EXPECT_THAT(mail.body, HasSubstr("2026-12-05 12:00 UTC"));
}

TEST(MailTest, SeveralChangesAreOneDigestOldestFirst) {
  const Mail mail = ComposeMail(
      "ops@derby.example",
      {Change(AlertChange::kRaised, "Agency derby-pru is not collecting its messages", "waiting", kNow),
       Change(AlertChange::kChanged, "Dead letters for derby-iro: 5", "five", kNow + absl::Minutes(5)),
       Change(AlertChange::kCleared, "Agency derby-pru is not collecting its messages", "waiting",
              kNow + absl::Minutes(9))});
  EXPECT_EQ(mail.subject, "[CRE hub] Digest: 3 alert changes (1 raised, 1 changed, 1 cleared)");
  const size_t raised = mail.body.find("1. RAISED: Agency derby-pru");
  const size_t changed = mail.body.find("2. CHANGED: Dead letters for derby-iro: 5");
  const size_t cleared = mail.body.find("3. CLEARED: Agency derby-pru");
  EXPECT_NE(raised, std::string::npos);
  EXPECT_LT(raised, changed);
  EXPECT_LT(changed, cleared);
  EXPECT_NE(cleared, std::string::npos);
  EXPECT_THAT(mail.body, HasSubstr("No longer raised"));
}

TEST(MailTest, ASubjectIsOneLineOfPrintableAscii) {
  const Mail mail = ComposeMail("ops@derby.example", {Change(AlertChange::kRaised, "a\r\nBcc: x@y\xc3\xa9", "t", kNow)});
  EXPECT_THAT(mail.subject, Not(HasSubstr("\n")));
  EXPECT_THAT(mail.subject, Not(HasSubstr("\r")));
  for (char c : mail.subject) EXPECT_TRUE(c >= 0x20 && c < 0x7f) << mail.subject;
}

// ------------------------------------------------------------ personal data

// A case about a named child, with an NHS number, a date of birth, an address
// and a narrative, taken through the pathway engine and the casework as the
// deadline watcher takes it, until its actions are overdue; then every alert
// it raises, as a mail on its own and in a digest: nothing of the child is in
// any subject or body.
TEST(PersonalDataTest, NoMailHoldsAnythingAboutTheChild) {
  CaseBuilder c(casework_testing::kDerby, casework_testing::kDerby, v1::OPEN_PLAN_LOOKED_AFTER);
  c.Involved({"derby-csc", "derby-school-ashgrove"}).Assess("2026-03-02T10:00:00Z", v1::RISK_LEVEL_HIGH);
  CaseView view = c.view();
  // What the case holds of the child: the facts the engine reads, and a
  // narrative an agency wrote. (The names, address and NHS number are kept
  // apart from the case file, in the child's details; they are here too,
  // for the assertions, as a submission gives them.)
  v1::NewChild child;
  child.mutable_details()->set_given_name("Jessamine");
  child.mutable_details()->set_family_name("Oakenshaw");
  child.mutable_details()->set_address("14 Larkspur Close, Derby DE1 9ZZ");
  child.mutable_details()->set_nhs_number("9434765919");
  const std::string dob = view.case_file.child().date_of_birth();  // "2012-03-04"
  view.case_file.mutable_risk_assessments(0)->set_narrative(
      "Jessamine Oakenshaw was seen at 14 Larkspur Close with older males");

  const Casework casework(casework_testing::DerbyRouter(), casework_testing::ShippedEngine());
  const absl::Time now = T("2026-03-20T12:00:00Z");
  absl::StatusOr<Routing> review = casework.DecideReview(view, now);
  ASSERT_TRUE(review.ok()) << review.status();
  ASSERT_TRUE(review->schedule.has_value());
  AlertSnapshot snapshot;
  for (const OpenAction& a : review->schedule->open_actions) {
    if (a.due_at <= now) snapshot.overdue_actions.emplace_back(view.case_file.case_id(), a);
  }
  ASSERT_FALSE(snapshot.overdue_actions.empty()) << "the case should have overdue actions by " << now;
  snapshot.certificates = {{"urn:cre:agency:derby-csc", now + absl::Hours(24)}};
  AgencyQueue q;
  q.agency_id = "derby-csc";
  q.pending = 2;
  q.dead = 1;
  q.oldest_undelivered = now - absl::Hours(2);
  snapshot.agencies = {q};

  const AlertRules rules(Config());
  const std::vector<Alert> alerts = rules.Evaluate(snapshot, now);
  std::vector<Mail> mails;
  std::vector<QueuedChange> all;
  for (const Alert& a : alerts) {
    for (AlertChange change : {AlertChange::kRaised, AlertChange::kChanged, AlertChange::kCleared}) {
      all.push_back(Change(change, a.title, a.text, now));
      mails.push_back(ComposeMail("someone@derby.example", {all.back()}));
    }
  }
  mails.push_back(ComposeMail("someone@derby.example", all));
  ASSERT_GE(mails.size(), 4u);

  const std::vector<std::string> personal = {"Jessamine", "Oakenshaw", "Larkspur", "9434765919", "943 476 5919",
                                             dob,         "04/03/2012", "4 March 2012", "older males"};
  for (const Mail& mail : mails) {
    for (const std::string& p : personal) {
      EXPECT_THAT(mail.subject, Not(HasSubstr(p)));
      EXPECT_THAT(mail.body, Not(HasSubstr(p)));
    }
  }
  // What they do hold instead: a link to the case for those who may open it.
  EXPECT_THAT(mails.back().body, HasSubstr("#/case/" + view.case_file.case_id()));
}

}  // namespace
}  // namespace cre::alerting
