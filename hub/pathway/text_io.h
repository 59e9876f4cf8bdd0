// Reading the pathway's files: text-format protos (policy, bank holiday
// changes) and JSON case files, with errors that name the file and the place.
//
//   cre::v1::PathwayPolicy policy;
//   absl::Status s = cre::pathway::ReadTextProtoFile("config/policy.textproto", &policy);
//   // s: "config/policy.textproto:3:5: Message type "cre.v1.PathwayPolicy" has no field named "x"."
#ifndef CRE_HUB_PATHWAY_TEXT_IO_H_
#define CRE_HUB_PATHWAY_TEXT_IO_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "google/protobuf/message.h"

namespace cre::pathway {

// The whole file; NOT_FOUND when it cannot be opened.
absl::StatusOr<std::string> ReadWholeFile(const std::string& path);

// Parses protobuf text format; INVALID_ARGUMENT with "path:line:column: ..."
// on the first error.
absl::Status ParseTextProto(const std::string& text, const std::string& source,
                            google::protobuf::Message* message);
absl::Status ReadTextProtoFile(const std::string& path, google::protobuf::Message* message);

// Parses the protobuf JSON mapping (unknown fields and enum names are errors).
absl::Status ParseJsonProto(const std::string& json, const std::string& source,
                            google::protobuf::Message* message);
absl::Status ReadJsonProtoFile(const std::string& path, google::protobuf::Message* message);

}  // namespace cre::pathway

#endif  // CRE_HUB_PATHWAY_TEXT_IO_H_
