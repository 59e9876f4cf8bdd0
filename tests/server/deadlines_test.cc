// Deadlines: when an action becomes overdue, one alert goes to the Duty CPM
// and to the action's owner, however many hub processes watch; managers
// list due and overdue actions across cases, earliest first, in pages.
// The hubs run on a FakeClock: a deadline passes when the test moves it.
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "cre/v1/oversight.grpc.pb.h"
#include "cre/v1/referrals.grpc.pb.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/time_util.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "support/fake_clock.h"
#include "support/inbox_stream.h"
#include "support/test_cases.h"
#include "support/test_governance.h"
#include "support/test_hub.h"

namespace cre {
namespace {

using ::cre::testing::FakeClock;
using ::cre::testing::InboxStream;
using ::cre::testing::OpenLookedAfterChildAssessedHigh;
using ::cre::testing::TestHub;
using ::google::protobuf::util::TimeUtil;
using ::testing::UnorderedElementsAre;

class DeadlinesTest : public ::testing::Test {
 protected:
  // A looked-after child assessed HIGH at `assessed_at` (test_cases.h).
  std::string LookedAfterChildAssessedAt(absl::Time assessed_at, const std::string& key) {
    absl::StatusOr<std::string> case_id = OpenLookedAfterChildAssessedHigh(hub_, assessed_at, key);
    EXPECT_TRUE(case_id.ok()) << case_id.status();
    return case_id.value_or("");
  }

  // The IRO notification's overdue alerts. Other actions of the case may
  // fall overdue too, depending on the day the test runs (the strategy
  // discussion is due in working hours: assessed on a Sunday, it is overdue
  // by Wednesday), and have alerts of their own.
  std::string IroAlerts() {
    return hub_.database().QueryString(
        "SELECT COUNT(*) FROM hub_action WHERE trigger_key LIKE 'alert:lac.iro_notification@%'");
  }

  // The next overdue alert about the IRO notification on `stream`, skipping
  // other actions' alerts. (`timeout` is real time: how long the stream is
  // given, not a deadline of the case's.)
  static absl::optional<v1::RoutedMessage> NextIroAlert(InboxStream& stream,
                                                        absl::Duration timeout = absl::Seconds(10)) {
    const absl::Time until = absl::Now() + timeout;
    for (;;) {
      const absl::Duration left = until - absl::Now();
      if (left <= absl::ZeroDuration()) return absl::nullopt;
      absl::optional<v1::RoutedMessage> message = stream.Next(left);
      if (!message.has_value()) return absl::nullopt;
      if (message->notification().kind() == v1::NOTIFICATION_KIND_OVERDUE_ALERT &&
          message->notification().action_kind() == v1::IRO_NOTIFICATION) {
        return message;
      }
    }
  }

  v1::ListOpenActionsResponse List(const std::string& agency, bool overdue_only, int page_size,
                                   const std::string& token = "") {
    v1::ListOpenActionsRequest request;
    request.set_overdue_only(overdue_only);
    request.set_page_size(page_size);
    request.set_page_token(token);
    return List(agency, request);
  }
  v1::ListOpenActionsResponse List(const std::string& agency, const v1::ListOpenActionsRequest& request) {
    grpc::ClientContext context;
    v1::ListOpenActionsResponse response;
    grpc::Status status = v1::Oversight::NewStub(hub_.ChannelFor(agency))->ListOpenActions(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }

  // Before the hubs, which read it until they stop.
  FakeClock clock_;
  TestHub hub_{nullptr, clock_};
};

TEST_F(DeadlinesTest, AnActionThatFallsDueIsAlertedOnceWithTwoHubProcesses) {
  // A second process watching the same cases, on the same clock.
  TestHub other(hub_.database(), nullptr, clock_);
  InboxStream cpm(hub_.ChannelFor("derby-cpm"));
  // The IRO notification falls due 3 s from now.
  const std::string case_id = LookedAfterChildAssessedAt(clock_.Now() - absl::Hours(48) + absl::Seconds(3), "c");
  EXPECT_EQ(IroAlerts(), "0");
  clock_.Advance(absl::Seconds(4));  // the watchers' next rounds find it overdue

  absl::optional<v1::RoutedMessage> alert = NextIroAlert(cpm, absl::Seconds(20));
  ASSERT_TRUE(alert.has_value()) << "no overdue alert reached the Duty CPM";
  EXPECT_EQ(alert->notification().kind(), v1::NOTIFICATION_KIND_OVERDUE_ALERT);
  EXPECT_EQ(alert->notification().action_kind(), v1::IRO_NOTIFICATION);
  EXPECT_EQ(alert->notification().owner(), v1::PRACTITIONER_ROLE_SOCIAL_WORKER);
  EXPECT_EQ(alert->case_id(), case_id);
  EXPECT_TRUE(alert->sent_by_hub());
  EXPECT_TRUE(alert->sender_agency_id().empty());
  // For people: the action and its deadline in words, in local time (48
  // clock hours: an exact time), no enum name.
  EXPECT_THAT(alert->notification().summary(),
              ::testing::StartsWith("The notification of the Independent Reviewing Officer is overdue: "
                                    "it was due before "));
  EXPECT_THAT(alert->notification().summary(), ::testing::Not(::testing::HasSubstr("IRO_NOTIFICATION")));
  // Both watchers have looked many times since (200 ms each): still one.
  absl::SleepFor(absl::Seconds(1));
  EXPECT_EQ(IroAlerts(), "1");
  EXPECT_EQ(hub_.database().QueryString(
                "SELECT GROUP_CONCAT(d.recipient_agency_id ORDER BY d.recipient_agency_id) FROM delivery d"
                " JOIN message m ON m.message_id = d.message_id JOIN hub_action h ON h.message_id = m.message_id"
                " WHERE h.trigger_key LIKE 'alert:lac.iro_notification@%'"),
            "derby-cpm,derby-csc");  // the Duty CPM and the owner (a social worker: CSC)
  EXPECT_FALSE(NextIroAlert(cpm, absl::Milliseconds(500)).has_value());
  // An alert from the hub takes no response.
  v1::RespondRequest respond;
  respond.set_idempotency_key("r");
  *respond.mutable_governance() = testing::TestGovernance();
  respond.set_message_id(alert->message_id());
  respond.mutable_response()->set_kind(v1::RESPONSE_KIND_ACKNOWLEDGE);
  grpc::ClientContext context;
  v1::SubmitResponse refused;
  EXPECT_EQ(v1::Referrals::NewStub(hub_.ChannelFor("derby-cpm"))->Respond(&context, respond, &refused).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
}

TEST_F(DeadlinesTest, ACaseThatCannotBeReviewedDoesNotStopTheOthers) {
  InboxStream cpm(hub_.ChannelFor("derby-cpm"));
  // The broken case falls due first; neither falls due before the clock
  // moves, after the first has been damaged.
  const std::string broken = LookedAfterChildAssessedAt(clock_.Now() - absl::Hours(48) + absl::Seconds(3), "broken");
  // Its record can no longer be opened (damaged at rest).
  hub_.database().Execute("UPDATE case_entry SET body = 'damaged' WHERE case_id = '" + broken + "'");
  const std::string fine = LookedAfterChildAssessedAt(clock_.Now() - absl::Hours(48) + absl::Seconds(4), "fine");
  clock_.Advance(absl::Seconds(5));
  absl::optional<v1::RoutedMessage> alert = NextIroAlert(cpm, absl::Seconds(20));
  ASSERT_TRUE(alert.has_value()) << "the damaged case stopped the watcher";
  EXPECT_EQ(alert->case_id(), fine);
  // The damaged case is put back, to be looked at again later.
  EXPECT_EQ(hub_.database().QueryString("SELECT next_deadline > NOW(6) + INTERVAL 10 MINUTE FROM cre_case"
                                        " WHERE case_id = '" + broken + "'"),
            "1");
}

TEST_F(DeadlinesTest, AnActionAlreadyOverdueWhenRecordedIsAlertedAtOnce) {
  InboxStream cpm(hub_.ChannelFor("derby-cpm"));
  LookedAfterChildAssessedAt(clock_.Now() - absl::Hours(72), "late");
  EXPECT_EQ(IroAlerts(), "1");
  absl::optional<v1::RoutedMessage> alert = NextIroAlert(cpm);
  ASSERT_TRUE(alert.has_value());
  EXPECT_EQ(alert->notification().action_kind(), v1::IRO_NOTIFICATION);
}

TEST_F(DeadlinesTest, ManagersListDueAndOverdueActionsEarliestFirstInPages) {
  const std::string late = LookedAfterChildAssessedAt(clock_.Now() - absl::Hours(72), "late");
  const std::string soon = LookedAfterChildAssessedAt(clock_.Now() - absl::Hours(1), "soon");

  // The CPM service sees every case, earliest due first.
  v1::ListOpenActionsResponse all = List("derby-cpm", false, 500);
  ASSERT_GE(all.actions_size(), 2);
  for (int i = 1; i < all.actions_size(); ++i) {
    EXPECT_LE(TimeUtil::TimestampToMicroseconds(all.actions(i - 1).due_at()),
              TimeUtil::TimestampToMicroseconds(all.actions(i).due_at()));
  }
  std::set<std::string> cases;
  for (const auto& a : all.actions()) cases.insert(a.case_id());
  EXPECT_THAT(cases, UnorderedElementsAre(late, soon));

  // Only what is overdue: the late case's actions.
  v1::ListOpenActionsResponse overdue = List("derby-cpm", true, 500);
  ASSERT_GE(overdue.actions_size(), 1);
  for (const auto& a : overdue.actions()) {
    EXPECT_EQ(a.case_id(), late);
    EXPECT_EQ(a.status(), v1::ACTION_STATUS_OVERDUE);
  }

  // Pages of one, following the tokens, give the same list.
  std::vector<std::string> paged;
  std::string token;
  do {
    v1::ListOpenActionsResponse page = List("derby-cpm", false, 1, token);
    ASSERT_LE(page.actions_size(), 1);
    for (const auto& a : page.actions()) paged.push_back(a.case_id() + a.rule_id());
    token = page.next_page_token();
  } while (!token.empty());
  ASSERT_EQ(paged.size(), static_cast<size_t>(all.actions_size()));
  for (int i = 0; i < all.actions_size(); ++i) EXPECT_EQ(paged[i], all.actions(i).case_id() + all.actions(i).rule_id());

  // A team sees the actions its agency owns, and only those.
  v1::ListOpenActionsResponse team = List("derby-csc", false, 500);
  for (const auto& a : team.actions()) EXPECT_EQ(a.owner_agency_id(), "derby-csc");
  EXPECT_LE(team.actions_size(), all.actions_size());

  // The CPM service may ask for one team's, the same the team sees.
  v1::ListOpenActionsRequest csc_only;
  csc_only.set_owner_agency_id("derby-csc");
  csc_only.set_page_size(500);
  EXPECT_EQ(List("derby-cpm", csc_only).actions_size(), team.actions_size());
  // A due window of 0 working days: today's and the overdue, no later ones.
  v1::ListOpenActionsRequest today;
  today.set_due_within_working_days(0);
  today.set_page_size(500);
  v1::ListOpenActionsResponse due_today = List("derby-cpm", today);
  for (const auto& a : due_today.actions()) EXPECT_LE(a.working_days_left(), 0) << a.rule_id();
  EXPECT_GE(due_today.actions_size(), overdue.actions_size());
  EXPECT_LT(due_today.actions_size(), all.actions_size()) << "later actions are left out";
}

// Each listed action's chair is the engine's, as the case shows it; the
// owner's role is filtered by the hub, across pages, and with the team.
TEST_F(DeadlinesTest, ListedActionsCarryTheirChairAndFilterByTheOwnersRole) {
  const std::string case_id = LookedAfterChildAssessedAt(clock_.Now() - absl::Hours(1), "chairs");
  v1::ListOpenActionsResponse all = List("derby-cpm", false, 500);
  ASSERT_GE(all.actions_size(), 2);

  // The case as CSC (which opened it) reads it: its actions' chairs.
  grpc::ClientContext context;
  v1::GetCaseRequest get;
  get.set_case_id(case_id);
  v1::GetCaseResponse read;
  ASSERT_TRUE(v1::Referrals::NewStub(hub_.ChannelFor("derby-csc"))->GetCase(&context, get, &read).ok());
  std::map<std::string, v1::PractitionerRole> chair_of;
  for (const v1::Action& action : read.pathway().actions()) chair_of[action.rule_id()] = action.chair();
  int chaired = 0;
  std::set<v1::PractitionerRole> owners;
  for (const v1::OpenActionSummary& a : all.actions()) {
    ASSERT_TRUE(chair_of.count(a.rule_id())) << a.rule_id();
    EXPECT_EQ(a.chair(), chair_of[a.rule_id()]) << a.rule_id();
    if (a.chair() != v1::PRACTITIONER_ROLE_UNSPECIFIED) ++chaired;
    owners.insert(a.owner());
  }
  EXPECT_GE(chaired, 1) << "a HIGH case has a meeting with a chair";
  ASSERT_GE(owners.size(), 2u) << "the filter would filter nothing";

  // Each owner's role: exactly the actions that role owns, in the same
  // order; in pages of one as well.
  for (v1::PractitionerRole owner : owners) {
    std::vector<std::string> expected;
    for (const auto& a : all.actions()) {
      if (a.owner() == owner) expected.push_back(a.case_id() + a.rule_id());
    }
    v1::ListOpenActionsRequest request;
    request.set_owner(owner);
    request.set_page_size(500);
    const v1::ListOpenActionsResponse owned = List("derby-cpm", request);
    std::vector<std::string> listed;
    for (const auto& a : owned.actions()) listed.push_back(a.case_id() + a.rule_id());
    EXPECT_EQ(listed, expected) << v1::PractitionerRole_Name(owner);
    std::vector<std::string> paged;
    request.set_page_size(1);
    do {
      v1::ListOpenActionsResponse page = List("derby-cpm", request);
      for (const auto& a : page.actions()) paged.push_back(a.case_id() + a.rule_id());
      request.set_page_token(page.next_page_token());
    } while (!request.page_token().empty() && paged.size() <= expected.size());
    EXPECT_EQ(paged, expected) << v1::PractitionerRole_Name(owner);
  }

  // With the team: a social worker's actions that CSC owns.
  v1::ListOpenActionsRequest social_workers_at_csc;
  social_workers_at_csc.set_owner(v1::PRACTITIONER_ROLE_SOCIAL_WORKER);
  social_workers_at_csc.set_owner_agency_id("derby-csc");
  const v1::ListOpenActionsResponse at_csc = List("derby-csc", social_workers_at_csc);
  EXPECT_GE(at_csc.actions_size(), 1) << "the IRO notification is a social worker's, at CSC";
  for (const auto& a : at_csc.actions()) {
    EXPECT_EQ(a.owner(), v1::PRACTITIONER_ROLE_SOCIAL_WORKER);
    EXPECT_EQ(a.owner_agency_id(), "derby-csc");
  }
}

// A record dated at the end of 2099 sets deadlines in 2100, which the
// store keeps (DATETIME(6); TIMESTAMP ended in January 2038) and lists.
TEST_F(DeadlinesTest, DeadlinesPast2038AreKeptAndListed) {
  clock_.Set(absl::FromCivil(absl::CivilSecond(2099, 12, 30, 12, 0, 0), absl::UTCTimeZone()));
  const std::string case_id = LookedAfterChildAssessedAt(clock_.Now() - absl::Hours(1), "end-of-century");
  ASSERT_FALSE(case_id.empty());

  v1::ListOpenActionsResponse all = List("derby-cpm", false, 500);
  ASSERT_GE(all.actions_size(), 1);
  bool in_2100 = false;
  for (const auto& a : all.actions()) {
    EXPECT_EQ(a.case_id(), case_id);
    EXPECT_GE(a.due_at().seconds(), absl::ToUnixSeconds(clock_.Now() - absl::Hours(1)));
    in_2100 = in_2100 || absl::StartsWith(a.due_date(), "2100-");
  }
  EXPECT_TRUE(in_2100) << "a deadline of a case assessed on 30 December 2099 falls in 2100";
}

}  // namespace
}  // namespace cre
