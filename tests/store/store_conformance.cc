// The store conformance suite (store_conformance.h): agencies, intake (its
// idempotency, responses, follow-ups once per trigger, the per-case entry
// limit, a child known by NHS number), delivery (leases, expiry and backoff, dead letters, per-case
// order, hand-out on acceptance, group acknowledgement and acceptance),
// deadlines (reviews, open actions) and the audit chain, each through the
// Store interface only.
#include "store/store_conformance.h"

#include <atomic>
#include <map>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "access/case_access.h"
#include "audit/audit_chain.h"
#include "common/proto_time.h"
#include "gmock/gmock.h"
#include "support/open_actions.h"

namespace cre::testing {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using ::testing::UnorderedElementsAre;
using ::testing::UnorderedElementsAreArray;

void PrintTo(const StoreTopology& topology, std::ostream* out) { *out << topology.name; }

std::string TopologyName(const ::testing::TestParamInfo<StoreTopology>& info) { return info.param.name; }

RouteFn RouteTo(const std::string& agency) {
  return [agency](const CaseView*, const RepliedMessage*) -> absl::StatusOr<Routing> {
    Routing routing;
    routing.recipients = {agency};
    return routing;
  };
}

namespace {

std::vector<int64_t> DeliveryIds(const std::vector<v1::RoutedMessage>& messages) {
  std::vector<int64_t> ids;
  for (const v1::RoutedMessage& m : messages) ids.push_back(m.delivery_id());
  return ids;
}

// Whole seconds: every store keeps at least those.
absl::Time NowInSeconds() { return absl::FromUnixSeconds(absl::ToUnixSeconds(absl::Now())); }

// A Respond from `sender` to message `in_reply_to`, with `key` as its
// idempotency key and request digest. No case_id: as the hub submits a
// response, the case is the answered message's.
Submission ResponseSubmission(const std::string& sender, const std::string& key, const std::string& in_reply_to) {
  Submission s;
  s.sender_agency_id = sender;
  s.method = "Respond";
  s.idempotency_key = key;
  s.request_sha256 = key;
  s.in_reply_to = in_reply_to;
  s.message.set_kind(v1::MESSAGE_KIND_RESPONSE);
  s.message.mutable_response()->set_kind(v1::RESPONSE_KIND_ACKNOWLEDGE);
  s.accepted_at = absl::Now();
  return s;
}

// An alert the hub sends the PRU on its own account, once per `trigger_key`;
// its summary names the trigger, so that a test can tell alerts apart.
FollowUp Alert(const std::string& trigger_key, v1::EventKind event_kind = v1::EVENT_KIND_UNSPECIFIED) {
  FollowUp alert;
  alert.trigger_key = trigger_key;
  alert.message.set_kind(v1::MESSAGE_KIND_NOTIFICATION);
  alert.message.mutable_notification()->set_kind(v1::NOTIFICATION_KIND_OVERDUE_ALERT);
  alert.message.mutable_notification()->set_summary(trigger_key);
  alert.recipients = {"pru"};
  alert.event_kind = event_kind;
  return alert;
}

// Routes to the PRU, and has the hub send `follow_ups` with the message.
RouteFn RouteToPruWith(std::vector<FollowUp> follow_ups) {
  return [follow_ups](const CaseView*, const RepliedMessage*) -> absl::StatusOr<Routing> {
    Routing routing;
    routing.recipients = {"pru"};
    routing.follow_ups = follow_ups;
    return routing;
  };
}

// A caller's record of `count` missing episodes.
v1::CaseUpdate MissingEpisodes(int count) {
  v1::CaseUpdate update;
  const google::protobuf::Timestamp at = ToProtoTime(NowInSeconds());
  for (int i = 0; i < count; ++i) {
    v1::CaseEvent* event = update.add_events();
    event->set_kind(v1::EVENT_KIND_MISSING_EPISODE);
    *event->mutable_occurred_at() = at;
  }
  return update;
}

// Everything `recipient` has due, claimed and acknowledged round after round
// until a claim comes back empty: a case's messages are handed out one at a
// time, each after the one before it is acknowledged.
std::vector<v1::RoutedMessage> ClaimAndAcknowledgeAll(Store& store, const std::string& recipient) {
  std::vector<v1::RoutedMessage> all;
  for (int round = 0; round < 100; ++round) {
    absl::StatusOr<std::vector<v1::RoutedMessage>> claimed =
        store.ClaimDeliveries(recipient, recipient + "-stream", 100, DeliveryPolicy());
    EXPECT_TRUE(claimed.ok()) << claimed.status();
    if (!claimed.ok() || claimed->empty()) return all;
    EXPECT_TRUE(store.Acknowledge(recipient, DeliveryIds(*claimed), absl::Now()).ok());
    all.insert(all.end(), claimed->begin(), claimed->end());
  }
  ADD_FAILURE() << recipient << " still had deliveries due after 100 rounds";
  return all;
}

// The alerts among `messages` (the summaries name their triggers), as
// "case_id trigger" strings.
std::vector<std::string> AlertsIn(const std::vector<v1::RoutedMessage>& messages) {
  std::vector<std::string> alerts;
  for (const v1::RoutedMessage& m : messages) {
    if (m.sent_by_hub()) alerts.push_back(absl::StrCat(m.case_id(), " ", m.notification().summary()));
  }
  return alerts;
}

OpenActionFilter OwnedBy(const std::string& agency_id,
                         v1::PractitionerRole role = v1::PRACTITIONER_ROLE_UNSPECIFIED) {
  OpenActionFilter filter;
  filter.owner_agency_id = agency_id;
  filter.owner_role = role;
  return filter;
}

OpenActionFilter OwnedByRole(v1::PractitionerRole role) { return OwnedBy("", role); }

OpenActionFilter DueBefore(absl::Time due_before) {
  OpenActionFilter filter;
  filter.due_before = due_before;
  return filter;
}

}  // namespace

void StoreConformanceTest::SetUp() {
  under_test_ = GetParam().make();
  ASSERT_NE(under_test_, nullptr);
}

void StoreConformanceTest::TearDown() { under_test_.reset(); }

void StoreConformanceTest::RegisterSenderAndPru() {
  absl::StatusOr<int> synced =
      store().SyncAgencies({MakeAgency("sender", v1::HEALTH), MakeAgency("pru", v1::POLICE_REFERRAL_UNIT)});
  ASSERT_TRUE(synced.ok()) << synced.status();
}

std::string StoreConformanceTest::OpenCase(const std::string& key, const CaseSchedule& schedule) {
  v1::NewChild child = ExampleChild();
  Submission s = ReportSubmission(key);
  s.new_child = &child;
  absl::StatusOr<Accepted> opened =
      store().Accept(s, [&schedule](const CaseView* view, const RepliedMessage*) -> absl::StatusOr<Routing> {
        Routing routing = *RouteTo("pru")(view, nullptr);
        routing.schedule = schedule;
        return routing;
      });
  EXPECT_TRUE(opened.ok()) << opened.status();
  return opened.ok() ? opened->receipt.case_id() : "";
}

void StoreConformanceTest::OpenCasesWithActions(const std::vector<std::vector<OpenAction>>& schedules) {
  for (size_t i = 0; i < schedules.size(); ++i) {
    CaseSchedule schedule;
    schedule.open_actions = schedules[i];
    ASSERT_FALSE(OpenCase(absl::StrCat("open-", i), schedule).empty());
  }
}

Submission StoreConformanceTest::ReportSubmission(const std::string& key) {
  Submission s;
  s.sender_agency_id = "sender";
  s.method = "SubmitOperationLibertyReport";
  s.idempotency_key = key;
  s.request_sha256 = key;
  s.message.set_kind(v1::MESSAGE_KIND_OPERATION_LIBERTY_REPORT);
  s.message.mutable_operation_liberty_report()->set_narrative("n");
  s.accepted_at = absl::Now();
  s.opened_at = s.accepted_at;
  return s;
}

absl::StatusOr<Accepted> StoreConformanceTest::Report(const std::string& key, StreamOffer* streams,
                                                      const std::string& case_id, const v1::NewChild* child,
                                                      Store* on) {
  Submission s = ReportSubmission(key);
  s.streams = streams;
  s.case_id = case_id;
  s.new_child = child;
  absl::StatusOr<Accepted> accepted = (on != nullptr ? *on : store()).Accept(s, RouteTo("pru"));
  EXPECT_TRUE(accepted.ok()) << accepted.status();
  return accepted;
}

std::string StoreConformanceTest::SubmitReport(const std::string& key, Store* on) {
  absl::StatusOr<Accepted> accepted = Report(key, nullptr, "", nullptr, on);
  return accepted.ok() ? accepted->receipt.message_id() : "";
}

std::vector<v1::RoutedMessage> StoreConformanceTest::Claim(const std::string& owner, int limit,
                                                           const DeliveryPolicy& policy, Store* on) {
  absl::StatusOr<std::vector<v1::RoutedMessage>> claimed =
      (on != nullptr ? *on : store()).ClaimDeliveries("pru", owner, limit, policy);
  EXPECT_TRUE(claimed.ok()) << claimed.status();
  return claimed.ok() ? *claimed : std::vector<v1::RoutedMessage>{};
}

std::vector<v1::AuditRecord> StoreConformanceTest::SealAndReadChain() {
  std::vector<v1::AuditRecord> records;
  while (true) {
    absl::StatusOr<int> sealed = store().SealAudit(1000);
    EXPECT_TRUE(sealed.ok()) << sealed.status();
    if (!sealed.ok() || *sealed == 0) break;
  }
  absl::StatusOr<std::vector<audit::StoredRow>> rows = store().ReadAudit(1, 10000);
  EXPECT_TRUE(rows.ok()) << rows.status();
  if (!rows.ok()) return records;
  audit::ChainVerifier verifier;
  for (const audit::StoredRow& row : *rows) {
    EXPECT_TRUE(verifier.Add(row).ok()) << "row " << row.seq;
    v1::AuditRecord record;
    EXPECT_TRUE(record.ParseFromString(row.record_bytes)) << "row " << row.seq;
    records.push_back(std::move(record));
  }
  EXPECT_TRUE(verifier.Finish().ok());
  return records;
}

// --- Agencies -------------------------------------------------------------

TEST_P(StoreConformanceTest, Pings) { EXPECT_TRUE(store().Ping().ok()); }

TEST_P(StoreConformanceTest, AgenciesRoundTrip) {
  const std::vector<v1::Agency> registry = {MakeAgency("derby-pru", v1::POLICE_REFERRAL_UNIT, "E06000015"),
                                            MakeAgency("derbyshire-cc", v1::OTHER_LOCAL_AUTHORITY, "E10000007"),
                                            MakeAgency("a-school", v1::EDUCATION)};
  absl::StatusOr<int> changed = store().SyncAgencies(registry);
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_EQ(*changed, 3);

  absl::StatusOr<std::vector<v1::Agency>> listed = store().ListAgencies();
  ASSERT_TRUE(listed.ok()) << listed.status();
  ASSERT_EQ(listed->size(), 3u);
  // Ordered by id; every field comes back as written.
  EXPECT_EQ((*listed)[0].id(), "a-school");
  EXPECT_EQ((*listed)[0].local_authority_code(), "");
  EXPECT_EQ((*listed)[1].role(), v1::POLICE_REFERRAL_UNIT);
  EXPECT_EQ((*listed)[1].display_name(), "Agency derby-pru");
  EXPECT_EQ((*listed)[2].local_authority_code(), "E10000007");
  // And another process sees them.
  std::unique_ptr<Store> other = OpenAnother();
  EXPECT_THAT(Ids(*other->ListAgencies()), ElementsAre("a-school", "derby-pru", "derbyshire-cc"));
}

TEST_P(StoreConformanceTest, SyncingTheSameRegistryTwiceChangesNothing) {
  const std::vector<v1::Agency> registry = {MakeAgency("derby-csc", v1::CHILDRENS_SOCIAL_CARE)};
  ASSERT_EQ(*store().SyncAgencies(registry), 1);
  EXPECT_EQ(*store().SyncAgencies(registry), 0);
}

TEST_P(StoreConformanceTest, RemovedAgenciesAreRetiredNotDeleted) {
  ASSERT_TRUE(store().SyncAgencies({MakeAgency("a", v1::HEALTH), MakeAgency("b", v1::HEALTH)}).ok());
  v1::Agency renamed = MakeAgency("a", v1::HEALTH);
  renamed.set_display_name("Renamed");
  absl::StatusOr<int> changed = store().SyncAgencies({renamed});
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_EQ(*changed, 2);  // a renamed, b retired
  EXPECT_THAT(Ids(*store().ListAgencies()), ElementsAre("a"));
  EXPECT_EQ((*store().ListAgencies())[0].display_name(), "Renamed");
  // Registered again: back in service.
  EXPECT_EQ(*store().SyncAgencies({renamed, MakeAgency("b", v1::HEALTH)}), 1);
  EXPECT_THAT(Ids(*store().ListAgencies()), ElementsAre("a", "b"));
}

// Two processes sync one registry at once (every hub process syncs at
// start): each agency is written once between them.
TEST_P(StoreConformanceTest, ConcurrentSyncsWriteEachAgencyOnce) {
  std::vector<v1::Agency> registry;
  for (int i = 0; i < 20; ++i) registry.push_back(MakeAgency("agency-" + std::to_string(i), v1::PARTNER));
  std::unique_ptr<Store> other = OpenAnother();
  absl::StatusOr<int> a, b;
  std::thread second([&] { b = other->SyncAgencies(registry); });
  a = store().SyncAgencies(registry);
  second.join();
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(*a + *b, 20);
  EXPECT_THAT(*store().ListAgencies(), SizeIs(20));
  EXPECT_EQ(*store().SyncAgencies(registry), 0);
}

// --- Intake ---------------------------------------------------------------

TEST_P(StoreConformanceTest, AReplayReturnsTheFirstReceiptAndAnotherRequestWithTheKeyIsRefused) {
  RegisterSenderAndPru();
  v1::NewChild child = ExampleChild();
  absl::StatusOr<Accepted> first = Report("open", nullptr, "", &child);
  ASSERT_TRUE(first.ok());
  EXPECT_FALSE(first->receipt.message_id().empty());
  EXPECT_FALSE(first->receipt.case_id().empty());
  EXPECT_THAT(first->receipt.recipient_agency_ids(), ElementsAre("pru"));

  // The same key and request: the first receipt, and nothing new.
  absl::StatusOr<Accepted> replay = Report("open", nullptr, "", &child);
  ASSERT_TRUE(replay.ok());
  EXPECT_EQ(replay->receipt.message_id(), first->receipt.message_id());
  EXPECT_EQ(replay->receipt.case_id(), first->receipt.case_id());
  EXPECT_THAT(replay->pending_recipients, IsEmpty());

  // The same key, another request.
  Submission other = ReportSubmission("open");
  other.request_sha256 = "another request";
  EXPECT_EQ(store().Accept(other, RouteTo("pru")).status().code(), absl::StatusCode::kAlreadyExists);

  // The same key from another agency is that agency's own.
  Submission from_pru = ReportSubmission("open");
  from_pru.sender_agency_id = "pru";
  absl::StatusOr<Accepted> own = store().Accept(from_pru, RouteTo("sender"));
  ASSERT_TRUE(own.ok()) << own.status();
  EXPECT_NE(own->receipt.message_id(), first->receipt.message_id());

  // One delivery to the PRU, however many times it was asked.
  EXPECT_THAT(Claim("stream", 10, DeliveryPolicy()), SizeIs(1));
}

TEST_P(StoreConformanceTest, AReplayHandsNothingOut) {
  RegisterSenderAndPru();
  OneStream streams("stream-1", 5);
  ASSERT_THAT(Report("a", &streams)->handed_out, SizeIs(1));
  absl::StatusOr<Accepted> replay = Report("a", &streams);
  ASSERT_TRUE(replay.ok());
  EXPECT_THAT(replay->handed_out, SizeIs(0));
  EXPECT_THAT(replay->pending_recipients, SizeIs(0));
}

// Calls with one key racing in two processes: one is accepted, and every
// call is answered with its receipt. On a cluster the loser of a race is
// often aborted by the winner's writes in the middle of its last batch:
// several rounds, so that a loser that commits part of its writes (which a
// COMMIT in that batch did, 1 round in 60) is caught.
TEST_P(StoreConformanceTest, CallsRacingWithOneKeyAreAcceptedOnceAndAllAnsweredAlike) {
  RegisterSenderAndPru();
  std::unique_ptr<Store> other = OpenAnother();
  constexpr int kRounds = 10;
  constexpr int kCalls = 8;
  std::set<std::string> accepted_ids;
  for (int round = 0; round < kRounds; ++round) {
    std::vector<std::string> message_ids(kCalls);
    std::vector<std::thread> calls;
    for (int i = 0; i < kCalls; ++i) {
      calls.emplace_back([&, i] {
        absl::StatusOr<Accepted> accepted =
            Report(absl::StrCat("same-", round), nullptr, "", nullptr, i % 2 ? other.get() : nullptr);
        if (accepted.ok()) message_ids[i] = accepted->receipt.message_id();
      });
    }
    for (std::thread& t : calls) t.join();
    EXPECT_FALSE(message_ids[0].empty()) << "round " << round;
    for (const std::string& id : message_ids) EXPECT_EQ(id, message_ids[0]) << "round " << round;
    accepted_ids.insert(message_ids[0]);
  }
  // One message a round, so one delivery each.
  std::set<std::string> delivered;
  for (const v1::RoutedMessage& claimed : Claim("stream", 100, DeliveryPolicy())) {
    EXPECT_TRUE(delivered.insert(claimed.message_id()).second) << claimed.message_id() << " delivered twice";
  }
  EXPECT_EQ(delivered, accepted_ids);
}

TEST_P(StoreConformanceTest, AnUnknownCaseIsNoSuchCaseAndNothingIsWritten) {
  RegisterSenderAndPru();
  const std::string unknown = "00000000-0000-4000-8000-000000000000";
  Submission s = ReportSubmission("on-unknown");
  s.case_id = unknown;
  bool routed = false;
  absl::StatusOr<Accepted> accepted =
      store().Accept(s, [&](const CaseView*, const RepliedMessage*) -> absl::StatusOr<Routing> {
        routed = true;
        return RouteTo("pru")(nullptr, nullptr);
      });
  EXPECT_EQ(accepted.status(), NoSuchCase(unknown));
  EXPECT_FALSE(routed);
  EXPECT_EQ(store().ReadCase(unknown, "sender", "").status(), NoSuchCase(unknown));
  EXPECT_THAT(Claim("stream", 10, DeliveryPolicy()), IsEmpty());
  // The key was not used up.
  s.case_id.clear();
  EXPECT_TRUE(store().Accept(s, RouteTo("pru")).ok());
}

// The route's error refuses the submission, and nothing is written: the
// key is free for a later call.
TEST_P(StoreConformanceTest, ARouteErrorWritesNothing) {
  RegisterSenderAndPru();
  v1::NewChild child = ExampleChild();
  Submission s = ReportSubmission("refused");
  s.new_child = &child;
  absl::StatusOr<Accepted> refused =
      store().Accept(s, [](const CaseView* view, const RepliedMessage*) -> absl::StatusOr<Routing> {
        EXPECT_NE(view, nullptr);
        return absl::PermissionDeniedError("not allowed");
      });
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(Claim("stream", 10, DeliveryPolicy()), IsEmpty());
  absl::StatusOr<Accepted> accepted = store().Accept(s, RouteTo("pru"));
  ASSERT_TRUE(accepted.ok()) << accepted.status();
  EXPECT_THAT(Claim("stream", 10, DeliveryPolicy()), SizeIs(1));
}

// A case is read by the agencies involved with it (its sender, its
// recipients), and by no other.
TEST_P(StoreConformanceTest, ACaseIsReadByTheAgenciesInvolvedOnly) {
  RegisterSenderAndPru();
  ASSERT_TRUE(store()
                  .SyncAgencies({MakeAgency("sender", v1::HEALTH), MakeAgency("pru", v1::POLICE_REFERRAL_UNIT),
                                 MakeAgency("outsider", v1::EDUCATION)})
                  .ok());
  v1::NewChild child = ExampleChild();
  absl::StatusOr<Accepted> opened = Report("open", nullptr, "", &child);
  ASSERT_TRUE(opened.ok());
  const std::string case_id = opened->receipt.case_id();
  absl::StatusOr<Accepted> second = Report("second", nullptr, case_id);
  ASSERT_TRUE(second.ok());

  for (const char* reader : {"sender", "pru"}) {
    absl::StatusOr<v1::GetCaseResponse> read = store().ReadCase(case_id, reader, "");
    ASSERT_TRUE(read.ok()) << reader << ": " << read.status();
    EXPECT_EQ(read->case_id(), case_id);
    EXPECT_EQ(read->child_details().family_name(), "Example");
    EXPECT_THAT(read->involved_agency_ids(), UnorderedElementsAre("sender", "pru"));
    ASSERT_THAT(read->messages(), SizeIs(2)) << reader;
    EXPECT_EQ(read->messages(0).message_id(), opened->receipt.message_id());  // oldest first
    EXPECT_EQ(read->messages(1).message_id(), second->receipt.message_id());
  }
  EXPECT_EQ(store().ReadCase(case_id, "outsider", "").status(), NoSuchCase(case_id));
}

// --- The child's NHS number (docs/children-and-cases.md) -------------------

namespace {

// The example child, with `nhs_number` (may be empty).
v1::NewChild ChildWithNhsNumber(const std::string& nhs_number) {
  v1::NewChild child = ExampleChild();
  child.mutable_details()->set_nhs_number(nhs_number);
  return child;
}

// A report from `sender` opening a case with `child`, routed to the PRU.
Submission OpeningReport(const std::string& sender, const std::string& key, const v1::NewChild& child) {
  Submission s;
  s.sender_agency_id = sender;
  s.method = "SubmitConcern";
  s.idempotency_key = key;
  s.request_sha256 = key;
  s.message.set_kind(v1::MESSAGE_KIND_OPERATION_LIBERTY_REPORT);
  s.message.mutable_operation_liberty_report()->set_narrative("n");
  s.accepted_at = absl::Now();
  s.opened_at = s.accepted_at;
  s.new_child = &child;
  return s;
}

// The CASE_OPENED records of the chain, by case id.
std::map<std::string, v1::AuditRecord> CasesOpened(const std::vector<v1::AuditRecord>& chain) {
  std::map<std::string, v1::AuditRecord> opened;
  for (const v1::AuditRecord& r : chain) {
    if (r.kind() == v1::AUDIT_EVENT_KIND_CASE_OPENED) opened[r.case_id()] = r;
  }
  return opened;
}

}  // namespace

// A new child whose NHS number the store holds is that child: the
// submission opens a new case for them rather than a second record of
// them. The new case keeps the child as its own submission described them,
// and its submitter learns nothing of the earlier case.
TEST_P(StoreConformanceTest, ANewChildWithAnNhsNumberTheStoreHoldsIsThatChildInANewCase) {
  ASSERT_TRUE(store()
                  .SyncAgencies({MakeAgency("sender", v1::HEALTH), MakeAgency("pru", v1::POLICE_REFERRAL_UNIT),
                                 MakeAgency("school", v1::EDUCATION)})
                  .ok());
  v1::NewChild first_child = ChildWithNhsNumber("943 476 5919");
  first_child.mutable_details()->set_address("1 First Street");
  first_child.mutable_details()->set_agency_reference("HEALTH-1");
  first_child.mutable_child()->set_open_plan(v1::OPEN_PLAN_NONE);
  absl::StatusOr<Accepted> first = store().Accept(OpeningReport("sender", "first", first_child), RouteTo("pru"));
  ASSERT_TRUE(first.ok()) << first.status();

  // Years later, another agency, other names as it knows them, another
  // address and plan; the same number, written without spaces.
  v1::NewChild second_child = ChildWithNhsNumber("9434765919");
  second_child.mutable_details()->set_given_name("Sam");
  second_child.mutable_details()->set_family_name("Other");
  second_child.mutable_details()->set_address("2 Second Street");
  second_child.mutable_details()->set_agency_reference("SCHOOL-2");
  second_child.mutable_child()->set_open_plan(v1::OPEN_PLAN_LOOKED_AFTER);
  second_child.mutable_child()->set_looked_after(true);
  v1::OpenPlan seen_plan = v1::OPEN_PLAN_UNSPECIFIED;
  absl::StatusOr<Accepted> second = store().Accept(
      OpeningReport("school", "second", second_child),
      [&](const CaseView* view, const RepliedMessage* replied) -> absl::StatusOr<Routing> {
        if (view != nullptr) seen_plan = view->case_file.child().open_plan();
        return RouteTo("pru")(view, replied);
      });
  ASSERT_TRUE(second.ok()) << second.status();

  // A case of its own, answered as for any new child.
  EXPECT_FALSE(second->receipt.case_id().empty());
  EXPECT_NE(second->receipt.case_id(), first->receipt.case_id());
  EXPECT_THAT(second->receipt.recipient_agency_ids(), ElementsAre("pru"));
  EXPECT_EQ(seen_plan, v1::OPEN_PLAN_LOOKED_AFTER);  // the route saw this case's child

  // One child, two cases: the record names the same child for both.
  const std::map<std::string, v1::AuditRecord> opened = CasesOpened(SealAndReadChain());
  ASSERT_EQ(opened.size(), 2u);
  const v1::AuditRecord& opened_first = opened.at(first->receipt.case_id());
  const v1::AuditRecord& opened_second = opened.at(second->receipt.case_id());
  EXPECT_FALSE(opened_first.child_id().empty());
  EXPECT_EQ(opened_second.child_id(), opened_first.child_id());
  EXPECT_EQ(opened_first.detail(), "");
  EXPECT_EQ(opened_second.detail(), "for a child the hub already held, matched by NHS number");

  // Each case shows the child as its own submission described them, the
  // number as ten digits.
  absl::StatusOr<v1::GetCaseResponse> read_second = store().ReadCase(second->receipt.case_id(), "school", "");
  ASSERT_TRUE(read_second.ok()) << read_second.status();
  EXPECT_EQ(read_second->child_details().family_name(), "Other");
  EXPECT_EQ(read_second->child_details().address(), "2 Second Street");
  EXPECT_EQ(read_second->child_details().agency_reference(), "SCHOOL-2");
  EXPECT_EQ(read_second->child_details().nhs_number(), "9434765919");
  EXPECT_EQ(read_second->case_file().child().open_plan(), v1::OPEN_PLAN_LOOKED_AFTER);
  EXPECT_THAT(read_second->involved_agency_ids(), UnorderedElementsAre("school", "pru"));
  absl::StatusOr<v1::GetCaseResponse> read_first = store().ReadCase(first->receipt.case_id(), "sender", "");
  ASSERT_TRUE(read_first.ok()) << read_first.status();
  EXPECT_EQ(read_first->child_details().family_name(), "Example");
  EXPECT_EQ(read_first->child_details().agency_reference(), "HEALTH-1");
  EXPECT_EQ(read_first->child_details().nhs_number(), "9434765919");
  EXPECT_EQ(read_first->case_file().child().open_plan(), v1::OPEN_PLAN_NONE);
  // The earlier case is not the second submitter's.
  EXPECT_EQ(store().ReadCase(first->receipt.case_id(), "school", "").status(),
            NoSuchCase(first->receipt.case_id()));

  // What the PRU receives of each case carries that case's child.
  std::vector<v1::RoutedMessage> claimed = ClaimAndAcknowledgeAll(store(), "pru");
  ASSERT_THAT(claimed, SizeIs(2));
  for (const v1::RoutedMessage& m : claimed) {
    EXPECT_EQ(m.child_details().family_name(), m.case_id() == first->receipt.case_id() ? "Example" : "Other");
  }

  // Later submissions to the second case see its child, as the route and
  // the recipients do.
  Submission later = ReportSubmission("later");
  later.sender_agency_id = "school";
  later.case_id = second->receipt.case_id();
  seen_plan = v1::OPEN_PLAN_UNSPECIFIED;
  ASSERT_TRUE(store()
                  .Accept(later,
                          [&](const CaseView* view, const RepliedMessage* replied) -> absl::StatusOr<Routing> {
                            if (view != nullptr) seen_plan = view->case_file.child().open_plan();
                            return RouteTo("pru")(view, replied);
                          })
                  .ok());
  EXPECT_EQ(seen_plan, v1::OPEN_PLAN_LOOKED_AFTER);
  claimed = ClaimAndAcknowledgeAll(store(), "pru");
  ASSERT_THAT(claimed, SizeIs(1));
  EXPECT_EQ(claimed[0].child_details().agency_reference(), "SCHOOL-2");
}

// Names and dates of birth never make two children one: only the NHS
// number does. Children with no number, or different numbers, stay apart
// however alike they are.
TEST_P(StoreConformanceTest, ChildrenAreNeverMatchedByNameOrDateOfBirth) {
  RegisterSenderAndPru();
  // The same names, address and date of birth each time.
  const std::vector<std::string> numbers = {"", "", "9434765919", "4010232137", "9434765919"};
  std::vector<v1::NewChild> children;
  for (const std::string& number : numbers) children.push_back(ChildWithNhsNumber(number));
  std::vector<std::string> case_ids;
  for (size_t i = 0; i < children.size(); ++i) {
    absl::StatusOr<Accepted> accepted =
        store().Accept(OpeningReport("sender", absl::StrCat("child-", i), children[i]), RouteTo("pru"));
    ASSERT_TRUE(accepted.ok()) << i << ": " << accepted.status();
    case_ids.push_back(accepted->receipt.case_id());
  }
  const std::map<std::string, v1::AuditRecord> opened = CasesOpened(SealAndReadChain());
  ASSERT_EQ(opened.size(), children.size());
  std::vector<std::string> child_ids;
  for (const std::string& case_id : case_ids) child_ids.push_back(opened.at(case_id).child_id());
  // No number, no number, one number, another number: four children.
  EXPECT_EQ(std::set<std::string>(child_ids.begin(), child_ids.begin() + 4).size(), 4u);
  // The first number again: its child.
  EXPECT_EQ(child_ids[4], child_ids[2]);
}

// Submissions racing with one NHS number the store does not hold yet, from
// two processes: every one is accepted, each opens its own case, and they
// all have one child.
TEST_P(StoreConformanceTest, SubmissionsRacingWithOneNewNhsNumberMakeOneChild) {
  RegisterSenderAndPru();
  std::unique_ptr<Store> other = OpenAnother();
  constexpr int kCalls = 8;
  const v1::NewChild child = ChildWithNhsNumber("401 023 2137");
  std::vector<std::string> case_ids(kCalls);
  std::vector<absl::Status> statuses(kCalls);
  std::atomic<int> ready{0};
  std::vector<std::thread> calls;
  for (int i = 0; i < kCalls; ++i) {
    calls.emplace_back([&, i] {
      const Submission s = OpeningReport("sender", absl::StrCat("race-", i), child);
      ++ready;
      while (ready.load() < kCalls) std::this_thread::yield();
      absl::StatusOr<Accepted> accepted = (i % 2 ? *other : store()).Accept(s, RouteTo("pru"));
      statuses[i] = accepted.status();
      if (accepted.ok()) case_ids[i] = accepted->receipt.case_id();
    });
  }
  for (std::thread& t : calls) t.join();
  for (int i = 0; i < kCalls; ++i) EXPECT_TRUE(statuses[i].ok()) << i << ": " << statuses[i];
  EXPECT_EQ(std::set<std::string>(case_ids.begin(), case_ids.end()).size(), static_cast<size_t>(kCalls));
  const std::map<std::string, v1::AuditRecord> opened = CasesOpened(SealAndReadChain());
  ASSERT_EQ(opened.size(), static_cast<size_t>(kCalls));
  std::set<std::string> child_ids;
  int known = 0;
  for (const auto& [case_id, record] : opened) {
    child_ids.insert(record.child_id());
    if (!record.detail().empty()) ++known;
  }
  EXPECT_EQ(child_ids.size(), 1u);
  EXPECT_EQ(known, kCalls - 1);  // one made the child; the others found it
}

// Concerns that open cases share a case group (AcceptAll) with submissions
// on cases, and each finds its child as it would alone: the child the store
// holds under the same NHS number (however it is written), one child for one
// new number twice in a batch, a new child for no number. A number not valid
// and a route that says no refuse that member only.
TEST_P(StoreConformanceTest, CasesOpenedInAGroupFindTheirChildrenAsIfAlone) {
  RegisterSenderAndPru();
  const v1::NewChild known = ChildWithNhsNumber("9434765919");
  absl::StatusOr<Accepted> earlier = store().Accept(OpeningReport("sender", "earlier", known), RouteTo("pru"));
  ASSERT_TRUE(earlier.ok()) << earlier.status();
  const std::string existing_case = earlier->receipt.case_id();
  ClaimAndAcknowledgeAll(store(), "pru");

  const std::vector<v1::NewChild> children = {ChildWithNhsNumber("943 476 5919"), ChildWithNhsNumber("4010232137"),
                                              ChildWithNhsNumber("401 023 2137"), ChildWithNhsNumber(""),
                                              ChildWithNhsNumber("1234567890"), ChildWithNhsNumber("")};
  std::vector<Submission> s;
  for (size_t i = 0; i < children.size(); ++i) s.push_back(OpeningReport("sender", absl::StrCat("g-", i), children[i]));
  Submission on_case = ReportSubmission("on-case");
  on_case.case_id = existing_case;
  s.push_back(on_case);
  OneStream streams("stream-1", 10);
  for (Submission& submission : s) submission.streams = &streams;
  const RouteFn to_pru = RouteTo("pru");
  const RouteFn refused = [](const CaseView*, const RepliedMessage*) -> absl::StatusOr<Routing> {
    return absl::PermissionDeniedError("not allowed");
  };
  std::vector<Store::SubmissionAndRoute> batch;
  for (size_t i = 0; i < s.size(); ++i) batch.push_back({&s[i], i == 5 ? &refused : &to_pru});
  std::vector<absl::StatusOr<Accepted>> results = store().AcceptAll(batch);
  ASSERT_THAT(results, SizeIs(7));
  for (int i : {0, 1, 2, 3, 6}) ASSERT_TRUE(results[i].ok()) << i << ": " << results[i].status();
  EXPECT_EQ(results[4].status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(results[4].status().message(), HasSubstr("new_child.details.nhs_number"));
  EXPECT_EQ(results[5].status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(results[6]->receipt.case_id(), existing_case);
  // Each opened its own case, and its message was handed out on acceptance
  // with that case's child.
  std::set<std::string> case_ids = {existing_case};
  for (int i : {0, 1, 2, 3}) {
    case_ids.insert(results[i]->receipt.case_id());
    ASSERT_THAT(results[i]->handed_out, SizeIs(1)) << i;
    EXPECT_EQ(results[i]->handed_out[0].message.child_details().nhs_number(),
              i == 3 ? "" : i == 0 ? "9434765919" : "4010232137")
        << i;
  }
  EXPECT_THAT(case_ids, SizeIs(5));

  const std::map<std::string, v1::AuditRecord> opened = CasesOpened(SealAndReadChain());
  ASSERT_THAT(opened, SizeIs(5));
  auto child_of = [&](int i) { return opened.at(results[i]->receipt.case_id()).child_id(); };
  // The known number, written with spaces: the child held already.
  EXPECT_EQ(child_of(0), opened.at(existing_case).child_id());
  EXPECT_FALSE(opened.at(results[0]->receipt.case_id()).detail().empty()) << "a known child's case";
  // One new number twice: one child, found by the second.
  EXPECT_EQ(child_of(1), child_of(2));
  // No number: a child of its own.
  EXPECT_THAT((std::set<std::string>{child_of(0), child_of(1), child_of(3)}), SizeIs(3));
  for (int i : {0, 1, 2, 3}) {
    absl::StatusOr<v1::GetCaseResponse> read = store().ReadCase(results[i]->receipt.case_id(), "sender", "");
    ASSERT_TRUE(read.ok()) << i << ": " << read.status();
    EXPECT_EQ(read->child_details().family_name(), "Example");
    EXPECT_THAT(read->involved_agency_ids(), UnorderedElementsAre("sender", "pru"));
  }
}

// Case groups racing with one new NHS number, from two processes: every
// member is accepted, and the number has one child.
TEST_P(StoreConformanceTest, CaseGroupsRacingWithOneNewNhsNumberMakeOneChild) {
  RegisterSenderAndPru();
  std::unique_ptr<Store> other = OpenAnother();
  constexpr int kGroups = 4;
  const v1::NewChild shared = ChildWithNhsNumber("401 023 2137");
  const v1::NewChild alone = ChildWithNhsNumber("");
  const RouteFn to_pru = RouteTo("pru");
  std::vector<std::vector<absl::StatusOr<Accepted>>> results(kGroups);
  std::atomic<int> ready{0};
  std::vector<std::thread> groups;
  for (int g = 0; g < kGroups; ++g) {
    groups.emplace_back([&, g] {
      const std::vector<Submission> s = {OpeningReport("sender", absl::StrCat("shared-", g), shared),
                                         OpeningReport("sender", absl::StrCat("alone-", g), alone)};
      std::vector<Store::SubmissionAndRoute> batch;
      for (const Submission& submission : s) batch.push_back({&submission, &to_pru});
      ++ready;
      while (ready.load() < kGroups) std::this_thread::yield();
      results[g] = (g % 2 ? *other : store()).AcceptAll(batch);
    });
  }
  for (std::thread& t : groups) t.join();
  std::set<std::string> shared_cases;
  for (int g = 0; g < kGroups; ++g) {
    ASSERT_THAT(results[g], SizeIs(2));
    for (const absl::StatusOr<Accepted>& accepted : results[g]) ASSERT_TRUE(accepted.ok()) << g << ": " << accepted.status();
    shared_cases.insert(results[g][0]->receipt.case_id());
  }
  const std::map<std::string, v1::AuditRecord> opened = CasesOpened(SealAndReadChain());
  ASSERT_THAT(opened, SizeIs(2 * kGroups));
  std::set<std::string> children, shared_children;
  for (const auto& [case_id, record] : opened) {
    children.insert(record.child_id());
    if (shared_cases.count(case_id)) shared_children.insert(record.child_id());
  }
  EXPECT_THAT(shared_children, SizeIs(1));
  EXPECT_THAT(children, SizeIs(1 + kGroups));  // the shared number's, and one for each without a number
}

// A response: the route is given the message it answers, as the responder
// received it (its id, sender, kind, case and body), and the case that
// message is about; the response goes on that case, back to the sender,
// naming the message it answers.
TEST_P(StoreConformanceTest, AResponseIsRoutedWithTheMessageItAnswersAndGoesOnThatMessagesCase) {
  RegisterSenderAndPru();
  v1::NewChild child = ExampleChild();
  absl::StatusOr<Accepted> report = Report("report", nullptr, "", &child);
  ASSERT_TRUE(report.ok());
  const std::string case_id = report->receipt.case_id();
  const std::string report_id = report->receipt.message_id();
  std::vector<v1::RoutedMessage> received = Claim("stream", 10, DeliveryPolicy());
  ASSERT_THAT(received, SizeIs(1));
  ASSERT_TRUE(store().Acknowledge("pru", DeliveryIds(received), absl::Now()).ok());

  absl::optional<RepliedMessage> replied_seen;
  std::string case_seen = "(none)";
  absl::StatusOr<Accepted> response = store().Accept(
      ResponseSubmission("pru", "answer", report_id),
      [&](const CaseView* view, const RepliedMessage* replied) -> absl::StatusOr<Routing> {
        if (view != nullptr) case_seen = view->case_file.case_id();
        if (replied == nullptr) return absl::InternalError("the route was not given the message answered");
        replied_seen = *replied;
        Routing routing;
        routing.recipients = {replied->sender_agency_id};
        return routing;
      });
  ASSERT_TRUE(response.ok()) << response.status();
  ASSERT_TRUE(replied_seen.has_value());
  EXPECT_EQ(replied_seen->message_id, report_id);
  EXPECT_EQ(replied_seen->sender_agency_id, "sender");
  EXPECT_EQ(replied_seen->kind, v1::MESSAGE_KIND_OPERATION_LIBERTY_REPORT);
  EXPECT_EQ(replied_seen->message.case_id(), case_id);
  EXPECT_EQ(replied_seen->message.operation_liberty_report().narrative(), "n");
  EXPECT_EQ(case_seen, case_id);
  EXPECT_EQ(response->receipt.case_id(), case_id);
  EXPECT_THAT(response->receipt.recipient_agency_ids(), ElementsAre("sender"));

  absl::StatusOr<std::vector<v1::RoutedMessage>> answers =
      store().ClaimDeliveries("sender", "sender-stream", 10, DeliveryPolicy());
  ASSERT_TRUE(answers.ok()) << answers.status();
  ASSERT_THAT(*answers, SizeIs(1));
  const v1::RoutedMessage& answer = (*answers)[0];
  EXPECT_EQ(answer.message_id(), response->receipt.message_id());
  EXPECT_EQ(answer.kind(), v1::MESSAGE_KIND_RESPONSE);
  EXPECT_EQ(answer.response().kind(), v1::RESPONSE_KIND_ACKNOWLEDGE);
  EXPECT_EQ(answer.sender_agency_id(), "pru");
  EXPECT_EQ(answer.in_reply_to(), report_id);
  EXPECT_EQ(answer.case_id(), case_id);
  absl::StatusOr<v1::GetCaseResponse> read = store().ReadCase(case_id, "sender", "");
  ASSERT_TRUE(read.ok()) << read.status();
  ASSERT_THAT(read->messages(), SizeIs(2));
  EXPECT_EQ(read->messages(1).message_id(), response->receipt.message_id());
  EXPECT_EQ(read->messages(1).in_reply_to(), report_id);
}

// A response to a message never delivered to the responder (one delivered
// to another agency, the responder's own, or no message at all) is
// NOT_FOUND, naming message_id, and writes nothing: the route is not asked
// (there is no message to give it), nothing is delivered or journalled, the
// responder does not become involved with the case, and its key is still
// free.
TEST_P(StoreConformanceTest, AResponseToAMessageNeverDeliveredToTheResponderIsNotFoundAndWritesNothing) {
  ASSERT_TRUE(store()
                  .SyncAgencies({MakeAgency("sender", v1::HEALTH), MakeAgency("pru", v1::POLICE_REFERRAL_UNIT),
                                 MakeAgency("outsider", v1::EDUCATION)})
                  .ok());
  v1::NewChild child = ExampleChild();
  absl::StatusOr<Accepted> report = Report("report", nullptr, "", &child);
  ASSERT_TRUE(report.ok());
  const std::string case_id = report->receipt.case_id();
  const std::string report_id = report->receipt.message_id();
  std::vector<v1::RoutedMessage> received = Claim("stream", 10, DeliveryPolicy());
  ASSERT_THAT(received, SizeIs(1));
  ASSERT_TRUE(store().Acknowledge("pru", DeliveryIds(received), absl::Now()).ok());

  const std::vector<std::pair<std::string, std::string>> refused = {
      {"outsider", report_id},                          // delivered to the PRU only
      {"sender", report_id},                            // its own: sent, never received
      {"pru", "00000000-0000-4000-8000-000000000000"},  // no such message
  };
  const absl::StatusOr<int64_t> journalled = store().UnsealedAuditCount();
  ASSERT_TRUE(journalled.ok()) << journalled.status();
  for (const auto& [responder, in_reply_to] : refused) {
    bool routed = false;
    absl::StatusOr<Accepted> response = store().Accept(
        ResponseSubmission(responder, "answer", in_reply_to),
        [&](const CaseView*, const RepliedMessage*) -> absl::StatusOr<Routing> {
          routed = true;
          return RouteTo("sender")(nullptr, nullptr);
        });
    EXPECT_EQ(response.status().code(), absl::StatusCode::kNotFound) << responder << ": " << response.status();
    EXPECT_THAT(response.status().message(), HasSubstr("message_id")) << responder;
    EXPECT_FALSE(routed) << responder;
  }
  EXPECT_EQ(*store().UnsealedAuditCount(), *journalled);
  EXPECT_THAT(Claim("stream", 10, DeliveryPolicy()), IsEmpty());
  for (const char* agency : {"sender", "outsider"}) {
    absl::StatusOr<std::vector<v1::RoutedMessage>> due =
        store().ClaimDeliveries(agency, "stream", 10, DeliveryPolicy());
    ASSERT_TRUE(due.ok()) << due.status();
    EXPECT_THAT(*due, IsEmpty()) << agency;
  }
  absl::StatusOr<v1::GetCaseResponse> read = store().ReadCase(case_id, "sender", "");
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_THAT(read->messages(), SizeIs(1));
  EXPECT_THAT(read->involved_agency_ids(), UnorderedElementsAre("sender", "pru"));
  EXPECT_EQ(store().ReadCase(case_id, "outsider", "").status(), NoSuchCase(case_id));

  // Another request under each refused key is accepted, not ALREADY_EXISTS.
  for (const auto& [responder, in_reply_to] : refused) {
    Submission other = ReportSubmission("answer");
    other.sender_agency_id = responder;
    other.request_sha256 = "another request";
    absl::StatusOr<Accepted> accepted = store().Accept(other, RouteTo("pru"));
    EXPECT_TRUE(accepted.ok()) << responder << ": " << accepted.status();
  }
}

// The follow-ups a route asks for are sent once per trigger and case: a
// later submission naming a trigger already performed on the case sends
// nothing for it (and sends its new ones), a replay sends nothing, and
// another case's trigger of the same name is its own. Each one sent is in
// its submission's receipt, reaches its recipients from the hub, and, with
// an event kind, is on the case's record under its message's id.
TEST_P(StoreConformanceTest, AFollowUpIsSentOncePerTriggerAndCase) {
  RegisterSenderAndPru();
  std::vector<std::string> case_ids;
  for (const char* key : {"open-a", "open-b"}) {
    v1::NewChild child = ExampleChild();
    absl::StatusOr<Accepted> opened = Report(key, nullptr, "", &child);
    ASSERT_TRUE(opened.ok());
    case_ids.push_back(opened->receipt.case_id());
  }
  const std::string& a = case_ids[0];
  const std::string& b = case_ids[1];
  auto submit = [this](const std::string& case_id, const std::string& key, std::vector<FollowUp> follow_ups) {
    Submission s = ReportSubmission(key);
    s.case_id = case_id;
    return store().Accept(s, RouteToPruWith(std::move(follow_ups)));
  };
  const FollowUp first = Alert("test.first@1", v1::EVENT_KIND_IRO_NOTIFIED);
  const FollowUp second = Alert("test.second@1");

  absl::StatusOr<Accepted> a1 = submit(a, "a1", {first});
  ASSERT_TRUE(a1.ok()) << a1.status();
  ASSERT_THAT(a1->receipt.hub_actions(), SizeIs(1));
  const v1::HubActionReceipt& sent = a1->receipt.hub_actions(0);
  EXPECT_EQ(sent.kind(), v1::MESSAGE_KIND_NOTIFICATION);
  EXPECT_EQ(sent.notification_kind(), v1::NOTIFICATION_KIND_OVERDUE_ALERT);
  EXPECT_THAT(sent.recipient_agency_ids(), ElementsAre("pru"));
  EXPECT_NE(sent.message_id(), a1->receipt.message_id());

  absl::StatusOr<Accepted> a2 = submit(a, "a2", {first, second});
  ASSERT_TRUE(a2.ok()) << a2.status();
  ASSERT_THAT(a2->receipt.hub_actions(), SizeIs(1));  // the second only

  absl::StatusOr<Accepted> replay = submit(a, "a1", {first});
  ASSERT_TRUE(replay.ok()) << replay.status();
  EXPECT_EQ(replay->receipt.message_id(), a1->receipt.message_id());
  ASSERT_THAT(replay->receipt.hub_actions(), SizeIs(1));  // the first receipt's
  EXPECT_EQ(replay->receipt.hub_actions(0).message_id(), sent.message_id());

  absl::StatusOr<Accepted> b1 = submit(b, "b1", {first});
  ASSERT_TRUE(b1.ok()) << b1.status();
  ASSERT_THAT(b1->receipt.hub_actions(), SizeIs(1));

  // The PRU gets two opening reports, three reports and each alert once.
  std::vector<v1::RoutedMessage> received = ClaimAndAcknowledgeAll(store(), "pru");
  EXPECT_THAT(received, SizeIs(8));
  EXPECT_THAT(AlertsIn(received),
              UnorderedElementsAre(a + " test.first@1", a + " test.second@1", b + " test.first@1"));
  std::vector<std::string> alert_ids;
  for (const v1::RoutedMessage& m : received) {
    if (!m.sent_by_hub()) continue;
    alert_ids.push_back(m.message_id());
    EXPECT_EQ(m.kind(), v1::MESSAGE_KIND_NOTIFICATION);
    EXPECT_EQ(m.sender_agency_id(), "");  // on_behalf_of empty: the hub itself
  }
  EXPECT_THAT(alert_ids, UnorderedElementsAre(sent.message_id(), a2->receipt.hub_actions(0).message_id(),
                                              b1->receipt.hub_actions(0).message_id()));

  // The first trigger's event, once on each case, under its alert's id.
  const std::vector<std::pair<std::string, std::string>> events = {{a, sent.message_id()},
                                                                   {b, b1->receipt.hub_actions(0).message_id()}};
  for (const auto& [case_id, alert_id] : events) {
    absl::StatusOr<v1::GetCaseResponse> read = store().ReadCase(case_id, "sender", "");
    ASSERT_TRUE(read.ok()) << read.status();
    std::vector<std::string> notified;
    for (const v1::CaseEvent& event : read->case_file().events()) {
      if (event.kind() == v1::EVENT_KIND_IRO_NOTIFIED) notified.push_back(event.message_id());
    }
    EXPECT_THAT(notified, ElementsAre(alert_id)) << case_id;
  }
}

// Submissions to one case racing in two processes, each asking for the same
// follow-up: it is sent once between them.
TEST_P(StoreConformanceTest, SubmissionsRacingOnOneTriggerSendItsFollowUpOnce) {
  RegisterSenderAndPru();
  v1::NewChild child = ExampleChild();
  absl::StatusOr<Accepted> opened = Report("open", nullptr, "", &child);
  ASSERT_TRUE(opened.ok());
  const std::string case_id = opened->receipt.case_id();
  std::unique_ptr<Store> other = OpenAnother();
  constexpr int kCalls = 6;
  const RouteFn route = RouteToPruWith({Alert("test.race@1")});
  std::vector<absl::StatusOr<Accepted>> results(kCalls, absl::UnknownError("not run"));
  std::vector<std::thread> calls;
  for (int i = 0; i < kCalls; ++i) {
    calls.emplace_back([&, i] {
      Submission s = ReportSubmission(absl::StrCat("call-", i));
      s.case_id = case_id;
      results[i] = (i % 2 ? *other : store()).Accept(s, route);
    });
  }
  for (std::thread& t : calls) t.join();
  int sent = 0;
  for (const absl::StatusOr<Accepted>& result : results) {
    ASSERT_TRUE(result.ok()) << result.status();
    sent += result->receipt.hub_actions_size();
  }
  EXPECT_EQ(sent, 1);
  AwaitReplication();
  std::vector<v1::RoutedMessage> received = ClaimAndAcknowledgeAll(store(), "pru");
  EXPECT_THAT(received, SizeIs(1 + kCalls + 1));
  EXPECT_THAT(AlertsIn(received), ElementsAre(case_id + " test.race@1"));
}

// The per-case limit (kMaxCaseEntries): a caller's submission that would take
// a case past it is refused FAILED_PRECONDITION, naming it, and writes
// nothing, not even the follow-up its route asked for; the hub's own events
// (the one a message stands for, a follow-up's) still go on the full case.
// The case is filled by the submission that opens it, so the test reads a
// full case a few times instead of submitting to it thousands of times.
TEST_P(StoreConformanceTest, ACallerCannotTakeACasePastItsEntryLimitButTheHubsOwnEventsStillGo) {
  RegisterSenderAndPru();
  const std::string limit = absl::StrCat(kMaxCaseEntries);

  // A case cannot be opened past the limit either.
  v1::NewChild child = ExampleChild();
  Submission too_many = ReportSubmission("open");
  too_many.new_child = &child;
  too_many.record_append = MissingEpisodes(kMaxCaseEntries + 1);
  absl::StatusOr<int64_t> journalled = store().UnsealedAuditCount();
  ASSERT_TRUE(journalled.ok()) << journalled.status();
  absl::StatusOr<Accepted> refused = store().Accept(too_many, RouteTo("pru"));
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition) << refused.status();
  EXPECT_THAT(refused.status().message(), HasSubstr(limit));
  EXPECT_EQ(*store().UnsealedAuditCount(), *journalled);
  EXPECT_THAT(Claim("stream", 10, DeliveryPolicy()), IsEmpty());

  // Exactly the limit is allowed (and the refused key was not used up).
  Submission full = ReportSubmission("open");
  full.request_sha256 = "full";
  full.new_child = &child;
  full.record_append = MissingEpisodes(kMaxCaseEntries);
  absl::StatusOr<Accepted> opened = store().Accept(full, RouteTo("pru"));
  ASSERT_TRUE(opened.ok()) << opened.status();
  const std::string case_id = opened->receipt.case_id();

  // One assessment more is refused, with the alert its route asked for.
  Submission one_more = ReportSubmission("one-more");
  one_more.case_id = case_id;
  one_more.record_append.add_risk_assessments()->set_level(v1::RISK_LEVEL_MEDIUM);
  journalled = store().UnsealedAuditCount();
  ASSERT_TRUE(journalled.ok()) << journalled.status();
  refused = store().Accept(one_more, RouteToPruWith({Alert("test.alert@1")}));
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition) << refused.status();
  EXPECT_THAT(refused.status().message(), HasSubstr("case_id"));
  EXPECT_THAT(refused.status().message(), HasSubstr(limit));
  EXPECT_EQ(*store().UnsealedAuditCount(), *journalled);
  absl::StatusOr<v1::GetCaseResponse> read = store().ReadCase(case_id, "sender", "");
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_THAT(read->case_file().risk_assessments(), IsEmpty());
  EXPECT_THAT(read->case_file().events(), SizeIs(kMaxCaseEntries));
  EXPECT_THAT(read->messages(), SizeIs(1));
  EXPECT_THAT(ClaimAndAcknowledgeAll(store(), "pru"), SizeIs(1));  // the opening report only

  // The hub's own events go on the full case; the refused submission did not
  // perform the alert's trigger, so the alert goes now.
  Submission hubs_own = ReportSubmission("hubs-own");
  hubs_own.case_id = case_id;
  absl::StatusOr<Accepted> accepted =
      store().Accept(hubs_own, [](const CaseView*, const RepliedMessage*) -> absl::StatusOr<Routing> {
        Routing routing;
        routing.recipients = {"pru"};
        routing.event_kind = v1::EVENT_KIND_OPERATION_LIBERTY_REPORT_SENT;
        routing.follow_ups = {Alert("test.alert@1", v1::EVENT_KIND_IRO_NOTIFIED)};
        return routing;
      });
  ASSERT_TRUE(accepted.ok()) << accepted.status();
  EXPECT_THAT(accepted->receipt.hub_actions(), SizeIs(1));
  read = store().ReadCase(case_id, "sender", "");
  ASSERT_TRUE(read.ok()) << read.status();
  const auto& events = read->case_file().events();
  ASSERT_THAT(events, SizeIs(kMaxCaseEntries + 2));
  EXPECT_THAT((std::vector<v1::EventKind>{events[kMaxCaseEntries].kind(), events[kMaxCaseEntries + 1].kind()}),
              UnorderedElementsAre(v1::EVENT_KIND_OPERATION_LIBERTY_REPORT_SENT, v1::EVENT_KIND_IRO_NOTIFIED));

  // The caller still cannot add to it; the refused key takes another request.
  EXPECT_EQ(store().Accept(one_more, RouteTo("pru")).status().code(), absl::StatusCode::kFailedPrecondition);
  one_more.record_append.Clear();
  one_more.request_sha256 = "no entries";
  EXPECT_TRUE(store().Accept(one_more, RouteTo("pru")).ok());
}

// --- Delivery -------------------------------------------------------------

TEST_P(StoreConformanceTest, ALeasedDeliveryIsNotHandedOutAgainUntilItsLeaseEnds) {
  RegisterSenderAndPru();
  SubmitReport("a");
  DeliveryPolicy policy;
  ASSERT_THAT(Claim("stream-1", 10, policy), SizeIs(1));
  EXPECT_THAT(Claim("stream-2", 10, policy), SizeIs(0));
  std::unique_ptr<Store> other = OpenAnother();
  EXPECT_THAT(Claim("stream-3", 10, policy, other.get()), SizeIs(0));
}

TEST_P(StoreConformanceTest, DeliveriesAreClaimedInTheOrderTheyWereAccepted) {
  RegisterSenderAndPru();
  std::vector<std::string> accepted;
  for (int i = 0; i < 5; ++i) accepted.push_back(SubmitReport(absl::StrCat("r", i)));
  std::vector<std::string> claimed;
  for (int round = 0; round < 3; ++round) {
    for (const v1::RoutedMessage& m : Claim("stream", 2, DeliveryPolicy())) {
      EXPECT_EQ(m.redelivery_count(), 0);
      EXPECT_EQ(m.sender_agency_id(), "sender");
      EXPECT_EQ(m.operation_liberty_report().narrative(), "n");
      claimed.push_back(m.message_id());
    }
  }
  EXPECT_EQ(claimed, accepted);
}

TEST_P(StoreConformanceTest, ReleasedLeasesAreDueAtOnce) {
  RegisterSenderAndPru();
  SubmitReport("a");
  DeliveryPolicy policy;
  ASSERT_THAT(Claim("stream-1", 10, policy), SizeIs(1));
  EXPECT_EQ(*store().ReleaseLeases("pru", "stream-1", policy), 1);
  std::vector<v1::RoutedMessage> again = Claim("stream-2", 10, policy);
  ASSERT_THAT(again, SizeIs(1));
  EXPECT_EQ(again[0].redelivery_count(), 1);
}

// The MySQL store's own test waits out a 30 s backoff by moving the
// delivery's time; here the backoff is short enough to wait out, and the
// "not yet" is asserted only if the test looked before it could have ended.
TEST_P(StoreConformanceTest, AnExpiredLeaseWaitsOutItsBackoff) {
  RegisterSenderAndPru();
  SubmitReport("a");
  DeliveryPolicy policy;
  policy.lease = absl::Milliseconds(1);
  policy.initial_backoff = absl::Milliseconds(600);
  policy.max_backoff = absl::Milliseconds(600);
  ASSERT_THAT(Claim("stream-1", 10, policy), SizeIs(1));
  absl::SleepFor(absl::Milliseconds(20));
  const absl::Time expiring = absl::Now();
  ASSERT_EQ(*store().ExpireLeases(policy), 1);
  // Pending again, but not before its backoff.
  const std::vector<v1::RoutedMessage> early = Claim("stream-1", 10, policy);
  const absl::StatusOr<std::vector<std::string>> early_due = store().RecipientsWithDueDeliveries();
  ASSERT_TRUE(early_due.ok()) << early_due.status();
  if (absl::Now() - expiring >= policy.initial_backoff) {
    GTEST_SKIP() << "the machine was too slow to look within the " << policy.initial_backoff << " backoff";
  }
  EXPECT_THAT(early, SizeIs(0));
  EXPECT_THAT(*early_due, SizeIs(0));
  absl::SleepFor(policy.initial_backoff - (absl::Now() - expiring) + absl::Milliseconds(50));
  EXPECT_THAT(*store().RecipientsWithDueDeliveries(), ElementsAre("pru"));
  std::vector<v1::RoutedMessage> again = Claim("stream-1", 10, policy);
  ASSERT_THAT(again, SizeIs(1));
  EXPECT_EQ(again[0].redelivery_count(), 1);
}

TEST_P(StoreConformanceTest, TooManyAttemptsDeadLetterTheDeliveryUntilRequeued) {
  RegisterSenderAndPru();
  const std::string message_id = SubmitReport("a");
  DeliveryPolicy policy;
  policy.lease = absl::Milliseconds(1);
  policy.initial_backoff = absl::Milliseconds(1);
  policy.max_attempts = 2;
  for (int attempt = 1; attempt <= 2; ++attempt) {
    ASSERT_THAT(Claim("stream", 10, policy), SizeIs(1)) << "attempt " << attempt;
    absl::SleepFor(absl::Milliseconds(20));
    ASSERT_EQ(*store().ExpireLeases(policy), 1);
    absl::SleepFor(absl::Milliseconds(5));
  }
  EXPECT_THAT(Claim("stream", 10, policy), SizeIs(0));
  absl::StatusOr<std::vector<DeadDelivery>> dead = store().ListDeadDeliveries(10);
  ASSERT_TRUE(dead.ok()) << dead.status();
  ASSERT_THAT(*dead, SizeIs(1));
  EXPECT_EQ((*dead)[0].message_id, message_id);
  EXPECT_EQ((*dead)[0].recipient_agency_id, "pru");
  EXPECT_EQ((*dead)[0].attempts, 2);
  EXPECT_EQ((*dead)[0].kind, v1::MESSAGE_KIND_OPERATION_LIBERTY_REPORT);

  // What is waiting for each agency: the dead one, for the PRU; and the
  // sender's non-delivery report about it.
  absl::StatusOr<std::vector<AgencyDeliveries>> waiting = store().DeliveriesByAgency();
  ASSERT_TRUE(waiting.ok()) << waiting.status();
  ASSERT_THAT(*waiting, SizeIs(2));
  EXPECT_EQ((*waiting)[0].agency_id, "pru");
  EXPECT_EQ((*waiting)[0].dead, 1);
  EXPECT_EQ((*waiting)[0].pending + (*waiting)[0].leased, 0);
  EXPECT_EQ((*waiting)[0].oldest_undelivered, (*dead)[0].created_at);
  EXPECT_EQ((*waiting)[1].agency_id, "sender");
  EXPECT_EQ((*waiting)[1].pending, 1);

  v1::AuditRecord requeued_by;
  requeued_by.set_actor_agency_id("operator");
  requeued_by.set_staff_id("o.ops");
  requeued_by.set_method("console");
  requeued_by.set_detail("the PRU's adapter is fixed");
  const int64_t journal_before = *store().UnsealedAuditCount();
  EXPECT_EQ(*store().RequeueDeadDeliveries({(*dead)[0].delivery_id}, requeued_by), 1);
  EXPECT_EQ(*store().UnsealedAuditCount(), journal_before + 1) << "the requeue is journalled, with its reason";
  ASSERT_TRUE(store().SealAudit(10000).ok());
  absl::StatusOr<std::vector<audit::StoredRow>> rows = store().ReadAudit(1, 10000);
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_FALSE(rows->empty());
  v1::AuditRecord last;
  ASSERT_TRUE(last.ParseFromString(rows->back().record_bytes));
  EXPECT_EQ(last.kind(), v1::AUDIT_EVENT_KIND_DELIVERY_REQUEUED);
  EXPECT_EQ(last.staff_id(), "o.ops");
  EXPECT_EQ(last.actor_agency_id(), "operator");
  EXPECT_THAT(last.detail(), ::testing::HasSubstr("the PRU's adapter is fixed"));
  EXPECT_THAT(*store().ListDeadDeliveries(10), IsEmpty());
  std::vector<v1::RoutedMessage> back = Claim("stream", 10, policy);
  ASSERT_THAT(back, SizeIs(1));
  EXPECT_EQ(back[0].redelivery_count(), 0);  // attempts start again
}

// A stream that ends with max_attempts used up dead-letters its leases;
// requeueing with no ids takes every dead delivery back.
TEST_P(StoreConformanceTest, ReleasingTheLastAttemptDeadLettersAndRequeueAllTakesEveryOneBack) {
  RegisterSenderAndPru();
  SubmitReport("a");
  SubmitReport("b");
  DeliveryPolicy policy;
  policy.max_attempts = 1;
  ASSERT_THAT(Claim("stream", 10, policy), SizeIs(2));
  EXPECT_EQ(*store().ReleaseLeases("pru", "stream", policy), 2);
  EXPECT_THAT(Claim("stream", 10, policy), IsEmpty());
  EXPECT_THAT(*store().ListDeadDeliveries(10), SizeIs(2));
  EXPECT_THAT(*store().ListDeadDeliveries(1), SizeIs(1));
  EXPECT_EQ(*store().RequeueDeadDeliveries({}, v1::AuditRecord()), 2);
  EXPECT_THAT(*store().ListDeadDeliveries(10), IsEmpty());
  EXPECT_THAT(Claim("stream", 10, policy), SizeIs(2));
}

namespace {

// Everything due for `agency`, claimed by a stream of its own.
std::vector<v1::RoutedMessage> ClaimFor(Store& store, const std::string& agency, const DeliveryPolicy& policy) {
  absl::StatusOr<std::vector<v1::RoutedMessage>> claimed =
      store.ClaimDeliveries(agency, agency + "-stream", 100, policy);
  EXPECT_TRUE(claimed.ok()) << claimed.status();
  return claimed.ok() ? *claimed : std::vector<v1::RoutedMessage>{};
}

// The records of `kind` in `chain`.
std::vector<v1::AuditRecord> OfKind(const std::vector<v1::AuditRecord>& chain, v1::AuditEventKind kind) {
  std::vector<v1::AuditRecord> of_kind;
  for (const v1::AuditRecord& record : chain) {
    if (record.kind() == kind) of_kind.push_back(record);
  }
  return of_kind;
}

// One lease that runs out at once, and no backoff to wait out.
DeliveryPolicy OneShortAttempt() {
  DeliveryPolicy policy;
  policy.lease = absl::Milliseconds(1);
  policy.initial_backoff = absl::Milliseconds(1);
  policy.max_attempts = 1;
  return policy;
}

// Claims what `agency` has due with `policy`, lets the leases run out and
// expires them; returns what was claimed.
std::vector<v1::RoutedMessage> ClaimAndLetExpire(Store& store, const std::string& agency,
                                                 const DeliveryPolicy& policy) {
  std::vector<v1::RoutedMessage> claimed = ClaimFor(store, agency, policy);
  absl::SleepFor(absl::Milliseconds(20));
  EXPECT_TRUE(store.ExpireLeases(policy).ok());
  return claimed;
}

}  // namespace

// issue 27: the sender of a message whose delivery is dead-lettered is told,
// once, by a message it receives like any other.
TEST_P(StoreConformanceTest, AnExpiredLastAttemptSendsTheSenderOneNonDeliveryReport) {
  RegisterSenderAndPru();
  const std::string message_id = SubmitReport("a");
  const DeliveryPolicy policy = OneShortAttempt();
  const std::vector<v1::RoutedMessage> sent = ClaimFor(store(), "pru", policy);
  ASSERT_THAT(sent, SizeIs(1));
  absl::SleepFor(absl::Milliseconds(20));
  ASSERT_EQ(*store().ExpireLeases(policy), 1);
  EXPECT_EQ(*store().ExpireLeases(policy), 0) << "dead once";
  // Due at once, found as other processes find what they did not accept.
  std::unique_ptr<Store> other = OpenAnother();
  AwaitReplication();
  EXPECT_THAT(*other->RecipientsWithDueDeliveries(), ElementsAre("sender"));

  const std::vector<v1::RoutedMessage> reports = ClaimFor(*other, "sender", policy);
  ASSERT_THAT(reports, SizeIs(1));
  const v1::RoutedMessage& report = reports[0];
  EXPECT_EQ(report.kind(), v1::MESSAGE_KIND_NON_DELIVERY_REPORT);
  EXPECT_TRUE(report.sent_by_hub());
  EXPECT_EQ(report.sender_agency_id(), "") << "from the hub of its own accord";
  EXPECT_EQ(report.case_id(), "");
  EXPECT_FALSE(report.has_child_details());
  const v1::NonDeliveryReport& ndr = report.non_delivery_report();
  EXPECT_EQ(ndr.undelivered_message_id(), message_id);
  EXPECT_EQ(ndr.undelivered_kind(), v1::MESSAGE_KIND_OPERATION_LIBERTY_REPORT);
  EXPECT_EQ(ndr.recipient_agency_id(), "pru");
  EXPECT_EQ(ndr.undelivered_delivery_id(), sent[0].delivery_id());
  EXPECT_EQ(ndr.attempts(), 1);
  EXPECT_EQ(ndr.reason(), "not acknowledged after 1 attempt");
  EXPECT_EQ(ndr.case_id(), "");
  EXPECT_TRUE(ndr.has_dead_lettered_at());
  absl::StatusOr<AckOutcome> acked = other->Acknowledge("sender", {report.delivery_id()}, absl::Now());
  ASSERT_TRUE(acked.ok()) << acked.status();
  EXPECT_EQ(acked->acknowledged, 1);
  AwaitReplication();
  EXPECT_THAT(ClaimFor(store(), "sender", policy), IsEmpty());

  // Journalled: the dead letter by delivery, and the report to the sender.
  const std::vector<v1::AuditRecord> chain = SealAndReadChain();
  const std::vector<v1::AuditRecord> dead = OfKind(chain, v1::AUDIT_EVENT_KIND_DELIVERY_DEAD_LETTERED);
  ASSERT_THAT(dead, SizeIs(1));
  EXPECT_EQ(dead[0].delivery_id(), sent[0].delivery_id());
  EXPECT_EQ(dead[0].detail(), "not acknowledged after 1 attempt");
  const std::vector<v1::AuditRecord> reported = OfKind(chain, v1::AUDIT_EVENT_KIND_NON_DELIVERY_REPORTED);
  ASSERT_THAT(reported, SizeIs(1));
  EXPECT_EQ(reported[0].message_id(), report.message_id());
  EXPECT_EQ(reported[0].delivery_id(), sent[0].delivery_id());
  EXPECT_EQ(reported[0].recipient_agency_id(), "sender");
  EXPECT_THAT(reported[0].detail(), HasSubstr(message_id));
}

// ReleaseLeases dead-letters too: each delivery with its own record and
// report.
TEST_P(StoreConformanceTest, AStreamEndingOnTheLastAttemptReportsEachDeliveryToItsSender) {
  RegisterSenderAndPru();
  const std::string a = SubmitReport("a");
  const std::string b = SubmitReport("b");
  DeliveryPolicy policy;
  policy.max_attempts = 1;
  const std::vector<v1::RoutedMessage> sent = Claim("stream", 10, policy);
  ASSERT_THAT(sent, SizeIs(2));
  EXPECT_EQ(*store().ReleaseLeases("pru", "stream", policy), 2);
  EXPECT_EQ(*store().ReleaseLeases("pru", "stream", policy), 0);
  EXPECT_THAT(*store().RecipientsWithDueDeliveries(), ElementsAre("sender"));
  const std::vector<v1::RoutedMessage> reports = ClaimFor(store(), "sender", policy);
  ASSERT_THAT(reports, SizeIs(2));
  std::set<std::string> about;
  for (const v1::RoutedMessage& report : reports) {
    EXPECT_EQ(report.kind(), v1::MESSAGE_KIND_NON_DELIVERY_REPORT);
    EXPECT_EQ(report.non_delivery_report().reason(),
              "the recipient's stream ended after the last attempt (1 attempt, none acknowledged)");
    about.insert(report.non_delivery_report().undelivered_message_id());
  }
  EXPECT_THAT(about, UnorderedElementsAre(a, b));
  const std::vector<v1::AuditRecord> chain = SealAndReadChain();
  const std::vector<v1::AuditRecord> dead = OfKind(chain, v1::AUDIT_EVENT_KIND_DELIVERY_DEAD_LETTERED);
  ASSERT_THAT(dead, SizeIs(2)) << "one record per delivery, as ExpireLeases writes";
  EXPECT_THAT((std::set<int64_t>{dead[0].delivery_id(), dead[1].delivery_id()}),
              UnorderedElementsAre(sent[0].delivery_id(), sent[1].delivery_id()));
  EXPECT_THAT(OfKind(chain, v1::AUDIT_EVENT_KIND_NON_DELIVERY_REPORTED), SizeIs(2));
}

// What the hub sent itself is for its operators: a follow-up (sent on the
// sender's behalf), an alert of its own, and a report itself get no report.
TEST_P(StoreConformanceTest, NoNonDeliveryReportIsSentAboutWhatTheHubSentItself) {
  RegisterSenderAndPru();
  FollowUp on_behalf = Alert("on-behalf");
  on_behalf.on_behalf_of = "sender";
  FollowUp of_its_own = Alert("of-its-own");
  v1::NewChild child = ExampleChild();
  Submission s = ReportSubmission("a");
  s.new_child = &child;
  absl::StatusOr<Accepted> accepted = store().Accept(s, RouteToPruWith({on_behalf, of_its_own}));
  ASSERT_TRUE(accepted.ok()) << accepted.status();
  ASSERT_THAT(accepted->receipt.hub_actions(), SizeIs(2));
  const std::string case_id = accepted->receipt.case_id();
  const DeliveryPolicy policy = OneShortAttempt();
  // One at a time (per-case order), each dead in turn.
  int dead = 0;
  for (int round = 0; round < 5 && dead < 3; ++round) dead += ClaimAndLetExpire(store(), "pru", policy).size();
  ASSERT_EQ(dead, 3);
  const std::vector<v1::RoutedMessage> reports = ClaimFor(store(), "sender", policy);
  ASSERT_THAT(reports, SizeIs(1)) << "only the sender's own message";
  EXPECT_EQ(reports[0].non_delivery_report().undelivered_message_id(), accepted->receipt.message_id());
  // The case is named in the body only: the report is on no case, and
  // carries nothing of the child.
  EXPECT_EQ(reports[0].non_delivery_report().case_id(), case_id);
  EXPECT_EQ(reports[0].case_id(), "");
  EXPECT_FALSE(reports[0].has_child_details());

  // The report itself, never acknowledged: dead, with no report about it.
  absl::SleepFor(absl::Milliseconds(20));
  ASSERT_EQ(*store().ExpireLeases(policy), 1);
  EXPECT_THAT(*store().RecipientsWithDueDeliveries(), IsEmpty());
  const std::vector<v1::AuditRecord> chain = SealAndReadChain();
  EXPECT_THAT(OfKind(chain, v1::AUDIT_EVENT_KIND_DELIVERY_DEAD_LETTERED), SizeIs(4));
  EXPECT_THAT(OfKind(chain, v1::AUDIT_EVENT_KIND_NON_DELIVERY_REPORTED), SizeIs(1));
}

// A case purged under the retention schedule sets its outstanding
// deliveries aside: each sender is told why.
TEST_P(StoreConformanceTest, APurgedCasesOutstandingDeliveriesAreReportedToTheirSenders) {
  RegisterSenderAndPru();
  v1::NewChild child = ExampleChild();
  absl::StatusOr<Accepted> opened = Report("a", nullptr, "", &child);
  ASSERT_TRUE(opened.ok());
  const std::string case_id = opened->receipt.case_id();
  v1::AuditRecord by;
  by.set_actor_agency_id("hub");
  by.set_method("retention");
  absl::StatusOr<Store::Purged> purged = store().PurgeCase(
      case_id, absl::Now(),
      [](const Store::RetentionCase&) {
        return Store::RetentionDecision{v1::RECORD_CLASS_CASE_CHILD_IN_NEED, absl::InfinitePast()};
      },
      by);
  ASSERT_TRUE(purged.ok()) << purged.status();
  ASSERT_TRUE(purged->purged);
  EXPECT_THAT(ClaimFor(store(), "pru", DeliveryPolicy()), IsEmpty());
  const std::vector<v1::RoutedMessage> reports = ClaimFor(store(), "sender", DeliveryPolicy());
  ASSERT_THAT(reports, SizeIs(1));
  EXPECT_EQ(reports[0].non_delivery_report().undelivered_message_id(), opened->receipt.message_id());
  EXPECT_EQ(reports[0].non_delivery_report().case_id(), case_id);
  EXPECT_EQ(reports[0].non_delivery_report().attempts(), 0);
  EXPECT_EQ(reports[0].non_delivery_report().reason(),
            "its case was purged under the retention schedule before it was acknowledged");
  EXPECT_TRUE(store().Acknowledge("sender", {reports[0].delivery_id()}, absl::Now()).ok());
  const std::vector<v1::AuditRecord> chain = SealAndReadChain();
  EXPECT_THAT(OfKind(chain, v1::AUDIT_EVENT_KIND_DELIVERY_DEAD_LETTERED), SizeIs(1));
  EXPECT_THAT(OfKind(chain, v1::AUDIT_EVENT_KIND_NON_DELIVERY_REPORTED), SizeIs(1));
}

TEST_P(StoreConformanceTest, AcknowledgedDeliveriesAreDoneAndAcknowledgingTwiceIsHarmless) {
  RegisterSenderAndPru();
  SubmitReport("a");
  DeliveryPolicy policy;
  std::vector<v1::RoutedMessage> claimed = Claim("s", 10, policy);
  ASSERT_THAT(claimed, SizeIs(1));
  EXPECT_EQ(store().Acknowledge("pru", {claimed[0].delivery_id()}, absl::Now())->acknowledged, 1);
  EXPECT_EQ(store().Acknowledge("pru", {claimed[0].delivery_id()}, absl::Now())->acknowledged, 0);
  EXPECT_EQ(*store().ReleaseLeases("pru", "s", policy), 0);
  EXPECT_THAT(Claim("s", 10, policy), SizeIs(0));
  // Not addressed to the sender: NOT_FOUND, and nothing changes.
  EXPECT_EQ(store().Acknowledge("sender", {claimed[0].delivery_id()}, absl::Now()).status().code(), absl::StatusCode::kNotFound);
}

// An agency may acknowledge through another process than its stream's.
TEST_P(StoreConformanceTest, ADeliveryIsAcknowledgedThroughAnyProcess) {
  RegisterSenderAndPru();
  SubmitReport("a");
  SubmitReport("b");
  DeliveryPolicy policy;
  std::vector<v1::RoutedMessage> claimed = Claim("stream-1", 10, policy);
  ASSERT_THAT(claimed, SizeIs(2));
  std::unique_ptr<Store> other = OpenAnother();
  EXPECT_THAT(*other->LeasedTo("pru", "stream-1"),
              UnorderedElementsAre(claimed[0].delivery_id(), claimed[1].delivery_id()));
  absl::StatusOr<AckOutcome> acked = other->Acknowledge("pru", {claimed[0].delivery_id()}, absl::Now());
  ASSERT_TRUE(acked.ok()) << acked.status();
  EXPECT_EQ(acked->acknowledged, 1);
  EXPECT_FALSE(acked->more_due);
  AwaitReplication();
  EXPECT_THAT(*store().LeasedTo("pru", "stream-1"), ElementsAre(claimed[1].delivery_id()));
  EXPECT_THAT(*store().LeasedTo("pru", "stream-2"), IsEmpty());
  EXPECT_EQ(*store().ReleaseLeases("pru", "stream-1", policy), 1);
}

// Streams in two processes claim at once: no delivery goes to two.
TEST_P(StoreConformanceTest, ConcurrentClaimsNeverShareADelivery) {
  RegisterSenderAndPru();
  constexpr int kReports = 60;
  for (int i = 0; i < kReports; ++i) SubmitReport(absl::StrCat("r", i));
  std::unique_ptr<Store> other = OpenAnother();
  DeliveryPolicy policy;
  std::vector<std::vector<v1::RoutedMessage>> per_stream(4);
  std::vector<std::thread> streams;
  for (int s = 0; s < 4; ++s) {
    Store& on = s % 2 ? *other : store();
    streams.emplace_back([&, s] {
      for (int round = 0; round < 10; ++round) {
        absl::StatusOr<std::vector<v1::RoutedMessage>> claimed =
            on.ClaimDeliveries("pru", absl::StrCat("stream-", s), 3, policy);
        if (claimed.ok()) per_stream[s].insert(per_stream[s].end(), claimed->begin(), claimed->end());
      }
    });
  }
  for (std::thread& t : streams) t.join();
  // A store may let a stream come away empty while others hold rows, so
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

// Submissions commit while two streams, one in each process, claim and
// acknowledge; every claim must succeed, and every report be handed out
// exactly once (a claim that sees a delivery before its message must leave
// it for the next claim, not fail: the MySQL store's claim failed so,
// "delivery N vanished", before its locking read was made to).
TEST_P(StoreConformanceTest, ClaimsRacingSubmissionsAllSucceedAndMissNothing) {
  RegisterSenderAndPru();
  constexpr int kSubmitters = 3;
  constexpr int kReportsEach = 150;
  std::unique_ptr<Store> other = OpenAnother();
  std::atomic<int> submitters_left{kSubmitters};
  std::vector<std::thread> threads;
  for (int s = 0; s < kSubmitters; ++s) {
    threads.emplace_back([&, s] {
      for (int i = 0; i < kReportsEach; ++i) SubmitReport(absl::StrCat("s", s, "-", i));
      --submitters_left;
    });
  }
  DeliveryPolicy policy;
  std::vector<std::vector<int64_t>> per_stream(2);
  std::atomic<int> failed_claims{0};
  for (int s = 0; s < 2; ++s) {
    Store& on = s == 0 ? store() : *other;
    threads.emplace_back([&, s] {
      // Until the submitters are done and a claim then comes back empty.
      while (true) {
        const bool last_round = submitters_left.load() == 0;
        absl::StatusOr<std::vector<v1::RoutedMessage>> claimed =
            on.ClaimDeliveries("pru", absl::StrCat("stream-", s), 64, policy);
        if (!claimed.ok()) {
          ADD_FAILURE() << claimed.status();
          if (++failed_claims > 10) return;
          continue;
        }
        const std::vector<int64_t> ids = DeliveryIds(*claimed);
        if (!ids.empty()) {
          EXPECT_TRUE(on.Acknowledge("pru", ids, absl::Now()).ok());
        }
        per_stream[s].insert(per_stream[s].end(), ids.begin(), ids.end());
        if (ids.empty() && last_round) return;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  std::set<int64_t> seen;
  for (const auto& ids : per_stream) {
    for (int64_t id : ids) EXPECT_TRUE(seen.insert(id).second) << "delivery " << id << " handed out twice";
  }
  EXPECT_EQ(seen.size(), static_cast<size_t>(kSubmitters * kReportsEach));
  EXPECT_EQ(failed_claims.load(), 0);
}

TEST_P(StoreConformanceTest, ADeliveryToAStreamWithRoomIsLeasedToItOnAcceptance) {
  RegisterSenderAndPru();
  OneStream streams("stream-1", 1);
  absl::StatusOr<Accepted> accepted = Report("a", &streams);
  ASSERT_TRUE(accepted.ok());
  ASSERT_THAT(accepted->handed_out, SizeIs(1));
  const HandedOut& out = accepted->handed_out[0];
  EXPECT_EQ(out.lease_owner, "stream-1");
  EXPECT_EQ(out.recipient_agency_id, "pru");
  EXPECT_EQ(out.message.message_id(), accepted->receipt.message_id());
  EXPECT_EQ(out.message.operation_liberty_report().narrative(), "n");
  EXPECT_GT(out.message.delivery_id(), 0);
  EXPECT_THAT(accepted->pending_recipients, SizeIs(0));
  // The store leases it to that stream: nobody else claims it, and it is
  // acknowledged like any other.
  DeliveryPolicy policy;
  EXPECT_THAT(Claim("stream-2", 10, policy), SizeIs(0));
  EXPECT_THAT(*store().LeasedTo("pru", "stream-1"), ElementsAre(out.message.delivery_id()));
  absl::StatusOr<AckOutcome> acked = store().Acknowledge("pru", {out.message.delivery_id()}, absl::Now());
  ASSERT_TRUE(acked.ok());
  EXPECT_EQ(acked->acknowledged, 1);
  EXPECT_FALSE(acked->more_due);
  // No room left: pending, for a claim.
  absl::StatusOr<Accepted> second = Report("b", &streams);
  ASSERT_TRUE(second.ok());
  EXPECT_THAT(second->handed_out, SizeIs(0));
  EXPECT_THAT(second->pending_recipients, ElementsAre("pru"));
  EXPECT_THAT(Claim("stream-2", 10, policy), SizeIs(1));
}

TEST_P(StoreConformanceTest, ALaterMessageOfACaseWaitsForTheEarlierOneEvenWithAStreamFree) {
  RegisterSenderAndPru();
  v1::NewChild child = ExampleChild();
  absl::StatusOr<Accepted> first = Report("first", nullptr, "", &child);
  ASSERT_TRUE(first.ok());
  ASSERT_THAT(first->pending_recipients, ElementsAre("pru"));
  const std::string case_id = first->receipt.case_id();

  OneStream streams("stream-1", 5);
  absl::StatusOr<Accepted> second = Report("second", &streams, case_id);
  ASSERT_TRUE(second.ok());
  EXPECT_THAT(second->handed_out, SizeIs(0));  // the first is still outstanding
  // Nothing to wake a stream for: the first one's acknowledgement does.
  EXPECT_THAT(second->pending_recipients, SizeIs(0));

  DeliveryPolicy policy;
  std::vector<v1::RoutedMessage> claimed = Claim("stream-2", 10, policy);
  ASSERT_THAT(claimed, SizeIs(1));
  EXPECT_EQ(claimed[0].message_id(), first->receipt.message_id());
  // Acknowledging another message meanwhile: the second is pending, but no
  // claim may take it yet, so nothing is worth a claim.
  ASSERT_TRUE(Report("other", nullptr).ok());
  std::vector<v1::RoutedMessage> other = Claim("stream-3", 10, policy);
  ASSERT_THAT(other, SizeIs(1));
  absl::StatusOr<AckOutcome> acked = store().Acknowledge("pru", {other[0].delivery_id()}, absl::Now());
  ASSERT_TRUE(acked.ok());
  EXPECT_FALSE(acked->more_due);
  acked = store().Acknowledge("pru", {claimed[0].delivery_id()}, absl::Now());
  ASSERT_TRUE(acked.ok());
  EXPECT_TRUE(acked->more_due);  // the second may go now
  claimed = Claim("stream-2", 10, policy);
  ASSERT_THAT(claimed, SizeIs(1));
  EXPECT_EQ(claimed[0].message_id(), second->receipt.message_id());
  ASSERT_TRUE(store().Acknowledge("pru", {claimed[0].delivery_id()}, absl::Now()).ok());

  // Nothing outstanding now: the third is handed out, with the child's
  // details as a claim would carry them.
  absl::StatusOr<Accepted> third = Report("third", &streams, case_id);
  ASSERT_TRUE(third.ok());
  ASSERT_THAT(third->handed_out, SizeIs(1));
  EXPECT_EQ(third->handed_out[0].message.child_details().family_name(), "Example");
  EXPECT_EQ(third->handed_out[0].message.case_id(), case_id);
}

// Acknowledgements of several calls in one group: the common case (fresh
// deliveries, each named by its own recipient) is answered as the careful
// path would: a delivery named twice is counted once, for the call that
// named it first, and a delivery still pending says there is more to claim.
TEST_P(StoreConformanceTest, AnAckGroupOfFreshDeliveriesIsAnsweredAsIfEachWereAlone) {
  RegisterSenderAndPru();
  SubmitReport("a");
  SubmitReport("b");
  SubmitReport("c");
  std::vector<v1::RoutedMessage> claimed = Claim("stream-1", 2, DeliveryPolicy());
  ASSERT_THAT(claimed, SizeIs(2));  // "c" stays pending
  const int64_t a = claimed[0].delivery_id(), b = claimed[1].delivery_id();
  absl::StatusOr<std::vector<absl::StatusOr<AckOutcome>>> results =
      store().AcknowledgeAll({{"pru", {a}}, {"pru", {b, a}}}, absl::Now());
  ASSERT_TRUE(results.ok()) << results.status();
  ASSERT_THAT(*results, SizeIs(2));
  ASSERT_TRUE((*results)[0].ok() && (*results)[1].ok());
  EXPECT_EQ((*results)[0]->acknowledged, 1);
  EXPECT_EQ((*results)[1]->acknowledged, 1);
  EXPECT_TRUE((*results)[0]->more_due);
  EXPECT_TRUE((*results)[1]->more_due);
  EXPECT_THAT(*store().LeasedTo("pru", "stream-1"), IsEmpty());
  EXPECT_THAT(SealAndReadChain(), SizeIs(7));  // 3 accepted + 2 claimed + 2 acknowledged
  // Again: nothing new, and no record.
  results = store().AcknowledgeAll({{"pru", {a, b}}}, absl::Now());
  ASSERT_TRUE(results.ok() && (*results)[0].ok());
  EXPECT_EQ((*results)[0]->acknowledged, 0);
  EXPECT_THAT(SealAndReadChain(), SizeIs(7));
  // "c" is still there to claim.
  EXPECT_THAT(Claim("stream-1", 10, DeliveryPolicy()), SizeIs(1));
}

// A call in a group that names a delivery not addressed to its agency is
// refused whole, and changes nothing; the others are answered as if alone.
TEST_P(StoreConformanceTest, AnAckGroupRefusesACallNamingAnotherAgencysDeliveryAndKeepsTheRest) {
  RegisterSenderAndPru();
  SubmitReport("a");
  SubmitReport("b");
  SubmitReport("c");
  DeliveryPolicy policy;
  std::vector<v1::RoutedMessage> claimed = Claim("stream-1", 10, policy);
  ASSERT_THAT(claimed, SizeIs(3));
  const int64_t a = claimed[0].delivery_id(), b = claimed[1].delivery_id(), c = claimed[2].delivery_id();
  absl::StatusOr<std::vector<absl::StatusOr<AckOutcome>>> results = store().AcknowledgeAll({
      {"pru", {a}},
      {"sender", {b}},  // the sender's own report: not addressed to it
      {"pru", {a, c}},  // `a` again: counted once, by the first call
  }, absl::Now());
  ASSERT_TRUE(results.ok()) << results.status();
  ASSERT_THAT(*results, SizeIs(3));
  ASSERT_TRUE((*results)[0].ok());
  EXPECT_EQ((*results)[0]->acknowledged, 1);
  EXPECT_EQ((*results)[1].status().code(), absl::StatusCode::kNotFound);
  ASSERT_TRUE((*results)[2].ok());
  EXPECT_EQ((*results)[2]->acknowledged, 1);
  // `b` is still leased; `a` and `c` are done.
  EXPECT_THAT(*store().LeasedTo("pru", "stream-1"), ElementsAre(b));
  EXPECT_EQ(store().Acknowledge("pru", {a, c}, absl::Now())->acknowledged, 0);
  // One record per delivery acknowledged, none for the refused call.
  std::vector<v1::AuditRecord> chain = SealAndReadChain();
  EXPECT_THAT(chain, SizeIs(8));  // 3 accepted + 3 claimed + 2 acknowledged
  std::vector<int64_t> acknowledged;
  for (const v1::AuditRecord& r : chain) {
    if (r.kind() == v1::AUDIT_EVENT_KIND_DELIVERY_ACKNOWLEDGED) acknowledged.push_back(r.delivery_id());
  }
  EXPECT_THAT(acknowledged, UnorderedElementsAre(a, c));
}

TEST_P(StoreConformanceTest, AGroupIsAcceptedInOneGoAndEachMemberAnsweredAsIfAlone) {
  RegisterSenderAndPru();
  ASSERT_TRUE(Report("earlier", nullptr).ok());
  auto submission = [](const std::string& key, const std::string& narrative) {
    Submission s = ReportSubmission(key);
    s.request_sha256 = narrative;
    s.message.mutable_operation_liberty_report()->set_narrative(narrative);
    return s;
  };
  const RouteFn to_pru = RouteTo("pru");
  const RouteFn refused = [](const CaseView*, const RepliedMessage*) -> absl::StatusOr<Routing> {
    return absl::PermissionDeniedError("not allowed");
  };
  OneStream streams("stream-1", 1);
  std::vector<Submission> s = {submission("g1", "one"),          submission("g2", "two"),
                               submission("earlier", "earlier"), submission("earlier", "other"),
                               submission("g3", "three"),        submission("g1", "one")};
  s[0].streams = &streams;
  s[1].streams = &streams;  // the stream has room for one only
  std::vector<Store::SubmissionAndRoute> batch;
  for (size_t i = 0; i < s.size(); ++i) batch.push_back({&s[i], i == 4 ? &refused : &to_pru});
  std::vector<absl::StatusOr<Accepted>> results = store().AcceptAll(batch);
  ASSERT_THAT(results, SizeIs(6));
  ASSERT_TRUE(results[0].ok()) << results[0].status();
  ASSERT_TRUE(results[1].ok()) << results[1].status();
  ASSERT_THAT(results[0]->handed_out, SizeIs(1));  // leased to stream-1 on acceptance
  EXPECT_THAT(results[1]->pending_recipients, ElementsAre("pru"));
  EXPECT_NE(results[0]->receipt.message_id(), results[1]->receipt.message_id());
  // A retry of an earlier key is answered with its receipt; the same key
  // with another request is refused; a route error refuses that member
  // only; a key twice in one batch is accepted once.
  ASSERT_TRUE(results[2].ok());
  EXPECT_THAT(results[2]->handed_out, SizeIs(0));
  EXPECT_EQ(results[3].status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(results[4].status().code(), absl::StatusCode::kPermissionDenied);
  ASSERT_TRUE(results[5].ok());
  EXPECT_EQ(results[5]->receipt.message_id(), results[0]->receipt.message_id());
  // Three messages: one leased to stream-1, two pending, claimed like any
  // other ("earlier" and g2).
  EXPECT_THAT(*store().LeasedTo("pru", "stream-1"), ElementsAre(results[0]->handed_out[0].message.delivery_id()));
  DeliveryPolicy policy;
  std::vector<v1::RoutedMessage> claimed = Claim("stream-2", 10, policy);
  ASSERT_THAT(claimed, SizeIs(2));
  EXPECT_THAT((std::vector<std::string>{claimed[0].message_id(), claimed[1].message_id()}),
              UnorderedElementsAre(results[2]->receipt.message_id(), results[1]->receipt.message_id()));
  std::vector<std::string> kinds;
  std::vector<int64_t> handed_out;
  for (const v1::AuditRecord& record : SealAndReadChain()) {
    kinds.push_back(absl::StrCat(v1::AuditEventKind_Name(record.kind()), " ", record.message_id()));
    if (record.kind() == v1::AUDIT_EVENT_KIND_DELIVERY_HANDED_OUT) handed_out.push_back(record.delivery_id());
  }
  // Three acceptances, one hand-out on acceptance, two by the claim.
  EXPECT_THAT(kinds, SizeIs(6)) << ::testing::PrintToString(kinds);
  // The record of the hand-out on acceptance names the delivery.
  EXPECT_THAT(handed_out, UnorderedElementsAre(results[0]->handed_out[0].message.delivery_id(),
                                               claimed[0].delivery_id(), claimed[1].delivery_id()));
}

// Submissions on cases named by their ids share one transaction (a case
// group): each member is answered as Accept would answer it alone, a case's
// second submission is written after its first, and per-case order holds.
TEST_P(StoreConformanceTest, ACaseGroupIsAcceptedInOneGoAndEachMemberAnsweredAsIfAlone) {
  RegisterSenderAndPru();
  const std::string a = OpenCase("open-a", CaseSchedule());
  const std::string b = OpenCase("open-b", CaseSchedule());
  const std::string c = OpenCase("open-c", CaseSchedule());
  ASSERT_FALSE(a.empty() || b.empty() || c.empty());
  ClaimAndAcknowledgeAll(store(), "pru");  // nothing outstanding: the next can be handed out
  auto on_case = [](const std::string& key, const std::string& case_id) {
    Submission s = ReportSubmission(key);
    s.case_id = case_id;
    s.record_append = MissingEpisodes(1);
    return s;
  };
  const RouteFn to_pru = RouteTo("pru");
  const RouteFn refused = [](const CaseView*, const RepliedMessage*) -> absl::StatusOr<Routing> {
    return absl::PermissionDeniedError("not allowed");
  };
  OneStream streams("stream-1", 3);  // room for a's second too: it is per-case order that holds it back
  std::vector<Submission> s = {on_case("ca1", a), on_case("cb1", b), on_case("ca2", a),
                               on_case("cx1", "00000000-0000-4000-8000-000000000000"), on_case("cc1", c),
                               on_case("ca1", a)};
  for (Submission& submission : s) submission.streams = &streams;
  std::vector<Store::SubmissionAndRoute> batch;
  for (size_t i = 0; i < s.size(); ++i) batch.push_back({&s[i], i == 4 ? &refused : &to_pru});
  std::vector<absl::StatusOr<Accepted>> results = store().AcceptAll(batch);
  ASSERT_THAT(results, SizeIs(6));
  for (int i : {0, 1, 2, 5}) ASSERT_TRUE(results[i].ok()) << i << ": " << results[i].status();
  // Handed out at once: a's first and b's; a's second waits behind a's first.
  ASSERT_THAT(results[0]->handed_out, SizeIs(1));
  ASSERT_THAT(results[1]->handed_out, SizeIs(1));
  EXPECT_THAT(results[2]->handed_out, SizeIs(0));
  EXPECT_THAT(results[2]->pending_recipients, SizeIs(0));  // its ack will say
  EXPECT_EQ(results[0]->handed_out[0].message.case_id(), a);
  EXPECT_NE(results[0]->handed_out[0].message.delivery_id(), results[1]->handed_out[0].message.delivery_id());
  EXPECT_TRUE(results[0]->handed_out[0].message.has_child_details()) << "a case message carries the child";
  // An unknown case, a route that says no, a key twice in one batch.
  EXPECT_EQ(results[3].status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(results[4].status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(results[5]->receipt.message_id(), results[0]->receipt.message_id());
  EXPECT_THAT(*store().LeasedTo("pru", "stream-1"),
              UnorderedElementsAre(results[0]->handed_out[0].message.delivery_id(),
                                   results[1]->handed_out[0].message.delivery_id()));
  // a's second is claimed once its first is acknowledged.
  EXPECT_THAT(Claim("stream-2", 10, DeliveryPolicy()), SizeIs(0));
  ASSERT_TRUE(store().Acknowledge("pru", {results[0]->handed_out[0].message.delivery_id()}, absl::Now()).ok());
  std::vector<v1::RoutedMessage> claimed = Claim("stream-2", 10, DeliveryPolicy());
  ASSERT_THAT(claimed, SizeIs(1));
  EXPECT_EQ(claimed[0].message_id(), results[2]->receipt.message_id());
  // Each case holds what was written to it: a two episodes, b one, c none.
  for (const auto& [case_id, episodes] : std::vector<std::pair<std::string, int>>{{a, 2}, {b, 1}, {c, 0}}) {
    absl::StatusOr<v1::GetCaseResponse> read = store().ReadCase(case_id, "pru", "");
    ASSERT_TRUE(read.ok()) << read.status();
    EXPECT_EQ(read->case_file().events_size(), episodes) << case_id;
  }
  // The hand-outs on acceptance are journalled with their deliveries.
  std::vector<int64_t> handed_out;
  for (const v1::AuditRecord& record : SealAndReadChain()) {
    if (record.kind() == v1::AUDIT_EVENT_KIND_DELIVERY_HANDED_OUT) handed_out.push_back(record.delivery_id());
  }
  EXPECT_THAT(handed_out, ::testing::IsSupersetOf({results[0]->handed_out[0].message.delivery_id(),
                                                    results[1]->handed_out[0].message.delivery_id()}));

  // A retry in a later group (the group does not look keys up first): the
  // group fails at its receipt and each member goes alone, the retry
  // answered with its first receipt, the other accepted.
  std::vector<Submission> later = {on_case("cb1", b), on_case("cc2", c)};
  std::vector<Store::SubmissionAndRoute> second;
  for (Submission& submission : later) second.push_back({&submission, &to_pru});
  std::vector<absl::StatusOr<Accepted>> answered = store().AcceptAll(second);
  ASSERT_THAT(answered, SizeIs(2));
  ASSERT_TRUE(answered[0].ok()) << answered[0].status();
  ASSERT_TRUE(answered[1].ok()) << answered[1].status();
  EXPECT_EQ(answered[0]->receipt.message_id(), results[1]->receipt.message_id());
  absl::StatusOr<v1::GetCaseResponse> c_read = store().ReadCase(c, "pru", "");
  ASSERT_TRUE(c_read.ok()) << c_read.status();
  EXPECT_EQ(c_read->case_file().events_size(), 1);
  absl::StatusOr<v1::GetCaseResponse> b_read = store().ReadCase(b, "pru", "");
  ASSERT_TRUE(b_read.ok()) << b_read.status();
  EXPECT_EQ(b_read->case_file().events_size(), 1) << "the retry wrote nothing";
}

// --- Deadlines ------------------------------------------------------------

// A case whose next deadline has passed is reviewed once per pass, with the
// case as it stands; the review's alerts are sent once per trigger, and its
// schedule replaces the case's.
TEST_P(StoreConformanceTest, DueCasesAreReviewedAndTheReviewsDecisionsWritten) {
  RegisterSenderAndPru();
  const absl::Time now = NowInSeconds();
  // Two cases due an hour ago, one due tomorrow, one with no deadline.
  std::vector<std::string> case_ids;
  for (absl::Time next : {now - absl::Hours(1), now - absl::Hours(1), now + absl::Hours(24), absl::InfiniteFuture()}) {
    CaseSchedule schedule;
    schedule.next_deadline = next;
    case_ids.push_back(OpenCase(absl::StrCat("open-", case_ids.size()), schedule));
    ASSERT_FALSE(case_ids.back().empty());
  }
  std::vector<std::string> reviewed;
  absl::Time next_review = now + absl::Hours(2);  // what the review schedules
  const ReviewFn review = [&](const CaseView& view) -> absl::StatusOr<Routing> {
    reviewed.push_back(view.case_file.case_id());
    EXPECT_THAT(view.involved_agency_ids, UnorderedElementsAre("sender", "pru"));
    Routing routing;
    routing.follow_ups.push_back(Alert("overdue@1"));
    routing.schedule = ScheduleOf({ActionDue("rule.review", next_review, "pru")});
    return routing;
  };
  // At most `limit` cases a call.
  EXPECT_EQ(*store().ReviewDueCases(now, 1, review), 1);
  EXPECT_EQ(*store().ReviewDueCases(now, 10, review), 1);
  EXPECT_THAT(reviewed, UnorderedElementsAre(case_ids[0], case_ids[1]));
  EXPECT_EQ(*store().ReviewDueCases(now, 10, review), 0);  // rescheduled: not due again yet

  // The reviews' schedules are the cases' open actions.
  absl::StatusOr<ActionPage> actions = store().ListOpenActions(OpenActionFilter(), 10, "");
  ASSERT_TRUE(actions.ok()) << actions.status();
  std::vector<std::string> with_actions;
  for (const auto& [case_id, action] : actions->actions) {
    with_actions.push_back(case_id);
    EXPECT_EQ(action.rule_id, "rule.review");
  }
  EXPECT_THAT(with_actions, UnorderedElementsAre(case_ids[0], case_ids[1]));

  // Each reviewed case sent its alert, after the case's first message (its
  // recipient gets a case's messages in order).
  DeliveryPolicy policy;
  std::vector<v1::RoutedMessage> claimed = Claim("stream", 10, policy);
  ASSERT_THAT(claimed, SizeIs(4));  // every case's first message
  ASSERT_TRUE(store().Acknowledge("pru", DeliveryIds(claimed), absl::Now()).ok());
  claimed = Claim("stream", 10, policy);
  ASSERT_THAT(claimed, SizeIs(2));
  std::vector<std::string> alerted;
  for (const v1::RoutedMessage& m : claimed) {
    EXPECT_TRUE(m.sent_by_hub());
    EXPECT_EQ(m.kind(), v1::MESSAGE_KIND_NOTIFICATION);
    EXPECT_EQ(m.notification().kind(), v1::NOTIFICATION_KIND_OVERDUE_ALERT);
    alerted.push_back(m.case_id());
  }
  EXPECT_THAT(alerted, UnorderedElementsAre(case_ids[0], case_ids[1]));
  ASSERT_TRUE(store().Acknowledge("pru", DeliveryIds(claimed), absl::Now()).ok());

  // Later, the same cases and the one due tomorrow are due: each is
  // reviewed again, but an alert is sent once per trigger.
  reviewed.clear();
  next_review = now + absl::Hours(100);
  EXPECT_EQ(*store().ReviewDueCases(now + absl::Hours(48), 10, review), 3);
  EXPECT_THAT(reviewed, UnorderedElementsAre(case_ids[0], case_ids[1], case_ids[2]));
  claimed = Claim("stream", 10, policy);
  ASSERT_THAT(claimed, SizeIs(1));
  EXPECT_EQ(claimed[0].case_id(), case_ids[2]);

  // A review that leaves no deadline: never reviewed again.
  const ReviewFn done = [](const CaseView&) -> absl::StatusOr<Routing> {
    Routing routing;
    routing.schedule = CaseSchedule();
    return routing;
  };
  EXPECT_EQ(*store().ReviewDueCases(now + absl::Hours(200), 10, done), 3);
  EXPECT_EQ(*store().ReviewDueCases(now + absl::Hours(24 * 365), 10, done), 0);
  EXPECT_THAT(store().ListOpenActions(OpenActionFilter(), 10, "")->actions, IsEmpty());
}

// With this process's streams offered, a review leases each alert to a
// stream with room in its own transaction, as an accepted submission's
// delivery is; an alert that must wait behind its case's earlier message,
// or finds no room, is left for a claim.
TEST_P(StoreConformanceTest, AReviewLeasesItsAlertsToAStreamWithRoom) {
  RegisterSenderAndPru();
  const absl::Time now = NowInSeconds();
  CaseSchedule due;
  due.next_deadline = now - absl::Hours(1);
  std::vector<std::string> case_ids;
  for (int i = 0; i < 4; ++i) {
    case_ids.push_back(OpenCase(absl::StrCat("open-", i), due));
    ASSERT_FALSE(case_ids.back().empty());
  }
  // The first three cases' opening messages are delivered; the fourth's is
  // still outstanding, so its alert must come after it.
  DeliveryPolicy policy;
  std::vector<v1::RoutedMessage> first = Claim("stream", 10, policy);
  ASSERT_THAT(first, SizeIs(4));
  std::vector<v1::RoutedMessage> delivered;
  for (const v1::RoutedMessage& m : first) {
    if (m.case_id() != case_ids[3]) delivered.push_back(m);
  }
  ASSERT_TRUE(store().Acknowledge("pru", DeliveryIds(delivered), absl::Now()).ok());

  const ReviewFn review = [&](const CaseView&) -> absl::StatusOr<Routing> {
    Routing routing;
    routing.follow_ups.push_back(Alert("overdue@1"));
    routing.schedule = CaseSchedule();
    return routing;
  };
  OneStream streams("stream-1", 2);  // room for two of the three that may go
  std::vector<HandedOut> handed_out;
  ASSERT_EQ(*store().ReviewDueCases(now, 10, review, &streams, &handed_out), 4);
  ASSERT_THAT(handed_out, SizeIs(2));
  std::vector<int64_t> leased;
  for (const HandedOut& out : handed_out) {
    EXPECT_EQ(out.lease_owner, "stream-1");
    EXPECT_EQ(out.recipient_agency_id, "pru");
    EXPECT_EQ(out.message.notification().kind(), v1::NOTIFICATION_KIND_OVERDUE_ALERT);
    EXPECT_TRUE(out.message.sent_by_hub());
    EXPECT_NE(out.message.case_id(), case_ids[3]);
    EXPECT_EQ(out.message.child_details().family_name(), "Example")
        << "a case message carries its child, as every recipient receives it";
    EXPECT_GT(out.message.delivery_id(), 0);
    leased.push_back(out.message.delivery_id());
  }
  EXPECT_THAT(*store().LeasedTo("pru", "stream-1"), UnorderedElementsAreArray(leased));
  // The third delivered case's alert found no room: a claim takes it. The
  // fourth's waits for its case's first message, still leased to "stream".
  std::vector<v1::RoutedMessage> claimed = Claim("stream-2", 10, policy);
  ASSERT_THAT(claimed, SizeIs(1));
  EXPECT_NE(claimed[0].case_id(), case_ids[3]);
  ASSERT_TRUE(store().Acknowledge("pru", DeliveryIds(first), absl::Now()).ok());
  claimed = Claim("stream-2", 10, policy);
  ASSERT_THAT(claimed, SizeIs(1));
  EXPECT_EQ(claimed[0].case_id(), case_ids[3]);
}

// A backlog of due cases (after an outage, say) drained by two watchers at
// once, in batches: each case is reviewed and alerted exactly once.
TEST_P(StoreConformanceTest, TwoWatchersReviewABacklogEachCaseOnce) {
  RegisterSenderAndPru();
  const absl::Time now = NowInSeconds();
  constexpr int kCases = 300;
  std::set<std::string> case_ids;
  CaseSchedule due;
  due.next_deadline = now - absl::Hours(1);  // every case due at one moment
  for (int i = 0; i < kCases; ++i) {
    const std::string case_id = OpenCase(absl::StrCat("backlog-", i), due);
    ASSERT_FALSE(case_id.empty());
    case_ids.insert(case_id);
  }
  const ReviewFn review = [&](const CaseView&) -> absl::StatusOr<Routing> {
    Routing routing;
    routing.follow_ups.push_back(Alert("overdue@1"));
    routing.schedule = CaseSchedule();
    routing.schedule->next_deadline = now + absl::Hours(24);
    return routing;
  };
  std::atomic<int> reviewed{0};
  auto watcher = [&] {
    for (int batch = 0; batch < kCases; ++batch) {
      absl::StatusOr<int> n = store().ReviewDueCases(now, 20, review);
      ASSERT_TRUE(n.ok()) << n.status();
      if (*n == 0) return;
      reviewed += *n;
    }
  };
  std::thread first(watcher), second(watcher);
  first.join();
  second.join();
  EXPECT_EQ(*store().ReviewDueCases(now, kCases, review), 0);  // none left due
  EXPECT_EQ(reviewed.load(), kCases);

  std::map<std::string, int> alerts_by_case;
  for (const v1::RoutedMessage& m : ClaimAndAcknowledgeAll(store(), "pru")) {
    if (m.sent_by_hub()) ++alerts_by_case[m.case_id()];
  }
  EXPECT_EQ(alerts_by_case.size(), case_ids.size());
  for (const auto& [case_id, alerts] : alerts_by_case) {
    EXPECT_TRUE(case_ids.count(case_id)) << case_id;
    EXPECT_EQ(alerts, 1) << case_id;
  }
}

// A case that cannot be reviewed does not stop the others of its batch: the
// batch is retried case by case, and the failing case is put back.
TEST_P(StoreConformanceTest, ACaseThatFailsItsReviewLeavesTheRestOfItsBatchReviewed) {
  RegisterSenderAndPru();
  const absl::Time now = NowInSeconds();
  std::vector<std::string> case_ids;
  CaseSchedule due;
  due.next_deadline = now - absl::Hours(1);
  for (int i = 0; i < 5; ++i) {
    case_ids.push_back(OpenCase(absl::StrCat("batch-", i), due));
    ASSERT_FALSE(case_ids.back().empty());
  }
  const std::string failing = case_ids[2];
  std::set<std::string> done;
  const ReviewFn review = [&](const CaseView& view) -> absl::StatusOr<Routing> {
    if (view.case_file.case_id() == failing) return absl::DataLossError("cannot be read");
    done.insert(view.case_file.case_id());
    Routing routing;
    routing.schedule = CaseSchedule();
    return routing;
  };
  EXPECT_EQ(*store().ReviewDueCases(now, 10, review), 4);
  EXPECT_EQ(done.size(), 4u);
  EXPECT_FALSE(done.count(failing));
  EXPECT_EQ(*store().ReviewDueCases(now, 10, review), 0);  // put back: not due again yet
}

// A case's schedule is written when it changes (its digest: migrations/0023),
// and written whole after something else moved its deadline (here an
// acknowledgement, which asks for a review at once), even if it is the
// schedule stored before.
TEST_P(StoreConformanceTest, AScheduleIsWrittenWhenItChangesOrItsDeadlineWasMovedSince) {
  RegisterSenderAndPru();
  const absl::Time now = NowInSeconds();
  const CaseSchedule first = ScheduleOf({ActionDue("rule.first", now + absl::Hours(2), "pru")});
  const std::string case_id = OpenCase("open", first);
  ASSERT_FALSE(case_id.empty());
  auto submit = [&](const std::string& key, const CaseSchedule& schedule, bool acknowledged_event) {
    Submission s = ReportSubmission(key);
    s.case_id = case_id;
    return store().Accept(s, [&](const CaseView*, const RepliedMessage*) -> absl::StatusOr<Routing> {
      Routing routing;
      routing.recipients = {"pru"};
      routing.schedule = schedule;
      if (acknowledged_event) {
        routing.event_kind = v1::EVENT_KIND_IRO_NOTIFIED;
        routing.acknowledged_by = "pru";
      }
      return routing;
    });
  };
  auto rules = [&] {
    std::vector<std::string> ids;
    absl::StatusOr<ActionPage> page = store().ListOpenActions(OpenActionFilter(), 10, "");
    EXPECT_TRUE(page.ok()) << page.status();
    if (page.ok()) {
      for (const auto& [id, action] : page->actions) ids.push_back(action.rule_id);
    }
    return ids;
  };
  auto reviewing_to = [](const CaseSchedule& schedule) -> ReviewFn {
    return [schedule](const CaseView&) -> absl::StatusOr<Routing> {
      Routing routing;
      routing.schedule = schedule;
      return routing;
    };
  };

  // The same schedule again: as it was.
  ASSERT_TRUE(submit("same", first, false).ok());
  EXPECT_THAT(rules(), ElementsAre("rule.first"));
  EXPECT_EQ(*store().ReviewDueCases(now + absl::Hours(1), 10, reviewing_to(first)), 0);

  // Another replaces it.
  const CaseSchedule second = ScheduleOf({ActionDue("rule.second", now + absl::Hours(3), "pru")});
  ASSERT_TRUE(submit("other", second, /*acknowledged_event=*/true).ok());
  EXPECT_THAT(rules(), ElementsAre("rule.second"));
  EXPECT_EQ(*store().ReviewDueCases(now + absl::Hours(1), 10, reviewing_to(second)), 0);

  // The PRU acknowledges: the case is due at once. Its review decides the
  // schedule stored before, which is written, deadline and all: the case is
  // not due again until then.
  EXPECT_THAT(ClaimAndAcknowledgeAll(store(), "pru"), SizeIs(3));
  const absl::Time after_ack = absl::Now() + absl::Seconds(1);
  EXPECT_EQ(*store().ReviewDueCases(after_ack, 10, reviewing_to(second)), 1);
  EXPECT_EQ(*store().ReviewDueCases(after_ack, 10, reviewing_to(second)), 0);
  EXPECT_THAT(rules(), ElementsAre("rule.second"));
  EXPECT_EQ(*store().ReviewDueCases(now + absl::Hours(3), 10, reviewing_to(CaseSchedule())), 1);
  EXPECT_THAT(rules(), IsEmpty());
}

// A schedule is stored as a difference (only the actions no longer open are
// deleted): what is stored after it is still exactly the new schedule, for
// actions kept, kept with a new owner, moved to another time, or gone, on
// two cases rewritten in one group.
TEST_P(StoreConformanceTest, ARewrittenScheduleIsStoredExactlyOnEachCaseOfAGroup) {
  RegisterSenderAndPru();
  const absl::Time now = NowInSeconds();
  const absl::Time t1 = now + absl::Hours(1), t2 = now + absl::Hours(2), t3 = now + absl::Hours(3);
  const std::string a = OpenCase(
      "open-a", ScheduleOf({ActionDue("kept", t1, "pru"), ActionDue("new-owner", t1, "pru"),
                            ActionDue("moved", t1, "pru"), ActionDue("gone", t1, "pru")}));
  const std::string b = OpenCase("open-b", ScheduleOf({ActionDue("kept", t1, "pru"), ActionDue("gone", t2, "pru")}));
  ASSERT_FALSE(a.empty());
  ASSERT_FALSE(b.empty());

  const CaseSchedule a_next = ScheduleOf({ActionDue("kept", t1, "pru"), ActionDue("new-owner", t1, "sender"),
                                          ActionDue("moved", t3, "pru"), ActionDue("added", t2, "")});
  const CaseSchedule b_next = ScheduleOf({ActionDue("kept", t1, "pru")});
  auto routed_to = [](const CaseSchedule& schedule) -> RouteFn {
    return [schedule](const CaseView*, const RepliedMessage*) -> absl::StatusOr<Routing> {
      Routing routing;
      routing.recipients = {"pru"};
      routing.schedule = schedule;
      return routing;
    };
  };
  Submission on_a = ReportSubmission("on-a"), on_b = ReportSubmission("on-b");
  on_a.case_id = a;
  on_b.case_id = b;
  const RouteFn to_a = routed_to(a_next), to_b = routed_to(b_next);
  std::vector<absl::StatusOr<Accepted>> results = store().AcceptAll({{&on_a, &to_a}, {&on_b, &to_b}});
  ASSERT_THAT(results, SizeIs(2));
  for (const auto& result : results) ASSERT_TRUE(result.ok()) << result.status();

  absl::StatusOr<ActionPage> page = store().ListOpenActions(OpenActionFilter(), 20, "");
  ASSERT_TRUE(page.ok()) << page.status();
  std::vector<std::string> stored;
  for (const auto& [case_id, stored_action] : page->actions) {
    stored.push_back(absl::StrCat(case_id == a ? "a " : case_id == b ? "b " : "? ", stored_action.rule_id, " +",
                                  absl::ToInt64Hours(stored_action.due_at - now), "h ",
                                  stored_action.owner_agency_id.empty() ? "-" : stored_action.owner_agency_id));
  }
  EXPECT_THAT(stored, UnorderedElementsAre("a kept +1h pru", "a new-owner +1h sender", "a moved +3h pru",
                                           "a added +2h -", "b kept +1h pru"));
}

// Open actions, earliest due first, by page; by owner; before a time.
// The overdue actions counted by owner, with each owner's earliest: what the
// e-mail alerts read, bounded by the owners whatever the number of actions.
TEST_P(StoreConformanceTest, OverdueActionsAreCountedByOwnerWithEachOwnersEarliest) {
  RegisterSenderAndPru();
  const absl::Time now = NowInSeconds();
  auto action = [&](const std::string& rule, const std::string& owner, v1::PractitionerRole role,
                    absl::Duration due_in) {
    return ActionDue(rule, now + due_in, owner, role, v1::RISK_ASSESSMENT_REVIEW);
  };
  const v1::PractitionerRole sw = v1::PRACTITIONER_ROLE_SOCIAL_WORKER;
  OpenCasesWithActions({
      {action("rule.a", "pru", sw, -absl::Hours(3)), action("rule.b", "pru", sw, -absl::Hours(1)),
       action("rule.later", "pru", sw, absl::Hours(1))},  // not overdue: not counted
      {action("rule.c", "pru", sw, -absl::Hours(2)), action("rule.d", "", v1::PRACTITIONER_ROLE_DUTY_CPM, -absl::Hours(1)),
       action("rule.e", "pru", v1::PRACTITIONER_ROLE_DUTY_CPM, -absl::Hours(1))},
  });
  absl::StatusOr<std::vector<OverdueByOwner>> owners = store().OverdueActionsByOwner(now, 2);
  ASSERT_TRUE(owners.ok()) << owners.status();
  std::map<std::pair<std::string, v1::PractitionerRole>, const OverdueByOwner*> by_owner;
  for (const OverdueByOwner& o : *owners) by_owner[{o.owner_agency_id, o.owner_role}] = &o;
  ASSERT_EQ(by_owner.size(), 3u);
  const OverdueByOwner* pru_sw = by_owner[{"pru", sw}];
  ASSERT_NE(pru_sw, nullptr);
  EXPECT_EQ(pru_sw->overdue, 3);
  ASSERT_EQ(pru_sw->earliest.size(), 2u);  // the earliest two of three
  EXPECT_EQ(pru_sw->earliest[0].second.rule_id, "rule.a");
  EXPECT_EQ(pru_sw->earliest[1].second.rule_id, "rule.c");
  EXPECT_EQ(pru_sw->earliest[0].second.due_at, now - absl::Hours(3));
  const OverdueByOwner* no_agency = by_owner[{"", v1::PRACTITIONER_ROLE_DUTY_CPM}];
  ASSERT_NE(no_agency, nullptr);
  EXPECT_EQ(no_agency->overdue, 1);
  ASSERT_EQ(no_agency->earliest.size(), 1u);
  EXPECT_EQ(no_agency->earliest[0].second.rule_id, "rule.d");
  const OverdueByOwner* pru_cpm = by_owner[{"pru", v1::PRACTITIONER_ROLE_DUTY_CPM}];
  ASSERT_NE(pru_cpm, nullptr);
  EXPECT_EQ(pru_cpm->overdue, 1);
}

TEST_P(StoreConformanceTest, OpenActionsAreListedEarliestFirstByPage) {
  RegisterSenderAndPru();
  const absl::Time now = NowInSeconds();
  auto action = [&](const std::string& rule, const std::string& owner, absl::Duration due_in) {
    OpenAction a =
        ActionDue(rule, now + due_in, owner, v1::PRACTITIONER_ROLE_SOCIAL_WORKER, v1::RISK_ASSESSMENT_REVIEW);
    a.due_date = absl::StrCat("2030-01-0", absl::ToInt64Hours(due_in));  // each its own, to be read back
    return a;
  };
  const std::vector<std::vector<OpenAction>> schedules = {
      {action("rule.one", "pru", absl::Hours(1)), action("rule.two", "sender", absl::Hours(3))},
      {action("rule.three", "pru", absl::Hours(2)), action("rule.four", "", absl::Hours(4))},
  };
  OpenCasesWithActions(schedules);
  auto rules = [](const ActionPage& page) {
    std::vector<std::string> ids;
    for (const auto& entry : page.actions) ids.push_back(entry.second.rule_id);
    return ids;
  };

  absl::StatusOr<ActionPage> all = store().ListOpenActions(OpenActionFilter(), 10, "");
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_THAT(rules(*all), ElementsAre("rule.one", "rule.three", "rule.two", "rule.four"));
  EXPECT_EQ(all->next_page_token, "");
  // Every field as the schedule wrote it.
  const OpenAction& first = all->actions[0].second;
  EXPECT_EQ(first.kind, v1::RISK_ASSESSMENT_REVIEW);
  EXPECT_EQ(first.owner, v1::PRACTITIONER_ROLE_SOCIAL_WORKER);
  EXPECT_EQ(first.owner_agency_id, "pru");
  EXPECT_EQ(first.due_at, now + absl::Hours(1));
  EXPECT_EQ(first.due_date, "2030-01-01");
  EXPECT_EQ(all->actions[3].second.owner_agency_id, "");
  EXPECT_EQ(all->actions[0].first, all->actions[2].first);  // one case's
  EXPECT_NE(all->actions[0].first, all->actions[1].first);

  // Page by page, the same, in pages of three and then of one.
  absl::StatusOr<ActionPage> page = store().ListOpenActions(OpenActionFilter(), 3, "");
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_THAT(rules(*page), ElementsAre("rule.one", "rule.three", "rule.two"));
  ASSERT_NE(page->next_page_token, "");
  page = store().ListOpenActions(OpenActionFilter(), 3, page->next_page_token);
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_THAT(rules(*page), ElementsAre("rule.four"));
  EXPECT_EQ(page->next_page_token, "");
  std::vector<std::string> one_by_one;
  std::string token;
  for (int pages = 0; pages < 10; ++pages) {
    page = store().ListOpenActions(OpenActionFilter(), 1, token);
    ASSERT_TRUE(page.ok()) << page.status();
    for (const std::string& rule : rules(*page)) one_by_one.push_back(rule);
    token = page->next_page_token;
    if (token.empty()) break;
  }
  EXPECT_THAT(one_by_one, ElementsAre("rule.one", "rule.three", "rule.two", "rule.four"));

  // One owner's; those due before a time.
  EXPECT_THAT(rules(*store().ListOpenActions(OwnedBy("pru"), 10, "")),
              ElementsAre("rule.one", "rule.three"));
  EXPECT_THAT(rules(*store().ListOpenActions(OwnedBy("sender"), 10, "")), ElementsAre("rule.two"));
  EXPECT_THAT(rules(*store().ListOpenActions(DueBefore(now + absl::Minutes(150)), 10, "")),
              ElementsAre("rule.one", "rule.three"));
  EXPECT_THAT(rules(*store().ListOpenActions(DueBefore(now), 10, "")), IsEmpty());
}

// Each action's chair comes back as written (none where it has none); the
// owner's role filters, alone, with the team, with a due time, by page.
TEST_P(StoreConformanceTest, OpenActionsKeepTheirChairAndAreFilteredByTheOwnersRole) {
  RegisterSenderAndPru();
  const absl::Time now = NowInSeconds();
  auto action = [&](const std::string& rule, const std::string& agency, absl::Duration due_in,
                    v1::PractitionerRole owner, v1::PractitionerRole chair) {
    OpenAction a = ActionDue(rule, now + due_in, agency, owner, v1::CRE_MEETING);
    a.chair = chair;
    return a;
  };
  const std::vector<std::vector<OpenAction>> schedules = {
      {action("rule.one", "pru", absl::Hours(1), v1::PRACTITIONER_ROLE_SOCIAL_WORKER, v1::PRACTITIONER_ROLE_CPM),
       action("rule.two", "sender", absl::Hours(3), v1::PRACTITIONER_ROLE_SOCIAL_WORKER,
              v1::PRACTITIONER_ROLE_UNSPECIFIED)},
      {action("rule.three", "pru", absl::Hours(2), v1::PRACTITIONER_ROLE_IRO, v1::PRACTITIONER_ROLE_IRO),
       action("rule.four", "", absl::Hours(4), v1::PRACTITIONER_ROLE_CPM, v1::PRACTITIONER_ROLE_UNSPECIFIED),
       action("rule.five", "pru", absl::Hours(5), v1::PRACTITIONER_ROLE_SOCIAL_WORKER,
              v1::PRACTITIONER_ROLE_TEAM_MANAGER)},
  };
  OpenCasesWithActions(schedules);
  auto rules = [](const absl::StatusOr<ActionPage>& page) {
    std::vector<std::string> ids;
    EXPECT_TRUE(page.ok()) << page.status();
    if (!page.ok()) return ids;
    for (const auto& entry : page->actions) ids.push_back(entry.second.rule_id);
    return ids;
  };

  absl::StatusOr<ActionPage> all = store().ListOpenActions(OpenActionFilter(), 10, "");
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_THAT(rules(all), ElementsAre("rule.one", "rule.three", "rule.two", "rule.four", "rule.five"));
  std::vector<v1::PractitionerRole> chairs;
  for (const auto& entry : all->actions) chairs.push_back(entry.second.chair);
  EXPECT_THAT(chairs, ElementsAre(v1::PRACTITIONER_ROLE_CPM, v1::PRACTITIONER_ROLE_IRO,
                                  v1::PRACTITIONER_ROLE_UNSPECIFIED, v1::PRACTITIONER_ROLE_UNSPECIFIED,
                                  v1::PRACTITIONER_ROLE_TEAM_MANAGER));
  EXPECT_EQ(all->actions[1].second.owner, v1::PRACTITIONER_ROLE_IRO);

  // By the owner's role alone, earliest first; a role nobody has: none.
  EXPECT_THAT(rules(store().ListOpenActions(OwnedByRole(v1::PRACTITIONER_ROLE_SOCIAL_WORKER), 10, "")),
              ElementsAre("rule.one", "rule.two", "rule.five"));
  EXPECT_THAT(rules(store().ListOpenActions(OwnedByRole(v1::PRACTITIONER_ROLE_IRO), 10, "")),
              ElementsAre("rule.three"));
  EXPECT_THAT(rules(store().ListOpenActions(OwnedByRole(v1::PRACTITIONER_ROLE_CPM), 10, "")),
              ElementsAre("rule.four"));
  EXPECT_THAT(rules(store().ListOpenActions(OwnedByRole(v1::PRACTITIONER_ROLE_DUTY_CPM), 10, "")), IsEmpty());
  // With the team, and with a due time.
  EXPECT_THAT(rules(store().ListOpenActions(OwnedBy("pru", v1::PRACTITIONER_ROLE_SOCIAL_WORKER), 10, "")),
              ElementsAre("rule.one", "rule.five"));
  EXPECT_THAT(rules(store().ListOpenActions(OwnedBy("sender", v1::PRACTITIONER_ROLE_IRO), 10, "")), IsEmpty());
  OpenActionFilter soon = OwnedByRole(v1::PRACTITIONER_ROLE_SOCIAL_WORKER);
  soon.due_before = now + absl::Minutes(150);
  EXPECT_THAT(rules(store().ListOpenActions(soon, 10, "")), ElementsAre("rule.one"));

  // Page by page, one at a time: the role's actions, each once, in order.
  std::vector<std::string> one_by_one;
  std::string token;
  for (int pages = 0; pages < 10; ++pages) {
    absl::StatusOr<ActionPage> page =
        store().ListOpenActions(OwnedByRole(v1::PRACTITIONER_ROLE_SOCIAL_WORKER), 1, token);
    for (const std::string& rule : rules(page)) one_by_one.push_back(rule);
    if (!page.ok()) break;
    token = page->next_page_token;
    if (token.empty()) break;
  }
  EXPECT_THAT(one_by_one, ElementsAre("rule.one", "rule.two", "rule.five"));
}

// --- The audit chain ------------------------------------------------------

TEST_P(StoreConformanceTest, RecordedAuditIsSealedIntoAChainAndReadBack) {
  absl::StatusOr<audit::Anchor> head = store().AuditHead();
  ASSERT_TRUE(head.ok()) << head.status();
  EXPECT_EQ(head->seq, 0);
  EXPECT_EQ(head->hash, audit::kGenesisHash);
  EXPECT_EQ(*store().SealAudit(10), 0);

  std::vector<v1::AuditRecord> records(3);
  for (size_t i = 0; i < records.size(); ++i) {
    records[i].set_kind(v1::AUDIT_EVENT_KIND_CALL_REFUSED);
    records[i].set_actor_agency_id("outsider");
    records[i].set_method("/cre.v1.Referrals/GetCase");
    records[i].set_status_code("PERMISSION_DENIED");
    records[i].set_detail(absl::StrCat("refusal ", i));
  }
  ASSERT_TRUE(store().RecordAudit(records).ok());
  EXPECT_EQ(*store().UnsealedAuditCount(), 3);
  EXPECT_EQ(store().AuditHead()->seq, 0);  // journalled, not sealed

  EXPECT_EQ(*store().SealAudit(10), 3);
  EXPECT_EQ(*store().UnsealedAuditCount(), 0);
  absl::StatusOr<std::vector<audit::StoredRow>> rows = store().ReadAudit(1, 10);
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_THAT(*rows, SizeIs(3));
  audit::ChainVerifier verifier;
  for (size_t i = 0; i < rows->size(); ++i) {
    const audit::StoredRow& row = (*rows)[i];
    EXPECT_EQ(row.seq, static_cast<int64_t>(i + 1));
    ASSERT_TRUE(verifier.Add(row).ok()) << row.seq;
    v1::AuditRecord record;
    ASSERT_TRUE(record.ParseFromString(row.record_bytes));
    EXPECT_EQ(record.seq(), row.seq);
    EXPECT_EQ(record.kind(), v1::AUDIT_EVENT_KIND_CALL_REFUSED);
    EXPECT_EQ(record.detail(), absl::StrCat("refusal ", i));  // in the order recorded
  }
  EXPECT_TRUE(verifier.Finish().ok());
  EXPECT_EQ((*rows)[0].prev_hash, audit::kGenesisHash);
  head = store().AuditHead();
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->seq, 3);
  EXPECT_EQ(head->hash, (*rows)[2].row_hash);
  // A window of the chain, as stored.
  absl::StatusOr<std::vector<audit::StoredRow>> second = store().ReadAudit(2, 1);
  ASSERT_TRUE(second.ok());
  ASSERT_THAT(*second, SizeIs(1));
  EXPECT_EQ((*second)[0].seq, 2);
  EXPECT_EQ((*second)[0].row_hash, (*rows)[1].row_hash);
  EXPECT_THAT(*store().ReadAudit(4, 10), IsEmpty());

  // What the store does journals its own records, chained after these.
  RegisterSenderAndPru();
  SubmitReport("a");
  std::vector<v1::AuditRecord> chain = SealAndReadChain();
  ASSERT_THAT(chain, SizeIs(4));
  EXPECT_EQ(chain[3].kind(), v1::AUDIT_EVENT_KIND_MESSAGE_ACCEPTED);
  EXPECT_EQ(store().AuditHead()->seq, 4);
}

// Four writers journal while a sealer in each of two processes seals: one
// record per acceptance, each sealed once, in one unbroken chain.
TEST_P(StoreConformanceTest, JournalledRecordsAreSealedOnceIntoOneChainWhileOthersJournal) {
  RegisterSenderAndPru();
  constexpr int kWriters = 4, kReportsEach = 25;
  std::unique_ptr<Store> other = OpenAnother();
  std::atomic<bool> writing{true};
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      for (int i = 0; i < kReportsEach; ++i) SubmitReport(absl::StrCat("w", w, "-", i), w % 2 ? other.get() : nullptr);
    });
  }
  std::vector<std::thread> sealers;
  for (int s = 0; s < 2; ++s) {
    Store& on = s == 0 ? store() : *other;
    sealers.emplace_back([&] {
      while (writing) on.SealAudit(7).IgnoreError();
    });
  }
  for (std::thread& t : threads) t.join();
  writing = false;
  for (std::thread& t : sealers) t.join();
  // On a cluster, what the other process journalled through its node may
  // reach this one a moment after its commit (Galera applies a writeset
  // asynchronously on the other nodes), and a row its applier still holds
  // is skipped (SKIP LOCKED): seal again, as the hub's sealer does every
  // round, until nothing is left or five seconds have passed.
  const absl::Time give_up = absl::Now() + absl::Seconds(5);
  while (*store().UnsealedAuditCount() > 0 && absl::Now() < give_up) {
    if (*store().SealAudit(1000) == 0) absl::SleepFor(absl::Milliseconds(20));
  }
  EXPECT_EQ(*store().UnsealedAuditCount(), 0);

  absl::StatusOr<std::vector<audit::StoredRow>> rows = store().ReadAudit(1, 1000);
  ASSERT_TRUE(rows.ok());
  EXPECT_THAT(*rows, SizeIs(kWriters * kReportsEach));
  audit::ChainVerifier verifier;
  std::set<std::string> messages;
  for (const audit::StoredRow& row : *rows) {
    ASSERT_TRUE(verifier.Add(row).ok()) << row.seq;
    v1::AuditRecord record;
    ASSERT_TRUE(record.ParseFromString(row.record_bytes));
    EXPECT_TRUE(messages.insert(record.message_id()).second) << "sealed twice: " << record.message_id();
  }
  EXPECT_TRUE(verifier.Finish().ok());
}

// --- Metrics ----------------------------------------------------------------

// Open actions per owner agency, and those of them overdue at the time
// asked about; none at all: an empty list.
TEST_P(StoreConformanceTest, OpenActionsAreCountedByOwnerWithThoseOverdue) {
  RegisterSenderAndPru();
  absl::StatusOr<std::vector<OpenActionCount>> none = store().CountOpenActions(absl::Now());
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_THAT(*none, IsEmpty());

  const absl::Time now = NowInSeconds();
  auto action = [&](const std::string& rule, const std::string& owner, absl::Duration due_in) {
    return ActionDue(rule, now + due_in, owner, v1::PRACTITIONER_ROLE_SOCIAL_WORKER, v1::RISK_ASSESSMENT_REVIEW);
  };
  OpenCasesWithActions({
      {action("rule.one", "pru", -absl::Hours(1)), action("rule.two", "sender", absl::Hours(3))},
      {action("rule.three", "pru", absl::Hours(2)), action("rule.four", "", -absl::Hours(4))},
  });
  absl::StatusOr<std::vector<OpenActionCount>> counts = store().CountOpenActions(now);
  ASSERT_TRUE(counts.ok()) << counts.status();
  std::vector<std::string> rows;
  for (const OpenActionCount& c : *counts) rows.push_back(absl::StrCat(c.owner_agency_id, ":", c.open, "/", c.overdue));
  EXPECT_THAT(rows, ElementsAre(":1/1", "pru:2/1", "sender:1/0"));
  // Later, more are overdue.
  counts = store().CountOpenActions(now + absl::Hours(5));
  ASSERT_TRUE(counts.ok()) << counts.status();
  rows.clear();
  for (const OpenActionCount& c : *counts) rows.push_back(absl::StrCat(c.owner_agency_id, ":", c.open, "/", c.overdue));
  EXPECT_THAT(rows, ElementsAre(":1/1", "pru:2/2", "sender:1/1"));
}

}  // namespace cre::testing
