// Cases that several end-to-end tests open on a real hub, in one call.
//
//   TestHub hub;
//   absl::StatusOr<std::string> case_id =
//       OpenLookedAfterChildAssessedHigh(hub, absl::Now() - absl::Hours(72), "late");
#ifndef CRE_TESTS_SUPPORT_TEST_CASES_H_
#define CRE_TESTS_SUPPORT_TEST_CASES_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "support/test_hub.h"

namespace cre::testing {

// As Children's Social Care: a looked-after child of this authority
// reported LOW an hour before `assessed_at`, then assessed HIGH at
// `assessed_at`. The IRO must be told within 48 clock hours, so the hub
// notifies it at once and the action stays open until the IRO
// acknowledges; the strategy discussion and the rest of the HIGH pathway
// follow. `key` makes the idempotency keys of the two submissions. Returns
// the case id, or the first submission's error.
absl::StatusOr<std::string> OpenLookedAfterChildAssessedHigh(const TestHub& hub, absl::Time assessed_at,
                                                            const std::string& key);

}  // namespace cre::testing

#endif  // CRE_TESTS_SUPPORT_TEST_CASES_H_
