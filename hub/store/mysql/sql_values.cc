#include "store/mysql/sql_values.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_join.h"
#include "cppconn/statement.h"

namespace cre::mysql {

std::string SqlTime(absl::Time time) {
  return absl::FormatTime("%Y-%m-%d %H:%M:%E6S", time, absl::UTCTimeZone());
}

void RunBatch(sql::Connection& c, const std::vector<std::string>& statements, const BatchRows& rows,
              size_t* reached) {
  if (statements.empty()) return;
  std::string text;
  for (const std::string& statement : statements) absl::StrAppend(&text, text.empty() ? "" : ";\n", statement);
  std::unique_ptr<sql::Statement> batch(c.createStatement());
  // Connector/C++ 1.1 cannot tell an update count from the end of the
  // results (getUpdateCount() says -1 for both), so the results are taken
  // one per statement: each getMoreResults() reads the next statement's
  // answer, and throws if that statement failed.
  for (size_t i = 0; i < statements.size(); ++i) {
    if (reached != nullptr) *reached = i;
    const bool has_rows = i == 0 ? batch->execute(text) : batch->getMoreResults();
    if (!has_rows) continue;
    std::unique_ptr<sql::ResultSet> result(batch->getResultSet());
    while (result->next()) {
      if (rows) rows(i, *result);
    }
  }
}

std::string SqlBytes(absl::string_view bytes) {
  return absl::StrCat("X'", absl::BytesToHexString(bytes), "'");
}

std::string SqlBytesOrNull(absl::string_view bytes) { return bytes.empty() ? "NULL" : SqlBytes(bytes); }

std::string SqlBytesList(const std::vector<std::string>& values) {
  std::vector<std::string> quoted;
  quoted.reserve(values.size());
  for (const std::string& value : values) quoted.push_back(SqlBytes(value));
  return absl::StrCat("(", absl::StrJoin(quoted, ", "), ")");
}

std::string SqlTimeLiteral(absl::Time time) { return absl::StrCat("'", SqlTime(time), "'"); }

absl::StatusOr<absl::Time> TimeFromSql(const std::string& text) {
  absl::Time time;
  std::string error;
  if (!absl::ParseTime("%Y-%m-%d %H:%M:%E*S", text, absl::UTCTimeZone(), &time, &error)) {
    return absl::DataLossError(absl::StrCat("not a timestamp: \"", text, "\": ", error));
  }
  return time;
}

void BlobParams::Set(sql::PreparedStatement& statement, int index,
                     const google::protobuf::Message& message) {
  statement.setString(index, message.SerializeAsString());
}

absl::StatusOr<std::string> Sealed(const google::protobuf::Message& message, const crypto::FieldCipher& cipher,
                                   SealedColumn column, const std::string& row_id) {
  return cipher.EncryptMessage(message, crypto::FieldCipher::RowBinding(column.table, row_id, column.column));
}

absl::Status BlobParams::SetSealed(sql::PreparedStatement& statement, int index,
                                   const google::protobuf::Message& message,
                                   const crypto::FieldCipher& cipher, SealedColumn column,
                                   const std::string& row_id) {
  absl::StatusOr<std::string> sealed = Sealed(message, cipher, column, row_id);
  if (!sealed.ok()) return sealed.status();
  statement.setString(index, *sealed);
  return absl::OkStatus();
}

}  // namespace cre::mysql
