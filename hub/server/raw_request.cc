#include "server/raw_request.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/stubs/common.h"
#include "google/protobuf/unknown_field_set.h"
#include "grpcpp/support/proto_buffer_reader.h"

namespace cre {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::UnknownField;
using google::protobuf::UnknownFieldSet;

// Deeper than protobuf's own parser goes (100): the walk below stops there.
constexpr int kMaxDepth = 100;

// The first fault in `bytes` read as a `type` message found at `path` (empty
// for the request): the bytes are read field by field, without the schema's
// rules, and the fields the schema calls strings or messages are checked.
std::optional<std::string> FindFault(const Descriptor& type, absl::string_view bytes,
                                     const std::string& path, int depth) {
  UnknownFieldSet fields;
  if (depth > kMaxDepth || !fields.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::StrCat(path.empty() ? "request" : path, ": not a valid ", type.full_name(), " message");
  }
  std::map<int, int> seen;  // how often each field number came so far: its index if repeated
  for (int i = 0; i < fields.field_count(); ++i) {
    const UnknownField& value = fields.field(i);
    const FieldDescriptor* field = type.FindFieldByNumber(value.number());
    const int index = seen[value.number()]++;
    // A field the schema does not know, or that came with another wire type,
    // is an unknown field to the parser: never the fault.
    if (field == nullptr || value.type() != UnknownField::TYPE_LENGTH_DELIMITED) continue;
    std::string at = path.empty() ? field->name() : absl::StrCat(path, ".", field->name());
    if (field->is_repeated()) absl::StrAppend(&at, "[", index, "]");
    if (field->type() == FieldDescriptor::TYPE_STRING) {
      // The parser's own check (every request proto is proto3, whose
      // strings must be UTF-8).
      if (!google::protobuf::internal::IsStructurallyValidUTF8(value.length_delimited())) {
        return absl::StrCat(at, ": not valid UTF-8");
      }
    } else if (field->type() == FieldDescriptor::TYPE_MESSAGE) {
      if (auto fault = FindFault(*field->message_type(), value.length_delimited(), at, depth + 1)) return fault;
    }
  }
  return std::nullopt;
}

// What Message::DiscardUnknownFields does, at half its cost: it lists every
// set field of every message, where only message fields lead anywhere.
void DropUnknownFields(google::protobuf::Message* message) {
  const google::protobuf::Reflection& reflection = *message->GetReflection();
  if (!reflection.GetUnknownFields(*message).empty()) reflection.MutableUnknownFields(message)->Clear();
  const Descriptor& type = *message->GetDescriptor();
  for (int i = 0; i < type.field_count(); ++i) {
    const FieldDescriptor* field = type.field(i);
    if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) continue;
    if (field->is_repeated()) {
      const int size = reflection.FieldSize(*message, field);
      for (int j = 0; j < size; ++j) DropUnknownFields(reflection.MutableRepeatedMessage(message, field, j));
    } else if (reflection.HasField(*message, field)) {
      DropUnknownFields(reflection.MutableMessage(message, field));
    }
  }
}

}  // namespace

absl::Status ParseRequest(const grpc::ByteBuffer& bytes, google::protobuf::Message* request) {
  bool parsed = false;
  if (bytes.Valid()) {
    // As gRPC parses a typed method's request: straight from the buffer's
    // slices. (The reader only reads; it takes a mutable buffer for the C API.)
    grpc::ProtoBufferReader reader(const_cast<grpc::ByteBuffer*>(&bytes));
    parsed = reader.status().ok() && request->ParseFromZeroCopyStream(&reader);
  }
  if (!parsed) {
    std::string flat;
    std::vector<grpc::Slice> slices;
    if (bytes.Valid() && bytes.Dump(&slices).ok()) {
      for (const grpc::Slice& slice : slices) {
        flat.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
      }
    }
    return DescribeParseFailure(*request->GetDescriptor(), flat);
  }
  DropUnknownFields(request);
  return absl::OkStatus();
}

absl::Status DescribeParseFailure(const google::protobuf::Descriptor& type, absl::string_view bytes) {
  std::optional<std::string> fault = FindFault(type, bytes, "", 0);
  // Bytes that read as fields, with every string UTF-8, and that protobuf
  // still refused (nested deeper than it allows, say).
  if (!fault) fault = absl::StrCat("request: not a valid ", type.full_name(), " message");
  return absl::InvalidArgumentError(*fault);
}

}  // namespace cre
