#include "store/mysql/sql_values.h"

namespace cre::mysql {

std::string SqlTime(absl::Time time) {
  return absl::FormatTime("%Y-%m-%d %H:%M:%E6S", time, absl::UTCTimeZone());
}

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

absl::Status BlobParams::SetSealed(sql::PreparedStatement& statement, int index,
                                   const google::protobuf::Message& message,
                                   const crypto::FieldCipher& cipher, SealedColumn column,
                                   const std::string& row_id) {
  absl::StatusOr<std::string> sealed = cipher.EncryptMessage(
      message, crypto::FieldCipher::RowBinding(column.table, row_id, column.column));
  if (!sealed.ok()) return sealed.status();
  statement.setString(index, *sealed);
  return absl::OkStatus();
}

}  // namespace cre::mysql
