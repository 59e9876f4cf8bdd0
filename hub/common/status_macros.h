// Early-return helpers for absl::Status, which Abseil 20220623 does not ship.
//
//   CRE_RETURN_IF_ERROR(store.Ping());
//   CRE_ASSIGN_OR_RETURN(auto config, LoadHubConfig(path));
//
// CRE_ASSIGN_OR_RETURN expands to several statements: use it as a statement
// of its own, never as the body of an unbraced if or loop.
#ifndef CRE_HUB_COMMON_STATUS_MACROS_H_
#define CRE_HUB_COMMON_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define CRE_RETURN_IF_ERROR(expr)                  \
  do {                                             \
    if (::absl::Status cre_status_ = (expr);       \
        !cre_status_.ok()) {                       \
      return cre_status_;                          \
    }                                              \
  } while (false)

#define CRE_STATUS_CONCAT_INNER_(a, b) a##b
#define CRE_STATUS_CONCAT_(a, b) CRE_STATUS_CONCAT_INNER_(a, b)

#define CRE_ASSIGN_OR_RETURN(lhs, expr) \
  CRE_ASSIGN_OR_RETURN_IMPL_(CRE_STATUS_CONCAT_(cre_statusor_, __LINE__), lhs, expr)

#define CRE_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                               \
  if (!statusor.ok()) return statusor.status();         \
  lhs = *std::move(statusor)

#endif  // CRE_HUB_COMMON_STATUS_MACROS_H_
