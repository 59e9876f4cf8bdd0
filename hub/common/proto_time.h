// Instants between Abseil and protobuf: the hub computes with absl::Time and
// carries google.protobuf.Timestamp in its messages.
//
//   *event.mutable_occurred_at() = ToProtoTime(absl::Now());
//   absl::Time due = FromProtoTime(action.due_at());
#ifndef CRE_HUB_COMMON_PROTO_TIME_H_
#define CRE_HUB_COMMON_PROTO_TIME_H_

#include "absl/time/time.h"
#include "google/protobuf/timestamp.pb.h"

namespace cre {

// To microseconds, the precision the database keeps.
google::protobuf::Timestamp ToProtoTime(absl::Time time);
// Exact.
absl::Time FromProtoTime(const google::protobuf::Timestamp& timestamp);

}  // namespace cre

#endif  // CRE_HUB_COMMON_PROTO_TIME_H_
