#include "client/spool.h"

#include "absl/strings/str_cat.h"
#include "client/durable_files.h"
#include "client/log.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"

namespace cre::client {
namespace {

using google::protobuf::Struct;
using google::protobuf::Value;
using google::protobuf::util::JsonStringToMessage;
using google::protobuf::util::MessageToJsonString;

absl::Status Invalid(const std::string& path, absl::string_view what) {
  return absl::DataLossError(absl::StrCat(path, ": ", what));
}

// The spool entry's text. An entry that cannot be made whole is an error,
// never a partial file: the spool is what keeps a submission.
absl::StatusOr<std::string> Encode(const Submission& submission) {
  Struct entry;
  auto& fields = *entry.mutable_fields();
  fields["method"].set_string_value(submission.method);
  fields["idempotencyKey"].set_string_value(submission.idempotency_key);
  fields["sourceName"].set_string_value(submission.source_name);
  fields["original"].set_string_value(submission.original);
  if (!JsonStringToMessage(submission.request_json, fields["request"].mutable_struct_value()).ok()) {
    return absl::InternalError(
        absl::StrCat("cannot spool ", submission.idempotency_key, ": its request is not a JSON object"));
  }
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  std::string json;
  const auto printed = MessageToJsonString(entry, &json, options);
  if (!printed.ok()) {
    return absl::InternalError(absl::StrCat("cannot spool ", submission.idempotency_key,
                                            ": cannot convert the entry to JSON: ", printed.message().as_string()));
  }
  return json;
}

absl::StatusOr<Submission> Decode(const std::string& path, const std::string& json) {
  Struct entry;
  if (!JsonStringToMessage(json, &entry).ok()) return Invalid(path, "not a JSON object");
  const auto& fields = entry.fields();
  for (const char* name : {"method", "idempotencyKey", "request"}) {
    if (fields.count(name) == 0) return Invalid(path, absl::StrCat("missing ", name));
  }
  auto text = [&](const char* name) {
    auto it = fields.find(name);
    return it == fields.end() ? std::string() : it->second.string_value();
  };
  Submission submission;
  submission.method = text("method");
  submission.idempotency_key = text("idempotencyKey");
  submission.source_name = text("sourceName");
  submission.original = text("original");
  if (!MessageToJsonString(fields.at("request"), &submission.request_json).ok()) {
    return Invalid(path, "request is not a JSON object");
  }
  return submission;
}

}  // namespace

absl::Status Spool::Open() const { return MakeDirectories(dir_); }

std::string Spool::PathFor(const std::string& idempotency_key) const {
  return absl::StrCat(dir_, "/", SafeFileName(idempotency_key), ".json");
}

absl::Status Spool::Put(const Submission& submission) const {
  absl::StatusOr<std::string> entry = Encode(submission);
  if (!entry.ok()) return entry.status();
  return WriteFileDurably(PathFor(submission.idempotency_key), *entry);
}

absl::StatusOr<std::vector<Submission>> Spool::Pending() const {
  absl::StatusOr<std::vector<std::string>> names = ListFiles(dir_, ".json");
  if (!names.ok()) return names.status();
  std::vector<Submission> pending;
  for (const std::string& name : *names) {
    const std::string path = absl::StrCat(dir_, "/", name);
    absl::StatusOr<std::string> json = ReadFile(path);
    absl::StatusOr<Submission> submission = json.ok() ? Decode(path, *json) : json.status();
    if (!submission.ok()) {
      LogError(absl::StrCat("spool entry skipped: ", submission.status().message()));
      continue;
    }
    pending.push_back(*std::move(submission));
  }
  return pending;
}

absl::StatusOr<bool> Spool::Holds(const std::string& source_name, const std::string& original) const {
  absl::StatusOr<std::vector<Submission>> pending = Pending();
  if (!pending.ok()) return pending.status();
  for (const Submission& submission : *pending) {
    if (submission.source_name == source_name && submission.original == original) return true;
  }
  return false;
}

bool Spool::HoldsKey(const std::string& idempotency_key) const { return FileExists(PathFor(idempotency_key)); }

absl::Status Spool::Remove(const Submission& submission) const {
  return RemoveFileDurably(PathFor(submission.idempotency_key));
}

}  // namespace cre::client
