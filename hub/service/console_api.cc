#include "service/console_api.h"

#include "service/retention_purger.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "access/authorization.h"
#include "crypto/field_cipher.h"
#include "common/proto_time.h"
#include "openssl/rand.h"
#include "openssl/sha.h"
#include "staff/password_hash.h"
#include "staff/sign_in_policy.h"
#include "staff/totp.h"
#include "store/audit_rows.h"

namespace cre {
namespace {

// Session tokens: 256 random bits, base64url without padding (43 characters).
constexpr size_t kTokenBytes = 32;
constexpr size_t kTokenLength = 43;
// A session's last-seen time is written at most this often: enough for an
// idle expiry counted in minutes, and 50 staff refreshing a page every 10
// seconds cost the database a write a second instead of five.
constexpr absl::Duration kTouchInterval = absl::Minutes(1);
// Sign-ins from one client address, in this process: a burst of 10, then
// one every 6 seconds. A guesser spreading over accounts meets this; one
// hammering an account meets its back-off and lock-out first.
constexpr double kPeerSignInsPerSecond = 1.0 / 6;
constexpr double kPeerSignInBurst = 10;
// Addresses remembered at most; the map is emptied when it is full (an
// attacker cycling addresses gains a fresh burst, never memory).
constexpr size_t kMaxPeers = 10000;

// The one answer to every refused sign-in, whatever the reason, so that it
// never says whether the account exists: a guesser learns nothing, and a
// member of staff still learns what to do, including that the account may be
// waiting after failed attempts (when the password is right but refused).
const std::string& SignInRefusal() {
  static const std::string* const sentence = new std::string(absl::StrCat(
      "the username, password or code is wrong, or the account must wait after failed attempts: up to ",
      absl::ToInt64Seconds(staff::kMaxBackOff), " seconds, or ", absl::ToInt64Minutes(staff::kLockDuration),
      " minutes after ", staff::kLockAfterFailures,
      " failures in a row (an administrator lifts that lock with hubctl staff reset-password)"));
  return *sentence;
}

std::string RawSha256(absl::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  return std::string(reinterpret_cast<const char*>(digest), sizeof digest);
}

std::string NewSessionToken() {
  unsigned char bytes[kTokenBytes];
  if (RAND_bytes(bytes, sizeof bytes) != 1) std::abort();  // no randomness: no safe session
  std::string token;
  absl::WebSafeBase64Escape(absl::string_view(reinterpret_cast<const char*>(bytes), sizeof bytes), &token);
  return token;
}

bool IsTokenShaped(absl::string_view token) {
  if (token.size() != kTokenLength) return false;
  for (char c : token) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
  }
  return true;
}

absl::Status CheckSignInRequest(const v1::SignInRequest& request) {
  if (request.username().empty()) return absl::InvalidArgumentError("username: required");
  if (request.username().size() > 64) return absl::InvalidArgumentError("username: at most 64 bytes");
  for (char c : request.username()) {
    if (c <= ' ' || c > '~') return absl::InvalidArgumentError("username: printable ASCII without spaces");
  }
  if (request.password().empty()) return absl::InvalidArgumentError("password: required");
  if (request.password().size() > staff::kMaxPasswordBytes) {
    return absl::InvalidArgumentError(absl::StrCat("password: at most ", staff::kMaxPasswordBytes, " bytes"));
  }
  if (request.code().empty()) return absl::InvalidArgumentError("code: required");
  if (request.code().size() > 16) return absl::InvalidArgumentError("code: at most 16 characters");
  return absl::OkStatus();
}

v1::AuditRecord StaffRecord(v1::AuditEventKind kind, const v1::StaffMember& staff, absl::Time at,
                            absl::string_view detail = "") {
  v1::AuditRecord record;
  record.set_kind(kind);
  *record.mutable_at() = ToProtoTime(at);
  record.set_actor_agency_id(staff.agency_id());
  record.set_staff_id(staff.username());
  record.set_method("console");
  record.set_detail(std::string(detail));
  return record;
}

}  // namespace

absl::StatusOr<std::unique_ptr<ConsoleApi>> ConsoleApi::Create(const v1::HubConfig& config,
                                                                std::shared_ptr<const AgencyRegistry> registry,
                                                                std::shared_ptr<Store> store, const Clock& clock,
                                                                AuditSink audit) {
  absl::StatusOr<crypto::KeyRing> ring = crypto::KeyRing::Load(config.field_key_file());
  if (!ring.ok()) {
    return absl::Status(ring.status().code(), absl::StrCat("field_key_file: ", ring.status().message()));
  }
  absl::StatusOr<crypto::TokenSigner> csrf = crypto::TokenSigner::Create(*ring, kCsrfPurpose);
  if (!csrf.ok()) return csrf.status();
  absl::StatusOr<std::string> dummy = staff::HashPassword("no one's password, for unknown usernames");
  if (!dummy.ok()) return dummy.status();
  std::unique_ptr<ConsoleApi> api(new ConsoleApi(
      std::move(registry), std::move(store), *std::move(csrf), clock,
      absl::Minutes(config.console().session_idle_minutes()),
      absl::Minutes(config.console().session_absolute_minutes()), std::move(audit), *std::move(dummy)));
  api->retention_ = config.governance().retention();
  return api;
}

ConsoleApi::ConsoleApi(std::shared_ptr<const AgencyRegistry> registry, std::shared_ptr<Store> store,
                       crypto::TokenSigner csrf_tokens, const Clock& clock, absl::Duration idle,
                       absl::Duration absolute, AuditSink audit, std::string dummy_hash)
    : registry_(std::move(registry)),
      store_(std::move(store)),
      csrf_tokens_(std::move(csrf_tokens)),
      clock_(clock),
      idle_(idle),
      absolute_(absolute),
      audit_(std::move(audit)),
      dummy_hash_(std::move(dummy_hash)) {}

absl::Status ConsoleApi::AdmitPeer(const std::string& peer) {
  // Buckets count real seconds, whatever the hub's clock says.
  const absl::Time now = absl::Now();
  absl::MutexLock lock(&peers_mu_);
  if (peers_.size() >= kMaxPeers && !peers_.contains(peer)) peers_.clear();
  auto [it, added] = peers_.try_emplace(peer, kPeerSignInsPerSecond, kPeerSignInBurst, now);
  absl::Duration wait;
  if (it->second.TryTake(now, &wait)) return absl::OkStatus();
  return absl::ResourceExhaustedError(absl::StrCat(
      "too many sign-ins from this address; retry after ", absl::FormatDuration(absl::Ceil(wait, absl::Seconds(1)))));
}

absl::Status ConsoleApi::Refuse(const v1::StaffMember& member, const std::string& peer, absl::Time now,
                                absl::string_view why) {
  // In the store, in this call, as a wrong password's failure count is: the
  // same work, so the same time, whatever the reason.
  absl::Status recorded = store_->RecordAudit({StaffRecord(v1::AUDIT_EVENT_KIND_STAFF_SIGN_IN_REFUSED, member, now,
                                                           absl::StrCat(why, " (peer ", peer, ")"))});
  if (!recorded.ok()) return recorded;
  return absl::UnauthenticatedError(SignInRefusal());
}

void ConsoleApi::SignIn(const v1::SignInRequest& request, const std::string& peer,
                        std::function<void(absl::StatusOr<SignedIn>)> done) {
  if (absl::Status admitted = AdmitPeer(peer); !admitted.ok()) return done(admitted);
  if (absl::Status valid = CheckSignInRequest(request); !valid.ok()) return done(valid);
  executor_.Submit([this, request, peer, done = std::move(done)] { done(SignInNow(request, peer)); });
}

absl::StatusOr<SignedIn> ConsoleApi::SignInNow(const v1::SignInRequest& request, const std::string& peer) {
  const absl::Time now = clock_.Now();
  absl::StatusOr<StaffAccount> account = store_->FindStaff(request.username());
  if (account.status().code() == absl::StatusCode::kNotFound) {
    staff::VerifyPassword(dummy_hash_, request.password());
    // The typed name is not recorded: it may be a password typed in the
    // wrong box.
    return Refuse(v1::StaffMember(), peer, now, "an unknown username");
  }
  if (!account.ok()) return account.status();

  // Checked before MayTry and whatever it says, so that an account backing
  // off or locked costs the same time as a wrong password (and as an unknown
  // username). A refused attempt's result is never used.
  const bool password_right = staff::VerifyPassword(account->password_hash, request.password());
  const staff::SignInHistory history{account->failed_attempts, account->last_failure, account->locked_until};
  if (absl::Status may = staff::MayTry(history, now); !may.ok()) {
    // Not a failure: a refused attempt was not checked and counts nothing
    // (sign_in_policy.h). MayTry's words are for the record only.
    return Refuse(account->member, peer, now, may.message());
  }
  absl::StatusOr<int64_t> step =
      staff::VerifyTotp(account->totp_secret, request.code(), now, account->totp_last_step);
  if (!password_right || !step.ok() || account->member.disabled()) {
    const staff::SignInHistory after = staff::AfterFailure(history, now);
    const std::string why = account->member.disabled() ? "a disabled account"
                            : !password_right         ? "a wrong password"
                                                      : "a wrong or used code";
    v1::AuditRecord failed = StaffRecord(v1::AUDIT_EVENT_KIND_STAFF_SIGN_IN_REFUSED, account->member, now,
                                         absl::StrCat(why, " (peer ", peer, ")"));
    absl::StatusOr<int> recorded = store_->RecordSignInFailure(
        request.username(), now, after.locked_until == history.locked_until ? absl::InfinitePast() : after.locked_until,
        failed);
    if (!recorded.ok()) return recorded.status();
    return absl::UnauthenticatedError(SignInRefusal());
  }

  SignedIn signed_in;
  signed_in.session_token = NewSessionToken();
  const std::string key = RawSha256(signed_in.session_token);
  const absl::Time expires_at = now + absolute_;
  absl::Status started = store_->StartSession(
      request.username(), *step, key, now, expires_at,
      StaffRecord(v1::AUDIT_EVENT_KIND_STAFF_SIGNED_IN, account->member, now, absl::StrCat("peer ", peer)));
  // Another sign-in took this code first, in this process or another.
  if (started.code() == absl::StatusCode::kFailedPrecondition) return Refuse(account->member, peer, now, "a used code");
  if (!started.ok()) return started;

  const v1::Agency* agency = registry_->FindById(account->member.agency_id());
  StaffCall staff{CallContext{agency == nullptr ? v1::Agency() : *agency, peer, request.username()},
                  account->member, key, expires_at};
  absl::StatusOr<v1::SessionResponse> session = Session(staff);
  if (!session.ok()) return session.status();
  signed_in.session = *std::move(session);
  signed_in.cookie_max_age = absolute_;
  return signed_in;
}

void ConsoleApi::Authenticate(const std::string& session_token, const std::string& peer,
                              std::function<void(absl::StatusOr<StaffCall>)> done) {
  if (!IsTokenShaped(session_token)) return done(absl::UnauthenticatedError("sign in"));
  executor_.Submit([this, session_token, peer, done = std::move(done)] {
    done(AuthenticateNow(session_token, peer));
  });
}

absl::StatusOr<StaffCall> ConsoleApi::AuthenticateNow(const std::string& session_token, const std::string& peer) {
  const absl::Time now = clock_.Now();
  const std::string key = RawSha256(session_token);
  absl::StatusOr<StaffSession> session = store_->FindSession(key);
  if (session.status().code() == absl::StatusCode::kNotFound) {
    return absl::UnauthenticatedError("the session has ended; sign in again");
  }
  if (!session.ok()) return session.status();
  const char* ended = nullptr;
  if (now >= session->expires_at) ended = "the session reached its absolute expiry";
  else if (now - session->last_seen_at >= idle_) ended = "the session was idle too long";
  else if (session->member.disabled()) ended = "the account is disabled";
  const v1::Agency* agency = registry_->FindById(session->member.agency_id());
  if (ended == nullptr && agency == nullptr) ended = "the agency is no longer registered";
  if (ended != nullptr) {
    absl::Status end = store_->EndSession(
        key, StaffRecord(v1::AUDIT_EVENT_KIND_STAFF_SIGNED_OUT, session->member, now, ended));
    if (!end.ok()) return end;
    return absl::UnauthenticatedError("the session has ended; sign in again");
  }
  if (now - session->last_seen_at >= kTouchInterval) {
    if (absl::Status touched = store_->TouchSession(key, now); !touched.ok()) return touched;
  }
  return StaffCall{CallContext{*agency, peer, session->member.username()}, session->member, key,
                   session->expires_at};
}

absl::StatusOr<v1::SessionResponse> ConsoleApi::Session(const StaffCall& staff) const {
  v1::SessionResponse response;
  *response.mutable_staff() = staff.staff;
  response.set_agency_display_name(staff.call.caller.display_name());
  response.set_may_list_record_accesses(RoleMayCall(staff.call.caller.role(), Method::kListRecordAccesses) &&
                                        cre::MayOpen(staff.staff, ConsolePage::kCase).ok());
  const std::string bound = absl::BytesToHexString(staff.session_key);
  absl::StatusOr<std::string> csrf = csrf_tokens_.Sign({bound}, "csrf");
  if (!csrf.ok()) return csrf.status();
  response.set_csrf_token(*std::move(csrf));
  *response.mutable_expires_at() =
      ToProtoTime(staff.expires_at);
  return response;
}

absl::Status ConsoleApi::Refused(const StaffCall& staff, absl::string_view what, const absl::Status& refusal) const {
  if (audit_) {
    v1::CallRecord record;
    record.set_agency(staff.call.caller.id());
    record.set_method(std::string(what));
    record.set_code(absl::StatusCodeToString(refusal.code()));
    record.set_detail(std::string(refusal.message()));
    AuditRefusal(record, audit_, staff.staff.username());
  }
  return refusal;
}

absl::Status ConsoleApi::CheckCsrf(const StaffCall& staff, absl::string_view csrf_token) const {
  const std::string bound = absl::BytesToHexString(staff.session_key);
  absl::optional<std::string> verified = csrf_tokens_.Verify({bound}, csrf_token);
  if (verified.has_value() && *verified == "csrf") return absl::OkStatus();
  return Refused(staff, "console: a change",
                 absl::PermissionDeniedError("X-CSRF-Token: not this session's; reload the page"));
}

void ConsoleApi::RecordView(const StaffCall& staff, absl::string_view what) const {
  if (!audit_) return;
  v1::AuditRecord record = StaffRecord(v1::AUDIT_EVENT_KIND_CONSOLE_VIEWED, staff.staff, clock_.Now());
  record.set_method(std::string(what));
  audit_(std::move(record));
}

absl::Status ConsoleApi::MayOpen(const StaffCall& staff, ConsolePage page) const {
  absl::Status allowed = cre::MayOpen(staff.staff, page);
  if (allowed.ok()) return allowed;
  return Refused(staff, absl::StrCat("console: ", ConsolePageName(page)), allowed);
}

void ConsoleApi::SignOut(const StaffCall& staff, Done done) {
  executor_.Submit([this, staff, done = std::move(done)] {
    done(store_->EndSession(staff.session_key, StaffRecord(v1::AUDIT_EVENT_KIND_STAFF_SIGNED_OUT, staff.staff,
                                                           clock_.Now(), "signed out")));
  });
}

void ConsoleApi::Deliveries(const StaffCall& staff, v1::DeliveriesResponse* response, Done done) {
  if (absl::Status may = MayOpen(staff, ConsolePage::kDeliveries); !may.ok()) return done(may);
  executor_.Submit([this, staff, response, done = std::move(done)] {
    // The page shows the oldest dead letters; an operator requeues them and
    // the next come up.
    constexpr int kDeadLettersShown = 200;
    absl::StatusOr<std::vector<DeadDelivery>> dead = store_->ListDeadDeliveries(kDeadLettersShown);
    if (!dead.ok()) return done(dead.status());
    absl::StatusOr<std::vector<AgencyDeliveries>> agencies = store_->DeliveriesByAgency();
    if (!agencies.ok()) return done(agencies.status());
    for (const DeadDelivery& d : *dead) {
      v1::DeadLetter* letter = response->add_dead_letters();
      letter->set_delivery_id(d.delivery_id);
      letter->set_message_id(d.message_id);
      letter->set_recipient_agency_id(d.recipient_agency_id);
      letter->set_kind(d.kind);
      letter->set_attempts(d.attempts);
      *letter->mutable_created_at() =
          ToProtoTime(d.created_at);
    }
    for (const AgencyDeliveries& a : *agencies) {
      v1::AgencyDeliveryState* state = response->add_agencies();
      state->set_agency_id(a.agency_id);
      state->set_pending(a.pending);
      state->set_leased(a.leased);
      state->set_dead(a.dead);
      if (a.oldest_undelivered != absl::InfiniteFuture()) {
        *state->mutable_oldest_undelivered_at() =
            ToProtoTime(a.oldest_undelivered);
      }
      if (a.last_seen != absl::InfinitePast()) *state->mutable_last_seen() = ToProtoTime(a.last_seen);
      state->set_open_streams(static_cast<int32_t>(a.open_streams));
    }
    RecordView(staff, "GET /api/v1/deliveries");
    done(absl::OkStatus());
  });
}

absl::Status ConsoleApi::ReadRecordState(v1::RecordState* response) {
  absl::StatusOr<audit::Anchor> head = store_->AuditHead();
  if (!head.ok()) return head.status();
  response->set_head_seq(head->seq);
  response->set_head_hash(head->hash);
  absl::StatusOr<int64_t> unsealed = store_->UnsealedAuditCount();
  if (!unsealed.ok()) return unsealed.status();
  response->set_unsealed(*unsealed);
  absl::StatusOr<absl::optional<AuditVerification>> last = store_->LastAuditVerification();
  if (!last.ok()) return last.status();
  if (last->has_value()) {
    const AuditVerification& v = **last;
    response->set_verified(true);
    response->set_verified_up_to(v.verified_up_to);
    *response->mutable_verified_at() =
        ToProtoTime(v.verified_at);
    response->set_intact(v.intact);
    response->set_problem(v.problem);
    response->set_verified_by(v.verified_by);
  }
  return absl::OkStatus();
}

void ConsoleApi::Record(const StaffCall& staff, v1::RecordState* response, Done done) {
  if (absl::Status may = MayOpen(staff, ConsolePage::kRecord); !may.ok()) return done(may);
  executor_.Submit([this, response, done = std::move(done)] { done(ReadRecordState(response)); });
}

void ConsoleApi::Retention(const StaffCall& staff, std::string* json, Done done) {
  if (absl::Status may = MayOpen(staff, ConsolePage::kRecord); !may.ok()) return done(may);
  // A scan of every record not purged: on the walk's thread, not one that
  // sign-ins and sessions wait for.
  walk_executor_.Submit([this, json, done = std::move(done)] {
    RetentionPurger purger(store_, retention_, clock_, "hub", "");
    absl::StatusOr<RetentionReport> report = purger.Run(/*purge=*/false);
    if (report.ok()) *json = RetentionReportJson(*report);
    done(report.status());
  });
}

void ConsoleApi::Verify(const StaffCall& staff, v1::RecordState* response, Done done) {
  if (absl::Status may = MayOpen(staff, ConsolePage::kRecord); !may.ok()) return done(may);
  bool start = false;
  {
    absl::MutexLock lock(&verify_mu_);
    // A walk runs exactly while someone waits for it. A second walk would
    // read the same rows for the same answer, and two presses would hold two
    // connections for as long: it waits instead.
    start = verify_waiters_.empty();
    verify_waiters_.push_back({response, std::move(done)});
  }
  if (start) walk_executor_.Submit([this, staff] { WalkChain(staff); });
}

void ConsoleApi::WalkChain(const StaffCall& staff) {
  v1::RecordState state;
  absl::Status outcome = [&]() -> absl::Status {
    audit::ChainVerifier verifier;
    absl::Status walked = ForEachAuditRow(*store_, [&](const audit::StoredRow& row) { return verifier.Add(row); });
    if (walked.ok()) walked = verifier.Finish();
    // DATA_LOSS is what the verifier found; anything else means the chain
    // could not be read, which says neither intact nor broken.
    if (!walked.ok() && walked.code() != absl::StatusCode::kDataLoss) return walked;
    AuditVerification verification;
    verification.verified_up_to = verifier.head().seq;
    verification.head_hash = verifier.head().hash;
    verification.verified_at = clock_.Now();
    verification.intact = walked.ok();
    verification.problem = std::string(walked.message());
    verification.verified_by = staff.staff.username();
    if (absl::Status kept = store_->RecordAuditVerification(verification); !kept.ok()) return kept;
    if (audit_) {
      v1::AuditRecord record = StaffRecord(
          v1::AUDIT_EVENT_KIND_AUDIT_CHAIN_VERIFIED, staff.staff, verification.verified_at,
          walked.ok() ? absl::StrCat("intact up to row ", verification.verified_up_to)
                      : absl::StrCat("broken after row ", verification.verified_up_to, ": ", walked.message()));
      audit_(std::move(record));
    }
    return ReadRecordState(&state);
  }();
  // Whoever asks after this point starts a walk of their own: this one's
  // outcome may be older than what they asked about.
  std::vector<VerifyWaiter> waiters;
  {
    absl::MutexLock lock(&verify_mu_);
    waiters.swap(verify_waiters_);
  }
  for (VerifyWaiter& waiter : waiters) {
    if (outcome.ok()) *waiter.response = state;
    waiter.done(outcome);
  }
}

void ConsoleApi::Requeue(const StaffCall& staff, const v1::RequeueRequest& request, v1::RequeueResponse* response,
                         Done done) {
  if (absl::Status may = MayOpen(staff, ConsolePage::kDeliveries); !may.ok()) return done(may);
  if (request.delivery_ids().empty()) return done(absl::InvalidArgumentError("delivery_ids: at least one"));
  if (request.delivery_ids_size() > 500) return done(absl::InvalidArgumentError("delivery_ids: at most 500"));
  for (int i = 0; i < request.delivery_ids_size(); ++i) {
    if (request.delivery_ids(i) <= 0) {
      return done(absl::InvalidArgumentError(absl::StrCat("delivery_ids[", i, "]: not a delivery id")));
    }
  }
  if (request.reason().find_first_not_of(" \t\r\n") == std::string::npos) {
    return done(absl::InvalidArgumentError("reason: required, for the audit record"));
  }
  if (request.reason().size() > 500) return done(absl::InvalidArgumentError("reason: at most 500 bytes"));
  executor_.Submit([this, staff, request, response, done = std::move(done)] {
    v1::AuditRecord requeued_by = StaffRecord(v1::AUDIT_EVENT_KIND_DELIVERY_REQUEUED, staff.staff, clock_.Now(),
                                              request.reason());
    absl::StatusOr<int> requeued = store_->RequeueDeadDeliveries(
        std::vector<int64_t>(request.delivery_ids().begin(), request.delivery_ids().end()), requeued_by);
    if (!requeued.ok()) return done(requeued.status());
    response->set_requeued(*requeued);
    done(absl::OkStatus());
  });
}

}  // namespace cre
