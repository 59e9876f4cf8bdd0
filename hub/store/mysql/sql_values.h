// Moving values between C++ and SQL parameters and columns: instants as
// UTC TIMESTAMP(6) text, protobuf messages as BLOBs.
#ifndef CRE_HUB_STORE_MYSQL_SQL_VALUES_H_
#define CRE_HUB_STORE_MYSQL_SQL_VALUES_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "cppconn/connection.h"
#include "cppconn/prepared_statement.h"
#include "cppconn/resultset.h"
#include "crypto/field_cipher.h"
#include "store/mysql/connection_pool.h"
#include "google/protobuf/message.h"

namespace cre::mysql {

// A prepared statement. Inside RunTransaction it is the connection's cached
// one (prepared once per connection, see StatementCache): set every
// parameter before each execution, and finish with one result set before
// running the same SQL again. Elsewhere it is prepared for this use alone.
class Statement {
 public:
  explicit Statement(sql::PreparedStatement& cached) : statement_(&cached) {}
  explicit Statement(std::unique_ptr<sql::PreparedStatement> owned)
      : owned_(std::move(owned)), statement_(owned_.get()) {}
  sql::PreparedStatement* operator->() const { return statement_; }
  sql::PreparedStatement& operator*() const { return *statement_; }

 private:
  std::unique_ptr<sql::PreparedStatement> owned_;
  sql::PreparedStatement* statement_;
};

// Every store query goes through here.
inline Statement Prepare(sql::Connection& c, const std::string& sql) {
  if (StatementCache* cache = CachedStatementsFor(c)) {
    if (sql::PreparedStatement* cached = cache->Get(c, sql)) return Statement(*cached);
  }
  return Statement(std::unique_ptr<sql::PreparedStatement>(c.prepareStatement(sql)));
}

// Several complete statements sent in one round trip (text protocol: the
// pool's connections allow multi-statements), for a transaction whose
// statements do not depend on each other's answers. Their text is built only
// from the hub's own integers, instants and SQL, and from SqlBytes()
// literals: never from a caller's text as such.
//
// The statements run in order; `rows(i, row)` is called for each row that
// statement i returns (a SELECT, an INSERT ... RETURNING). A failing
// statement throws sql::SQLException as a prepared one would, the later ones
// do not run, and `*reached` (if given) is the index of the failing one.
using BatchRows = std::function<void(size_t statement, sql::ResultSet& row)>;
void RunBatch(sql::Connection& c, const std::vector<std::string>& statements, const BatchRows& rows,
              size_t* reached = nullptr);

// RunBatch, as the last statements of a RunTransaction body, and the commit:
// the batch's own last statement where the server allows it (CommitsInBatch,
// connection_pool.h), else RunTransaction's COMMIT once the body returns OK,
// which it must then do, having run nothing after this.
void RunBatchAndCommit(sql::Connection& c, std::vector<std::string> statements, const BatchRows& rows,
                       size_t* reached = nullptr);

// The first statement of a transaction whose locking reads must lock only
// the rows they return, not the gaps between them (each use says why): READ
// COMMITTED for that transaction alone, the session staying at REPEATABLE
// READ. A statement of a batch (RunBatch) like any other.
inline constexpr char kReadCommittedNext[] = "SET TRANSACTION ISOLATION LEVEL READ COMMITTED";

// Bytes as an SQL hex literal (X'68690a'): any bytes, no escaping to get
// wrong. Into a text column the bytes must be UTF-8, as protobuf strings are.
std::string SqlBytes(absl::string_view bytes);
// SqlBytes, or NULL for "".
std::string SqlBytesOrNull(absl::string_view bytes);
// `values` (not empty) as an SQL list of SqlBytes literals, for IN:
// "(X'61', X'62')".
std::string SqlBytesList(const std::vector<std::string>& values);
// An instant as a quoted SQL literal ('2026-11-22 10:15:00.123456').
std::string SqlTimeLiteral(absl::Time time);

// "2026-11-22 10:15:00.123456", UTC (every connection's session time zone).
// `time` must be finite: an infinite time has no SQL form.
std::string SqlTime(absl::Time time);
absl::StatusOr<absl::Time> TimeFromSql(const std::string& text);

// A column that holds a child's personal data (names, date of birth,
// address, narratives), stored sealed: AES-256-GCM, with the key id in the
// envelope, bound to its table, row and column so that a value cannot be
// moved to another row or column unnoticed.
struct SealedColumn {
  const char* table;
  const char* column;
};
inline constexpr SealedColumn kChildDetails{"child", "details"};
inline constexpr SealedColumn kChildFacts{"child", "facts"};
// A case opened for a child the hub already held: the child as that case's
// submission described them (case_rows.h).
inline constexpr SealedColumn kCaseChildDetails{"cre_case", "child_details"};
inline constexpr SealedColumn kCaseChildFacts{"cre_case", "child_facts"};
inline constexpr SealedColumn kCaseRecord{"cre_case", "record"};
inline constexpr SealedColumn kMessageBody{"message", "body"};

// `message` sealed for `column` of row `row_id`.
absl::StatusOr<std::string> Sealed(const google::protobuf::Message& message, const crypto::FieldCipher& cipher,
                                   SealedColumn column, const std::string& row_id);

// Binds BLOB parameters. The bytes go as a string parameter, which
// Connector/C++ copies and sends inside the execution packet, binary-safe;
// setBlob() would send each in a COM_STMT_SEND_LONG_DATA packet of its own
// first (Connector/C++ does that by itself above 256 KiB).
class BlobParams {
 public:
  // A message stored as it is (ids, receipts: nothing personal).
  void Set(sql::PreparedStatement& statement, int index, const google::protobuf::Message& message);
  // A message sealed for `column` of row `row_id`.
  absl::Status SetSealed(sql::PreparedStatement& statement, int index,
                         const google::protobuf::Message& message, const crypto::FieldCipher& cipher,
                         SealedColumn column, const std::string& row_id);
};

// Parses a BLOB column into a message. DATA_LOSS if the bytes do not parse.
template <typename Message>
absl::StatusOr<Message> ParseBlob(sql::ResultSet& row, const char* column) {
  Message message;
  const std::string bytes = row.getString(column);
  if (!message.ParseFromString(bytes)) {
    return absl::DataLossError(absl::StrCat("column ", column, " does not hold a ",
                                            Message::descriptor()->full_name()));
  }
  return message;
}

// Opens a sealed BLOB column (`result_column` of `row`) of row `row_id`.
// DATA_LOSS if it was tampered with or moved; FAILED_PRECONDITION if its
// key is not in the key ring.
template <typename Message>
absl::StatusOr<Message> OpenSealed(sql::ResultSet& row, const char* result_column,
                                   const crypto::FieldCipher& cipher, SealedColumn column,
                                   const std::string& row_id) {
  Message message;
  absl::Status opened = cipher.DecryptMessage(
      std::string(row.getString(result_column)),
      crypto::FieldCipher::RowBinding(column.table, row_id, column.column), &message);
  if (!opened.ok()) {
    return absl::Status(opened.code(), absl::StrCat(column.table, ".", column.column, " of ",
                                                    row_id, ": ", opened.message()));
  }
  return message;
}

}  // namespace cre::mysql

#endif  // CRE_HUB_STORE_MYSQL_SQL_VALUES_H_
