// The console API's query strings (application/x-www-form-urlencoded), read
// into the hub's own requests: each parameter is the request field of the
// same name, an enum by its value's name. An unknown parameter, or a value
// that is not of its field's kind, is INVALID_ARGUMENT naming the parameter
// (never quoting the value: it is the client's, and refusals are logged).
//
//   absl::StatusOr<v1::ListOpenActionsRequest> request =
//       OpenActionsRequest("overdue_only=true&owner=PRACTITIONER_ROLE_SOCIAL_WORKER");
#ifndef CRE_HUB_WEB_CONSOLE_QUERY_H_
#define CRE_HUB_WEB_CONSOLE_QUERY_H_

#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "cre/v1/oversight.pb.h"

namespace cre::web {

// name -> value, each unescaped ("+" a space, %XX a byte); of a parameter
// given twice, the first.
absl::flat_hash_map<std::string, std::string> QueryValues(absl::string_view query);

// GET /api/v1/open-actions: overdue_only (true or false), page_size,
// page_token, owner_agency_id, due_within_working_days, owner (a
// PractitionerRole's name, e.g. PRACTITIONER_ROLE_SOCIAL_WORKER).
absl::StatusOr<v1::ListOpenActionsRequest> OpenActionsRequest(absl::string_view query);

}  // namespace cre::web

#endif  // CRE_HUB_WEB_CONSOLE_QUERY_H_
