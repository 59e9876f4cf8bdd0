// The records of one kind in a store's audit chain, for tests that check
// what was recorded (sealing is the caller's: a running hub seals on its
// own, a bare store does not).
#ifndef CRE_TESTS_SUPPORT_AUDIT_RECORDS_H_
#define CRE_TESTS_SUPPORT_AUDIT_RECORDS_H_

#include <vector>

#include "absl/status/statusor.h"
#include "cre/v1/audit.pb.h"
#include "gtest/gtest.h"
#include "store/audit_rows.h"
#include "store/store.h"

namespace cre::testing {

// The sealed records of `kind`, oldest first.
inline std::vector<v1::AuditRecord> SealedRecordsOfKind(Store& store, v1::AuditEventKind kind) {
  std::vector<v1::AuditRecord> out;
  absl::StatusOr<std::vector<audit::StoredRow>> rows = store.ReadAudit(1, 100000);
  EXPECT_TRUE(rows.ok()) << rows.status();
  if (!rows.ok()) return out;
  for (const audit::StoredRow& row : *rows) {
    v1::AuditRecord record;
    EXPECT_TRUE(record.ParseFromString(row.record_bytes));
    if (record.kind() == kind) out.push_back(std::move(record));
  }
  return out;
}

}  // namespace cre::testing

#endif  // CRE_TESTS_SUPPORT_AUDIT_RECORDS_H_
