// The web console's own API: staff sign in, their sessions, and what they
// may open. Transport-free like the rest of the service API; the console's
// HTTPS routes (web/console_routes.h) call it.
//
// A member of staff acts for their agency: once signed in, a request is a
// StaffCall whose CallContext is their agency's, with their username as
// staff_id, and the pages call the same APIs as an agency's own system
// (OversightApi, ReferralsApi), with the same rate limits, role checks, case
// access and refusal record. On top of that, the staff role decides which
// pages they may open (access/console_access.h).
//
// Sign-in: a username, a password (argon2id, staff/password_hash.h) and a
// TOTP code (staff/totp.h), each code good once. Failures back off and then
// lock the account (staff/sign_in_policy.h), in the database, so every hub
// process counts the same attempts. Every refusal of an account, whatever
// the reason (an unknown username, a wrong password, a wrong or used code, a
// disabled account, one backing off or locked), is UNAUTHENTICATED with one
// sentence ("the username, password or code is wrong, or the account must
// wait after failed attempts: ..."), costs one password check and one
// write of the refusal to the store, so that neither the answer nor its time
// says whether the account exists or is locked; the true reason is in the
// record (STAFF_SIGN_IN_REFUSED). Each client address is also limited, in
// this process's memory; that refusal (RESOURCE_EXHAUSTED) says so, as it is
// about the address, not an account.
//
// Sessions: a random 256-bit token in an HttpOnly cookie, stored as its
// SHA-256. A session ends after session_idle_minutes without a request and
// session_absolute_minutes after sign-in, whatever is done. The CSRF token
// a page sends with each change is the session's, signed (crypto::
// TokenSigner): nothing more to store, and any hub process can check it.
//
// Single sign-on: SignIn is the only place that establishes who a member
// of staff is. An OpenID Connect sign-in would replace it with a callback
// that checks the council's ID token and maps its subject to a staff row,
// then calls the same session start; everything after (sessions, CSRF, what
// pages and cases they see) is unchanged. docs/console.md says more.
#ifndef CRE_HUB_SERVICE_CONSOLE_API_H_
#define CRE_HUB_SERVICE_CONSOLE_API_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "access/console_access.h"
#include "common/clock.h"
#include "common/executor.h"
#include "cre/v1/config.pb.h"
#include "cre/v1/console.pb.h"
#include "crypto/token_signer.h"
#include "identity/agency_registry.h"
#include "service/call_context.h"
#include "service/call_record.h"
#include "service/rate_limiter.h"
#include "store/store.h"

namespace cre {

// A signed-in member of staff making a request.
struct StaffCall {
  // Their agency, as the service API sees callers; staff_id is their username.
  CallContext call;
  v1::StaffMember staff;
  // The SHA-256 of the session's token: what the store keys it by.
  std::string session_key;
  absl::Time expires_at;
};

// A sign-in that passed: the token for the session cookie, which the
// browser keeps until `cookie_max_age`, and what the page is told.
struct SignedIn {
  std::string session_token;
  absl::Duration cookie_max_age;
  v1::SessionResponse session;
};

class ConsoleApi {
 public:
  // Purpose of the CSRF tokens' key (derived from the field key ring).
  static constexpr absl::string_view kCsrfPurpose = "cre console csrf token v1";

  // `config` must have a console. `clock` must outlive the API.
  static absl::StatusOr<std::unique_ptr<ConsoleApi>> Create(const v1::HubConfig& config,
                                                            std::shared_ptr<const AgencyRegistry> registry,
                                                            std::shared_ptr<Store> store, const Clock& clock,
                                                            AuditSink audit);

  // Answers `done` from the API's executor.
  void SignIn(const v1::SignInRequest& request, const std::string& peer,
              std::function<void(absl::StatusOr<SignedIn>)> done);
  // The member of staff whose session `session_token` is; UNAUTHENTICATED
  // "sign in" if there is none, or it has ended (idle, absolute, the member
  // disabled). Answers `done` from the API's executor.
  void Authenticate(const std::string& session_token, const std::string& peer,
                    std::function<void(absl::StatusOr<StaffCall>)> done);
  // What GET /api/v1/session tells the page, with its CSRF token.
  absl::StatusOr<v1::SessionResponse> Session(const StaffCall& staff) const;
  // OK if `csrf_token` is this session's; PERMISSION_DENIED otherwise,
  // recorded.
  absl::Status CheckCsrf(const StaffCall& staff, absl::string_view csrf_token) const;
  // Records that the member of staff viewed `what` (a page listing cases).
  void RecordView(const StaffCall& staff, absl::string_view what) const;
  // OK if the member of staff may open `page`; a refusal is recorded.
  absl::Status MayOpen(const StaffCall& staff, ConsolePage page) const;
  void SignOut(const StaffCall& staff, Done done);

  // The Deliveries page (hub operators): dead letters, and what is waiting
  // for each agency. Answers `done` from the API's executor.
  void Deliveries(const StaffCall& staff, v1::DeliveriesResponse* response, Done done);
  // The Record page (hub operators, the data protection officer): the
  // chain's head and its last verification. Answers `done` from the API's
  // executor.
  void Record(const StaffCall& staff, v1::RecordState* response, Done done);
  // Walks the whole chain, keeps what it found and answers as Record does.
  // A walk takes as long as the chain is long, so it runs on a thread of its
  // own, never one that sign-ins and sessions wait for, and one at a time in
  // this process: a request that comes while a walk is running starts none
  // and is answered with that walk's outcome when it ends (which names the
  // member of staff who started it). Answers `done` from that thread.
  void Verify(const StaffCall& staff, v1::RecordState* response, Done done);
  // The Record page's retention table (hub operators, the data protection
  // officer): per record class, the policy, records kept, held, due, purged
  // so far and the oldest one's age, as JSON (RetentionReportJson). Writes
  // nothing. Answers `done` from the API's executor.
  void Retention(const StaffCall& staff, std::string* json, Done done);
  // Hands dead letters out again; the reason (required, at most 500 bytes)
  // is recorded with the member of staff who gave it.
  void Requeue(const StaffCall& staff, const v1::RequeueRequest& request, v1::RequeueResponse* response,
               Done done);

 private:
  ConsoleApi(std::shared_ptr<const AgencyRegistry> registry, std::shared_ptr<Store> store,
             crypto::TokenSigner csrf_tokens, const Clock& clock, absl::Duration idle, absl::Duration absolute,
             AuditSink audit, std::string dummy_hash);

  absl::Status ReadRecordState(v1::RecordState* response);
  // The retention schedule (completed), for Retention.
  v1::RetentionConfig retention_;
  // Walks the chain for `staff`, then answers every Verify waiting for it.
  void WalkChain(const StaffCall& staff);
  absl::StatusOr<SignedIn> SignInNow(const v1::SignInRequest& request, const std::string& peer);
  absl::StatusOr<StaffCall> AuthenticateNow(const std::string& session_token, const std::string& peer);
  // The refusal every failed sign-in gets, recorded in the store with `why`
  // (never the password or code; `member` is empty for an unknown username).
  // The store's error instead if it cannot be recorded.
  absl::Status Refuse(const v1::StaffMember& member, const std::string& peer, absl::Time now, absl::string_view why);
  // Records `refusal` of `what` the member of staff asked, and returns it.
  absl::Status Refused(const StaffCall& staff, absl::string_view what, const absl::Status& refusal) const;
  // OK, or RESOURCE_EXHAUSTED if `peer` tries too often.
  absl::Status AdmitPeer(const std::string& peer);

  std::shared_ptr<const AgencyRegistry> registry_;
  std::shared_ptr<Store> store_;
  const crypto::TokenSigner csrf_tokens_;
  const Clock& clock_;
  const absl::Duration idle_;
  const absl::Duration absolute_;
  AuditSink audit_;
  // A hash of no one's password, checked for an unknown username so that it
  // takes as long as a known one.
  const std::string dummy_hash_;

  absl::Mutex peers_mu_;
  absl::flat_hash_map<std::string, TokenBucket> peers_ ABSL_GUARDED_BY(peers_mu_);

  // The Verify requests waiting for the walk that is running; empty when
  // none is.
  struct VerifyWaiter {
    v1::RecordState* response;
    Done done;
  };
  absl::Mutex verify_mu_;
  std::vector<VerifyWaiter> verify_waiters_ ABSL_GUARDED_BY(verify_mu_);

  // Last: their threads use the above. The chain is walked on a thread of
  // its own (one walk at a time needs no more), so that a walk never holds
  // one of the threads that sign-ins and sessions wait for.
  Executor walk_executor_{1, "console-walk"};
  Executor executor_{2, "console"};
};

}  // namespace cre

#endif  // CRE_HUB_SERVICE_CONSOLE_API_H_
