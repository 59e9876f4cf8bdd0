// Walks the audit chain through any Store, in seq order, a page at a time:
// what `hubctl audit verify` and the console's "verify now" both do.
//
//   audit::ChainVerifier verifier;
//   CRE_RETURN_IF_ERROR(ForEachAuditRow(store, [&](const audit::StoredRow& row) { return verifier.Add(row); }));
#ifndef CRE_HUB_STORE_AUDIT_ROWS_H_
#define CRE_HUB_STORE_AUDIT_ROWS_H_

#include <functional>
#include <vector>

#include "store/store.h"

namespace cre {

// Hands each sealed row to `visit`; stops at the first error, its own or
// visit's.
inline absl::Status ForEachAuditRow(Store& store,
                                    const std::function<absl::Status(const audit::StoredRow&)>& visit) {
  constexpr int kPage = 1000;
  for (int64_t from = 1;;) {
    absl::StatusOr<std::vector<audit::StoredRow>> page = store.ReadAudit(from, kPage);
    if (!page.ok()) return page.status();
    for (const audit::StoredRow& row : *page) {
      if (absl::Status status = visit(row); !status.ok()) return status;
    }
    if (static_cast<int>(page->size()) < kPage) return absl::OkStatus();
    from = page->back().seq + 1;
  }
}

}  // namespace cre

#endif  // CRE_HUB_STORE_AUDIT_ROWS_H_
