// Bounds that every field of every request keeps, whatever its message:
// checked by protobuf reflection, so that a field added to a request later is
// bounded without anyone remembering to bound it. Each Validate* function of
// access/request_validation.h runs CheckFieldBounds first; the checks after
// it give some fields tighter limits and say which are required.
//
//   every string and bytes field   at most kMaxNarrativeBytes
//   every repeated field           at most kMaxListEntries entries (or the
//                                  caller's own ceiling)
//   every enum field               a value its enum declares (proto3 enums
//                                  are open: any number arrives as sent)
//   every google.protobuf.Timestamp  an instant the store can keep
//                                  (CheckInstant)
//
// A refusal is INVALID_ARGUMENT naming the field's path and the problem,
// never the value's text, e.g.
//   "report.individuals[3].name: 70000 bytes; at most 65536"
//   "notification.action_kind: 57 is not a value of ActionKind"
#ifndef CRE_HUB_ACCESS_FIELD_BOUNDS_H_
#define CRE_HUB_ACCESS_FIELD_BOUNDS_H_

#include <cstddef>
#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"
#include "google/protobuf/timestamp.pb.h"

namespace cre {

// Limits on free text and lists, so that one request cannot fill the database.
inline constexpr size_t kMaxNarrativeBytes = 64 * 1024;
inline constexpr size_t kMaxShortTextBytes = 1024;
inline constexpr int kMaxListEntries = 100;
// Instants in requests are before 2101-01-01T00:00:00Z (see CheckInstant).
inline constexpr int64_t kLatestRecordSeconds = 4133980800;

// OK, or INVALID_ARGUMENT naming the first field of `request` (depth first,
// in declaration order) that breaks a bound above. Repeated fields may hold
// up to `max_list_entries` entries.
absl::Status CheckFieldBounds(const google::protobuf::Message& request,
                              int max_list_entries = kMaxListEntries);

// OK if `t` is an instant a record may carry: from one second into 1970 to
// the end of 2100 (the store keeps DATETIME(6), to 9999); otherwise
// INVALID_ARGUMENT naming `field`.
absl::Status CheckInstant(const google::protobuf::Timestamp& t, absl::string_view field);

}  // namespace cre

#endif  // CRE_HUB_ACCESS_FIELD_BOUNDS_H_
