// PATHWAY_RETURN_IF_ERROR for the pathway library: Abseil 20220623 has no status
// macros, and the hub's common/ helpers are not ours to depend on here.
//
//   PATHWAY_RETURN_IF_ERROR(CheckChild(file.child()));
#ifndef CRE_HUB_PATHWAY_STATUS_MACROS_H_
#define CRE_HUB_PATHWAY_STATUS_MACROS_H_

#include "absl/status/status.h"

// Returns the status from the enclosing function when it is not OK.
#define PATHWAY_RETURN_IF_ERROR(expr)                                \
  do {                                                       \
    const ::absl::Status cre_pathway_status_ = (expr);       \
    if (!cre_pathway_status_.ok()) return cre_pathway_status_; \
  } while (false)

#endif  // CRE_HUB_PATHWAY_STATUS_MACROS_H_
