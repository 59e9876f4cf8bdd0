#include "access/field_bounds.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"

namespace cre {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// Where the walk is, as a chain up to the request; turned into text only for
// a refusal, so that an accepted request costs no string building.
struct Path {
  const Path* parent;
  const FieldDescriptor* field;
  int index;  // in a repeated field; -1 otherwise
};

void AppendPath(const Path& path, std::string* out) {
  if (path.parent != nullptr) {
    AppendPath(*path.parent, out);
    out->push_back('.');
  }
  absl::StrAppend(out, path.field->name());
  if (path.index >= 0) absl::StrAppend(out, "[", path.index, "]");
}

absl::Status Invalid(const Path& path, absl::string_view problem) {
  std::string field;
  AppendPath(path, &field);
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", problem));
}

bool IsTimestamp(const Descriptor& type) {
  return type.full_name() == google::protobuf::Timestamp::descriptor()->full_name();
}

// Why `t` is not an instant a request may carry, or null if it is one.
const char* InstantProblem(const google::protobuf::Timestamp& t) {
  if (t.seconds() < 0 || t.seconds() > 253402300799 || t.nanos() < 0 || t.nanos() > 999999999) {
    return "not a valid instant";
  }
  // No record of the procedure is that old; the bound is where the store's
  // old TIMESTAMP columns began, kept so that clients see the same answer.
  if (t.seconds() < 1) return "before 1970-01-01T00:00:01Z";
  // The store keeps instants as DATETIME(6), good to 9999. The bound is a
  // sanity check on what a record may be dated: a child's records are kept
  // to their 75th birthday, so dates to the end of the century must pass.
  if (t.seconds() >= kLatestRecordSeconds) return "after 2100: not a date a record can carry";
  return nullptr;
}

class Walker {
 public:
  explicit Walker(int max_list_entries) : max_list_entries_(max_list_entries) {}

  absl::Status Walk(const Message& message, const Path* parent) const {
    const Reflection& reflection = *message.GetReflection();
    const Descriptor& type = *message.GetDescriptor();
    // The set fields, in declaration order. (Reflection::ListFields would
    // sort them into a vector first, for every message: twice the cost.)
    for (int f = 0; f < type.field_count(); ++f) {
      const FieldDescriptor* field = type.field(f);
      if (!field->is_repeated()) {
        if (!reflection.HasField(message, field)) continue;
        const Path path{parent, field, -1};
        if (absl::Status s = Value(message, reflection, field, -1, path); !s.ok()) return s;
        continue;
      }
      const int size = reflection.FieldSize(message, field);
      if (size > max_list_entries_) {
        return Invalid(Path{parent, field, -1},
                       absl::StrCat(size, " entries; at most ", max_list_entries_));
      }
      for (int i = 0; i < size; ++i) {
        const Path path{parent, field, i};
        if (absl::Status s = Value(message, reflection, field, i, path); !s.ok()) return s;
      }
    }
    return absl::OkStatus();
  }

 private:
  // One value of `field`: the `index`th of a repeated field, or its only one (-1).
  absl::Status Value(const Message& message, const Reflection& reflection,
                     const FieldDescriptor* field, int index, const Path& path) const {
    switch (field->cpp_type()) {
      case FieldDescriptor::CPPTYPE_STRING: {
        std::string scratch;  // filled only for a string that is not stored flat
        const std::string& value =
            index < 0 ? reflection.GetStringReference(message, field, &scratch)
                      : reflection.GetRepeatedStringReference(message, field, index, &scratch);
        if (value.size() > kMaxNarrativeBytes) {
          return Invalid(path, absl::StrCat(value.size(), " bytes; at most ", kMaxNarrativeBytes));
        }
        return absl::OkStatus();
      }
      case FieldDescriptor::CPPTYPE_ENUM: {
        const int value = index < 0 ? reflection.GetEnumValue(message, field)
                                    : reflection.GetRepeatedEnumValue(message, field, index);
        if (field->enum_type()->FindValueByNumber(value) == nullptr) {
          return Invalid(path, absl::StrCat(value, " is not a value of ", field->enum_type()->name()));
        }
        return absl::OkStatus();
      }
      case FieldDescriptor::CPPTYPE_MESSAGE: {
        const Message& value =
            index < 0 ? reflection.GetMessage(message, field)
                      : reflection.GetRepeatedMessage(message, field, index);
        if (IsTimestamp(*field->message_type())) return Instant(value, path);
        return Walk(value, &path);
      }
      default:  // numbers and booleans: each service checks the ranges it relies on
        return absl::OkStatus();
    }
  }

  // Read by reflection: the request may hold its Timestamps as any Message.
  static absl::Status Instant(const Message& value, const Path& path) {
    const Descriptor& type = *value.GetDescriptor();
    const Reflection& reflection = *value.GetReflection();
    google::protobuf::Timestamp t;
    t.set_seconds(reflection.GetInt64(value, type.FindFieldByNumber(1)));
    t.set_nanos(reflection.GetInt32(value, type.FindFieldByNumber(2)));
    if (const char* problem = InstantProblem(t)) return Invalid(path, problem);
    return absl::OkStatus();
  }

  const int max_list_entries_;
};

}  // namespace

absl::Status CheckFieldBounds(const google::protobuf::Message& request, int max_list_entries) {
  return Walker(max_list_entries).Walk(request, nullptr);
}

absl::Status CheckInstant(const google::protobuf::Timestamp& t, absl::string_view field) {
  if (const char* problem = InstantProblem(t)) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": ", problem));
  }
  return absl::OkStatus();
}

}  // namespace cre
