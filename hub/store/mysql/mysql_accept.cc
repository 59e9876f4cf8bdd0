// MysqlStore: accepting submissions (the transactional outbox): the
// idempotency record, the case opened or locked, the casework's decision
// (RouteFn) written with the message, its deliveries and follow-ups, one
// transaction a submission, or one for a group of submissions that touch no
// case, or for a group on cases named by their ids.
#include <algorithm>
#include <memory>
#include <map>
#include <set>
#include <tuple>

#include "absl/cleanup/cleanup.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "casework/audit_records.h"
#include "common/ids.h"
#include "common/proto_time.h"
#include "common/status_macros.h"
#include "cppconn/exception.h"
#include "cppconn/prepared_statement.h"
#include "cppconn/resultset.h"
#include "spdlog/spdlog.h"
#include "store/mysql/case_entries.h"
#include "store/mysql/case_rows.h"
#include "store/mysql/message_rows.h"
#include "store/mysql/mysql_audit.h"
#include "store/mysql/mysql_store.h"
#include "store/mysql/sql_errors.h"
#include "store/mysql/sql_values.h"

namespace cre::mysql {
namespace {

// The first answer to this key, if there was one: the same answer for the
// same request, ALREADY_EXISTS for another request under the same key. The
// query, its row (ReplayRow: true), and the two as one round trip.
//
// A plain read, not a locking one: a locking read of a key not there yet
// takes a gap lock, and two submissions of one agency whose keys fall in the
// same gap would deadlock on their inserts. Two calls racing with the same
// key are caught by the key's uniqueness instead (Raced::on_key).
std::string ReplayQuery(const Submission& s) {
  return absl::StrCat("SELECT method, request_sha256, response FROM idempotency WHERE agency_id = ",
                      SqlBytes(s.sender_agency_id), " AND idempotency_key = ", SqlBytes(s.idempotency_key));
}

absl::StatusOr<bool> ReplayRow(sql::ResultSet& row, const Submission& s, v1::SubmitResponse* response) {
  if (row.getString("method") != s.method || row.getString("request_sha256") != s.request_sha256) {
    return absl::AlreadyExistsError(absl::StrCat(
        "idempotency_key: \"", s.idempotency_key,
        "\" was already used for a different request; use a new key for a new request"));
  }
  absl::StatusOr<v1::SubmitResponse> first = ParseBlob<v1::SubmitResponse>(row, "response");
  if (!first.ok()) return first.status();
  *response = *std::move(first);
  return true;
}

absl::StatusOr<bool> ReplayIfSeen(sql::Connection& c, const Submission& s, v1::SubmitResponse* response) {
  absl::StatusOr<bool> seen = false;
  RunBatch(c, {ReplayQuery(s)}, [&](size_t, sql::ResultSet& row) { seen = ReplayRow(row, s, response); });
  return seen;
}

absl::StatusOr<RepliedMessage> FindRepliedMessage(sql::Connection& c, const Submission& s,
                                                  std::string* case_id, const crypto::FieldCipher& k) {
  auto select = Prepare(c,
                        "SELECT m.sender_agency_id, m.kind, m.case_id, m.body, m.purged_at FROM message m"
                        " JOIN delivery d ON d.message_id = m.message_id"
                        " WHERE m.message_id = ? AND d.recipient_agency_id = ?");
  select->setString(1, s.in_reply_to);
  select->setString(2, s.sender_agency_id);
  std::unique_ptr<sql::ResultSet> row(select->executeQuery());
  if (!row->next()) {
    // Whether the message exists at all is not the caller's business.
    return absl::NotFoundError(
        absl::StrCat("message_id: no message ", s.in_reply_to, " was delivered to you"));
  }
  RepliedMessage replied;
  replied.message_id = s.in_reply_to;
  replied.sender_agency_id = row->getString("sender_agency_id");
  v1::MessageKind_Parse(std::string(row->getString("kind")), &replied.kind);
  if (!row->isNull("case_id")) *case_id = row->getString("case_id");
  if (!row->isNull("purged_at")) {
    return absl::FailedPreconditionError(absl::StrCat("in_reply_to: message ", s.in_reply_to,
                                                      " was purged under the retention schedule; it cannot be answered"));
  }
  absl::StatusOr<v1::RoutedMessage> body =
      OpenSealed<v1::RoutedMessage>(*row, "body", k, kMessageBody, s.in_reply_to);
  if (!body.ok()) return body.status();
  replied.message = *std::move(body);
  return replied;
}


// What casework's audit vocabulary needs to know of `s`.
AcceptedSubmission AcceptedOf(const Submission& s) {
  AcceptedSubmission accepted;
  accepted.sender_agency_id = s.sender_agency_id;
  accepted.method = s.method;
  accepted.accepted_at = s.accepted_at;
  accepted.opened_case = s.new_child != nullptr;
  accepted.record_append = &s.record_append;
  accepted.kind = s.message.kind();
  accepted.in_reply_to = s.in_reply_to;
  return accepted;
}

// What a call that lost the race on its idempotency key to a concurrent
// call with the same key is answered, if it is not run again (the group path
// runs its members again alone, Accept runs it again to replay the winner's
// receipt).
absl::Status ConcurrentKey() {
  return absl::AbortedError(
      "idempotency_key: another call with the same key was being accepted at the same time; retry");
}

bool IsDuplicateKey(const sql::SQLException& e) { return e.getErrorCode() == kErrDuplicateKey; }

// The last round trip of an accepting transaction: the receipts' INSERT
// (`receipts`: ReceiptRow, not empty), `writes`, the journal's row and the
// COMMIT. The receipts go first: a key seen before, or in use by a call
// being accepted right now, fails the batch there, and then nothing was
// written (the server runs none of a batch's statements after one that
// fails): ConcurrentKey. Returns the ids of the deliveries written.
absl::StatusOr<DeliveryIds> CommitAccepted(sql::Connection& c, const std::vector<std::string>& receipts,
                                           const WriteBatch& writes, const std::vector<v1::AuditRecord>& records) {
  std::vector<std::string> statements = {ReceiptInsert(receipts)};
  for (std::string& statement : writes.Statements()) statements.push_back(std::move(statement));
  statements.push_back(JournalInsert(records));
  size_t reached = 0;
  try {
    return CommitWrites(c, std::move(statements), &reached);
  } catch (const sql::SQLException& e) {
    if (reached != 0 || !IsDuplicateKey(e)) throw;
    return ConcurrentKey();
  }
}

// What a run of Accept's transaction lost to a concurrent call, if it
// failed for it: the caller runs the transaction again.
struct Raced {
  // A call with the same idempotency key committed first: run again, it is
  // answered with that call's receipt.
  bool on_key = false;
  // A call whose new child has the same NHS number committed that child
  // first: run again, this case is opened for that child.
  bool on_child = false;
};

// What a submission writes once its case (if any) is locked and loaded:
// the route's decision, the message, its deliveries (those a stream of this
// process takes handed out), the follow-ups, the case's new entries and
// schedule, added to `writes` for the transaction's last round trip; its
// receipt in `accepted`, and its audit records in `records`. Everything it
// reads was read with the case: nothing goes to the database here. An
// error leaves nothing to write.
absl::Status DecideAndWrite(const Submission& s, const RouteFn& route,
                            absl::optional<LoadedCase>& loaded, const RepliedMessage* replied,
                            const std::string& case_id, const OpenedChild& child, const crypto::FieldCipher& k,
                            HandOutState* hand_out, Accepted* accepted, WriteBatch* writes,
                            std::vector<v1::AuditRecord>* records) {
  v1::SubmitResponse* response = &accepted->receipt;
  CaseView* case_view = loaded ? &loaded->view : nullptr;
  if (loaded) {
    hand_out->ForCase(*loaded);
    writes->AddCase(case_id, loaded->locked);
  }

  // The route decides first whether the caller may write to the case at
  // all: nothing below may tell an outsider anything about it.
  absl::StatusOr<Routing> routing = route(case_view, replied);
  if (!routing.ok()) return routing.status();
  if (loaded) {
    CRE_RETURN_IF_ERROR(MayAppendEntries(case_id, loaded->stored.risk_assessments + loaded->stored.events,
                                         s.record_append.risk_assessments_size() + s.record_append.events_size()));
  }
  const std::vector<std::string> recipients = Deduplicated(routing->recipients);

  v1::RoutedMessage body = s.message;
  body.set_in_reply_to(s.in_reply_to);
  CRE_ASSIGN_OR_RETURN(const std::string message_id,
                       InsertMessage(s, body, case_id, recipients, routing->acknowledged_by, k, hand_out, writes));
  if (case_view != nullptr) {
    if (routing->event_kind != v1::EVENT_KIND_UNSPECIFIED) {
      AppendEvent(*case_view, routing->event_kind, s.accepted_at, message_id);
    }
    CRE_RETURN_IF_ERROR(WriteFollowUps(s, routing->follow_ups, *loaded, k, hand_out, response, writes));
    if (routing->schedule) CRE_RETURN_IF_ERROR(WriteSchedule(case_id, *routing->schedule, writes));
    CRE_RETURN_IF_ERROR(WriteNewEntries(*loaded, k, writes));
  }

  response->set_message_id(message_id);
  response->set_case_id(case_id);
  for (const std::string& recipient : recipients) response->add_recipient_agency_ids(recipient);
  *response->mutable_accepted_at() = ToProtoTime(s.accepted_at);

  // The hand-outs are journalled without their delivery ids, which the
  // writes are only now giving: the sealer adds them (mysql_audit.cc).
  AcceptedSubmission audited = AcceptedOf(s);
  audited.child_id = child.child_id;
  audited.known_child = child.known;
  std::vector<v1::AuditRecord> own = AuditOfAcceptance(audited, recipients, *response);
  records->insert(records->end(), own.begin(), own.end());
  AppendAuditOfHandOuts(hand_out->handed_out, s.accepted_at, records);
  return absl::OkStatus();
}

// The body of Accept, inside its transaction. `nhs_index` is needed with a
// new child only.
absl::Status AcceptInTransaction(sql::Connection& c, const Submission& s, const RouteFn& route,
                                 const crypto::FieldCipher& k, const crypto::BlindIndex* nhs_index,
                                 Accepted* accepted, Raced* raced) {
  v1::SubmitResponse* response = &accepted->receipt;
  std::string case_id = s.case_id;
  absl::optional<RepliedMessage> replied;
  // The case is locked from here to the commit: submissions to one case
  // (from any hub process) take turns, so a trigger is seen once.
  absl::optional<LoadedCase> loaded;
  OpenedChild child;
  if (OnCaseById(s)) {
    // Most of the case path: the key looked up, and the case locked and
    // read, in one round trip. The key's answer comes first: a retry is
    // answered as before, whatever became of the case since.
    absl::StatusOr<bool> seen = false;
    absl::StatusOr<LoadedCase> found =
        LoadCaseForUpdate(c, s, case_id, k, {kReadCommittedNext, ReplayQuery(s)},
                          [&](size_t, sql::ResultSet& row) { seen = ReplayRow(row, s, response); });
    if (!seen.ok()) return seen.status();
    if (*seen) return absl::OkStatus();
    if (!found.ok()) return found.status();
    loaded = *std::move(found);
  } else {
    absl::StatusOr<bool> seen = ReplayIfSeen(c, s, response);
    if (!seen.ok()) return seen.status();
    if (*seen) return absl::OkStatus();
    if (!s.in_reply_to.empty()) {
      absl::StatusOr<RepliedMessage> found = FindRepliedMessage(c, s, &case_id, k);
      if (!found.ok()) return found.status();
      replied = *std::move(found);
    }
    if (s.new_child != nullptr) {
      case_id = NewUuid();
      absl::StatusOr<LoadedCase> opened = OpenCase(c, s, case_id, k, *nhs_index, &child);
      raced->on_child = child.raced;
      if (!opened.ok()) return opened.status();
      loaded = *std::move(opened);
    } else if (!case_id.empty()) {
      absl::StatusOr<LoadedCase> found = LoadCaseForUpdate(c, s, case_id, k);
      if (!found.ok()) return found.status();
      loaded = *std::move(found);
    }
  }

  HandOutState hand_out;
  hand_out.streams = s.streams;
  WriteBatch writes;
  std::vector<v1::AuditRecord> records;
  CRE_RETURN_IF_ERROR(DecideAndWrite(s, route, loaded, replied ? &*replied : nullptr, case_id, child, k,
                                     &hand_out, accepted, &writes, &records));
  absl::StatusOr<DeliveryIds> ids = CommitAccepted(c, {ReceiptRow(s, *response)}, writes, records);
  if (!ids.ok()) {
    raced->on_key = true;  // run again, it is answered with that call's receipt
    return ids.status();
  }
  SetDeliveryIds(*ids, &hand_out.handed_out);
  accepted->handed_out = std::move(hand_out.handed_out);
  accepted->pending_recipients = Deduplicated(std::move(hand_out.pending_recipients));
  return absl::OkStatus();
}

// One member of a group on cases, between its round trips.
struct CaseMember {
  size_t index;  // in the batch
  std::unique_ptr<CaseLoad> load;  // on a case named by its id
  std::unique_ptr<CaseOpening> opening;  // opening a case for a new child
  std::string case_id;
  OpenedChild child;
  absl::optional<LoadedCase> loaded;  // hand_out points into it
  HandOutState hand_out;
  Accepted accepted;
  WriteBatch writes;
  std::vector<v1::AuditRecord> records;
  bool decided = false;  // its writes are in the group's
};

// The body of the transaction for a group of submissions on cases, each
// on an existing case named by its id (each case once), or opening a case
// for a new child (each NHS number once): batch[group[...]]. What
// AcceptInTransaction does for each, in two round trips for the whole
// group, of one statement a table each: the cases locked (in the order of
// their ids, so that two groups lock cases in one order) and read, and the
// new children looked up by NHS number, in one; every member's writes
// (WriteBatch), the receipts first, the new children and cases next and the
// journal's row last, with the commit in the other. (A case recorded before
// 0010 adds its own.) Fills (*results)[i] for each member accepted; one
// refused (an unknown case, a route that says no, a child found under an
// old key's index) writes nothing and is added to `alone`, for the caller to
// accept alone, which answers it as Accept does. An error return means the
// group as a whole failed (a key seen before among them, a new child's NHS
// number inserted meanwhile by another process), and the caller then accepts
// each alone.
absl::Status AcceptCaseGroupInTransaction(sql::Connection& c, const std::vector<Store::SubmissionAndRoute>& batch,
                                          const std::vector<size_t>& group, const crypto::FieldCipher& k,
                                          const crypto::BlindIndex* nhs_index,
                                          std::vector<absl::StatusOr<Accepted>>* results, std::vector<size_t>* alone) {
  std::vector<CaseMember> members(group.size());
  bool succeeded = false;
  // Run alone after a failure, each member reserves again: what this run
  // reserved is given back unless its writes succeed. (Should the commit
  // after them fail, the hand-off gives back what was never delivered.)
  absl::Cleanup give_back = [&] {
    if (succeeded) return;
    for (const CaseMember& m : members) {
      for (const HandedOut& out : m.hand_out.handed_out) batch[m.index].submission->streams->Unreserve(out.lease_owner);
    }
  };

  // 1. The cases locked and read, and the new children looked up, in one
  // round trip, a statement a table. The keys are not looked up: retries
  // are rare, and a key seen before fails the group at its receipt, which
  // sends every member alone (as the no-case group does).
  alone->clear();  // the body may run again
  std::vector<CaseLoad*> loads;
  std::vector<CaseOpening*> openings;
  for (size_t m = 0; m < group.size(); ++m) {
    const Submission& s = *batch[group[m]].submission;
    members[m].index = group[m];
    if (OnCaseById(s)) {
      members[m].case_id = s.case_id;
      members[m].load = std::make_unique<CaseLoad>(s, s.case_id, k);
      loads.push_back(members[m].load.get());
      continue;
    }
    // A new child's (AcceptAll sends them alone if the store has no
    // nhs_index). The single path answers a number refused here.
    absl::StatusOr<CaseOpening> opening = CaseOpening::Start(s, *nhs_index);
    if (!opening.ok()) {
      alone->push_back(group[m]);
      continue;
    }
    members[m].case_id = NewUuid();
    members[m].opening = std::make_unique<CaseOpening>(*std::move(opening));
    openings.push_back(members[m].opening.get());
  }
  std::vector<std::string> statements = {kReadCommittedNext};
  CaseLoads case_loads(loads);
  case_loads.AddStatements(&statements);
  ChildLookup children(openings);
  children.AddStatements(&statements);
  RunBatch(c, statements, [&](size_t statement, sql::ResultSet& row) {
    if (!case_loads.Row(statement, row)) children.Row(statement, row);
  });

  // 2. Each member decided, its writes kept for the last round trip. One
  // refused goes alone, after the group: its key's first answer, if it is
  // a retry, comes before whatever became of its case since.
  std::vector<std::string> receipts;
  for (CaseMember& m : members) {
    const Submission& s = *batch[m.index].submission;
    if (!m.load && !m.opening) continue;  // alone already
    // A child found under an old key's index is indexed anew alone, as
    // OpenCase does.
    if (m.opening && m.opening->FoundUnderOlderKey()) {
      alone->push_back(m.index);
      continue;
    }
    absl::StatusOr<LoadedCase> found = m.load ? m.load->Finish(c) : m.opening->Open(m.case_id, k, &m.writes, &m.child);
    if (!found.ok()) {
      alone->push_back(m.index);
      continue;
    }
    m.loaded = *std::move(found);
    m.hand_out.streams = s.streams;
    absl::Status decided = DecideAndWrite(s, *batch[m.index].route, m.loaded, /*replied=*/nullptr, m.case_id,
                                          m.child, k, &m.hand_out, &m.accepted, &m.writes, &m.records);
    if (!decided.ok()) {
      for (const HandedOut& out : m.hand_out.handed_out) s.streams->Unreserve(out.lease_owner);
      m.hand_out.handed_out.clear();
      m.writes = WriteBatch();
      alone->push_back(m.index);
      continue;
    }
    m.decided = true;
    receipts.push_back(ReceiptRow(s, m.accepted.receipt));
  }
  if (receipts.empty()) {
    succeeded = true;
    return absl::OkStatus();
  }

  // 3. Everything written, and the commit, in one round trip.
  WriteBatch writes;
  std::vector<v1::AuditRecord> records;
  for (CaseMember& m : members) {
    writes.Merge(std::move(m.writes));
    records.insert(records.end(), m.records.begin(), m.records.end());
  }
  CRE_ASSIGN_OR_RETURN(const DeliveryIds ids, CommitAccepted(c, receipts, writes, records));
  succeeded = true;  // written: the reservations are the streams' now
  for (CaseMember& m : members) {
    if (!m.decided) continue;
    SetDeliveryIds(ids, &m.hand_out.handed_out);
    m.accepted.handed_out = std::move(m.hand_out.handed_out);
    m.accepted.pending_recipients = Deduplicated(std::move(m.hand_out.pending_recipients));
    (*results)[m.index] = std::move(m.accepted);
  }
  return absl::OkStatus();
}

// One accepted member of a group, between its statements.
struct GroupMember {
  size_t index;  // in the batch
  std::vector<std::string> recipients;
  std::vector<std::string> lease_owners;  // per recipient; "" unless handed out
  Routing routing;
  v1::RoutedMessage body;  // as stored
  Accepted accepted;
};

// The body of the group transaction for batch[group[...]]: what
// AcceptInTransaction writes for a submission without a case, for the whole
// group in one round trip: one batch of multi-row statements (receipts,
// messages, deliveries, the audit records) ending in the commit. Fills
// (*results)[i] for each member; an error return means the group as a whole
// failed, and the caller then accepts each alone.
//
// The receipts go first, and a key seen before fails the batch there: that
// member is a retry (or reuses its key), which the single path answers by
// replaying the receipt or refusing. Retries are rare, so the group does not
// read the keys first.
absl::Status AcceptGroupInTransaction(sql::Connection& c, const std::vector<Store::SubmissionAndRoute>& batch,
                                      const std::vector<size_t>& group, const crypto::FieldCipher& k,
                                      std::vector<absl::StatusOr<Accepted>>* results) {
  // 1. Route each (pure: no case) and reserve its streams. If the group
  // fails, the members are accepted again, alone: what this run reserved
  // is given back unless it succeeds.
  std::vector<GroupMember> members;
  bool succeeded = false;
  absl::Cleanup give_back = [&] {
    if (succeeded) return;
    for (const GroupMember& m : members) {
      StreamOffer* streams = batch[m.index].submission->streams;
      for (const std::string& owner : m.lease_owners) {
        if (!owner.empty()) streams->Unreserve(owner);
      }
    }
  };
  for (size_t index : group) {
    const Submission& s = *batch[index].submission;
    absl::StatusOr<Routing> routing = (*batch[index].route)(nullptr, nullptr);
    if (!routing.ok()) {
      (*results)[index] = routing.status();
      continue;
    }
    GroupMember m;
    m.index = index;
    m.recipients = Deduplicated(routing->recipients);
    m.routing = *std::move(routing);
    m.body = s.message;
    m.body.set_message_id(NewUuid());
    m.body.set_sender_agency_id(s.sender_agency_id);
    *m.body.mutable_accepted_at() = ToProtoTime(s.accepted_at);
    m.lease_owners.resize(m.recipients.size());
    for (size_t r = 0; s.streams != nullptr && r < m.recipients.size(); ++r) {
      m.lease_owners[r] = s.streams->Reserve(m.recipients[r]);  // no case: nothing before it
    }
    v1::SubmitResponse& receipt = m.accepted.receipt;
    receipt.set_message_id(m.body.message_id());
    for (const std::string& recipient : m.recipients) receipt.add_recipient_agency_ids(recipient);
    *receipt.mutable_accepted_at() = ToProtoTime(s.accepted_at);
    members.push_back(std::move(m));
  }
  if (members.empty()) return absl::OkStatus();

  // 2. Receipts, messages and deliveries; with 3, one round trip in all.
  std::vector<std::string> receipts;
  for (const GroupMember& m : members) receipts.push_back(ReceiptRow(*batch[m.index].submission, m.accepted.receipt));
  WriteBatch writes;
  for (const GroupMember& m : members) {
    const Submission& s = *batch[m.index].submission;
    CRE_ASSIGN_OR_RETURN(std::string body, Sealed(m.body, k, kMessageBody, m.body.message_id()));
    writes.AddMessage(MessageRow(m.body, s.accepted_at, body, m.routing.acknowledged_by));
    const absl::Duration lease = s.streams != nullptr ? s.streams->lease() : absl::ZeroDuration();
    std::vector<DeliveryRow> deliveries;
    for (size_t r = 0; r < m.recipients.size(); ++r) {
      // No case: each message is its own order.
      deliveries.push_back({m.body.message_id(), m.recipients[r], m.body.message_id(), m.lease_owners[r], lease});
    }
    writes.AddDeliveries(std::move(deliveries));
  }

  // 3. The audit records and the commit, in the same round trip. The
  // hand-outs are journalled without their delivery ids, which the INSERT
  // above is only now giving: the sealer adds them (mysql_audit.cc), and
  // step 4 adds them to what the streams are handed.
  std::vector<v1::AuditRecord> records;
  for (GroupMember& member : members) {
    const Submission& s = *batch[member.index].submission;
    std::vector<v1::AuditRecord> own = AuditOfAcceptance(AcceptedOf(s), member.recipients, member.accepted.receipt);
    records.insert(records.end(), own.begin(), own.end());
    for (size_t r = 0; r < member.recipients.size(); ++r) {
      if (member.lease_owners[r].empty()) {
        member.accepted.pending_recipients.push_back(member.recipients[r]);
        continue;
      }
      member.accepted.handed_out.push_back({member.recipients[r], member.lease_owners[r], member.body});
    }
    AppendAuditOfHandOuts(member.accepted.handed_out, s.accepted_at, &records);
  }
  CRE_ASSIGN_OR_RETURN(const DeliveryIds delivery_ids,
                       CommitAccepted(c, receipts, writes, records));
  succeeded = true;  // written: the reservations are the streams' now

  // 4. What each member is answered: its hand-outs now with their ids.
  for (GroupMember& member : members) {
    SetDeliveryIds(delivery_ids, &member.accepted.handed_out);
    (*results)[member.index] = std::move(member.accepted);
  }
  return absl::OkStatus();
}

// Whether `s` (which opens a case) is the first of `seen`'s submissions
// about its child; one without an NHS number always is.
bool FirstOfItsChild(const Submission& s, std::set<std::string>* seen) {
  std::string child = NewChildKey(s);
  return child.empty() || seen->insert(std::move(child)).second;
}

}  // namespace

absl::StatusOr<Accepted> MysqlStore::Accept(const Submission& submission, const RouteFn& route) {
  if (submission.new_child != nullptr && !nhs_index_.ok()) return nhs_index_.status();
  const crypto::BlindIndex* nhs_index = nhs_index_.ok() ? &*nhs_index_ : nullptr;
  Accepted accepted;
  absl::Status status;
  // A call that lost a race runs again: on its key, to be answered with the
  // winner's receipt; on its new child's NHS number, to open its case for
  // the winner's child. Each race is lost once at most (the winner has
  // committed when the loser hears of it), so three runs are enough for
  // both.
  Raced raced;
  for (int run = 0; run < 3; ++run) {
    status = RunTransaction(pool_, submission.method, [&](sql::Connection& c) {
      accepted = Accepted();  // the body may run more than once
      raced = Raced();
      return AcceptInTransaction(c, submission, route, *cipher_, nhs_index, &accepted, &raced);
    });
    if (!raced.on_key && !raced.on_child) break;
  }
  if (!status.ok()) return status;
  return accepted;
}

std::vector<absl::StatusOr<Accepted>> MysqlStore::AcceptAll(const std::vector<SubmissionAndRoute>& batch) {
  std::vector<absl::StatusOr<Accepted>> results(batch.size(), absl::UnknownError("not accepted"));
  std::vector<size_t> group, on_cases, alone;
  std::set<std::pair<std::string, std::string>> keys;
  std::set<std::string> cases, new_children;
  for (size_t i = 0; i < batch.size(); ++i) {
    const Submission& s = *batch[i].submission;
    // A key twice in one group would collide with itself, a case twice
    // would be locked twice, and a new child's NHS number twice would make
    // two children of one: the repeat goes alone, after the group, and is
    // answered as a retry, or written after the first.
    const bool new_key = !keys.count({s.sender_agency_id, s.idempotency_key});
    if (new_key && TouchesNoCase(s)) {
      group.push_back(i);
    } else if (new_key && OnCaseById(s) && cases.insert(s.case_id).second) {
      on_cases.push_back(i);
    } else if (new_key && OpensCase(s) && nhs_index_.ok() && FirstOfItsChild(s, &new_children)) {
      on_cases.push_back(i);
    } else {
      alone.push_back(i);
      continue;
    }
    keys.insert({s.sender_agency_id, s.idempotency_key});
  }
  // A group of one too: one round trip, where Accept takes two.
  if (!group.empty()) {
    absl::Status status = RunTransaction(pool_, "accept group", [&](sql::Connection& c) {
      for (size_t i : group) results[i] = absl::UnknownError("not accepted");  // the body may run again
      return AcceptGroupInTransaction(c, batch, group, *cipher_, &results);
    });
    // The group failed as a whole (a key raced, the database went away):
    // each member on its own, so that each gets its own answer.
    if (!status.ok()) alone.insert(alone.end(), group.begin(), group.end());
  }
  if (!on_cases.empty()) {
    // Every group locks its cases in one order.
    std::sort(on_cases.begin(), on_cases.end(),
              [&](size_t a, size_t b) { return batch[a].submission->case_id < batch[b].submission->case_id; });
    std::vector<size_t> refused;
    absl::Status status = RunTransaction(pool_, "accept case group", [&](sql::Connection& c) {
      for (size_t i : on_cases) results[i] = absl::UnknownError("not accepted");  // the body may run again
      return AcceptCaseGroupInTransaction(c, batch, on_cases, *cipher_, nhs_index_.ok() ? &*nhs_index_ : nullptr,
                                          &results, &refused);
    });
    const std::vector<size_t>& each_alone = status.ok() ? refused : on_cases;
    alone.insert(alone.end(), each_alone.begin(), each_alone.end());
  }
  // In the order they came: a case's second submission after its first.
  std::sort(alone.begin(), alone.end());
  for (size_t i : alone) results[i] = Accept(*batch[i].submission, *batch[i].route);
  return results;
}

}  // namespace cre::mysql
