#include "store/mysql/message_rows.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "casework/audit_records.h"
#include "common/ids.h"
#include "common/proto_time.h"
#include "common/status_macros.h"
#include "store/mysql/case_rows.h"
#include "store/mysql/connection_pool.h"
#include "store/mysql/mysql_audit.h"
#include "store/mysql/sql_values.h"

namespace cre::mysql {

std::vector<std::string> Deduplicated(std::vector<std::string> ids) {
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

const std::string& CaseKey(const v1::RoutedMessage& body) {
  return body.case_id().empty() ? body.message_id() : body.case_id();
}

std::string MessageRow(const v1::RoutedMessage& body, absl::Time accepted_at, const std::string& sealed_body,
                       const std::string& event_acknowledged_by, const PurgedColumns* purged) {
  // Alerts the hub sends of its own accord have no sending agency.
  return absl::StrCat("(", SqlBytes(body.message_id()), ", ", SqlBytes(CaseKey(body)), ", ",
                      SqlBytes(v1::MessageKind_Name(body.kind())), ", ",
                      SqlBytesOrNull(body.sender_agency_id()), ", ", SqlBytesOrNull(body.case_id()), ", ",
                      SqlBytesOrNull(body.in_reply_to()), ", ", SqlTimeLiteral(accepted_at), ", ",
                      SqlBytes(sealed_body), ", ", SqlBytesOrNull(event_acknowledged_by), ", ",
                      purged != nullptr ? SqlTimeLiteral(purged->purged_at) : std::string("NULL"), ", ",
                      purged != nullptr ? SqlBytes(purged->sha256) : std::string("NULL"), ")");
}

// The first answer to `s`'s key, kept for its retries (ReplayIfSeen).
std::string ReceiptRow(const Submission& s, const v1::SubmitResponse& receipt) {
  return absl::StrCat("(", SqlBytes(s.sender_agency_id), ", ", SqlBytes(s.idempotency_key), ", ",
                      SqlBytes(s.method), ", ", SqlBytes(s.request_sha256), ", ",
                      SqlBytes(receipt.SerializeAsString()), ")");
}

std::string ReceiptInsert(const std::vector<std::string>& rows) {
  return absl::StrCat(
      "INSERT INTO idempotency (agency_id, idempotency_key, method, request_sha256, response) VALUES ",
      absl::StrJoin(rows, ", "));
}

std::string MessageInsert(const std::vector<std::string>& rows) {
  return absl::StrCat(
      "INSERT INTO message (message_id, case_key, kind, sender_agency_id, case_id, in_reply_to, accepted_at, body,"
      " event_acknowledged_by, purged_at, purged_sha256) VALUES ",
      absl::StrJoin(rows, ", "));
}

absl::StatusOr<std::string> InsertMessage(const Submission& s, v1::RoutedMessage body, const std::string& case_id,
                                          const std::vector<std::string>& recipients,
                                          const std::string& event_acknowledged_by,
                                          const crypto::FieldCipher& k,
                                          HandOutState* hand_out, WriteBatch* writes) {
  const std::string message_id = NewUuid();
  body.set_message_id(message_id);
  body.set_sender_agency_id(s.sender_agency_id);
  *body.mutable_accepted_at() = ToProtoTime(s.accepted_at);
  body.set_case_id(case_id);
  CRE_ASSIGN_OR_RETURN(const std::string sealed, Sealed(body, k, kMessageBody, message_id));
  writes->AddMessage(MessageRow(body, s.accepted_at, sealed, event_acknowledged_by));
  // The message's position in its case, counted by the case under the row
  // lock this transaction holds, for its deliveries' order: never the order
  // of their AUTO_INCREMENT ids, which on a Galera cluster each node gives
  // out in its own steps.
  int64_t order_seq = 0;
  if (!case_id.empty()) {
    CRE_ASSIGN_OR_RETURN(order_seq, writes->NextMessageSeq(case_id));
    std::vector<std::string> involved = recipients;
    if (!s.sender_agency_id.empty()) involved.push_back(s.sender_agency_id);
    writes->Involve(case_id, Deduplicated(std::move(involved)));
  }
  if (recipients.empty()) return message_id;

  // Which deliveries a stream of this process takes now.
  const std::string& order_key = CaseKey(body);
  std::vector<std::string> lease_owners(recipients.size());
  // Left PENDING behind an earlier delivery of the case to the recipient
  // (one of this process's streams had room for it).
  std::vector<bool> waits_behind(recipients.size());
  bool any_reserved = false;
  for (size_t i = 0; hand_out != nullptr && hand_out->streams != nullptr && i < recipients.size(); ++i) {
    lease_owners[i] = hand_out->streams->Reserve(recipients[i]);
    any_reserved = any_reserved || !lease_owners[i].empty();
  }
  if (!case_id.empty() && any_reserved) {
    // A message without a case has nothing before it. One with an earlier
    // message outstanding, stored or written in this transaction, waits
    // PENDING: the slot goes back at once.
    if (hand_out->outstanding == nullptr || !hand_out->child_details) {
      for (const std::string& owner : lease_owners) {
        if (!owner.empty()) hand_out->streams->Unreserve(owner);
      }
      return absl::InternalError(
          absl::StrCat("case ", case_id, ": its outstanding deliveries and child were not loaded to hand out"));
    }
    for (size_t i = 0; i < recipients.size(); ++i) {
      if (lease_owners[i].empty()) continue;
      if (hand_out->outstanding->count(recipients[i]) > 0 || hand_out->written_to.count(recipients[i]) > 0) {
        hand_out->streams->Unreserve(lease_owners[i]);
        lease_owners[i].clear();
        waits_behind[i] = true;
      }
    }
  }
  const bool any_leased =
      std::any_of(lease_owners.begin(), lease_owners.end(), [](const std::string& owner) { return !owner.empty(); });

  const absl::Duration lease = any_leased ? hand_out->streams->lease() : absl::ZeroDuration();
  std::vector<DeliveryRow> rows;
  for (size_t i = 0; i < recipients.size(); ++i) {
    rows.push_back({message_id, recipients[i], order_key, lease_owners[i], lease, order_seq});
  }
  writes->AddDeliveries(std::move(rows));

  if (hand_out != nullptr) {
    for (size_t i = 0; i < recipients.size(); ++i) {
      if (!case_id.empty()) hand_out->written_to.insert(recipients[i]);
      if (lease_owners[i].empty()) {
        // A delivery that waits behind an earlier one is for no claim yet:
        // its streams are woken when that one is acknowledged (AckOutcome::
        // more_due). The acknowledgement cannot slip in between: the
        // earlier delivery was read with a shared lock (CaseLoads), which
        // its acknowledgement's UPDATE waits for until this commits. (On a
        // Galera cluster locks are per node: an acknowledgement on another
        // node may miss it, and the poller finds it.)
        if (!waits_behind[i]) hand_out->pending_recipients.push_back(recipients[i]);
        continue;
      }
      // Its delivery id once the writes have run (CommitWrites).
      HandedOut out{recipients[i], lease_owners[i], body};
      if (!case_id.empty()) *out.message.mutable_child_details() = *hand_out->child_details;
      hand_out->handed_out.push_back(std::move(out));
    }
  }
  return message_id;
}

absl::Status WriteFollowUps(const Submission& s, const std::vector<FollowUp>& follow_ups, LoadedCase& loaded,
                            const crypto::FieldCipher& k, HandOutState* hand_out, v1::SubmitResponse* response,
                            WriteBatch* writes) {
  CaseView& case_view = loaded.view;
  const std::string& case_id = case_view.case_file.case_id();
  for (const FollowUp& follow_up : follow_ups) {
    // Those written here join the set: they are not in the table until the
    // writes run.
    if (!loaded.performed.insert(follow_up.trigger_key).second) continue;
    v1::RoutedMessage hub_body = follow_up.message;
    hub_body.set_sent_by_hub(true);
    // Part of the submission's handling: its trace (none for a deadline
    // review's alerts, which no call asked for).
    hub_body.set_traceparent(s.message.traceparent());
    const std::vector<std::string> to = Deduplicated(follow_up.recipients);
    Submission on_behalf = s;  // the trigger's time; the sender the hub acts for
    on_behalf.sender_agency_id = follow_up.on_behalf_of;
    CRE_ASSIGN_OR_RETURN(const std::string hub_message_id,
                         InsertMessage(on_behalf, hub_body, case_id, to, follow_up.acknowledged_by, k, hand_out,
                                       writes));
    writes->AddHubAction(case_id, follow_up.trigger_key, hub_message_id);
    if (follow_up.event_kind != v1::EVENT_KIND_UNSPECIFIED) {
      AppendEvent(case_view, follow_up.event_kind, s.accepted_at, hub_message_id);
    }
    v1::HubActionReceipt* receipt = response->add_hub_actions();
    receipt->set_message_id(hub_message_id);
    receipt->set_kind(hub_body.kind());
    receipt->set_notification_kind(hub_body.notification().kind());
    for (const std::string& recipient : to) receipt->add_recipient_agency_ids(recipient);
  }
  return absl::OkStatus();
}

DeliveryIds CommitWrites(sql::Connection& c, std::vector<std::string> statements, size_t* reached) {
  DeliveryIds ids;
  RunBatchAndCommit(c, std::move(statements), [&](size_t, sql::ResultSet& row) { AddDeliveryId(row, &ids); },
                    reached);
  return ids;
}

void SetDeliveryIds(const DeliveryIds& ids, std::vector<HandedOut>* handed_out) {
  for (HandedOut& out : *handed_out) {
    out.message.set_delivery_id(ids.at({out.message.message_id(), out.recipient_agency_id}));
  }
}

void AppendAuditOfHandOuts(const std::vector<HandedOut>& handed_out, absl::Time at,
                           std::vector<v1::AuditRecord>* records) {
  for (const HandedOut& out : handed_out) {
    records->push_back(AuditOfHandOutOnAcceptance(out.message, out.recipient_agency_id, out.lease_owner, at));
  }
}

}  // namespace cre::mysql
