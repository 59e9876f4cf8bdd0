// Casework: the whole decision about a submission and about a review of a
// passed deadline, and whose actions a caller oversees, without a hub or a
// database (end to end: tests/server/routing_test.cc, hub_actions_test.cc,
// deadlines_test.cc, case_privacy_test.cc).
//
// The dates, as in casework_hub_actions_test.cc: opened Monday 2 March 2026
// 09:00 GMT, assessed at 10:00; the IRO notification (48 clock hours) and
// the HIGH strategy discussion (48 working hours) fall due on Wednesday 4
// March at 10:00.
#include <algorithm>
#include <string>
#include <vector>

#include "access/case_access.h"
#include "casework/casework.h"
#include "casework_fixture.h"
#include "common/proto_time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cre {
namespace {

using ::cre::casework_testing::Agency;
using ::cre::casework_testing::CaseBuilder;
using ::cre::casework_testing::DerbyRouter;
using ::cre::casework_testing::kDerby;
using ::cre::casework_testing::kDerbyshire;
using ::cre::casework_testing::Micros;
using ::cre::casework_testing::ShippedEngine;
using ::cre::casework_testing::T;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::UnorderedElementsAre;

constexpr char kAssessedAt[] = "2026-03-02T10:00:00Z";   // Monday
constexpr char kWednesday10[] = "2026-03-04T10:00:00Z";  // IRO notification and strategy discussion due
constexpr char kThursday10[] = "2026-03-05T10:00:00Z";   // both a day overdue

Casework DerbyCasework() { return Casework(DerbyRouter(), ShippedEngine()); }

v1::RoutedMessage CaseUpdate() {
  v1::RoutedMessage m;
  m.set_kind(v1::MESSAGE_KIND_CASE_UPDATE);
  m.mutable_case_update()->add_risk_assessments()->set_level(v1::RISK_LEVEL_HIGH);
  return m;
}

v1::RoutedMessage IroNotification() {
  v1::RoutedMessage m;
  m.set_kind(v1::MESSAGE_KIND_NOTIFICATION);
  m.mutable_notification()->set_kind(v1::NOTIFICATION_KIND_IRO);
  m.mutable_notification()->set_summary("Told the IRO ourselves.");
  return m;
}

std::vector<std::string> Keys(const std::vector<FollowUp>& follow_ups) {
  std::vector<std::string> keys;
  for (const FollowUp& f : follow_ups) keys.push_back(f.trigger_key);
  return keys;
}

// Derby's looked-after child assessed HIGH on Monday at 10:00, with CSC
// and the school involved.
CaseBuilder LookedAfterChildAssessedHigh() {
  CaseBuilder c(kDerby, kDerby, v1::OPEN_PLAN_LOOKED_AFTER);
  c.Involved({"derby-school-ashgrove", "derby-csc"}).Assess(kAssessedAt, v1::RISK_LEVEL_HIGH);
  return c;
}

// ----------------------------------------------------- DecideSubmission

// DecideSubmission's step 1 comes before step 2 (casework.h): an outsider
// is told there is no such case before anything about the case is checked,
// so that it cannot learn a child's facts from the refusals it gets (the
// bisection of case_privacy_test.cc). An involved agency gets the refusal
// that names the field.
TEST(DecideSubmissionTest, AnOutsiderIsToldThereIsNoSuchCaseBeforeTheCaseIsValidated) {
  CaseBuilder invalid(kDerby, kDerby, v1::OPEN_PLAN_LOOKED_AFTER);
  // The case as it would be with the submission: an event dated before the
  // case opened (09:00) is refused.
  invalid.Involved({"derby-school-ashgrove"}).Event(v1::EVENT_KIND_MISSING_EPISODE, "2026-03-01T12:00:00Z");
  const Casework casework = DerbyCasework();

  absl::StatusOr<Routing> outsider =
      casework.DecideSubmission(Agency("derby-police"), CaseUpdate(), T(kAssessedAt), &invalid.view(), nullptr);
  EXPECT_EQ(outsider.status(), NoSuchCase(invalid.case_id()));

  absl::StatusOr<Routing> insider = casework.DecideSubmission(Agency("derby-school-ashgrove"), CaseUpdate(),
                                                              T(kAssessedAt), &invalid.view(), nullptr);
  EXPECT_EQ(insider.status(), absl::InvalidArgumentError("events[0].occurred_at: before opened_at"));
}

// Nor does an outsider learn whether the child is looked after: the IRO
// notification it may not send is NoSuchCase, not FAILED_PRECONDITION.
TEST(DecideSubmissionTest, AnOutsiderLearnsNothingFromWhatTheCaseWouldRefuse) {
  CaseBuilder not_looked_after(kDerby, kDerby, v1::OPEN_PLAN_CHILD_IN_NEED);
  not_looked_after.Involved({"derby-csc"});
  absl::StatusOr<Routing> outsider = DerbyCasework().DecideSubmission(
      Agency("derby-health"), IroNotification(), T(kAssessedAt), &not_looked_after.view(), nullptr);
  EXPECT_EQ(outsider.status(), NoSuchCase(not_looked_after.case_id()));
  absl::StatusOr<Routing> insider = DerbyCasework().DecideSubmission(
      Agency("derby-csc"), IroNotification(), T(kAssessedAt), &not_looked_after.view(), nullptr);
  EXPECT_EQ(insider.status().code(), absl::StatusCode::kFailedPrecondition);
}

// The hub's own IRO notification goes with the assessment that requires it
// (README: "routed in the same transaction").
TEST(DecideSubmissionTest, AnAssessmentThatRequiresAnIroNotificationSendsIt) {
  const CaseBuilder c = LookedAfterChildAssessedHigh();
  absl::StatusOr<Routing> decided =
      DerbyCasework().DecideSubmission(Agency("derby-csc"), CaseUpdate(), T(kAssessedAt), &c.view(), nullptr);
  ASSERT_TRUE(decided.ok()) << decided.status();
  EXPECT_THAT(decided->recipients, ElementsAre("derby-school-ashgrove"));
  EXPECT_EQ(decided->event_kind, v1::EVENT_KIND_UNSPECIFIED);
  EXPECT_THAT(Keys(decided->follow_ups), ElementsAre("lac.iro_notification@" + Micros(kWednesday10)));
  ASSERT_TRUE(decided->schedule.has_value());
  EXPECT_EQ(decided->schedule->next_deadline, T(kWednesday10));
}

// casework.h step 4: the pathway counts the message's own event, so that an
// IRO notification CSC has just sent is not sent again by the hub
// (hub_actions_test.cc, AgencySentIroNotificationIsNotDuplicatedByTheHub).
TEST(DecideSubmissionTest, AnIroNotificationJustSentByCscIsNotSentAgainAsAFollowUp) {
  const CaseBuilder c = LookedAfterChildAssessedHigh();
  absl::StatusOr<Routing> decided = DerbyCasework().DecideSubmission(
      Agency("derby-csc"), IroNotification(), T("2026-03-02T10:05:00Z"), &c.view(), nullptr);
  ASSERT_TRUE(decided.ok()) << decided.status();
  EXPECT_THAT(decided->recipients, ElementsAre("derby-iro"));
  EXPECT_EQ(decided->event_kind, v1::EVENT_KIND_IRO_NOTIFIED);
  EXPECT_EQ(decided->acknowledged_by, "derby-iro");
  EXPECT_THAT(decided->follow_ups, IsEmpty());
  // Still open until the IRO service acknowledges it.
  ASSERT_TRUE(decided->schedule.has_value());
  std::vector<std::string> open;
  for (const OpenAction& a : decided->schedule->open_actions) open.push_back(a.rule_id);
  EXPECT_THAT(open, Contains("lac.iro_notification"));
}

// A report about no particular child: routed, its event noted for a case
// the store does not have; no pathway, so no follow-up and no schedule.
TEST(DecideSubmissionTest, AReportAboutNoChildIsRoutedWithoutAPathway) {
  v1::RoutedMessage report;
  report.set_kind(v1::MESSAGE_KIND_OPERATION_LIBERTY_REPORT);
  report.mutable_operation_liberty_report()->add_vehicles()->set_registration("AB12 CDE");
  absl::StatusOr<Routing> decided =
      DerbyCasework().DecideSubmission(Agency("derby-health"), report, T(kAssessedAt), nullptr, nullptr);
  ASSERT_TRUE(decided.ok()) << decided.status();
  EXPECT_THAT(decided->recipients, ElementsAre("derby-pru"));
  EXPECT_EQ(decided->event_kind, v1::EVENT_KIND_OPERATION_LIBERTY_REPORT_SENT);
  EXPECT_EQ(decided->acknowledged_by, "derby-pru");
  EXPECT_THAT(decided->follow_ups, IsEmpty());
  EXPECT_FALSE(decided->schedule.has_value());
}

// README: an overdue action is alerted "at once if it is already overdue
// when recorded". The assessment of Monday is recorded on Thursday: the
// hub sends the IRO notification late, and alerts both overdue actions.
TEST(DecideSubmissionTest, AnActionAlreadyOverdueWhenRecordedIsAlertedAtOnce) {
  const CaseBuilder c = LookedAfterChildAssessedHigh();
  absl::StatusOr<Routing> decided =
      DerbyCasework().DecideSubmission(Agency("derby-csc"), CaseUpdate(), T(kThursday10), &c.view(), nullptr);
  ASSERT_TRUE(decided.ok()) << decided.status();
  EXPECT_THAT(Keys(decided->follow_ups),
              UnorderedElementsAre("lac.iro_notification@" + Micros(kWednesday10),
                                   "alert:lac.iro_notification@" + Micros(kWednesday10),
                                   "alert:high.strategy_discussion@" + Micros(kWednesday10)));
}

// This authority's child, placed in Derbyshire and assessed HIGH; the
// handoff CSC sent Derbyshire about it; and Derbyshire's dispute of it.
struct DisputedHandoff {
  DisputedHandoff() : c(kDerby, kDerbyshire, v1::OPEN_PLAN_CHILD_IN_NEED) {
    c.Involved({"derby-csc", "derbyshire-cc"}).Assess(kAssessedAt, v1::RISK_LEVEL_HIGH);
    handoff.message_id = "99999999-8888-4777-8666-555555555555";
    handoff.sender_agency_id = "derby-csc";
    handoff.kind = v1::MESSAGE_KIND_NOTIFICATION;
    handoff.message.set_kind(v1::MESSAGE_KIND_NOTIFICATION);
    handoff.message.mutable_notification()->set_kind(v1::NOTIFICATION_KIND_HOST_AUTHORITY_HANDOFF);
    handoff.message.mutable_notification()->set_level(v1::RISK_LEVEL_HIGH);
    dispute.set_kind(v1::MESSAGE_KIND_RESPONSE);
    dispute.mutable_response()->set_kind(v1::RESPONSE_KIND_DISPUTE);
    dispute.mutable_response()->set_reason("Placement ended.");
  }
  // Derbyshire's dispute, an hour after the assessment.
  absl::StatusOr<Routing> Decide() const {
    return DerbyCasework().DecideSubmission(Agency("derbyshire-cc"), dispute, T("2026-03-02T11:00:00Z"),
                                            &c.view(), &handoff);
  }

  CaseBuilder c;
  RepliedMessage handoff;
  v1::RoutedMessage dispute;
};

// The host authority's dispute (hub_actions_test.cc, PlacedOutChild...):
// back to CSC, recorded, and escalated to the Duty CPM at once.
TEST(DecideSubmissionTest, AHostAuthoritysDisputeGoesBackToCscAndIsEscalated) {
  const DisputedHandoff d;
  const RepliedMessage& handoff = d.handoff;
  absl::StatusOr<Routing> decided = d.Decide();
  ASSERT_TRUE(decided.ok()) << decided.status();
  EXPECT_THAT(decided->recipients, ElementsAre("derby-csc"));
  EXPECT_EQ(decided->event_kind, v1::EVENT_KIND_HOST_AUTHORITY_DISPUTED);
  ASSERT_THAT(Keys(decided->follow_ups), Contains("dispute@" + handoff.message_id));
  for (const FollowUp& f : decided->follow_ups) {
    if (f.trigger_key != "dispute@" + handoff.message_id) continue;
    EXPECT_THAT(f.recipients, ElementsAre("derby-cpm"));
    EXPECT_EQ(f.event_kind, v1::EVENT_KIND_DUTY_CPM_ESCALATION_RAISED);
  }
}

// README: "A host authority's dispute is escalated to the Duty CPM", in
// the transaction that accepts the dispute, so the schedule written with it
// does not list placed_out.duty_cpm_escalation as open: the decision counts
// the events of its follow-ups (the escalation, complete as sent) as well as
// the message's own (the dispute).
TEST(DecideSubmissionTest, TheScheduleWrittenWithADisputeCountsTheEscalationRaisedWithIt) {
  absl::StatusOr<Routing> decided = DisputedHandoff().Decide();
  ASSERT_TRUE(decided.ok()) << decided.status();
  ASSERT_TRUE(decided->schedule.has_value());
  std::vector<std::string> open;
  for (const OpenAction& a : decided->schedule->open_actions) open.push_back(a.rule_id);
  EXPECT_THAT(open, Not(Contains("placed_out.duty_cpm_escalation")));
}

// What the hub sends itself carries the hub's own governance envelope, at
// the trigger and at a review alike.
TEST(DecideSubmissionTest, WhatTheHubSendsItselfCarriesTheHubsEnvelope) {
  v1::Governance hub_envelope;
  hub_envelope.set_purpose(v1::PURPOSE_CRE_PROCEDURE);
  hub_envelope.set_article6_basis(v1::ARTICLE6_BASIS_PUBLIC_TASK);
  hub_envelope.set_sharing_agreement_id("derby-cre-isa-2026");
  const Casework casework(DerbyRouter(), ShippedEngine(), hub_envelope);
  const CaseBuilder c = LookedAfterChildAssessedHigh();
  absl::StatusOr<Routing> decided =
      casework.DecideSubmission(Agency("derby-csc"), CaseUpdate(), T(kAssessedAt), &c.view(), nullptr);
  ASSERT_TRUE(decided.ok()) << decided.status();
  ASSERT_EQ(decided->follow_ups.size(), 1u);
  EXPECT_EQ(decided->follow_ups[0].message.governance().SerializeAsString(), hub_envelope.SerializeAsString());
  absl::StatusOr<Routing> review = casework.DecideReview(c.view(), T(kThursday10));
  ASSERT_TRUE(review.ok()) << review.status();
  ASSERT_FALSE(review->follow_ups.empty());
  for (const FollowUp& alert : review->follow_ups) {
    EXPECT_EQ(alert.message.governance().sharing_agreement_id(), "derby-cre-isa-2026") << alert.trigger_key;
  }
}

// ------------------------------------------------------------ DecideReview

// A review only alerts: what the hub performs itself is sent at the
// trigger (casework.h), so the IRO notification never sent is alerted, not
// sent; and nothing is routed or recorded for the review itself.
TEST(DecideReviewTest, AReviewOfAPassedDeadlineAlertsOnly) {
  const CaseBuilder c = LookedAfterChildAssessedHigh();
  absl::StatusOr<Routing> review = DerbyCasework().DecideReview(c.view(), T(kThursday10));
  ASSERT_TRUE(review.ok()) << review.status();
  EXPECT_THAT(review->recipients, IsEmpty());
  EXPECT_EQ(review->event_kind, v1::EVENT_KIND_UNSPECIFIED);
  EXPECT_THAT(Keys(review->follow_ups),
              UnorderedElementsAre("alert:lac.iro_notification@" + Micros(kWednesday10),
                                   "alert:high.strategy_discussion@" + Micros(kWednesday10)));
  for (const FollowUp& f : review->follow_ups) {
    EXPECT_EQ(f.message.notification().kind(), v1::NOTIFICATION_KIND_OVERDUE_ALERT) << f.trigger_key;
    EXPECT_THAT(f.recipients, UnorderedElementsAre("derby-cpm", "derby-csc")) << f.trigger_key;  // both SW's
  }
}

// The review moves the schedule on: before Wednesday 10:00 the next look
// is then; at 10:00 exactly both actions are overdue (due_at is exclusive)
// and the next look is later.
TEST(DecideReviewTest, AReviewMovesTheScheduleToTheNextDeadline) {
  const CaseBuilder c = LookedAfterChildAssessedHigh();
  const Casework casework = DerbyCasework();
  absl::StatusOr<Routing> early = casework.DecideReview(c.view(), T("2026-03-03T12:00:00Z"));
  ASSERT_TRUE(early.ok()) << early.status();
  EXPECT_THAT(early->follow_ups, IsEmpty());
  ASSERT_TRUE(early->schedule.has_value());
  EXPECT_EQ(early->schedule->next_deadline, T(kWednesday10));

  absl::StatusOr<Routing> at_deadline = casework.DecideReview(c.view(), T(kWednesday10));
  ASSERT_TRUE(at_deadline.ok()) << at_deadline.status();
  EXPECT_EQ(at_deadline->follow_ups.size(), 2u);
  ASSERT_TRUE(at_deadline->schedule.has_value());
  EXPECT_GT(at_deadline->schedule->next_deadline, T(kWednesday10));
}

TEST(DecideReviewTest, ACaseThatIsNotValidIsAnError) {
  CaseBuilder invalid(kDerby, kDerby, v1::OPEN_PLAN_LOOKED_AFTER);
  invalid.Event(v1::EVENT_KIND_MISSING_EPISODE, "2026-03-01T12:00:00Z");
  EXPECT_EQ(DerbyCasework().DecideReview(invalid.view(), T(kThursday10)).status().code(),
            absl::StatusCode::kInvalidArgument);
}

// ------------------------------------------------------------ OverseenOwner

// README: "the CPM service sees all; a team its own". Every agency of the
// registry: the CPM service oversees every case (""), any other agency the
// actions its own agency owns (its id).
TEST(OverseenOwnerTest, TheCpmServiceOverseesEveryCaseAndATeamItsOwn) {
  for (const v1::Agency& agency : casework_testing::ShippedRegistry()->agencies()) {
    const std::string expected = agency.role() == v1::CPM_SERVICE ? "" : agency.id();
    EXPECT_EQ(Casework::OverseenOwner(agency), expected) << agency.id();
  }
  EXPECT_EQ(Casework::OverseenOwner(Agency("derby-cpm")), "");
  EXPECT_EQ(Casework::OverseenOwner(Agency("derby-csc")), "derby-csc");
}

TEST(AlertedAgenciesTest, AReviewsAlertsAreForTheCpmService) {
  EXPECT_THAT(DerbyCasework().AlertedAgencies(), ElementsAre("derby-cpm"));
}

// The Due and overdue page's countdown, in working days, in Derby's calendar:
// Friday 22 May 2026, then the late May bank holiday on Monday 25 May.
TEST(WorkingDaysUntilTest, CountsWorkingDaysBothWaysAndSkipsWeekendsAndBankHolidays) {
  const Casework casework = DerbyCasework();
  const absl::Time friday_noon = T("2026-05-22T11:00:00Z");
  EXPECT_EQ(casework.WorkingDaysUntil(friday_noon, absl::CivilDay(2026, 5, 22)), 0) << "due today";
  EXPECT_EQ(casework.WorkingDaysUntil(friday_noon, absl::CivilDay(2026, 5, 26)), 1) << "Tuesday, after the holiday";
  EXPECT_EQ(casework.WorkingDaysUntil(friday_noon, absl::CivilDay(2026, 5, 25)), 1) << "the holiday counts as Tuesday";
  EXPECT_EQ(casework.WorkingDaysUntil(friday_noon, absl::CivilDay(2026, 5, 29)), 4);
  EXPECT_EQ(casework.WorkingDaysUntil(friday_noon, absl::CivilDay(2026, 5, 20)), -2) << "Wednesday: two days overdue";
  EXPECT_EQ(casework.WorkingDaysUntil(T("2026-05-23T11:00:00Z"), absl::CivilDay(2026, 5, 26)), 1)
      << "on Saturday, Tuesday is the next working day";
  EXPECT_EQ(casework.WorkingDaysUntil(T("2026-05-23T11:00:00Z"), absl::CivilDay(2026, 5, 22)), -1)
      << "on Saturday, Friday's action is a working day overdue";
  // Half past midnight on Sunday in Derby is still Saturday in UTC: the day
  // is the local one. A Sunday's action counts as Tuesday's (Monday is the
  // holiday), one working day ahead of Sunday itself, even once its hour
  // has passed: the Due page's list (OversightApi) shows an overdue action
  // at 0 or less whatever this count says.
  const absl::Time sunday_early = T("2026-05-23T23:30:00Z");
  EXPECT_EQ(casework.WorkingDaysUntil(sunday_early, absl::CivilDay(2026, 5, 24)), 1) << "Sunday's, on Sunday";
  EXPECT_EQ(casework.WorkingDaysUntil(sunday_early, absl::CivilDay(2026, 5, 23)), 1)
      << "Saturday's, on Sunday: it too counts as Tuesday's";
  EXPECT_EQ(casework.WorkingDaysUntil(sunday_early, absl::CivilDay(2026, 5, 22)), -1) << "Friday's, on Sunday";
  // The due window's end: midnight after the nth working day, local (BST).
  EXPECT_EQ(casework.EndOfWorkingDays(friday_noon, 0), T("2026-05-22T23:00:00Z"));
  EXPECT_EQ(casework.EndOfWorkingDays(friday_noon, 1), T("2026-05-26T23:00:00Z")) << "past the holiday";
  EXPECT_EQ(casework.EndOfWorkingDays(T("2026-05-23T11:00:00Z"), 0), T("2026-05-23T23:00:00Z")) << "Saturday's end";
}

}  // namespace
}  // namespace cre
