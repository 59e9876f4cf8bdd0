// MysqlStore: reading a case for an agency involved with it: the case file,
// and the messages the reader sent or received.
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

absl::StatusOr<v1::GetCaseResponse> MysqlStore::ReadCase(const std::string& case_id,
                                                         const std::string& reader_agency_id,
                                                         const std::string& reader_staff_id) {
  v1::GetCaseResponse response;
  absl::Status status = RunTransaction(pool_, "read case", [&](sql::Connection& c) -> absl::Status {
    response.Clear();
    auto select = Prepare(c,
                          "SELECT c.opened_at, c.record, c.child_facts AS case_facts, c.child_details AS case_details,"
                          " c.purged_at, ch.child_id, ch.facts, ch.details FROM cre_case c"
                          " JOIN child ch ON ch.child_id = c.child_id WHERE c.case_id = ?");
    select->setString(1, case_id);
    std::unique_ptr<sql::ResultSet> row(select->executeQuery());
    if (!row->next()) return NoSuchCase(case_id);
    absl::StatusOr<std::vector<std::string>> involved = InvolvedAgencies(c, case_id);
    if (!involved.ok()) return involved.status();
    CRE_RETURN_IF_ERROR(MayRead(case_id, *involved, reader_agency_id));
    absl::optional<std::string> legacy;
    if (!row->isNull("record")) legacy = row->getString("record");
    response.set_case_id(case_id);
    if (!row->isNull("purged_at")) {
      // Purged under the retention schedule: what is left is the case's
      // ids and times, and when it was purged.
      CRE_ASSIGN_OR_RETURN(const absl::Time purged_at, TimeFromSql(row->getString("purged_at")));
      CRE_ASSIGN_OR_RETURN(const absl::Time opened_at, TimeFromSql(row->getString("opened_at")));
      *response.mutable_purged_at() = ToProtoTime(purged_at);
      response.mutable_case_file()->set_case_id(case_id);
      *response.mutable_case_file()->mutable_opened_at() = ToProtoTime(opened_at);
    } else {
      CRE_RETURN_IF_ERROR(
          BuildCaseFile(c, *row, case_id, legacy, EntryRead::kSnapshot, *cipher_, response.mutable_case_file())
              .status());
      absl::StatusOr<v1::ChildDetails> details = CaseChildDetailsOf(*row, case_id, *cipher_);
      if (!details.ok()) return details.status();
      *response.mutable_child_details() = *std::move(details);
    }
    for (std::string& agency : *involved) response.add_involved_agency_ids(std::move(agency));

    // Only what the reader sent or received: a school does not see police
    // intelligence that was not shared with it.
    auto messages = Prepare(c,
                            "SELECT m.message_id, m.body, m.purged_at, m.kind, m.sender_agency_id, m.in_reply_to,"
                            " m.accepted_at FROM message m WHERE m.case_id = ? AND"
                            " (m.sender_agency_id = ? OR EXISTS (SELECT 1 FROM delivery d"
                            "  WHERE d.message_id = m.message_id AND d.recipient_agency_id = ?))"
                            " ORDER BY m.accepted_at, m.message_id");
    messages->setString(1, case_id);
    messages->setString(2, reader_agency_id);
    messages->setString(3, reader_agency_id);
    std::unique_ptr<sql::ResultSet> rows(messages->executeQuery());
    while (rows->next()) {
      if (!rows->isNull("purged_at")) {
        // Its payload was purged under the retention schedule: its ids,
        // kind, sender and times stay.
        v1::RoutedMessage* purged = response.add_messages();
        purged->set_message_id(rows->getString("message_id"));
        v1::MessageKind kind = v1::MESSAGE_KIND_UNSPECIFIED;
        v1::MessageKind_Parse(std::string(rows->getString("kind")), &kind);
        purged->set_kind(kind);
        if (!rows->isNull("sender_agency_id")) purged->set_sender_agency_id(rows->getString("sender_agency_id"));
        if (!rows->isNull("in_reply_to")) purged->set_in_reply_to(rows->getString("in_reply_to"));
        purged->set_case_id(case_id);
        CRE_ASSIGN_OR_RETURN(const absl::Time accepted_at, TimeFromSql(rows->getString("accepted_at")));
        CRE_ASSIGN_OR_RETURN(const absl::Time purged_at, TimeFromSql(rows->getString("purged_at")));
        *purged->mutable_accepted_at() = ToProtoTime(accepted_at);
        *purged->mutable_purged_at() = ToProtoTime(purged_at);
        continue;
      }
      absl::StatusOr<v1::RoutedMessage> message = OpenSealed<v1::RoutedMessage>(
          *rows, "body", *cipher_, kMessageBody, rows->getString("message_id"));
      if (!message.ok()) return message.status();
      *response.add_messages() = *std::move(message);
    }
    const absl::Time read_at = absl::Now();
    auto reader = Prepare(c,
                          "INSERT INTO case_reader (case_id, reader_agency_id, staff_id, first_read_at, last_read_at)"
                          " VALUES (?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE last_read_at = VALUES(last_read_at),"
                          " read_count = read_count + 1");
    reader->setString(1, case_id);
    reader->setString(2, reader_agency_id);
    reader->setString(3, reader_staff_id);
    reader->setString(4, SqlTime(read_at));
    reader->setString(5, SqlTime(read_at));
    reader->executeUpdate();
    auto readers = Prepare(c,
                           "SELECT reader_agency_id, staff_id, first_read_at, last_read_at, read_count FROM case_reader"
                           " WHERE case_id = ? ORDER BY last_read_at DESC, reader_agency_id, staff_id");
    readers->setString(1, case_id);
    std::unique_ptr<sql::ResultSet> reader_rows(readers->executeQuery());
    while (reader_rows->next()) {
      v1::CaseReader* r = response.add_readers();
      r->set_agency_id(reader_rows->getString("reader_agency_id"));
      r->set_staff_id(reader_rows->getString("staff_id"));
      absl::StatusOr<absl::Time> first = TimeFromSql(reader_rows->getString("first_read_at"));
      absl::StatusOr<absl::Time> last = TimeFromSql(reader_rows->getString("last_read_at"));
      if (!first.ok()) return first.status();
      if (!last.ok()) return last.status();
      *r->mutable_first_read_at() = ToProtoTime(*first);
      *r->mutable_last_read_at() = ToProtoTime(*last);
      r->set_reads(reader_rows->getInt("read_count"));
    }

    v1::AuditRecord read = AuditOf(v1::AUDIT_EVENT_KIND_CASE_READ, reader_agency_id, read_at);
    read.set_method("GetCase");
    read.set_case_id(case_id);
    read.set_staff_id(reader_staff_id);
    return AppendAudit(c, {read});
  });
  if (!status.ok()) return status;
  return response;
}


}  // namespace cre::mysql
