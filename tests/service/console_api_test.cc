// Staff sign-in and sessions through the console API, on a real MariaDB
// store and a fake clock: a password and a TOTP code open a session, every
// refused attempt (an unknown username, a wrong password or code, an account
// backing off or locked) gets the same status and words and is recorded with
// its true reason, a code is good once, a session ends when idle or old, and
// the CSRF token is the session's.
#include "service/console_api.h"

#include <future>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/proto_time.h"
#include "cppconn/statement.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "staff/password_hash.h"
#include "staff/totp.h"
#include "store/mysql/connection_pool.h"
#include "store/mysql/mysql_store.h"
#include "support/audit_records.h"
#include "support/fake_clock.h"
#include "support/staff_accounts.h"
#include "support/test_database.h"
#include "support/test_environment.h"
#include "support/test_hub.h"

namespace cre {
namespace {

using ::testing::HasSubstr;

constexpr char kPassword[] = "correct horse battery staple";
// Every refusal of a sign-in, whatever the reason.
constexpr char kWrong[] =
    "the username, password or code is wrong, or the account must wait after failed attempts: up to 60 seconds, "
    "or 30 minutes after 10 failures in a row (an administrator lifts that lock with hubctl staff reset-password)";

class ConsoleApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config_ = testing::TestHubConfig(db_);
    config_.mutable_console()->set_session_idle_minutes(30);
    config_.mutable_console()->set_session_absolute_minutes(12 * 60);
    absl::StatusOr<AgencyRegistry> registry = AgencyRegistry::Create(config_.agency_registry());
    ASSERT_TRUE(registry.ok()) << registry.status();
    registry_ = std::make_shared<const AgencyRegistry>(*std::move(registry));
    store_ = std::make_shared<mysql::MysqlStore>(db_.settings(), 4, testing::TestCipher());
    ASSERT_TRUE(store_->SyncAgencies(registry_->agencies()).ok());
    absl::StatusOr<std::unique_ptr<ConsoleApi>> api =
        ConsoleApi::Create(config_, registry_, store_, clock_, [this](v1::AuditRecord record) {
          absl::MutexLock lock(&mu_);
          audit_.push_back(std::move(record));
        });
    ASSERT_TRUE(api.ok()) << api.status();
    api_ = *std::move(api);
    AddStaff("a.khan", "derby-cpm", v1::STAFF_ROLE_CPM);
  }

  void AddStaff(const std::string& username, const std::string& agency, v1::StaffRole role) {
    secrets_[username] = testing::AddTestStaff(*store_, username, agency, role, kPassword, clock_.Now());
  }

  std::string CodeNow(const std::string& username) { return staff::TotpCode(secrets_[username], clock_.Now()); }

  absl::StatusOr<SignedIn> SignIn(const std::string& username, const std::string& password, const std::string& code,
                                  const std::string& peer = "ipv4:127.0.0.1:1") {
    v1::SignInRequest request;
    request.set_username(username);
    request.set_password(password);
    request.set_code(code);
    std::promise<absl::StatusOr<SignedIn>> answered;
    api_->SignIn(request, peer, [&answered](absl::StatusOr<SignedIn> result) { answered.set_value(std::move(result)); });
    return answered.get_future().get();
  }

  absl::StatusOr<StaffCall> Authenticate(const std::string& token) {
    std::promise<absl::StatusOr<StaffCall>> answered;
    api_->Authenticate(token, "ipv4:127.0.0.1:1",
                       [&answered](absl::StatusOr<StaffCall> result) { answered.set_value(std::move(result)); });
    return answered.get_future().get();
  }

  // The STAFF_SIGN_IN_REFUSED records in the store's audit chain, in order.
  std::vector<v1::AuditRecord> SignInRefusals() {
    EXPECT_TRUE(store_->SealAudit(100000).ok());
    return testing::SealedRecordsOfKind(*store_, v1::AUDIT_EVENT_KIND_STAFF_SIGN_IN_REFUSED);
  }

  std::vector<v1::AuditRecord> TakeAudit() {
    absl::MutexLock lock(&mu_);
    return std::move(audit_);
  }

  testing::TestDatabase db_;
  testing::FakeClock clock_;
  v1::HubConfig config_;
  std::shared_ptr<const AgencyRegistry> registry_;
  std::shared_ptr<Store> store_;
  std::unique_ptr<ConsoleApi> api_;
  std::map<std::string, std::string> secrets_;
  absl::Mutex mu_;
  std::vector<v1::AuditRecord> audit_;
};

TEST_F(ConsoleApiTest, APasswordAndACodeOpenASessionThatActsForTheAgency) {
  absl::StatusOr<SignedIn> signed_in = SignIn("a.khan", kPassword, CodeNow("a.khan"));
  ASSERT_TRUE(signed_in.ok()) << signed_in.status();
  EXPECT_EQ(signed_in->session_token.size(), 43u);
  EXPECT_EQ(signed_in->cookie_max_age, absl::Hours(12));
  EXPECT_EQ(signed_in->session.staff().username(), "a.khan");
  EXPECT_FALSE(signed_in->session.csrf_token().empty());

  absl::StatusOr<StaffCall> call = Authenticate(signed_in->session_token);
  ASSERT_TRUE(call.ok()) << call.status();
  EXPECT_EQ(call->call.caller.id(), "derby-cpm");
  EXPECT_EQ(call->call.caller.role(), v1::CPM_SERVICE);
  EXPECT_EQ(call->call.staff_id, "a.khan");
  EXPECT_TRUE(api_->CheckCsrf(*call, signed_in->session.csrf_token()).ok());
  EXPECT_EQ(api_->CheckCsrf(*call, "forged").code(), absl::StatusCode::kPermissionDenied);

  // Another session's CSRF token is not this one's.
  clock_.Advance(absl::Seconds(30));
  absl::StatusOr<SignedIn> second = SignIn("a.khan", kPassword, CodeNow("a.khan"));
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(api_->CheckCsrf(*call, second->session.csrf_token()).code(), absl::StatusCode::kPermissionDenied);

  EXPECT_EQ(Authenticate("not-a-token").status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(Authenticate(std::string(43, 'A')).status().code(), absl::StatusCode::kUnauthenticated);
}

TEST_F(ConsoleApiTest, EveryWrongSignInGetsTheSameWordsAndIsRecorded) {
  const std::string code = CodeNow("a.khan");
  for (const auto& [username, password, typed] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
           {"nobody", kPassword, code}, {"a.khan", "wrong password!", code}, {"a.khan", kPassword, "000000"}}) {
    absl::StatusOr<SignedIn> refused = SignIn(username, password, typed);
    EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnauthenticated) << username;
    EXPECT_EQ(refused.status().message(), kWrong) << username;
  }
  const std::vector<v1::AuditRecord> records = SignInRefusals();
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].staff_id(), "") << "a typed name that is no one's may be a password";
  EXPECT_THAT(records[0].detail(), HasSubstr("an unknown username"));
  EXPECT_EQ(records[1].staff_id(), "a.khan");
  EXPECT_THAT(records[1].detail(), HasSubstr("a wrong password"));
  EXPECT_THAT(records[2].detail(), HasSubstr("a wrong or used code"));
  EXPECT_EQ(store_->FindStaff("a.khan")->failed_attempts, 2);

  // A malformed request is named.
  EXPECT_THAT(SignIn("", kPassword, code).status().message(), HasSubstr("username: required"));
  EXPECT_THAT(SignIn("a.khan", "", code).status().message(), HasSubstr("password: required"));
}

TEST_F(ConsoleApiTest, ACodeIsGoodOnce) {
  const std::string code = CodeNow("a.khan");
  ASSERT_TRUE(SignIn("a.khan", kPassword, code).ok());
  absl::StatusOr<SignedIn> replayed = SignIn("a.khan", kPassword, code);
  EXPECT_EQ(replayed.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(replayed.status().message(), kWrong);
}

// From many addresses, so that the per-address limit is not what stops them.
TEST_F(ConsoleApiTest, FailuresBackOffThenLockTheAccount) {
  for (int i = 0; i < 10; ++i) {
    clock_.Advance(absl::Minutes(2));  // past each back-off
    EXPECT_EQ(SignIn("a.khan", "wrong password!", CodeNow("a.khan"), absl::StrCat("ipv4:10.0.0.", i, ":1"))
                  .status()
                  .message(),
              kWrong)
        << i;
  }
  clock_.Advance(absl::Minutes(2));
  absl::StatusOr<SignedIn> locked = SignIn("a.khan", kPassword, CodeNow("a.khan"), "ipv4:10.0.1.1:1");
  EXPECT_EQ(locked.status().code(), absl::StatusCode::kUnauthenticated) << locked.status();
  EXPECT_EQ(locked.status().message(), kWrong) << "the right password, refused: the account is locked";
  EXPECT_THAT(SignInRefusals().back().detail(), HasSubstr("this account is locked until"))
      << "the true reason is in the record";
  clock_.Advance(absl::Minutes(31));
  EXPECT_TRUE(SignIn("a.khan", kPassword, CodeNow("a.khan"), "ipv4:10.0.1.2:1").ok()) << "the lock ends by itself";
}

// A guesser must not tell a locked account from one that does not exist:
// the same status and the same words (and the same password check, whose
// time docs/console.md describes rather than a test measuring it).
TEST_F(ConsoleApiTest, ALockedAccountIsRefusedAsAnUnknownUsernameIs) {
  for (int i = 0; i < 10; ++i) {
    clock_.Advance(absl::Minutes(2));
    ASSERT_FALSE(SignIn("a.khan", "wrong password!", CodeNow("a.khan"), absl::StrCat("ipv4:10.0.0.", i, ":1")).ok());
  }
  ASSERT_GT(store_->FindStaff("a.khan")->locked_until, clock_.Now());
  clock_.Advance(absl::Minutes(2));
  const absl::Status locked = SignIn("a.khan", kPassword, CodeNow("a.khan"), "ipv4:10.0.1.1:1").status();
  const absl::Status unknown = SignIn("nobody", kPassword, CodeNow("a.khan"), "ipv4:10.0.1.2:1").status();
  EXPECT_EQ(locked.code(), unknown.code());
  EXPECT_EQ(locked.message(), unknown.message());
  EXPECT_EQ(locked, absl::UnauthenticatedError(kWrong));

  const std::vector<v1::AuditRecord> records = SignInRefusals();
  ASSERT_GE(records.size(), 2u);
  EXPECT_EQ(records[records.size() - 2].staff_id(), "a.khan");
  EXPECT_THAT(records[records.size() - 2].detail(), HasSubstr("this account is locked until"));
  EXPECT_THAT(records.back().detail(), HasSubstr("an unknown username"));
  EXPECT_EQ(store_->FindStaff("a.khan")->failed_attempts, 10) << "a refused attempt counts nothing";
}

TEST_F(ConsoleApiTest, AnAccountBackingOffIsRefusedAsAnUnknownUsernameIs) {
  // Three failures at one instant: the third starts a back-off of a second.
  for (int i = 0; i < 3; ++i) {
    ASSERT_FALSE(SignIn("a.khan", "wrong password!", CodeNow("a.khan"), absl::StrCat("ipv4:10.0.0.", i, ":1")).ok());
  }
  const absl::Status backing_off = SignIn("a.khan", kPassword, CodeNow("a.khan"), "ipv4:10.0.1.1:1").status();
  const absl::Status unknown = SignIn("nobody", kPassword, CodeNow("a.khan"), "ipv4:10.0.1.2:1").status();
  const absl::Status wrong = SignIn("a.khan", "wrong password!", CodeNow("a.khan"), "ipv4:10.0.1.3:1").status();
  EXPECT_EQ(backing_off, unknown);
  EXPECT_EQ(backing_off, wrong);
  EXPECT_EQ(backing_off, absl::UnauthenticatedError(kWrong));

  const std::vector<v1::AuditRecord> records = SignInRefusals();
  ASSERT_EQ(records.size(), 6u);
  EXPECT_THAT(records[3].detail(), HasSubstr("too many failed sign-ins"));
  EXPECT_THAT(records[5].detail(), HasSubstr("too many failed sign-ins")) << "still backing off";
  EXPECT_EQ(store_->FindStaff("a.khan")->failed_attempts, 3) << "refused attempts count nothing";

  clock_.Advance(absl::Seconds(1));
  EXPECT_TRUE(SignIn("a.khan", kPassword, CodeNow("a.khan"), "ipv4:10.0.1.4:1").ok()) << "the back-off ended";
}

TEST_F(ConsoleApiTest, ASessionEndsWhenIdleOrOldAndWhenItsMemberIsDisabled) {
  absl::StatusOr<SignedIn> idle = SignIn("a.khan", kPassword, CodeNow("a.khan"));
  ASSERT_TRUE(idle.ok());
  clock_.Advance(absl::Minutes(29));
  ASSERT_TRUE(Authenticate(idle->session_token).ok()) << "29 minutes idle: still on";
  clock_.Advance(absl::Minutes(29));
  ASSERT_TRUE(Authenticate(idle->session_token).ok()) << "the last request counts";
  clock_.Advance(absl::Minutes(31));
  absl::StatusOr<StaffCall> ended = Authenticate(idle->session_token);
  EXPECT_EQ(ended.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(ended.status().message(), HasSubstr("sign in again"));

  absl::StatusOr<SignedIn> old = SignIn("a.khan", kPassword, CodeNow("a.khan"));
  ASSERT_TRUE(old.ok()) << old.status();
  for (int i = 0; i < 25; ++i) {  // busy all day, a request every 29 minutes
    clock_.Advance(absl::Minutes(29));
    if (!Authenticate(old->session_token).ok()) break;
  }
  EXPECT_EQ(Authenticate(old->session_token).status().code(), absl::StatusCode::kUnauthenticated)
      << "12 hours after sign-in, whatever was done";

  clock_.Advance(absl::Minutes(1));
  absl::StatusOr<SignedIn> disabled = SignIn("a.khan", kPassword, CodeNow("a.khan"));
  ASSERT_TRUE(disabled.ok()) << disabled.status();
  ASSERT_TRUE(store_->SetStaffDisabled("a.khan", true, clock_.Now(), v1::AuditRecord()).ok());
  EXPECT_EQ(Authenticate(disabled->session_token).status().code(), absl::StatusCode::kUnauthenticated);
  clock_.Advance(absl::Minutes(1));
  EXPECT_EQ(SignIn("a.khan", kPassword, CodeNow("a.khan")).status().message(), kWrong);
}

TEST_F(ConsoleApiTest, AStaffRoleOpensOnlyItsPagesAndARefusalIsRecorded) {
  AddStaff("o.ops", "derby-cpm", v1::STAFF_ROLE_HUB_OPERATOR);
  absl::StatusOr<SignedIn> cpm = SignIn("a.khan", kPassword, CodeNow("a.khan"));
  ASSERT_TRUE(cpm.ok());
  absl::StatusOr<StaffCall> call = Authenticate(cpm->session_token);
  ASSERT_TRUE(call.ok());
  EXPECT_TRUE(api_->MayOpen(*call, ConsolePage::kDueAndOverdue).ok());
  TakeAudit();
  const absl::Status refused = api_->MayOpen(*call, ConsolePage::kDeliveries);
  EXPECT_EQ(refused.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(refused.message(), HasSubstr("may not open the deliveries page"));
  const std::vector<v1::AuditRecord> records = TakeAudit();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].kind(), v1::AUDIT_EVENT_KIND_CALL_REFUSED);
  EXPECT_EQ(records[0].staff_id(), "a.khan");
  EXPECT_EQ(records[0].actor_agency_id(), "derby-cpm");
}

TEST_F(ConsoleApiTest, TheDeliveriesPageSaysWhenEachAgencyWasLastSeenAndItsOpenStreams) {
  AddStaff("o.ops", "derby-cpm", v1::STAFF_ROLE_HUB_OPERATOR);
  const absl::Time seen = absl::FromUnixMicros(absl::ToUnixMicros(absl::Now())) - absl::Minutes(3);
  AgencyPresence pru;
  pru.agency_id = "derby-pru";
  pru.open_streams = 2;
  pru.last_seen = seen;
  ASSERT_TRUE(store_->ReportPresence("hub-process-1", {pru}, absl::Minutes(1)).ok());
  absl::StatusOr<SignedIn> ops = SignIn("o.ops", kPassword, CodeNow("o.ops"));
  ASSERT_TRUE(ops.ok()) << ops.status();
  absl::StatusOr<StaffCall> call = Authenticate(ops->session_token);
  ASSERT_TRUE(call.ok()) << call.status();
  v1::DeliveriesResponse response;
  std::promise<absl::Status> answered;
  api_->Deliveries(*call, &response, [&answered](const absl::Status& status) { answered.set_value(status); });
  ASSERT_TRUE(answered.get_future().get().ok());
  ASSERT_EQ(response.agencies_size(), 1);  // seen, with nothing waiting
  const v1::AgencyDeliveryState& state = response.agencies(0);
  EXPECT_EQ(state.agency_id(), "derby-pru");
  EXPECT_EQ(state.open_streams(), 2);
  ASSERT_TRUE(state.has_last_seen());
  EXPECT_EQ(FromProtoTime(state.last_seen()), seen);
  EXPECT_EQ(state.pending(), 0);
  EXPECT_FALSE(state.has_oldest_undelivered_at());
}

TEST_F(ConsoleApiTest, ManyAttemptsFromOneAddressAreLimited) {
  int limited = 0;
  for (int i = 0; i < 12; ++i) {
    absl::StatusOr<SignedIn> attempt = SignIn("nobody", kPassword, "123456", "ipv4:192.0.2.7:1");
    if (attempt.status().code() == absl::StatusCode::kResourceExhausted) ++limited;
  }
  EXPECT_GE(limited, 1);
  EXPECT_TRUE(SignIn("a.khan", kPassword, CodeNow("a.khan"), "ipv4:192.0.2.8:1").ok()) << "another address";
}

// "Verify now" walks the whole chain. Here the walk is held in the database
// (the chain's table locked by another connection, as a walk of a very long
// chain holds its reads) while two members of staff press it: one walk runs,
// both are answered with its outcome, and sign-in and sessions are answered
// all the while.
TEST_F(ConsoleApiTest, AWalkOfTheChainHoldsNoThreadThatSignInsWaitFor) {
  AddStaff("o.ops", "derby-cpm", v1::STAFF_ROLE_HUB_OPERATOR);
  AddStaff("d.dpo", "derby-cpm", v1::STAFF_ROLE_DATA_PROTECTION_OFFICER);
  absl::StatusOr<SignedIn> ops = SignIn("o.ops", kPassword, CodeNow("o.ops"));
  absl::StatusOr<SignedIn> dpo = SignIn("d.dpo", kPassword, CodeNow("d.dpo"));
  ASSERT_TRUE(ops.ok() && dpo.ok());
  absl::StatusOr<StaffCall> ops_call = Authenticate(ops->session_token);
  absl::StatusOr<StaffCall> dpo_call = Authenticate(dpo->session_token);
  ASSERT_TRUE(ops_call.ok() && dpo_call.ok());
  ASSERT_TRUE(store_->SealAudit(100000).ok());
  TakeAudit();

  absl::StatusOr<std::unique_ptr<sql::Connection>> holder = mysql::Connect(db_.settings());
  ASSERT_TRUE(holder.ok()) << holder.status();
  std::unique_ptr<sql::Statement>((*holder)->createStatement())->execute("LOCK TABLES audit_log WRITE");
  // However the test ends, the lock goes with the connection.
  struct Unlock {
    sql::Connection* connection;
    ~Unlock() { std::unique_ptr<sql::Statement>(connection->createStatement())->execute("UNLOCK TABLES"); }
  };
  std::unique_ptr<Unlock> unlock(new Unlock{holder->get()});

  // Held by a shared_ptr: should a call not be answered in time, its answer
  // must still have somewhere to go after this test has given up on it.
  struct Verified {
    v1::RecordState state;
    std::promise<absl::Status> answered;
  };
  auto first = std::make_shared<Verified>();
  auto second = std::make_shared<Verified>();
  api_->Verify(*ops_call, &first->state, [first](const absl::Status& s) { first->answered.set_value(s); });
  api_->Verify(*dpo_call, &second->state, [second](const absl::Status& s) { second->answered.set_value(s); });
  std::future<absl::Status> first_done = first->answered.get_future();
  std::future<absl::Status> second_done = second->answered.get_future();

  // Walks waiting for the lock.
  const std::string waiting = absl::StrCat(
      "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE DB = '", db_.schema(),
      "' AND STATE LIKE 'Waiting for table%' AND INFO LIKE '%FROM audit_log%'");
  const absl::Time give_up = absl::Now() + absl::Seconds(20);
  while (db_.QueryString(waiting) == "0" && absl::Now() < give_up) absl::SleepFor(absl::Milliseconds(20));
  ASSERT_NE(db_.QueryString(waiting), "0") << "no walk reached the chain";

  // A sign-in and a session are answered meanwhile, in a bounded time.
  v1::SignInRequest request;
  request.set_username("a.khan");
  request.set_password(kPassword);
  request.set_code(CodeNow("a.khan"));
  auto signed_in = std::make_shared<std::promise<absl::StatusOr<SignedIn>>>();
  api_->SignIn(request, "ipv4:127.0.0.1:2",
               [signed_in](absl::StatusOr<SignedIn> result) { signed_in->set_value(std::move(result)); });
  std::future<absl::StatusOr<SignedIn>> sign_in_done = signed_in->get_future();
  ASSERT_EQ(sign_in_done.wait_for(std::chrono::seconds(10)), std::future_status::ready)
      << "a sign-in waited for the walk of the chain";
  absl::StatusOr<SignedIn> session = sign_in_done.get();
  ASSERT_TRUE(session.ok()) << session.status();
  auto authenticated = std::make_shared<std::promise<absl::StatusOr<StaffCall>>>();
  api_->Authenticate(session->session_token, "ipv4:127.0.0.1:2", [authenticated](absl::StatusOr<StaffCall> result) {
    authenticated->set_value(std::move(result));
  });
  std::future<absl::StatusOr<StaffCall>> authenticate_done = authenticated->get_future();
  ASSERT_EQ(authenticate_done.wait_for(std::chrono::seconds(10)), std::future_status::ready)
      << "a session waited for the walk of the chain";
  EXPECT_TRUE(authenticate_done.get().ok());
  EXPECT_EQ(first_done.wait_for(std::chrono::milliseconds(0)), std::future_status::timeout) << "the walk is held";
  EXPECT_EQ(db_.QueryString(waiting), "1") << "one walk: the second press started none of its own";

  unlock.reset();
  ASSERT_EQ(first_done.wait_for(std::chrono::seconds(30)), std::future_status::ready);
  ASSERT_EQ(second_done.wait_for(std::chrono::seconds(30)), std::future_status::ready);
  ASSERT_TRUE(first_done.get().ok());
  ASSERT_TRUE(second_done.get().ok());
  EXPECT_TRUE(first->state.intact());
  EXPECT_EQ(first->state.verified_by(), "o.ops");
  EXPECT_EQ(second->state.SerializeAsString(), first->state.SerializeAsString())
      << "the second press is answered with the walk it waited for";
  int walks = 0;
  for (const v1::AuditRecord& record : TakeAudit()) {
    if (record.kind() == v1::AUDIT_EVENT_KIND_AUDIT_CHAIN_VERIFIED) ++walks;
  }
  EXPECT_EQ(walks, 1);

  // With no walk running, the next press starts one.
  std::promise<absl::Status> again;
  v1::RecordState again_state;
  api_->Verify(*dpo_call, &again_state, [&again](const absl::Status& s) { again.set_value(s); });
  ASSERT_TRUE(again.get_future().get().ok());
  EXPECT_EQ(again_state.verified_by(), "d.dpo");
}

}  // namespace
}  // namespace cre
