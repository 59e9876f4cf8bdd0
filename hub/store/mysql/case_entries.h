// A case's record as rows: each risk assessment and case event is a
// case_entry row of its own (migrations/0010), appended and never rewritten,
// so that a case can grow for as long as the child's records are kept.
//
//   CaseFile file;
//   CRE_ASSIGN_OR_RETURN(StoredExtent stored, ReadCaseEntries(c, id, legacy, k, &file));
//   ... append assessments and events to `file` ...
//   CRE_RETURN_IF_ERROR(AppendCaseEntries(file, stored, k, &rows));  // written with the commit
//
// Only the writer that holds the case's row lock (SELECT ... FOR UPDATE on
// cre_case) appends: it gives the entries their seq, so no order comes from
// AUTO_INCREMENT. A case recorded before 0010 still has its whole record in
// cre_case.record; MoveLegacyRecord turns it into rows the first time the
// hub writes to the case.
#ifndef CRE_HUB_STORE_MYSQL_CASE_ENTRIES_H_
#define CRE_HUB_STORE_MYSQL_CASE_ENTRIES_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "cppconn/connection.h"
#include "cppconn/resultset.h"
#include "cre/v1/case_file.pb.h"
#include "cre/v1/routed_message.pb.h"
#include "crypto/field_cipher.h"

namespace cre::mysql {

// How much of a case is stored: the entries of each kind, and the last seq.
struct StoredExtent {
  int risk_assessments = 0;
  int events = 0;
  int last_seq = 0;
  // The entries are still in cre_case.record (before 0010), not in rows.
  bool legacy = false;
};

// How ReadCaseEntries reads the rows. A writer holds the case's row lock
// and must see every entry committed before it took it, which its
// transaction's snapshot may predate: kLatest is a locking read. A reader
// takes its snapshot as it is: kSnapshot.
enum class EntryRead { kSnapshot, kLatest };

// Appends the case's stored assessments and events to `file`, in the order
// they were recorded: those of `legacy_record` (cre_case.record as stored,
// absent if NULL) first, then its rows.
absl::StatusOr<StoredExtent> ReadCaseEntries(sql::Connection& c, const std::string& case_id,
                                             const absl::optional<std::string>& legacy_record,
                                             const crypto::FieldCipher& k, EntryRead read, v1::CaseFile* file);

// ReadCaseEntries in parts, for a caller that reads the entries of cases
// without a legacy record in a batch of its own (RunBatch): the query (its
// rows in order of case and seq, each with its case_id), and each of its
// rows.
std::string CaseEntriesQuery(const std::vector<std::string>& case_ids, EntryRead read);
absl::Status AddCaseEntry(sql::ResultSet& row, const std::string& case_id, const crypto::FieldCipher& k,
                          v1::CaseFile* file, StoredExtent* stored);

// Moves a case's record from cre_case.record into rows, and clears the
// column. The caller holds the case's row lock. Returns the new extent.
absl::StatusOr<StoredExtent> MoveLegacyRecord(sql::Connection& c, const std::string& case_id,
                                              const std::string& legacy_record, const crypto::FieldCipher& k);

// Adds to `rows` the assessments and events of `file` past `stored` as new
// rows (CaseEntryRow; none if there are none), for the caller's last round
// trip. The caller holds the case's row lock; `stored` is not legacy.
absl::Status AppendCaseEntries(const v1::CaseFile& file, const StoredExtent& stored, const crypto::FieldCipher& k,
                               std::vector<std::string>* rows);

// Sets acknowledged_at on the event of `case_id` carried by `message_id`, if
// not set yet. Touches no sealed value, so it cannot fail on what the case
// holds. Returns whether an event changed.
absl::StatusOr<bool> CompleteCaseEvent(sql::Connection& c, const std::string& case_id,
                                       const std::string& message_id, absl::Time at,
                                       const crypto::FieldCipher& k);

// One entry row as SQL text (SqlBytes literals and the hub's own values),
// its body sealed for row (case_id, seq): `kind` is "RISK_ASSESSMENT" or
// "EVENT", `event` the event for an EVENT (its message_id and
// acknowledged_at are columns too), else null. For AppendCaseEntries, and
// for a bulk loader (benchmarks/history) that must write what it writes.
absl::StatusOr<std::string> CaseEntryRow(const std::string& case_id, int seq, const google::protobuf::Message& body,
                                         const char* kind, const v1::CaseEvent* event, const crypto::FieldCipher& k);
// The INSERT of `rows` (CaseEntryRow, not empty).
std::string CaseEntryInsert(const std::vector<std::string>& rows);

}  // namespace cre::mysql

#endif  // CRE_HUB_STORE_MYSQL_CASE_ENTRIES_H_
