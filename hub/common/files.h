// Reading the small files the hub is configured from: text-format protos,
// secrets, PEM bundles. Errors name the file.
//
//   cre::v1::AgencyRegistry registry;
//   CRE_RETURN_IF_ERROR(ReadTextProto("config/agencies.textproto", &registry));
#ifndef CRE_HUB_COMMON_FILES_H_
#define CRE_HUB_COMMON_FILES_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "google/protobuf/message.h"

namespace cre {

// The whole file. NOT_FOUND if it does not exist.
absl::StatusOr<std::string> ReadFile(const std::string& path);

// The first line of a file that holds a secret, without its line ending.
absl::StatusOr<std::string> ReadSecretFile(const std::string& path);

// Parses a protobuf text-format file into `message`. INVALID_ARGUMENT names
// the file, line and column of the first syntax error or unknown field.
absl::Status ReadTextProto(const std::string& path, google::protobuf::Message* message);

// True if the file's group or others may read it: a private key or a
// password should be readable by its owner only.
bool IsReadableByOthers(const std::string& path);

// `path` resolved against `base_dir` unless it is absolute or empty.
std::string ResolvePath(const std::string& base_dir, const std::string& path);

}  // namespace cre

#endif  // CRE_HUB_COMMON_FILES_H_
