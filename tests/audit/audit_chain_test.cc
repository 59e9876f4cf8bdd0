// The audit chain names the first row that was altered, inserted, deleted,
// duplicated, reordered or truncated, and exports rows as JSON lines.
#include "audit/audit_chain.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/ids.h"
#include "common/status_macros.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"

namespace cre {
namespace audit {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr int kRows = 10;

v1::AuditRecord Record(int64_t seq) {
  v1::AuditRecord record;
  record.set_seq(seq);
  record.mutable_at()->set_seconds(1774965600 + seq * 60);  // 2026-03-31, a minute apart
  record.set_actor_agency_id("derby-csc");
  record.set_kind(seq % 2 == 0 ? v1::AUDIT_EVENT_KIND_CASE_READ
                               : v1::AUDIT_EVENT_KIND_MESSAGE_ACCEPTED);
  record.set_method("/cre.v1.Referrals/GetCase");
  record.set_case_id("case-7");
  record.set_detail(absl::StrCat("entry ", seq));
  return record;
}

// Appends as the store will: the next seq, linked to the head's hash.
void Append(std::vector<StoredRow>& rows, v1::AuditRecord record) {
  record.set_seq(static_cast<int64_t>(rows.size()) + 1);
  rows.push_back(SealRow(record, rows.empty() ? kGenesisHash : rows.back().row_hash));
}

std::vector<StoredRow> BuildChain(int count) {
  std::vector<StoredRow> rows;
  for (int seq = 1; seq <= count; ++seq) Append(rows, Record(seq));
  return rows;
}

absl::Status Verify(const std::vector<StoredRow>& rows,
                    absl::optional<Anchor> anchor = absl::nullopt) {
  ChainVerifier verifier(anchor);
  for (const StoredRow& row : rows) CRE_RETURN_IF_ERROR(verifier.Add(row));
  return verifier.Finish();
}

v1::AuditRecord Parse(const StoredRow& row) {
  v1::AuditRecord record;
  EXPECT_TRUE(record.ParseFromString(row.record_bytes));
  return record;
}

// The row's content with a different detail, its hashes left as they were.
void AlterDetail(StoredRow& row) {
  v1::AuditRecord record = Parse(row);
  record.set_detail("nothing to see here");
  row.record_bytes = CanonicalBytes(record);
}

// What an insider with database access can do: renumber rows[from..] to
// their positions and recompute every hash from there on.
void Reseal(std::vector<StoredRow>& rows, size_t from) {
  for (size_t i = from; i < rows.size(); ++i) {
    v1::AuditRecord record = Parse(rows[i]);
    record.set_seq(static_cast<int64_t>(i) + 1);
    rows[i] = SealRow(record, i == 0 ? kGenesisHash : rows[i - 1].row_hash);
  }
}

// Row `seq` (1-based) of a chain.
StoredRow& Row(std::vector<StoredRow>& rows, int64_t seq) { return rows[seq - 1]; }

void ExpectDataLoss(const absl::Status& status, const std::string& message) {
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss) << status;
  EXPECT_THAT(std::string(status.message()), HasSubstr(message));
}

TEST(ChainHashTest, IsSha256OfThePrevHashHexThenTheRecordBytes) {
  // Pinned: changing the layout would make every stored row fail to verify.
  EXPECT_EQ(ChainHash(kGenesisHash, "abc"),
            "b64374d04ef9c4f39fddb1e0d6be38a0130f6c057fc0f4ee467ea0e18bc758f1");
  EXPECT_EQ(ChainHash(kGenesisHash, "abc"), Sha256Hex(std::string(64, '0') + "abc"));
  EXPECT_EQ(std::string(kGenesisHash), std::string(64, '0'));
}

TEST(CanonicalBytesTest, AreTheSameForEqualRecordsAndParseBack) {
  const std::string bytes = CanonicalBytes(Record(3));
  EXPECT_EQ(bytes, CanonicalBytes(Record(3)));
  v1::AuditRecord parsed;
  ASSERT_TRUE(parsed.ParseFromString(bytes));
  EXPECT_EQ(parsed.detail(), "entry 3");
  EXPECT_NE(bytes, CanonicalBytes(Record(4)));
}

TEST(SealRowTest, LinksTheRecordToThePreviousHash) {
  const StoredRow row = SealRow(Record(1), kGenesisHash);
  EXPECT_EQ(row.seq, 1);
  EXPECT_EQ(row.record_bytes, CanonicalBytes(Record(1)));
  EXPECT_EQ(row.prev_hash, kGenesisHash);
  EXPECT_EQ(row.row_hash, ChainHash(kGenesisHash, row.record_bytes));
}

TEST(ChainVerifierTest, AcceptsAnIntactChain) {
  const std::vector<StoredRow> rows = BuildChain(kRows);
  ChainVerifier verifier;
  for (const StoredRow& row : rows) ASSERT_TRUE(verifier.Add(row).ok());
  EXPECT_TRUE(verifier.Finish().ok());
  EXPECT_EQ(verifier.rows_checked(), kRows);
  EXPECT_EQ(verifier.head().seq, kRows);
  EXPECT_EQ(verifier.head().hash, rows.back().row_hash);
}

TEST(ChainVerifierTest, AcceptsAnEmptyChain) {
  ChainVerifier verifier;
  EXPECT_TRUE(verifier.Finish().ok());
  EXPECT_EQ(verifier.rows_checked(), 0);
  EXPECT_EQ(verifier.head().seq, 0);
  EXPECT_EQ(verifier.head().hash, kGenesisHash);
}

// Content changed, hash left: the row itself is named.
TEST(ChainVerifierTest, NamesARowWhoseContentWasAltered) {
  std::vector<StoredRow> rows = BuildChain(kRows);
  AlterDetail(Row(rows, 5));
  ExpectDataLoss(Verify(rows), "audit row 5 was altered");
}

// Content changed and its own hash recomputed: the row verifies on its own,
// so the NEXT row is named, whose prev_hash still holds the old hash.
TEST(ChainVerifierTest, NamesTheNextRowWhenAnAlteredRowWasRehashed) {
  std::vector<StoredRow> rows = BuildChain(kRows);
  AlterDetail(Row(rows, 5));
  Row(rows, 5).row_hash = ChainHash(Row(rows, 5).prev_hash, Row(rows, 5).record_bytes);
  ExpectDataLoss(Verify(rows), "audit row 6 does not link to row 5");
  ExpectDataLoss(Verify(rows), "row 5 was altered and its hash recomputed");
}

TEST(ChainVerifierTest, NamesADeletedRow) {
  std::vector<StoredRow> rows = BuildChain(kRows);
  rows.erase(rows.begin() + 4);  // row 5
  ExpectDataLoss(Verify(rows),
                 "audit row 5 is missing (row 4 is followed by row 6): it was deleted");
}

TEST(ChainVerifierTest, NamesSeveralDeletedRows) {
  std::vector<StoredRow> rows = BuildChain(kRows);
  rows.erase(rows.begin() + 3, rows.begin() + 6);  // rows 4, 5, 6
  ExpectDataLoss(Verify(rows),
                 "audit rows 4 to 6 are missing (row 3 is followed by row 7): they were deleted");
}

TEST(ChainVerifierTest, NamesADeletedFirstRow) {
  std::vector<StoredRow> rows = BuildChain(kRows);
  rows.erase(rows.begin());
  ExpectDataLoss(Verify(rows), "audit row 1 is missing (the chain starts at row 2)");
}

// A row inserted after row 5, correctly hashed and linked to row 5, with the
// seq column of the rows after it moved up by one (the record is left as it
// was, because changing it would change its hash): the first moved row is
// named.
TEST(ChainVerifierTest, NamesTheRowMovedToMakeRoomForAnInsertedRow) {
  std::vector<StoredRow> rows = BuildChain(kRows);
  v1::AuditRecord forged = Record(6);
  forged.set_detail("inserted");
  const StoredRow inserted = SealRow(forged, Row(rows, 5).row_hash);
  for (size_t i = 5; i < rows.size(); ++i) ++rows[i].seq;
  rows.insert(rows.begin() + 5, inserted);
  ExpectDataLoss(Verify(rows), "audit row 7 holds the record of row 6: rows were renumbered");
}

// The same, but the moved rows' records were renumbered and rehashed on
// their own too: the inserted row verifies, and the row after it is named
// because it still links to row 5.
TEST(ChainVerifierTest, NamesTheRowAfterAnInsertedRowThatHasItsOwnHash) {
  std::vector<StoredRow> rows = BuildChain(kRows);
  v1::AuditRecord forged = Record(6);
  forged.set_detail("inserted");
  const StoredRow inserted = SealRow(forged, Row(rows, 5).row_hash);
  for (size_t i = 5; i < rows.size(); ++i) {
    v1::AuditRecord record = Parse(rows[i]);
    record.set_seq(record.seq() + 1);
    rows[i] = SealRow(record, rows[i].prev_hash);
  }
  rows.insert(rows.begin() + 5, inserted);
  ExpectDataLoss(Verify(rows), "audit row 7 does not link to row 6");
}

TEST(ChainVerifierTest, NamesADuplicatedRow) {
  std::vector<StoredRow> rows = BuildChain(kRows);
  rows.insert(rows.begin() + 6, Row(rows, 6));
  ExpectDataLoss(Verify(rows), "audit row 6 appears twice");
}

// Two rows' seq columns swapped; the database returns them in seq order.
TEST(ChainVerifierTest, NamesRowsWhoseOrderWasSwapped) {
  std::vector<StoredRow> rows = BuildChain(kRows);
  std::swap(Row(rows, 5).seq, Row(rows, 6).seq);
  std::swap(Row(rows, 5), Row(rows, 6));
  ExpectDataLoss(Verify(rows), "audit row 5 holds the record of row 6");
}

TEST(ChainVerifierTest, NamesARowThatGoesBackwards) {
  std::vector<StoredRow> rows = BuildChain(kRows);
  rows.insert(rows.begin() + 6, Row(rows, 3));
  ExpectDataLoss(Verify(rows), "audit row 3 comes after row 6: rows are out of order");
}

TEST(ChainVerifierTest, NamesARowWhoseRecordHasAnotherSeq) {
  std::vector<StoredRow> rows = BuildChain(kRows);
  v1::AuditRecord record = Parse(Row(rows, 5));
  record.set_seq(50);
  Row(rows, 5) = SealRow(record, Row(rows, 4).row_hash);
  Row(rows, 5).seq = 5;
  ExpectDataLoss(Verify(rows), "audit row 5 holds the record of row 50");
}

TEST(ChainVerifierTest, NamesARowWhoseRecordDoesNotParse) {
  std::vector<StoredRow> rows = BuildChain(kRows);
  StoredRow& row = Row(rows, 5);
  row.record_bytes = "\xff\xff\xff\xff";
  row.row_hash = ChainHash(row.prev_hash, row.record_bytes);
  ExpectDataLoss(Verify(rows), "audit row 5: its record does not parse");
}

TEST(ChainVerifierTest, NamesAFirstRowThatDoesNotStartFromGenesis) {
  std::vector<StoredRow> rows = BuildChain(kRows);
  Row(rows, 1) = SealRow(Record(1), Sha256Hex("elsewhere"));
  ExpectDataLoss(Verify(rows), "audit row 1 does not start from the genesis hash");
}

TEST(ChainVerifierTest, RefusesSeqsBelowOne) {
  std::vector<StoredRow> rows = {SealRow(Record(0), kGenesisHash)};
  ExpectDataLoss(Verify(rows), "audit row 0: seqs start at 1");
}

// Deleting the newest rows leaves a valid chain: only an anchor tells.
TEST(ChainVerifierTest, CatchesTailTruncationOnlyAgainstAnAnchor) {
  std::vector<StoredRow> rows = BuildChain(kRows);
  const Anchor anchor{kRows, rows.back().row_hash};
  rows.resize(7);
  EXPECT_TRUE(Verify(rows).ok());
  ExpectDataLoss(Verify(rows, anchor),
                 "the chain ends at row 7 but the anchor names row 10: rows after 7 were deleted");
}

TEST(ChainVerifierTest, CatchesAnEmptiedChainAgainstAnAnchor) {
  const std::vector<StoredRow> rows = BuildChain(3);
  ExpectDataLoss(Verify({}, Anchor{3, rows.back().row_hash}),
                 "the chain is empty but the anchor names row 3");
}

// A chain that has grown since its anchor was logged is fine.
TEST(ChainVerifierTest, AcceptsAChainThatGrewPastItsAnchor) {
  const std::vector<StoredRow> rows = BuildChain(kRows);
  EXPECT_TRUE(Verify(rows, Anchor{6, rows[5].row_hash}).ok());
}

// Rewriting every row from some point on and recomputing the hashes leaves a
// valid chain: an anchor kept outside the database catches it.
TEST(ChainVerifierTest, CatchesARewrittenChainOnlyAgainstAnAnchor) {
  std::vector<StoredRow> rows = BuildChain(kRows);
  const Anchor anchor{8, Row(rows, 8).row_hash};
  AlterDetail(Row(rows, 4));
  Reseal(rows, 3);  // rows 4..10
  EXPECT_TRUE(Verify(rows).ok());
  ExpectDataLoss(Verify(rows, anchor),
                 absl::StrCat("audit row 8's hash is ", Row(rows, 8).row_hash,
                              " but the anchor says ", anchor.hash,
                              ": the chain was rewritten at or before row 8"));
}

TEST(ChainVerifierTest, KeepsReportingTheFirstProblem) {
  std::vector<StoredRow> rows = BuildChain(kRows);
  AlterDetail(Row(rows, 2));
  ChainVerifier verifier;
  EXPECT_TRUE(verifier.Add(Row(rows, 1)).ok());
  const absl::Status first = verifier.Add(Row(rows, 2));
  ExpectDataLoss(first, "audit row 2 was altered");
  EXPECT_EQ(verifier.Add(Row(rows, 3)), first);
  EXPECT_EQ(verifier.Finish(), first);
  EXPECT_EQ(verifier.rows_checked(), 1);
  EXPECT_EQ(verifier.head().seq, 1);
}

TEST(AnchorTest, FormatsAndParsesBack) {
  const Anchor anchor{45, Sha256Hex("row 45")};
  const std::string text = FormatAnchor(anchor);
  EXPECT_EQ(text, absl::StrCat("45:", anchor.hash));
  absl::StatusOr<Anchor> parsed = ParseAnchor(text);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->seq, 45);
  EXPECT_EQ(parsed->hash, anchor.hash);
}

TEST(AnchorTest, LowersTheHash) {
  absl::StatusOr<Anchor> parsed = ParseAnchor(absl::StrCat("7:", std::string(64, 'A')));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->hash, std::string(64, 'a'));
}

TEST(AnchorTest, RefusesMalformedText) {
  const std::string hash = Sha256Hex("x");
  for (const std::string& text :
       {std::string("45"), absl::StrCat("0:", hash), absl::StrCat("x:", hash),
        std::string("45:abc"), absl::StrCat("45:", hash, ":1"),
        absl::StrCat("45:", std::string(64, 'g'))}) {
    const absl::StatusOr<Anchor> parsed = ParseAnchor(text);
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument) << text;
  }
}

TEST(ToJsonLineTest, IsOneJsonObjectWithProtoFieldNamesAndTheRowHash) {
  v1::AuditRecord record = Record(5);
  record.set_delivery_id(12);
  absl::StatusOr<std::string> line = ToJsonLine(record, "ab12");
  ASSERT_TRUE(line.ok()) << line.status();
  EXPECT_THAT(*line, Not(HasSubstr("\n")));

  google::protobuf::Struct parsed;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(*line, &parsed).ok()) << *line;
  const auto& fields = parsed.fields();
  EXPECT_EQ(fields.at("seq").string_value(), "5");  // int64 is a string in JSON
  EXPECT_EQ(fields.at("at").string_value(), "2026-03-31T14:05:00Z");
  EXPECT_EQ(fields.at("actor_agency_id").string_value(), "derby-csc");
  EXPECT_EQ(fields.at("kind").string_value(), "AUDIT_EVENT_KIND_MESSAGE_ACCEPTED");
  EXPECT_EQ(fields.at("delivery_id").string_value(), "12");
  EXPECT_EQ(fields.at("row_hash").string_value(), "ab12");
  EXPECT_EQ(fields.count("message_id"), 0u);  // unset fields are left out
}

TEST(ToJsonLineTest, IsValidForAnEmptyRecord) {
  absl::StatusOr<std::string> line = ToJsonLine(v1::AuditRecord(), "ab12");
  ASSERT_TRUE(line.ok()) << line.status();
  EXPECT_EQ(*line, "{\"row_hash\":\"ab12\"}");
}

TEST(ToJsonLineTest, RefusesATimestampOutOfRange) {
  v1::AuditRecord record = Record(5);
  record.mutable_at()->set_seconds(int64_t{1} << 40);  // after the year 9999
  EXPECT_EQ(ToJsonLine(record, "ab12").status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace audit
}  // namespace cre
