// The console's routes: its static front end (console/ in the source tree)
// and the JSON API under /api/v1/ that the pages use, each calling the
// service API (service/service_api.h) as the signed-in member of staff.
//
//   POST   /api/v1/session            sign in: SignInRequest -> SessionResponse, session cookie
//   GET    /api/v1/session            who is signed in, and the CSRF token
//   DELETE /api/v1/session            sign out
//   GET    /api/v1/vocabulary         enum values in words, for the pages
//   GET    /api/v1/open-actions       ListOpenActionsResponse (?overdue_only, due_within_working_days,
//                                     owner_agency_id, owner, page_size, page_token: web/console_query.h)
//   GET    /api/v1/cases/{case_id}    GetCaseResponse
//   GET    /api/v1/cases/{case_id}/accesses  ListRecordAccessesResponse: who accessed the child's
//                                     record (the hub's own CSC and CPM service)
//   GET    /api/v1/deliveries         DeliveriesResponse (hub operators)
//   POST   /api/v1/deliveries/requeue RequeueRequest -> RequeueResponse (hub operators)
//   GET    /api/v1/record             RecordState: the audit chain's head and last verification
//   POST   /api/v1/record/verify      walks the chain now -> RecordState
//
// Bodies are the protobuf JSON mapping of the hub's own messages; errors
// are {"code": "...", "message": "..."} with the status's HTTP code
// (web/http_headers.h, the one place statuses become HTTP codes). Every
// change but sign-in needs the session's X-CSRF-Token; every request that
// carries a body must be application/json, and a request from another
// origin (its Origin header) is refused. docs/console.md has examples.
#ifndef CRE_HUB_WEB_CONSOLE_ROUTES_H_
#define CRE_HUB_WEB_CONSOLE_ROUTES_H_

#include <functional>
#include <memory>
#include <string>

#include "service/service_api.h"
#include "web/https_server.h"
#include "web/static_files.h"

namespace cre::web {

// The session cookie's name, without the __Host- prefix SessionCookie adds.
inline constexpr char kSessionCookie[] = "cre_session";

class ConsoleRoutes {
 public:
  // `api.console` must be set.
  ConsoleRoutes(ServiceApi api, StaticFiles files);

  // The HttpsServer's handler. Never blocks: the work runs on the APIs'
  // own threads.
  void Handle(HttpRequest request, Respond respond);

 private:
  using StaffHandler = std::function<void(const StaffCall& staff, Respond respond)>;

  // Authenticates the request's session (and, for a change, its CSRF token)
  // and runs `then`; otherwise answers 401 or 403.
  void AsStaff(const HttpRequest& request, bool change, Respond respond, StaffHandler then);
  void SignIn(const HttpRequest& request, Respond respond);
  // `query`: the request's query string (overdue_only, due_within_working_days, ...).
  void OpenActions(const std::string& query, const StaffCall& staff, Respond respond);
  void Case(const std::string& case_id, const StaffCall& staff, Respond respond);
  void Accesses(const std::string& case_id, const StaffCall& staff, Respond respond);

  const ServiceApi api_;
  const StaticFiles files_;
  // GET /api/v1/vocabulary, made once.
  const std::string vocabulary_json_;
};

}  // namespace cre::web

#endif  // CRE_HUB_WEB_CONSOLE_ROUTES_H_
