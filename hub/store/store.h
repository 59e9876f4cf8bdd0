// The store: everything the hub keeps, behind an interface.
//
// The MySQL implementation (mysql/) is the only code that knows SQL; the
// server and the engine see this interface and absl::Status. Methods are
// safe to call from many threads at once, and from several hub processes
// sharing one database: the store is where all shared state lives.
//
//   std::unique_ptr<Store> store = ...;
//   CRE_RETURN_IF_ERROR(store->Ping());
//
// Status codes follow Abseil's rules: UNAVAILABLE when the database cannot
// be reached or its schema is not migrated (retry the call), ABORTED when a
// transaction lost a conflict more times than the store retries it,
// ALREADY_EXISTS on a duplicate key.
#ifndef CRE_HUB_STORE_STORE_H_
#define CRE_HUB_STORE_STORE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "access/case_access.h"
#include "access/nhs_number.h"
#include "alerting/alert_mail.h"
#include "alerting/alerts.h"
#include "audit/audit_chain.h"
#include "casework/case_decision.h"
#include "cre/v1/agency.pb.h"
#include "cre/v1/console.pb.h"
#include "cre/v1/audit.pb.h"
#include "cre/v1/case_file.pb.h"
#include "cre/v1/governance.pb.h"
#include "cre/v1/oversight.pb.h"
#include "cre/v1/pathway.pb.h"
#include "cre/v1/referrals.pb.h"
#include "cre/v1/routed_message.pb.h"

namespace cre {

// Decides, for a case whose deadline has passed, what the hub sends
// (overdue alerts, as follow-ups) and the case's new schedule.
using ReviewFn = std::function<absl::StatusOr<Routing>(const CaseView& case_view)>;

// A page of open actions for managers, earliest due first.
struct ActionPage {
  std::vector<std::pair<std::string, OpenAction>> actions;  // (case_id, action)
  std::string next_page_token;  // empty: the last page
};

// The overdue actions of one owner (an agency's role, or a role of no
// agency): how many, and the earliest (Store::OverdueActionsByOwner).
struct OverdueByOwner {
  std::string owner_agency_id;  // empty: no agency
  v1::PractitionerRole owner_role = v1::PRACTITIONER_ROLE_UNSPECIFIED;
  int64_t overdue = 0;  // all of this owner's overdue actions
  std::vector<std::pair<std::string, OpenAction>> earliest;  // (case_id, action), earliest due first
};

// Which open actions a page lists (Store::ListOpenActions); each filter
// left at its default lists any.
struct OpenActionFilter {
  // Only those this agency owns; empty: any.
  std::string owner_agency_id;
  // Only those this role owns; UNSPECIFIED: any.
  v1::PractitionerRole owner_role = v1::PRACTITIONER_ROLE_UNSPECIFIED;
  // Only those due before this.
  absl::Time due_before = absl::InfiniteFuture();
};

// The subscriber streams of the accepting process, offered to the store so
// that a delivery to one of them is leased to it in the accepting
// transaction: no claim transaction, no wait for a poll. Implemented by the
// server (DeliveryDispatcher::HandOff).
class StreamOffer {
 public:
  virtual ~StreamOffer() = default;
  // The lease owner of a stream of `recipient`'s with room for one more
  // delivery, which stays reserved for it; "" if there is none. May be called
  // again for the same recipient (a transaction that is retried).
  virtual std::string Reserve(const std::string& recipient) = 0;
  // Gives back one reservation Reserve made for `lease_owner`, which the
  // transaction it was made for did not use: it failed, or the delivery
  // waits PENDING behind an earlier message of its case.
  virtual void Unreserve(const std::string& lease_owner) = 0;
  // How long such a lease lasts.
  virtual absl::Duration lease() const = 0;
};

// A delivery leased to a stream in the accepting transaction: the message
// as its recipient receives it.
struct HandedOut {
  std::string recipient_agency_id;
  std::string lease_owner;
  v1::RoutedMessage message;
};

// What accepting a submission produced.
struct Accepted {
  v1::SubmitResponse receipt;
  // The deliveries leased to StreamOffer's streams; empty for a replay.
  std::vector<HandedOut> handed_out;
  // Recipients with a delivery left PENDING that a claim may take (no
  // local stream had room): the ones whose streams must be woken. Not one
  // left waiting behind an earlier delivery of its case: acknowledging that
  // one says it is due (AckOutcome::more_due).
  std::vector<std::string> pending_recipients;
};

// What an acknowledgement changed.
struct AckOutcome {
  int acknowledged = 0;  // deliveries not acknowledged before
  // The recipient has deliveries a claim may take now (a message of the
  // same case that waited for this one, say): worth a claim.
  bool more_due = false;
};

// A submission to accept: a message to route, and what it adds to a case.
struct Submission {
  std::string sender_agency_id;
  // The RPC's name and the client's idempotency key; request_sha256 is a
  // digest of the request, so a retry can be told from a reuse of the key.
  std::string method;
  std::string idempotency_key;
  std::string request_sha256;
  // The case the message is about; empty with new_child (opens a case) or
  // for a report without a linked child.
  std::string case_id;
  // Opens a case. The child is the one the store holds under the same NHS
  // number (new_child.details.nhs_number) if there is one, and a new child
  // otherwise: never found by name or date of birth. The case keeps the
  // child as described here either way.
  const v1::NewChild* new_child = nullptr;
  // Respond: the message answered. The sender must have received it (a
  // delivery addressed to it, claimed or not). The response goes on the
  // answered message's case, whatever case_id says.
  std::string in_reply_to;
  // kind and body; the store fills in ids and times.
  v1::RoutedMessage message;
  // Appended to the case's record.
  v1::CaseUpdate record_append;
  absl::Time accepted_at;
  // With new_child: when the case began (at the latest accepted_at).
  absl::Time opened_at = absl::InfiniteFuture();
  // Streams that may take deliveries at once; null: none.
  StreamOffer* streams = nullptr;
};

// Whether `s` touches no case: no case_id, no new child, not a reply. Such a
// submission locks nothing another needs and its routing reads nothing from
// the store, so it can share a transaction with others (AcceptAll).
inline bool TouchesNoCase(const Submission& s) {
  return s.case_id.empty() && s.new_child == nullptr && s.in_reply_to.empty();
}
// A submission on an existing case named by its id: not a new child's, not a
// response's (whose case is the replied message's).
inline bool OnCaseById(const Submission& s) {
  return !s.case_id.empty() && s.new_child == nullptr && s.in_reply_to.empty();
}
// A submission that opens a case for a new child: a concern's.
inline bool OpensCase(const Submission& s) { return s.new_child != nullptr && s.in_reply_to.empty(); }
// Which child a submission that opens a case is about, so that two about one
// child are never accepted in one group: its NHS number's ten digits, or ""
// for none (or for a number not valid, which the store refuses).
inline std::string NewChildKey(const Submission& s) {
  absl::StatusOr<std::string> digits = NormalizeNhsNumber(s.new_child->details().nhs_number());
  return digits.ok() ? *std::move(digits) : std::string();
}

// Decides, from the case as it is inside the accepting transaction (with
// record_append already applied; nullptr without a case) and the message
// replied to (nullptr unless a response), whether the submission stands,
// who receives it, and what the hub sends with it. An error aborts the
// submission: nothing is written.
using RouteFn = std::function<absl::StatusOr<Routing>(const CaseView* case_view,
                                                      const RepliedMessage* replied)>;

// A delivery set aside after too many attempts, for an operator.
struct DeadDelivery {
  int64_t delivery_id = 0;
  std::string message_id;
  std::string recipient_agency_id;
  v1::MessageKind kind = v1::MESSAGE_KIND_UNSPECIFIED;
  int attempts = 0;
  absl::Time created_at;
};

// What is waiting for one agency, and whether it is there to take it
// (Store::DeliveriesByAgency).
struct AgencyDeliveries {
  std::string agency_id;
  int64_t pending = 0;
  int64_t leased = 0;
  int64_t dead = 0;
  absl::Time oldest_undelivered = absl::InfiniteFuture();
  // Inbox streams it holds open, on the hub processes still reporting.
  int64_t open_streams = 0;
  // The latest any hub process saw it (AgencyPresence); InfinitePast: never.
  absl::Time last_seen = absl::InfinitePast();
  // When the client certificate it last called with expires, the latest
  // any hub process reported; InfinitePast: none reported.
  absl::Time cert_not_after = absl::InfinitePast();
};

// One agency as one hub process sees it (Store::ReportPresence).
struct AgencyPresence {
  std::string agency_id;
  // Its inbox streams open on the process now.
  int open_streams = 0;
  // Its latest call to the process, or now while it holds a stream open
  // there (the hub process's clock).
  absl::Time last_seen = absl::InfinitePast();
  // When the client certificate of its latest call here expires;
  // InfinitePast: not known (no call here since the process started).
  absl::Time cert_not_after = absl::InfinitePast();
};

// The open actions one agency owns (Store::CountOpenActions).
struct OpenActionCount {
  // Empty: actions owned by a role with no agency named.
  std::string owner_agency_id;
  int64_t open = 0;
  // Of those, due before the time asked about.
  int64_t overdue = 0;
};

// The store's database connections now (Store::Connections).
struct ConnectionUse {
  int open = 0;    // open, idle or leased
  int in_use = 0;  // leased to a transaction
  int max = 0;     // the most the store opens; 0: unknown
};

// How deliveries are leased and retried.
struct DeliveryPolicy {
  // How long a stream may hold a delivery without acknowledging it.
  absl::Duration lease = absl::Seconds(30);
  // After an expired lease, the delivery waits initial_backoff * 2^(n-1)
  // (at most max_backoff) before the n-th redelivery.
  absl::Duration initial_backoff = absl::Seconds(1);
  absl::Duration max_backoff = absl::Minutes(5);
  // Handed out this many times without an ack: dead-lettered.
  int max_attempts = 10;
};

// A member of staff as the store keeps them: what a sign-in checks.
struct StaffAccount {
  v1::StaffMember member;
  std::string password_hash;  // argon2id, encoded (staff/password_hash.h)
  std::string totp_secret;    // opened
  int64_t totp_last_step = 0;
  int failed_attempts = 0;
  absl::Time last_failure = absl::InfinitePast();
  absl::Time locked_until = absl::InfinitePast();
};

// A console session, found by the SHA-256 of its token.
struct StaffSession {
  v1::StaffMember member;
  absl::Time created_at;
  absl::Time last_seen_at;
  absl::Time expires_at;
};

// A walk of the audit chain, and what it found (the console's Record page).
struct AuditVerification {
  int64_t verified_up_to = 0;  // the last good row
  std::string head_hash;       // that row's hash, hex
  absl::Time verified_at;
  bool intact = false;
  std::string problem;      // where it broke, if it did
  std::string verified_by;  // a member of staff's username
};

// Everything the hub holds about one child, for a subject access export
// (Store::ExportChild).
struct ChildExport {
  std::string child_id;
  // The child as the hub first knew them (the child's own row).
  v1::ChildDetails details;
  v1::Child facts;
  // Every case of the child, oldest first, each with every message about it
  // (not one reader's share), its case file, involved agencies and readers;
  // pathway left for the caller to evaluate.
  std::vector<v1::GetCaseResponse> cases;
  // Every access to the child's record, newest first (as
  // ListRecordAccesses lists them).
  std::vector<v1::RecordAccess> accesses;
  // False while audit rows sealed before the access index existed are still
  // being indexed: older accesses may be missing.
  bool accesses_complete = false;
};

class Store {
 public:
  virtual ~Store() = default;

  // OK if the database answers a query now.
  virtual absl::Status Ping() = 0;
  // The server (or cluster node) the store writes through now, for the log
  // and health reports; empty if that means nothing.
  virtual std::string DatabaseNode() const { return ""; }

  // Makes the stored agencies match the registry: new ones are added,
  // changed ones updated, and ones no longer registered are retired (kept,
  // because stored messages refer to them). Returns how many rows changed;
  // syncing the same registry twice changes nothing the second time.
  virtual absl::StatusOr<int> SyncAgencies(const std::vector<v1::Agency>& agencies) = 0;

  // The agencies not retired, ordered by id.
  virtual absl::StatusOr<std::vector<v1::Agency>> ListAgencies() = 0;

  // --- Intake -------------------------------------------------------------

  // Accepts `submission` in one transaction: the idempotency record, the
  // child and case (when new_child), the record appended to the case, the
  // message, a delivery for each agency `route` names, and the follow-ups
  // it asks for (each once per trigger and case; a submission on no case
  // has none); the sender and the recipients of a case message become
  // involved with the case. Returns the receipt. A retry with the same key
  // and request returns the first receipt and writes nothing; the same key with another request is
  // ALREADY_EXISTS. NoSuchCase for an unknown case_id (and, from the route, for
  // a case the sender may not write to), NOT_FOUND for an in_reply_to the
  // sender never received; FAILED_PRECONDITION if the case would hold more
  // than kMaxCaseEntries. A delivery to a recipient submission.streams
  // has a stream for is leased to that stream at once, unless an earlier
  // delivery of the same case to the same recipient is still outstanding.
  virtual absl::StatusOr<Accepted> Accept(const Submission& submission, const RouteFn& route) = 0;
  // Several submissions at once, each answered as Accept would answer it
  // alone. Those that touch no case (no case_id, new_child or in_reply_to:
  // an Operation Liberty report about no particular child) share one
  // transaction and a handful of multi-row statements (a group commit);
  // those on an existing case named by its id (OnCaseById), each case once,
  // and those opening a case (OpensCase), each child once (NewChildKey),
  // share another, which locks the cases in the order of their ids; the
  // others (a response, a case's second submission), and any a group could
  // not take, are accepted one by one, in the order given.
  struct SubmissionAndRoute {
    const Submission* submission;
    const RouteFn* route;
  };
  virtual std::vector<absl::StatusOr<Accepted>> AcceptAll(const std::vector<SubmissionAndRoute>& batch) = 0;

  // A case, for `reader_agency_id`: NoSuchCase if there is no such case or
  // the reader is not involved with it. Messages are those the reader sent
  // or received, oldest first. The read is journalled (CASE_READ), with
  // `reader_staff_id` when a member of staff read it through the console
  // ("" for an agency's own system).
  virtual absl::StatusOr<v1::GetCaseResponse> ReadCase(const std::string& case_id,
                                                       const std::string& reader_agency_id,
                                                       const std::string& reader_staff_id) = 0;

  // --- Delivery -----------------------------------------------------------
  //
  // Two clocks. Leases and backoffs run on the database's clock (NOW(6)),
  // never on a caller's: a lease taken through one hub process is expired
  // by another, and the database is the one clock they all share, so the
  // hosts' clocks drifting apart cannot shorten or stretch a lease (and the
  // accepting transaction leases hand-outs the same way). What these methods
  // write into a case's record is in the hub's time instead, given by the
  // caller (`now`, from its Clock): an acknowledgement's time is compared
  // with the case's other times and deadlines, which are all the hub's.

  // Leases to `lease_owner` up to `limit` deliveries for `recipient` that
  // are due, in the order they fell due (a new delivery when it was
  // accepted, a retried one when its backoff ended), at most one
  // unacknowledged per case. Safe from several streams and processes at
  // once: a delivery is leased to one owner at a time.
  virtual absl::StatusOr<std::vector<v1::RoutedMessage>> ClaimDeliveries(
      const std::string& recipient, const std::string& lease_owner, int limit,
      const DeliveryPolicy& policy) = 0;

  // Marks the recipient's deliveries ACKED; says how many were not already,
  // and whether the recipient has more due. An acknowledgement that completes a case event (an IRO
  // notification acknowledged by the IRO service) sets that event's
  // acknowledged_at to `now` in the same transaction, and has the case
  // reviewed at `now`. NOT_FOUND (and nothing changed) if any id is not
  // addressed to `recipient`.
  virtual absl::StatusOr<AckOutcome> Acknowledge(const std::string& recipient,
                                                 const std::vector<int64_t>& delivery_ids, absl::Time now) = 0;
  // Several agencies' acknowledgements in one transaction (a group commit),
  // each answered as Acknowledge would answer it alone: a request naming a
  // delivery not addressed to its agency gets NOT_FOUND and changes nothing,
  // and the others go ahead. The outer status fails only if the database
  // did. If the group's transaction fails for another reason (one
  // request's case cannot be written, say), each request is tried again
  // alone, so that only the one at fault fails.
  struct AckRequest {
    std::string recipient;
    std::vector<int64_t> delivery_ids;
  };
  virtual absl::StatusOr<std::vector<absl::StatusOr<AckOutcome>>> AcknowledgeAll(
      const std::vector<AckRequest>& requests, absl::Time now) = 0;

  // The stream `lease_owner` of agency `recipient` ended: its leased
  // deliveries are due again now (or DEAD after policy.max_attempts). The
  // recipient finds them among the agency's own leased deliveries, a few
  // streams' windows, so that no index on the lease owner is kept up on
  // every hand-out and acknowledgement.
  virtual absl::StatusOr<int> ReleaseLeases(const std::string& recipient, const std::string& lease_owner,
                                            const DeliveryPolicy& policy) = 0;

  // The deliveries of `recipient` leased to `lease_owner` and not yet
  // acknowledged (an agency may acknowledge through another hub process
  // than its stream's).
  virtual absl::StatusOr<std::vector<int64_t>> LeasedTo(const std::string& recipient,
                                                        const std::string& lease_owner) = 0;

  // Leases past their end go back to PENDING with a backoff, or to DEAD
  // after policy.max_attempts. Returns how many changed.
  virtual absl::StatusOr<int> ExpireLeases(const DeliveryPolicy& policy) = 0;

  // Every recipient with a delivery due now (at most one row per agency).
  virtual absl::StatusOr<std::vector<std::string>> RecipientsWithDueDeliveries() = 0;

  virtual absl::StatusOr<std::vector<DeadDelivery>> ListDeadDeliveries(int limit) = 0;
  // Back to PENDING with attempts reset; all dead deliveries if `ids` is
  // empty. Returns how many. Journalled as DELIVERY_REQUEUED: who and why
  // from `requeued_by` (actor_agency_id, staff_id, method, detail: the
  // reason), which ids the store adds.
  virtual absl::StatusOr<int> RequeueDeadDeliveries(const std::vector<int64_t>& ids,
                                                     const v1::AuditRecord& requeued_by) = 0;
  // Every agency with a delivery not yet acknowledged, or that a hub process
  // has reported seeing (ReportPresence), by agency id.
  virtual absl::StatusOr<std::vector<AgencyDeliveries>> DeliveriesByAgency() = 0;

  // --- Presence: which agencies each hub process sees ----------------------
  //
  // A stream exists only in the process holding it, so each process reports
  // what it sees (service/presence_reporter.h) and DeliveriesByAgency adds
  // the reports up: the streams of the reports still live, the latest
  // last_seen of every report, live or not.

  // `hub_process`'s report, in one transaction: for each agency of
  // `presence`, its open streams (replacing the process's last report of
  // them) and last_seen (the later of the stored and the given). The
  // process's reports count until `live_for` after now, on the database's
  // clock; after that the process is taken for gone: its streams are no
  // longer counted, its last_seen still is. (An agency left out keeps its
  // last report, counted as long as that report lives.) Then, apart, folds
  // the reports of processes gone into one record per agency, so that the
  // reports kept do not grow with every process that was ever killed.
  virtual absl::Status ReportPresence(const std::string& hub_process, const std::vector<AgencyPresence>& presence,
                                      absl::Duration live_for) = 0;
  // `hub_process` stops, in one transaction: at once, its streams are no
  // longer counted; the last_seen it reported still is, and so is that of
  // `last` (what it saw since its last report; open_streams ignored).
  virtual absl::Status EndPresence(const std::string& hub_process, const std::vector<AgencyPresence>& last) = 0;

  // --- Deadlines -----------------------------------------------------------

  // Claims up to `limit` cases whose next deadline is at or before `now`
  // (skipping cases another process is reviewing), and for each runs
  // `review` and writes what it decides, all in one transaction (one commit
  // for the batch). If that transaction fails, its cases are reviewed again
  // one a transaction, so that a case whose review fails holds up no other:
  // that one is put back, due again some minutes later. Returns how many
  // cases were reviewed. `review` may run more than once for a case (a
  // transaction retried), and only the last run's decision is written.
  // With `streams`, an alert to a recipient one of them can take is leased to
  // it in the review's transaction, as a submission's delivery is
  // (StreamOffer), and returned in `handed_out` for the caller to hand over
  // once this returns; the rest are left PENDING for a claim.
  virtual absl::StatusOr<int> ReviewDueCases(absl::Time now, int limit, const ReviewFn& review,
                                             StreamOffer* streams, std::vector<HandedOut>* handed_out) = 0;
  absl::StatusOr<int> ReviewDueCases(absl::Time now, int limit, const ReviewFn& review) {
    return ReviewDueCases(now, limit, review, nullptr, nullptr);
  }

  // Open actions that `filter` lets through, earliest due first, as of
  // their case's last evaluation (an action's chair is unspecified if the
  // case was last evaluated before the store kept chairs). `page_token` is
  // empty or a previous page's next_page_token, for the same filter.
  virtual absl::StatusOr<ActionPage> ListOpenActions(const OpenActionFilter& filter, int page_size,
                                                     const std::string& page_token) = 0;
  // The open actions due before `now`, by owner (agency and role): each
  // owner's count, and its `per_owner` earliest (due_at, case_id, rule_id).
  // Counted in the database, so that its cost in memory and in rows read
  // back is the owners', not the actions' (a backlog after an outage may
  // have hundreds of thousands). One consistent read.
  virtual absl::StatusOr<std::vector<OverdueByOwner>> OverdueActionsByOwner(absl::Time now, int per_owner) = 0;

  // --- Staff and their console sessions (docs/console.md) -------------------
  // Sessions are found by the SHA-256 of their token; the token itself is
  // never stored. Every change here is journalled with `audit`.

  // ALREADY_EXISTS if the username is taken; INVALID_ARGUMENT naming
  // agency_id if it is not a stored agency.
  virtual absl::Status AddStaff(const v1::StaffMember& member, const std::string& password_hash,
                                const std::string& totp_secret, absl::Time now,
                                const v1::AuditRecord& audit) = 0;
  // NOT_FOUND if there is no such member of staff.
  virtual absl::StatusOr<StaffAccount> FindStaff(const std::string& username) = 0;
  virtual absl::StatusOr<std::vector<v1::StaffMember>> ListStaff() = 0;
  // Changes one member of staff and ends every session of theirs (NOT_FOUND
  // if there is none): disabled or enabled again; a new password (which
  // also lifts a lock-out); a new TOTP secret (every code of the old one
  // refused from now on).
  virtual absl::Status SetStaffDisabled(const std::string& username, bool disabled, absl::Time now,
                                        const v1::AuditRecord& audit) = 0;
  virtual absl::Status ResetStaffPassword(const std::string& username, const std::string& password_hash,
                                          const v1::AuditRecord& audit) = 0;
  virtual absl::Status ResetStaffTotp(const std::string& username, const std::string& totp_secret,
                                      const v1::AuditRecord& audit) = 0;
  // A failed sign-in: one more failed attempt at `now`, and the lock-out
  // the caller decided (InfinitePast: none). Returns the attempts so far.
  virtual absl::StatusOr<int> RecordSignInFailure(const std::string& username, absl::Time now,
                                                  absl::Time locked_until, const v1::AuditRecord& audit) = 0;
  // A sign-in that passed: the session is stored, the failures cleared and
  // `totp_step` kept as the last step used, all at once. FAILED_PRECONDITION
  // if that step (or a later one) was used already: another sign-in took
  // the same code first.
  virtual absl::Status StartSession(const std::string& username, int64_t totp_step,
                                    const std::string& token_sha256, absl::Time now, absl::Time expires_at,
                                    const v1::AuditRecord& audit) = 0;
  // The session and its member of staff; NOT_FOUND if there is none.
  virtual absl::StatusOr<StaffSession> FindSession(const std::string& token_sha256) = 0;
  // The session was used at `now`.
  virtual absl::Status TouchSession(const std::string& token_sha256, absl::Time now) = 0;
  // Ends the session (signed out, or found expired); `audit` may be empty
  // (no record).
  virtual absl::Status EndSession(const std::string& token_sha256, const v1::AuditRecord& audit) = 0;

  // --- The record (docs/audit.md) ------------------------------------------
  // Every method above that changes or reads a case writes its own audit
  // records in its own transaction, into a journal; SealAudit moves them
  // into the hash chain. These are for what happens outside those
  // transactions (a refused call), for sealing, and for reading the chain.

  // Records `records` (seq and hash are given when they are sealed).
  virtual absl::Status RecordAudit(std::vector<v1::AuditRecord> records) = 0;
  // Seals journalled records into the chain, oldest first; returns how
  // many. A journal row (one transaction's records) is sealed whole, so a
  // call may seal a few more than `limit`; fewer means the journal had no
  // more it could take. Safe from several processes at once.
  virtual absl::StatusOr<int> SealAudit(int limit) = 0;
  // Records journalled and not sealed yet.
  virtual absl::StatusOr<int64_t> UnsealedAuditCount() = 0;
  // Up to `limit` rows from `from_seq` on, in seq order, as stored.
  virtual absl::StatusOr<std::vector<audit::StoredRow>> ReadAudit(int64_t from_seq, int limit) = 0;
  // Indexes up to `limit` audit rows sealed before the access index
  // existed (or while a catch-up was behind), from its watermark on; the
  // sealer indexes what it seals itself. Returns true once every sealed row
  // is indexed. Safe from several processes at once.
  virtual absl::StatusOr<bool> IndexAuditAccesses(int limit) = 0;
  // The accesses to a child's data (docs/data-protection.md, "Who looked"):
  // those to `request`'s case (and to its child as a whole), or to any case
  // of its child, newest first, at most `limit`, before request.before_seq
  // if set; sealed rows only. NOT_FOUND naming case_id or child_id if there
  // is no such case or child. The read is journalled in the same
  // transaction: `read_by` (an ACCESS_LOG_READ record naming who and how),
  // to which the store adds the case_id or child_id.
  virtual absl::StatusOr<v1::ListRecordAccessesResponse> ListRecordAccesses(
      const v1::ListRecordAccessesRequest& request, int limit, const v1::AuditRecord& read_by) = 0;
  // The id of the child with this NHS number (ten digits), found by its
  // blind index under any key of the ring; NOT_FOUND (naming no number) if
  // the hub holds none.
  virtual absl::StatusOr<std::string> FindChildByNhsNumber(const std::string& nhs_number) = 0;
  // Everything held about the child, unsealed, for a subject access export;
  // journals `exported_by` (a SUBJECT_ACCESS_EXPORTED record naming who) in
  // the same transaction, with the child_id and, in detail, the case ids
  // added. NOT_FOUND naming child_id if there is no such child.
  virtual absl::StatusOr<ChildExport> ExportChild(const std::string& child_id,
                                                  const v1::AuditRecord& exported_by) = 0;
  // The newest row: an anchor to keep outside the database.
  virtual absl::StatusOr<audit::Anchor> AuditHead() = 0;
  // The last verification, replacing the one before; and reading it
  // (nullopt before the first).
  virtual absl::Status RecordAuditVerification(const AuditVerification& verification) = 0;
  virtual absl::StatusOr<absl::optional<AuditVerification>> LastAuditVerification() = 0;

  // --- Retention (docs/data-protection.md, "Retention") --------------------
  // A purge empties a record's personal data and payload and keeps its row
  // (ids, times, states), marked purged with its class and the SHA-256 of
  // what was stored; the audit chain gets a RECORD_PURGED tombstone for it,
  // in the same transaction. Each record is purged in a transaction of its
  // own, which checks under the record's row lock that it is still not
  // purged, not held and due (by `decide`, the schedule, on what it reads
  // under that lock): so any number of processes purging at once purge each
  // record once, with one tombstone.

  // A case not purged yet, as the schedule sees it.
  struct RetentionCase {
    std::string case_id;
    std::string child_id;
    // The child as the case's opener gave them (the case's own copy, or the
    // child's row).
    v1::Child facts;
    absl::Time opened_at;
    // The latest of opened_at and its messages' accepted_at.
    absl::Time last_contact;
    bool held = false;
  };
  // A message whose payload is not purged yet.
  struct RetentionMessage {
    std::string message_id;
    std::string case_id;  // "" for none
    absl::Time accepted_at;
    // When its last delivery was acknowledged or dead-lettered (accepted_at
    // with no delivery); InfiniteFuture while one is pending or leased.
    absl::Time settled_at;
    // Its case is under a legal hold.
    bool held = false;
  };
  // The schedule's word on a record: its class, and when it is due.
  struct RetentionDecision {
    v1::RecordClass record_class = v1::RECORD_CLASS_UNSPECIFIED;
    absl::Time due_at = absl::InfiniteFuture();
  };
  using CaseRetentionFn = std::function<RetentionDecision(const RetentionCase&)>;
  using MessageRetentionFn = std::function<RetentionDecision(const RetentionMessage&)>;
  // What one purge did.
  struct Purged {
    bool purged = false;
    // Why not, when not.
    enum class NotPurged { kNo, kHeld, kNotDue, kPurgedAlready };
    NotPurged not_purged_because = NotPurged::kNo;
    v1::RecordClass record_class = v1::RECORD_CLASS_UNSPECIFIED;
    std::string content_sha256;
    // A case's messages purged with it (each with its own tombstone).
    int messages = 0;
    // The child's own row purged too: none of their cases is kept.
    bool child = false;
  };
  struct LegalHold {
    std::string case_id;
    std::string held_by;
    absl::Time held_at;
    std::string reason;
  };

  // Up to `limit` cases not purged, by case id after `after_case_id`.
  virtual absl::StatusOr<std::vector<RetentionCase>> RetentionCases(const std::string& after_case_id,
                                                                    int limit) = 0;
  // Up to `limit` messages whose payload is not purged, by message id after
  // `after_message_id`.
  virtual absl::StatusOr<std::vector<RetentionMessage>> RetentionMessages(const std::string& after_message_id,
                                                                          int limit) = 0;
  // Purges the case if, under its lock, it is not purged, not held, and
  // `decide` says it is due at `now`: the child's details and facts (the
  // case's copy), its assessments and events, the payloads of its messages
  // (their deliveries not settled are dead-lettered), its open actions; and
  // the child's own row (details, facts, NHS number index) if none of the
  // child's other cases is kept. `purged_by` says who (actor, method).
  // NoSuchCase for an unknown case.
  virtual absl::StatusOr<Purged> PurgeCase(const std::string& case_id, absl::Time now,
                                           const CaseRetentionFn& decide, const v1::AuditRecord& purged_by) = 0;
  // Purges a message's payload if, under its lock, it is not purged, its
  // case is not held, and `decide` says it is due at `now`. NOT_FOUND for an
  // unknown message.
  virtual absl::StatusOr<Purged> PurgeMessage(const std::string& message_id, absl::Time now,
                                              const MessageRetentionFn& decide,
                                              const v1::AuditRecord& purged_by) = 0;
  // Places a legal hold on a case (`hold`), or releases it, journalled as
  // LEGAL_HOLD_CHANGED with `changed_by` (actor, method; detail: the
  // reason). NoSuchCase for an unknown case; FAILED_PRECONDITION if the case
  // is held already (placing) or not held (releasing), or purged already
  // (placing).
  virtual absl::Status SetLegalHold(const std::string& case_id, bool hold, const std::string& reason,
                                    absl::Time now, const v1::AuditRecord& changed_by) = 0;
  virtual absl::StatusOr<std::vector<LegalHold>> ListLegalHolds() = 0;
  // Records purged so far, per class (message payloads as
  // RECORD_CLASS_MESSAGE_PAYLOAD).
  virtual absl::StatusOr<std::map<v1::RecordClass, int64_t>> PurgedCounts() = 0;
  // True for one caller in each `every`, across processes (`by` names the
  // caller): whether this one should sweep now. Only spares the others a
  // scan; a purge is once whatever this says.
  virtual absl::StatusOr<bool> ClaimRetentionSweep(const std::string& by, absl::Duration every) = 0;

  // --- Alerts and their mail (docs/operations.md) --------------------
  // The alerts raised and the mail queue, shared by every hub process: each
  // evaluates the alerts (service/alert_watcher.h) and applies what it found;
  // whichever applies a change first queues its mail, the others find it
  // applied. Times here are the hub's (`now`, from its Clock), as the
  // digest rule (alerting/alert_mail.h) is.

  // What one ApplyAlerts changed.
  struct AlertChanges {
    int raised = 0;
    int changed = 0;
    int cleared = 0;
    // Mails queued: one per change and mailbox.
    int queued = 0;
    // Not applied: another process applied a later evaluation already.
    bool stale = false;
  };
  // Makes the alerts stored as raised match `raised` (unique keys), at
  // `now`, in one transaction: a key not raised is raised; one raised in
  // another state changes (its words and mailboxes with it); one raised and
  // missing from `raised` clears. Each change is queued once for each of the
  // alert's mailboxes (a cleared alert's: those it was raised with). Appliers
  // take turns through one row every apply writes (a row lock on one server,
  // a certification conflict, retried, on a cluster), so two processes
  // applying at once queue each change once. An apply with `now` before the
  // last apply's is an older evaluation than one applied already: nothing
  // changes (stale). Sent mail older than 30 days, and alerts cleared that
  // long ago, are deleted in passing.
  virtual absl::StatusOr<AlertChanges> ApplyAlerts(const std::vector<alerting::Alert>& raised, absl::Time now) = 0;

  // A mailbox's queued changes, leased to one process to send.
  struct AlertMailClaim {
    std::string mailbox;
    std::vector<alerting::QueuedChange> changes;  // oldest first
  };
  // Leases to `owner` until now + `lease` up to `limit` mailboxes whose
  // queued changes are due at `now` by the digest rule (the first waiting
  // once `digest_interval` has passed since the mailbox's last mail) and
  // that no other process holds a lease on; returns each with every change
  // queued for it. A send that fails is left to its lease's end, then
  // claimed again: the lease is the retry's backoff.
  virtual absl::StatusOr<std::vector<AlertMailClaim>> ClaimAlertMail(const std::string& owner, absl::Time now,
                                                                     absl::Duration digest_interval,
                                                                     absl::Duration lease, int limit) = 0;
  // The claim's mail was accepted by the server at `now`: its changes are
  // sent, the mailbox's last mail is `now` (the next waits a digest
  // interval), its lease ends. Mail is sent at least once: a process that
  // dies after the server accepted a mail and before this call leaves the
  // lease to run out, and the mail is sent again by whoever claims it next.
  virtual absl::Status MarkAlertMailSent(const std::string& owner, const AlertMailClaim& claim, absl::Time now) = 0;

  // --- Metrics (metrics/, docs/operations.md) ----------------------
  // Read at each scrape of /metrics: cheap reads that lock nothing.

  // The open actions (as of each case's last evaluation) per owner agency,
  // and how many of them are due before `now`; agencies with none left out.
  virtual absl::StatusOr<std::vector<OpenActionCount>> CountOpenActions(absl::Time now) = 0;
  // The connections of the pool that serves the store's transactions (not
  // its health checks); all 0 if the store has no pool.
  virtual ConnectionUse Connections() const { return {}; }
};

}  // namespace cre

#endif  // CRE_HUB_STORE_STORE_H_
