// The tamper-evident audit record: how a row is sealed into the hash chain,
// how the chain is verified, and how a row is exported. Pure: no SQL, no I/O.
//
// Each row holds a record's bytes, the previous row's hash and its own hash:
//
//   row_hash = hex(SHA-256(prev_hash || record_bytes))
//
// where prev_hash is exactly 64 lower-case hex characters (ASCII), the first
// row's prev_hash is kGenesisHash, and || is plain concatenation. The fixed
// width of prev_hash makes the split between the two parts unambiguous. The
// hash is taken over the stored bytes, never over a re-serialization, so a
// Protobuf upgrade cannot break old rows.
//
// Appending (the store, inside the transaction that takes the head row
// FOR UPDATE, so that seqs have no gaps; AUTO_INCREMENT leaves gaps):
//
//   record.set_seq(head.seq + 1);
//   StoredRow row = SealRow(record, head.hash);
//   // INSERT row.seq, row.record_bytes, row.prev_hash, row.row_hash
//
// Verifying (hubctl audit verify), one row at a time in seq order:
//
//   ChainVerifier verifier(anchor);            // anchor: absl::optional<Anchor>
//   for (each row ORDER BY seq) CRE_RETURN_IF_ERROR(verifier.Add(row));
//   CRE_RETURN_IF_ERROR(verifier.Finish());
//
// Why an anchor: the chain proves only that each row follows the one before.
// Someone with write access to the database can delete the newest rows, or
// rewrite every row from some point on and recompute the hashes, and the
// chain alone still verifies. The hub therefore logs its head (FormatAnchor)
// periodically, outside the database; `hubctl audit verify --anchor SEQ:HASH`
// checks that the chain still reaches that row and that its hash is unchanged.
#ifndef CRE_HUB_AUDIT_AUDIT_CHAIN_H_
#define CRE_HUB_AUDIT_AUDIT_CHAIN_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/optional.h"
#include "cre/v1/audit.pb.h"

namespace cre {
namespace audit {

// The prev_hash of row 1: 64 '0' characters.
inline constexpr char kGenesisHash[] =
    "0000000000000000000000000000000000000000000000000000000000000000";

// The record's Protobuf bytes, serialized deterministically.
std::string CanonicalBytes(const v1::AuditRecord& record);

// hex(SHA-256(prev_hash_hex || record_bytes)), lower case; see the layout above.
std::string ChainHash(absl::string_view prev_hash_hex, absl::string_view record_bytes);

// What one row of the audit table holds. seq is also inside the record; the
// verifier checks that the two agree.
struct StoredRow {
  int64_t seq = 0;
  std::string record_bytes;
  std::string prev_hash;
  std::string row_hash;
};

// The row that appends `record` after a row whose hash is `prev_hash_hex`.
StoredRow SealRow(const v1::AuditRecord& record, absl::string_view prev_hash_hex);

// A row known from outside the database: its seq and its row_hash. The head
// of an empty chain is {0, kGenesisHash}.
struct Anchor {
  int64_t seq = 0;
  std::string hash;
};

// "SEQ:HASH", the form the hub logs and `--anchor` takes.
std::string FormatAnchor(const Anchor& anchor);
// Parses "SEQ:HASH" (seq >= 1, 64 hex characters); INVALID_ARGUMENT if not.
absl::StatusOr<Anchor> ParseAnchor(absl::string_view text);

// Walks the chain in seq order, one row at a time, in constant memory.
// The first problem is returned as DATA_LOSS naming the row, and is sticky:
// every later Add() and Finish() returns it again. Which row is named:
//   - content altered, hash left: that row ("was altered").
//   - content altered and its hash recomputed: the NEXT row, whose prev_hash
//     no longer matches ("does not link to row N").
//   - a row deleted: the missing seq ("is missing").
//   - seq repeated: the repeat ("appears twice"); seq going backwards: the
//     out-of-order row.
//   - a row renumbered (reordered, or moved to make room for an inserted
//     row): the first row whose seq differs from its record's ("holds the
//     record of row M").
//   - an inserted row linked to its predecessor: the row after it, which
//     does not link to the inserted row.
//   - bytes that do not parse: that row.
//   - with an anchor: the anchored row if its hash changed, or (in Finish)
//     the truncation if the chain ends before it.
class ChainVerifier {
 public:
  explicit ChainVerifier(absl::optional<Anchor> anchor = absl::nullopt);

  // Checks `row` against the row before it; rows must come in seq order.
  absl::Status Add(const StoredRow& row);
  // Checks what only the end can tell: that the chain reaches the anchor.
  absl::Status Finish();

  int64_t rows_checked() const { return rows_checked_; }
  // The last row accepted: what the hub logs as its next anchor.
  Anchor head() const { return head_; }

 private:
  absl::Status Check(const StoredRow& row) const;
  absl::Status CheckOrder(const StoredRow& row) const;
  absl::Status CheckRecord(const StoredRow& row) const;
  absl::Status CheckHashes(const StoredRow& row) const;
  absl::Status CheckAnchor(const StoredRow& row) const;

  absl::optional<Anchor> anchor_;
  Anchor head_{0, kGenesisHash};
  int64_t rows_checked_ = 0;
  absl::Status error_;
};

// One line of `hubctl audit export`: the record in Protobuf's JSON mapping
// with proto field names (int64 as strings, enums by name, unset fields
// left out), plus "row_hash". No trailing newline. INVALID_ARGUMENT if the
// record cannot be printed (e.g. a timestamp out of range).
absl::StatusOr<std::string> ToJsonLine(const v1::AuditRecord& record,
                                       absl::string_view row_hash);

}  // namespace audit
}  // namespace cre

#endif  // CRE_HUB_AUDIT_AUDIT_CHAIN_H_
