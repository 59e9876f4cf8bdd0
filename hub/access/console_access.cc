#include "access/console_access.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace cre {
namespace {

struct PagePermission {
  ConsolePage page;
  std::vector<v1::StaffRole> roles;
};

// The policy. Read it as: `page` may be opened by `roles`, and by no one else.
const std::vector<PagePermission>& Permissions() {
  static const auto* const permissions = new std::vector<PagePermission>{
      // The people who own the procedure's deadlines.
      {ConsolePage::kDueAndOverdue,
       {v1::STAFF_ROLE_CPM, v1::STAFF_ROLE_TEAM_MANAGER, v1::STAFF_ROLE_SOCIAL_WORKER, v1::STAFF_ROLE_IRO}},
      {ConsolePage::kCase,
       {v1::STAFF_ROLE_CPM, v1::STAFF_ROLE_TEAM_MANAGER, v1::STAFF_ROLE_SOCIAL_WORKER, v1::STAFF_ROLE_IRO}},
      // Running the hub: what could not be delivered.
      {ConsolePage::kDeliveries, {v1::STAFF_ROLE_HUB_OPERATOR}},
      // The record answers to the operators and the data protection officer.
      {ConsolePage::kRecord, {v1::STAFF_ROLE_HUB_OPERATOR, v1::STAFF_ROLE_DATA_PROTECTION_OFFICER}},
  };
  return *permissions;
}

}  // namespace

const std::vector<ConsolePage>& AllConsolePages() {
  static const auto* const pages = new std::vector<ConsolePage>{
      ConsolePage::kDueAndOverdue, ConsolePage::kCase, ConsolePage::kDeliveries, ConsolePage::kRecord};
  return *pages;
}

const char* ConsolePageName(ConsolePage page) {
  switch (page) {
    case ConsolePage::kDueAndOverdue: return "due and overdue";
    case ConsolePage::kCase: return "case";
    case ConsolePage::kDeliveries: return "deliveries";
    case ConsolePage::kRecord: return "record";
  }
  return "unknown";
}

absl::Status MayOpen(const v1::StaffMember& staff, ConsolePage page) {
  for (const PagePermission& p : Permissions()) {
    if (p.page == page && std::find(p.roles.begin(), p.roles.end(), staff.role()) != p.roles.end()) {
      return absl::OkStatus();
    }
  }
  return absl::PermissionDeniedError(absl::StrCat(staff.username(), " (", v1::StaffRole_Name(staff.role()),
                                                  ") may not open the ", ConsolePageName(page), " page"));
}

}  // namespace cre
