#include "audit/audit_chain.h"

#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/ids.h"
#include "common/status_macros.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/wrappers.pb.h"

namespace cre {
namespace audit {
namespace {

constexpr size_t kHashHexLength = 64;

// Enough of a hash to tell two apart in a message a person reads.
std::string Short(absl::string_view hash) {
  return hash.size() <= 12 ? std::string(hash) : absl::StrCat(hash.substr(0, 12), "...");
}

bool IsHashHex(absl::string_view text) {
  if (text.size() != kHashHexLength) return false;
  for (char c : text) {
    if (!absl::ascii_isxdigit(c)) return false;
  }
  return true;
}

// `text` as a quoted, escaped JSON string.
std::string JsonString(absl::string_view text) {
  google::protobuf::StringValue value;
  value.set_value(std::string(text));
  std::string json;
  // A StringValue always prints (invalid UTF-8 is the only failure, and a
  // hash is hex); an empty string is the safe fallback.
  if (!google::protobuf::util::MessageToJsonString(value, &json).ok()) return "\"\"";
  return json;
}

// DATA_LOSS naming the rows between `last_seq` and `next_seq`.
absl::Status MissingRows(int64_t last_seq, int64_t next_seq) {
  const int64_t first_missing = last_seq + 1;
  const bool one = next_seq == first_missing + 1;
  const std::string missing =
      one ? absl::StrCat("audit row ", first_missing, " is missing")
          : absl::StrCat("audit rows ", first_missing, " to ", next_seq - 1, " are missing");
  const std::string where =
      last_seq == 0 ? absl::StrCat("the chain starts at row ", next_seq)
                    : absl::StrCat("row ", last_seq, " is followed by row ", next_seq);
  return absl::DataLossError(
      absl::StrCat(missing, " (", where, "): ", one ? "it was" : "they were", " deleted"));
}

}  // namespace

std::string CanonicalBytes(const v1::AuditRecord& record) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    record.SerializePartialToCodedStream(&coded);
  }  // the coded stream flushes into `bytes` when it goes
  return bytes;
}

std::string ChainHash(absl::string_view prev_hash_hex, absl::string_view record_bytes) {
  return Sha256Hex(absl::StrCat(prev_hash_hex, record_bytes));
}

StoredRow SealRow(const v1::AuditRecord& record, absl::string_view prev_hash_hex) {
  StoredRow row;
  row.seq = record.seq();
  row.record_bytes = CanonicalBytes(record);
  row.prev_hash = std::string(prev_hash_hex);
  row.row_hash = ChainHash(row.prev_hash, row.record_bytes);
  return row;
}

std::string FormatAnchor(const Anchor& anchor) {
  return absl::StrCat(anchor.seq, ":", anchor.hash);
}

absl::StatusOr<Anchor> ParseAnchor(absl::string_view text) {
  const std::vector<absl::string_view> parts = absl::StrSplit(text, ':');
  Anchor anchor;
  if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &anchor.seq) || anchor.seq < 1 ||
      !IsHashHex(parts[1])) {
    return absl::InvalidArgumentError(absl::StrCat(
        "anchor \"", text, "\": expected SEQ:HASH, a row number from 1 and 64 hex characters"));
  }
  anchor.hash = absl::AsciiStrToLower(parts[1]);
  return anchor;
}

ChainVerifier::ChainVerifier(absl::optional<Anchor> anchor) : anchor_(std::move(anchor)) {}

absl::Status ChainVerifier::Add(const StoredRow& row) {
  if (!error_.ok()) return error_;
  error_ = Check(row);
  if (!error_.ok()) return error_;
  head_ = Anchor{row.seq, row.row_hash};
  ++rows_checked_;
  return absl::OkStatus();
}

absl::Status ChainVerifier::Finish() {
  if (!error_.ok()) return error_;
  if (!anchor_.has_value() || head_.seq >= anchor_->seq) return absl::OkStatus();
  // Deleting the newest rows leaves a valid chain: only the anchor tells.
  error_ = absl::DataLossError(
      head_.seq == 0
          ? absl::StrCat("the chain is empty but the anchor names row ", anchor_->seq,
                         ": every row was deleted")
          : absl::StrCat("the chain ends at row ", head_.seq, " but the anchor names row ",
                         anchor_->seq, ": rows after ", head_.seq, " were deleted"));
  return error_;
}

// The order matters: each check assumes the ones before it passed, so that
// the message names the cause rather than a consequence (a deleted row is
// reported as missing, not as a broken link).
absl::Status ChainVerifier::Check(const StoredRow& row) const {
  CRE_RETURN_IF_ERROR(CheckOrder(row));
  CRE_RETURN_IF_ERROR(CheckRecord(row));
  CRE_RETURN_IF_ERROR(CheckHashes(row));
  return CheckAnchor(row);
}

absl::Status ChainVerifier::CheckOrder(const StoredRow& row) const {
  const int64_t expected = head_.seq + 1;
  if (row.seq == expected) return absl::OkStatus();
  if (row.seq > expected) return MissingRows(head_.seq, row.seq);
  if (rows_checked_ == 0) {
    return absl::DataLossError(absl::StrCat("audit row ", row.seq, ": seqs start at 1"));
  }
  if (row.seq == head_.seq) {
    return absl::DataLossError(absl::StrCat(
        "audit row ", row.seq,
        " appears twice: a row was duplicated, or inserted with the seq of an existing row"));
  }
  return absl::DataLossError(absl::StrCat("audit row ", row.seq, " comes after row ", head_.seq,
                                          ": rows are out of order (reordered, or a row "
                                          "inserted with an old seq)"));
}

absl::Status ChainVerifier::CheckRecord(const StoredRow& row) const {
  v1::AuditRecord record;
  if (!record.ParseFromString(row.record_bytes)) {
    return absl::DataLossError(absl::StrCat("audit row ", row.seq, ": its record does not parse:",
                                            " the content was altered or corrupted"));
  }
  if (record.seq() != row.seq) {
    return absl::DataLossError(absl::StrCat(
        "audit row ", row.seq, " holds the record of row ", record.seq(),
        ": rows were renumbered (reordered, or moved to make room for an inserted row)"));
  }
  return absl::OkStatus();
}

absl::Status ChainVerifier::CheckHashes(const StoredRow& row) const {
  if (row.prev_hash != head_.hash) {
    if (rows_checked_ == 0) {
      return absl::DataLossError(absl::StrCat(
          "audit row ", row.seq, " does not start from the genesis hash (its prev_hash is ",
          Short(row.prev_hash), "): the start of the chain was rewritten"));
    }
    return absl::DataLossError(absl::StrCat(
        "audit row ", row.seq, " does not link to row ", head_.seq, " (its prev_hash is ",
        Short(row.prev_hash), ", row ", head_.seq, "'s hash is ", Short(head_.hash), "): row ",
        head_.seq, " was altered and its hash recomputed, or was inserted before row ", row.seq));
  }
  const std::string computed = ChainHash(row.prev_hash, row.record_bytes);
  if (computed != row.row_hash) {
    return absl::DataLossError(absl::StrCat("audit row ", row.seq, " was altered: its content",
                                            " hashes to ", Short(computed),
                                            ", not to its stored row_hash ", Short(row.row_hash)));
  }
  return absl::OkStatus();
}

absl::Status ChainVerifier::CheckAnchor(const StoredRow& row) const {
  if (!anchor_.has_value() || row.seq != anchor_->seq || row.row_hash == anchor_->hash) {
    return absl::OkStatus();
  }
  return absl::DataLossError(absl::StrCat("audit row ", row.seq, "'s hash is ", row.row_hash,
                                          " but the anchor says ", anchor_->hash,
                                          ": the chain was rewritten at or before row ", row.seq));
}

absl::StatusOr<std::string> ToJsonLine(const v1::AuditRecord& record, absl::string_view row_hash) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  std::string json;
  const auto printed = google::protobuf::util::MessageToJsonString(record, &json, options);
  if (!printed.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("audit record ", record.seq(),
                                                   " cannot be printed as JSON: ",
                                                   std::string(printed.message())));
  }
  // The printer writes one line ending in '}': put row_hash inside it.
  json.pop_back();
  absl::StrAppend(&json, json.size() > 1 ? "," : "", "\"row_hash\":", JsonString(row_hash), "}");
  return json;
}

}  // namespace audit
}  // namespace cre
