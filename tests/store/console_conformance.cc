// The store conformance suite (store_conformance.h), continued: what the
// console needs of a store: the staff who sign in and their sessions, who
// has read a case, and the last verification of the audit chain.
#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "store/store_conformance.h"

namespace cre::testing {
namespace {

using ::testing::HasSubstr;

v1::StaffMember Member(const std::string& username, const std::string& agency_id = "cpm") {
  v1::StaffMember member;
  member.set_username(username);
  member.set_display_name("Staff " + username);
  member.set_agency_id(agency_id);
  member.set_role(v1::STAFF_ROLE_CPM);
  return member;
}

v1::AuditRecord Changed(const std::string& detail) {
  v1::AuditRecord record;
  record.set_kind(v1::AUDIT_EVENT_KIND_STAFF_CHANGED);
  record.set_actor_agency_id("operator");
  record.set_detail(detail);
  return record;
}

constexpr char kHash[] = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2g";
const absl::Time kNow = absl::FromUnixSeconds(1796000000);  // 2026-11-30

std::string Token(char c) { return std::string(32, c); }

TEST_P(StoreConformanceTest, StaffAreKeptWithTheirSecretsAndNamedWhenRefused) {
  ASSERT_TRUE(store().SyncAgencies({MakeAgency("cpm", v1::CPM_SERVICE)}).ok());
  const absl::StatusOr<int64_t> journal_before = store().UnsealedAuditCount();
  ASSERT_TRUE(journal_before.ok());
  ASSERT_TRUE(store().AddStaff(Member("a.khan"), kHash, "secret-bytes-\x01\xff", kNow, Changed("added")).ok());

  absl::StatusOr<StaffAccount> found = store().FindStaff("a.khan");
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(found->member.display_name(), "Staff a.khan");
  EXPECT_EQ(found->member.agency_id(), "cpm");
  EXPECT_EQ(found->member.role(), v1::STAFF_ROLE_CPM);
  EXPECT_FALSE(found->member.disabled());
  EXPECT_EQ(found->password_hash, kHash);
  EXPECT_EQ(found->totp_secret, "secret-bytes-\x01\xff");
  EXPECT_EQ(found->failed_attempts, 0);
  EXPECT_EQ(found->locked_until, absl::InfinitePast());
  EXPECT_EQ(*store().UnsealedAuditCount(), *journal_before + 1) << "the change is journalled with it";

  EXPECT_EQ(store().AddStaff(Member("a.khan"), kHash, "s", kNow, Changed("again")).code(),
            absl::StatusCode::kAlreadyExists);
  const absl::Status no_agency = store().AddStaff(Member("b.lee", "nowhere"), kHash, "s", kNow, Changed("added"));
  EXPECT_EQ(no_agency.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(no_agency.message(), HasSubstr("agency_id"));
  EXPECT_EQ(store().FindStaff("b.lee").status().code(), absl::StatusCode::kNotFound);

  absl::StatusOr<std::vector<v1::StaffMember>> listed = store().ListStaff();
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ(listed->front().username(), "a.khan");
}

TEST_P(StoreConformanceTest, FailuresCountUpAndASessionClearsThemAndUsesItsCodeOnce) {
  ASSERT_TRUE(store().SyncAgencies({MakeAgency("cpm", v1::CPM_SERVICE)}).ok());
  ASSERT_TRUE(store().AddStaff(Member("a.khan"), kHash, "s", kNow, Changed("added")).ok());
  v1::AuditRecord refused;
  refused.set_kind(v1::AUDIT_EVENT_KIND_STAFF_SIGN_IN_REFUSED);
  EXPECT_EQ(*store().RecordSignInFailure("a.khan", kNow, absl::InfinitePast(), refused), 1);
  EXPECT_EQ(*store().RecordSignInFailure("a.khan", kNow + absl::Seconds(1), kNow + absl::Minutes(30), refused), 2);
  absl::StatusOr<StaffAccount> failed = store().FindStaff("a.khan");
  ASSERT_TRUE(failed.ok());
  EXPECT_EQ(failed->failed_attempts, 2);
  EXPECT_EQ(failed->last_failure, kNow + absl::Seconds(1));
  EXPECT_EQ(failed->locked_until, kNow + absl::Minutes(30));
  EXPECT_EQ(store().RecordSignInFailure("nobody", kNow, absl::InfinitePast(), refused).status().code(),
            absl::StatusCode::kNotFound);

  v1::AuditRecord signed_in;
  signed_in.set_kind(v1::AUDIT_EVENT_KIND_STAFF_SIGNED_IN);
  ASSERT_TRUE(store().StartSession("a.khan", 100, Token('a'), kNow, kNow + absl::Hours(12), signed_in).ok());
  absl::StatusOr<StaffAccount> cleared = store().FindStaff("a.khan");
  EXPECT_EQ(cleared->failed_attempts, 0);
  EXPECT_EQ(cleared->locked_until, absl::InfinitePast());
  EXPECT_EQ(cleared->totp_last_step, 100);

  // The same code (step) again, from another hub process: refused.
  std::unique_ptr<Store> other = OpenAnother();
  EXPECT_EQ(other->StartSession("a.khan", 100, Token('b'), kNow, kNow + absl::Hours(12), signed_in).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(other->FindSession(Token('b')).status().code(), absl::StatusCode::kNotFound);

  // The session, as any process finds it.
  absl::StatusOr<StaffSession> session = other->FindSession(Token('a'));
  ASSERT_TRUE(session.ok()) << session.status();
  EXPECT_EQ(session->member.username(), "a.khan");
  EXPECT_EQ(session->created_at, kNow);
  EXPECT_EQ(session->last_seen_at, kNow);
  EXPECT_EQ(session->expires_at, kNow + absl::Hours(12));
  ASSERT_TRUE(other->TouchSession(Token('a'), kNow + absl::Minutes(5)).ok());
  ASSERT_TRUE(store().TouchSession(Token('a'), kNow + absl::Minutes(4)).ok());  // late: no step back
  EXPECT_EQ(store().FindSession(Token('a'))->last_seen_at, kNow + absl::Minutes(5));

  v1::AuditRecord signed_out;
  signed_out.set_kind(v1::AUDIT_EVENT_KIND_STAFF_SIGNED_OUT);
  ASSERT_TRUE(store().EndSession(Token('a'), signed_out).ok());
  AwaitReplication();
  EXPECT_EQ(other->FindSession(Token('a')).status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(store().EndSession(Token('a'), signed_out).ok()) << "ending an ended session is harmless";
}

TEST_P(StoreConformanceTest, DisablingOrResettingAMemberOfStaffEndsTheirSessions) {
  ASSERT_TRUE(store().SyncAgencies({MakeAgency("cpm", v1::CPM_SERVICE)}).ok());
  ASSERT_TRUE(store().AddStaff(Member("a.khan"), kHash, "old", kNow, Changed("added")).ok());
  v1::AuditRecord signed_in;
  signed_in.set_kind(v1::AUDIT_EVENT_KIND_STAFF_SIGNED_IN);
  ASSERT_TRUE(store().StartSession("a.khan", 1, Token('a'), kNow, kNow + absl::Hours(1), signed_in).ok());

  ASSERT_TRUE(store().SetStaffDisabled("a.khan", true, kNow, Changed("disabled")).ok());
  EXPECT_TRUE(store().FindStaff("a.khan")->member.disabled());
  EXPECT_EQ(store().FindSession(Token('a')).status().code(), absl::StatusCode::kNotFound);
  ASSERT_TRUE(store().SetStaffDisabled("a.khan", false, kNow, Changed("enabled")).ok());
  EXPECT_FALSE(store().FindStaff("a.khan")->member.disabled());

  ASSERT_TRUE(store().StartSession("a.khan", 2, Token('b'), kNow, kNow + absl::Hours(1), signed_in).ok());
  ASSERT_TRUE(store().RecordSignInFailure("a.khan", kNow, kNow + absl::Hours(1), Changed("failed")).ok());
  ASSERT_TRUE(store().ResetStaffPassword("a.khan", "new-hash", Changed("password reset")).ok());
  absl::StatusOr<StaffAccount> reset = store().FindStaff("a.khan");
  EXPECT_EQ(reset->password_hash, "new-hash");
  EXPECT_EQ(reset->failed_attempts, 0);
  EXPECT_EQ(reset->locked_until, absl::InfinitePast());
  EXPECT_EQ(store().FindSession(Token('b')).status().code(), absl::StatusCode::kNotFound);

  ASSERT_TRUE(store().StartSession("a.khan", 3, Token('c'), kNow, kNow + absl::Hours(1), signed_in).ok());
  ASSERT_TRUE(store().ResetStaffTotp("a.khan", "new-secret", Changed("totp reset")).ok());
  reset = store().FindStaff("a.khan");
  EXPECT_EQ(reset->totp_secret, "new-secret");
  EXPECT_EQ(reset->totp_last_step, 0) << "the new secret's codes start afresh";
  EXPECT_EQ(store().FindSession(Token('c')).status().code(), absl::StatusCode::kNotFound);

  EXPECT_EQ(store().SetStaffDisabled("nobody", true, kNow, Changed("x")).code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store().ResetStaffPassword("nobody", "h", Changed("x")).code(), absl::StatusCode::kNotFound);
}

// The Case page's "who has read it": one entry per reader (an agency's own
// system, or a member of staff), with how often and when last.
TEST_P(StoreConformanceTest, ACaseSaysWhoHasReadItAndHowOften) {
  RegisterSenderAndPru();
  v1::NewChild child = ExampleChild();
  absl::StatusOr<Accepted> opened = Report("open", nullptr, "", &child);
  ASSERT_TRUE(opened.ok()) << opened.status();
  const std::string case_id = opened->receipt.case_id();
  ASSERT_TRUE(store().ReadCase(case_id, "pru", "").ok());
  // A first read lists its reader with it: who, once, first and last now.
  absl::StatusOr<v1::GetCaseResponse> first = store().ReadCase(case_id, "sender", "a.khan");
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_EQ(first->readers_size(), 2);
  EXPECT_EQ(first->readers(0).agency_id(), "sender");
  EXPECT_EQ(first->readers(0).staff_id(), "a.khan");
  EXPECT_EQ(first->readers(0).reads(), 1);
  EXPECT_TRUE(first->readers(0).has_first_read_at());
  EXPECT_EQ(first->readers(0).first_read_at().DebugString(), first->readers(0).last_read_at().DebugString());
  absl::StatusOr<v1::GetCaseResponse> read = store().ReadCase(case_id, "sender", "a.khan");
  ASSERT_TRUE(read.ok()) << read.status();
  ASSERT_EQ(read->readers_size(), 2);
  EXPECT_EQ(read->readers(0).agency_id(), "sender") << "the latest first";
  EXPECT_EQ(read->readers(0).staff_id(), "a.khan");
  EXPECT_EQ(read->readers(0).reads(), 2);
  EXPECT_EQ(read->readers(1).agency_id(), "pru");
  EXPECT_EQ(read->readers(1).staff_id(), "");
  EXPECT_EQ(read->readers(1).reads(), 1);
  // The answer counts its own read as the row it wrote says, to the microsecond.
  absl::StatusOr<v1::GetCaseResponse> again = store().ReadCase(case_id, "pru", "");
  ASSERT_TRUE(again.ok()) << again.status();
  ASSERT_EQ(again->readers_size(), 2);
  EXPECT_EQ(again->readers(0).agency_id(), "pru");
  EXPECT_EQ(again->readers(0).reads(), 2);
  EXPECT_EQ(again->readers(1).DebugString(), read->readers(0).DebugString());
  EXPECT_EQ(store().ReadCase(case_id, "nobody", "x").status(), NoSuchCase(case_id)) << "a refused read is no read";
}

// The console's Record page: the last verification of the chain, one for
// every process, replaced by the next.
TEST_P(StoreConformanceTest, TheLastAuditVerificationIsKeptAndReplaced) {
  absl::StatusOr<absl::optional<AuditVerification>> none = store().LastAuditVerification();
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_FALSE(none->has_value());
  AuditVerification first;
  first.verified_up_to = 12;
  first.head_hash = std::string(64, 'a');
  first.verified_at = kNow;
  first.intact = true;
  first.verified_by = "o.ops";
  ASSERT_TRUE(store().RecordAuditVerification(first).ok());
  AuditVerification second = first;
  second.verified_up_to = 7;
  second.intact = false;
  second.problem = "row 8 does not link to row 7";
  second.verified_at = kNow + absl::Minutes(1);
  ASSERT_TRUE(OpenAnother()->RecordAuditVerification(second).ok());
  AwaitReplication();
  absl::StatusOr<absl::optional<AuditVerification>> last = store().LastAuditVerification();
  ASSERT_TRUE(last.ok() && last->has_value());
  EXPECT_EQ((*last)->verified_up_to, 7);
  EXPECT_FALSE((*last)->intact);
  EXPECT_EQ((*last)->problem, "row 8 does not link to row 7");
  EXPECT_EQ((*last)->verified_at, kNow + absl::Minutes(1));
  EXPECT_EQ((*last)->verified_by, "o.ops");
}

// The Deliveries page: what each hub process reports of the agencies it
// sees, added up per agency beside what waits for them.
TEST_P(StoreConformanceTest, PresenceReportsAreAddedUpAndAProcessGoneStopsCountingItsStreams) {
  ASSERT_TRUE(store().SyncAgencies({MakeAgency("sender", v1::HEALTH), MakeAgency("pru", v1::POLICE_REFERRAL_UNIT),
                                    MakeAgency("iro", v1::IRO_SERVICE)})
                  .ok());
  SubmitReport("waiting");  // one delivery waits for the PRU
  auto seen = [](const std::string& agency_id, int streams, absl::Time last_seen) {
    AgencyPresence p;
    p.agency_id = agency_id;
    p.open_streams = streams;
    p.last_seen = last_seen;
    return p;
  };
  auto by_agency = [&]() {
    std::map<std::string, AgencyDeliveries> rows;
    absl::StatusOr<std::vector<AgencyDeliveries>> listed = store().DeliveriesByAgency();
    EXPECT_TRUE(listed.ok()) << listed.status();
    if (!listed.ok()) return rows;
    std::vector<std::string> order;
    for (const AgencyDeliveries& a : *listed) {
      order.push_back(a.agency_id);
      rows[a.agency_id] = a;
    }
    EXPECT_TRUE(std::is_sorted(order.begin(), order.end())) << "by agency id";
    return rows;
  };

  // Nobody reported yet: the PRU's delivery, never seen.
  std::map<std::string, AgencyDeliveries> rows = by_agency();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows["pru"].pending, 1);
  EXPECT_EQ(rows["pru"].open_streams, 0);
  EXPECT_EQ(rows["pru"].last_seen, absl::InfinitePast());

  // Two processes: the PRU's streams on both are added up; its last_seen is
  // the later; the IRO service, seen with nothing waiting, has a row too.
  const absl::Time t0 = absl::FromUnixSeconds(absl::ToUnixSeconds(absl::Now())) - absl::Minutes(10);
  ASSERT_TRUE(store().ReportPresence("hub-a", {seen("pru", 2, t0 + absl::Seconds(1)), seen("iro", 0, t0)},
                                     absl::Minutes(1))
                  .ok());
  ASSERT_TRUE(store().ReportPresence("hub-b", {seen("pru", 1, t0 + absl::Microseconds(2000001))}, absl::Minutes(1))
                  .ok());
  rows = by_agency();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows["pru"].pending, 1) << "what waits is kept beside the presence";
  EXPECT_EQ(rows["pru"].open_streams, 3);
  EXPECT_EQ(rows["pru"].last_seen, t0 + absl::Microseconds(2000001));
  EXPECT_EQ(rows["iro"].open_streams, 0);
  EXPECT_EQ(rows["iro"].last_seen, t0);
  EXPECT_EQ(rows["iro"].pending + rows["iro"].leased + rows["iro"].dead, 0);

  // A report replaces the process's count of streams, but never moves
  // last_seen back.
  ASSERT_TRUE(store().ReportPresence("hub-b", {seen("pru", 0, t0 - absl::Hours(1))}, absl::Minutes(1)).ok());
  rows = by_agency();
  EXPECT_EQ(rows["pru"].open_streams, 2);
  EXPECT_EQ(rows["pru"].last_seen, t0 + absl::Microseconds(2000001));

  // A process not heard from within its report's life (killed): its
  // streams no longer count, its last_seen still does, also once another
  // process's report has folded its rows away.
  ASSERT_TRUE(store().ReportPresence("hub-c", {seen("iro", 4, t0 + absl::Seconds(5))}, absl::Milliseconds(100)).ok());
  EXPECT_EQ(by_agency()["iro"].open_streams, 4);
  absl::SleepFor(absl::Milliseconds(300));
  rows = by_agency();
  EXPECT_EQ(rows["iro"].open_streams, 0);
  EXPECT_EQ(rows["iro"].last_seen, t0 + absl::Seconds(5));
  ASSERT_TRUE(store().ReportPresence("hub-a", {seen("pru", 2, t0 + absl::Seconds(1)), seen("iro", 0, t0)},
                                     absl::Minutes(1))
                  .ok());
  rows = by_agency();
  EXPECT_EQ(rows["iro"].open_streams, 0);
  EXPECT_EQ(rows["iro"].last_seen, t0 + absl::Seconds(5));
  EXPECT_EQ(rows["pru"].open_streams, 2);
  // Reporting again, it counts again.
  ASSERT_TRUE(store().ReportPresence("hub-c", {seen("iro", 1, t0 + absl::Seconds(6))}, absl::Minutes(1)).ok());
  EXPECT_EQ(by_agency()["iro"].open_streams, 1);

  // A process that stops: its streams stop counting at once; what it saw,
  // reported or seen since, is kept (its streams then do not count).
  ASSERT_TRUE(store().EndPresence("hub-a", {}).ok());
  ASSERT_TRUE(store().EndPresence("hub-c", {seen("iro", 3, t0 + absl::Seconds(7))}).ok());
  rows = by_agency();
  EXPECT_EQ(rows["pru"].open_streams, 0);
  EXPECT_EQ(rows["pru"].last_seen, t0 + absl::Microseconds(2000001));
  EXPECT_EQ(rows["iro"].open_streams, 0);
  EXPECT_EQ(rows["iro"].last_seen, t0 + absl::Seconds(7));
  EXPECT_TRUE(store().EndPresence("hub-a", {}).ok()) << "twice is harmless";
  EXPECT_EQ(by_agency().size(), 2u);

  // '' is not a process; nor is a report without a life.
  EXPECT_EQ(store().ReportPresence("", {seen("pru", 1, t0)}, absl::Minutes(1)).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store().ReportPresence("hub-d", {seen("pru", 1, t0)}, absl::ZeroDuration()).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(store().ReportPresence("hub-d", {}, absl::Minutes(1)).ok()) << "nothing seen yet";
}

}  // namespace
}  // namespace cre::testing
