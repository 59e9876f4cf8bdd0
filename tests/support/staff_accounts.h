// A member of staff for the console's tests, added straight to the store
// (as `hubctl staff add` does), with a second-factor secret the test keeps
// to make codes.
//
//   std::string secret = AddTestStaff(store, "duty.cpm", "derby-cpm", v1::STAFF_ROLE_CPM, kPassword, now);
//   request.set_code(staff::TotpCode(secret, clock.Now()));
#ifndef CRE_TESTS_SUPPORT_STAFF_ACCOUNTS_H_
#define CRE_TESTS_SUPPORT_STAFF_ACCOUNTS_H_

#include <string>

#include "gtest/gtest.h"
#include "staff/password_hash.h"
#include "staff/totp.h"
#include "store/store.h"

namespace cre::testing {

// Adds the member of staff ("Staff <username>") and returns their TOTP
// secret; fails the test if the store refuses.
inline std::string AddTestStaff(Store& store, const std::string& username, const std::string& agency_id,
                                v1::StaffRole role, const std::string& password, absl::Time now) {
  v1::StaffMember member;
  member.set_username(username);
  member.set_display_name("Staff " + username);
  member.set_agency_id(agency_id);
  member.set_role(role);
  const std::string secret = staff::NewTotpSecret();
  absl::StatusOr<std::string> hash = staff::HashPassword(password);
  EXPECT_TRUE(hash.ok()) << hash.status();
  absl::Status added = store.AddStaff(member, hash.value_or(""), secret, now, v1::AuditRecord());
  EXPECT_TRUE(added.ok()) << added;
  return secret;
}

}  // namespace cre::testing

#endif  // CRE_TESTS_SUPPORT_STAFF_ACCOUNTS_H_
