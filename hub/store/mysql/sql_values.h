// Moving values between C++ and SQL parameters and columns: instants as
// UTC TIMESTAMP(6) text, protobuf messages as BLOBs.
#ifndef CRE_HUB_STORE_MYSQL_SQL_VALUES_H_
#define CRE_HUB_STORE_MYSQL_SQL_VALUES_H_

#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "cppconn/prepared_statement.h"
#include "cppconn/resultset.h"
#include "google/protobuf/message.h"

namespace cre::mysql {

// "2026-11-22 10:15:00.123456", UTC (every connection's session time zone).
std::string SqlTime(absl::Time time);
absl::StatusOr<absl::Time> TimeFromSql(const std::string& text);

// Binds BLOB parameters. Connector/C++ reads a BLOB parameter's stream when
// the statement executes, so the streams live as long as this object.
class BlobParams {
 public:
  void Set(sql::PreparedStatement& statement, int index, const google::protobuf::Message& message);

 private:
  std::vector<std::unique_ptr<std::istringstream>> streams_;
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

}  // namespace cre::mysql

#endif  // CRE_HUB_STORE_MYSQL_SQL_VALUES_H_
