// Which member of staff may open which page of the console: deny by default.
//
// The agency decides which cases a member of staff sees (the same rules as
// its own system's calls: access/authorization.h, the GetCase rule); the
// staff role decides which pages they may open at all. Both apply: a
// school's CPM-titled account still cannot list the CPM service's actions,
// because the school's agency may not call ListOpenActions.
//
//   CRE_RETURN_IF_ERROR(MayOpen(staff, ConsolePage::kDeliveries));
#ifndef CRE_HUB_ACCESS_CONSOLE_ACCESS_H_
#define CRE_HUB_ACCESS_CONSOLE_ACCESS_H_

#include <vector>

#include "absl/status/status.h"
#include "cre/v1/console.pb.h"

namespace cre {

enum class ConsolePage {
  kDueAndOverdue,  // open actions across cases
  kCase,           // one case's timeline and pathway
  kDeliveries,     // dead letters and each agency's deliveries
  kRecord,         // the audit chain's state
};

const std::vector<ConsolePage>& AllConsolePages();
const char* ConsolePageName(ConsolePage page);

// OK if `staff`'s role may open `page`; PERMISSION_DENIED naming both.
absl::Status MayOpen(const v1::StaffMember& staff, ConsolePage page);

}  // namespace cre

#endif  // CRE_HUB_ACCESS_CONSOLE_ACCESS_H_
