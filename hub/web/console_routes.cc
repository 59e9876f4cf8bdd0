#include "web/console_routes.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"
#include "pathway/in_words.h"
#include "web/console_query.h"
#include "web/http_headers.h"

namespace cre::web {
namespace {

constexpr absl::string_view kApi = "/api/v1/";

std::string ToJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  std::string json;
  if (!google::protobuf::util::MessageToJsonString(message, &json, options).ok()) return "{}";
  return json;
}

HttpResponse MessageResponse(const google::protobuf::Message& message) { return JsonResponse(200, ToJson(message)); }

const std::string* Header(const HttpRequest& request, const std::string& name) {
  auto it = request.headers.find(name);
  return it == request.headers.end() ? nullptr : &it->second;
}

// The client's address without its port: one browser opens many
// connections, and the sign-in limit is per address.
std::string PeerAddress(const std::string& peer) {
  const size_t colon = peer.rfind(':');
  return colon == std::string::npos ? peer : peer.substr(0, colon);
}

// A change must come from the console's own pages: a browser names the
// page's origin in Origin on every such request, and a page elsewhere
// cannot choose it.
absl::Status SameOrigin(const HttpRequest& request) {
  const std::string* origin = Header(request, "origin");
  const std::string* host = Header(request, "host");
  if (origin != nullptr && (host == nullptr || *origin != absl::StrCat("https://", *host))) {
    return absl::PermissionDeniedError("Origin: a change must come from the console's own pages");
  }
  if (const std::string* site = Header(request, "sec-fetch-site");
      site != nullptr && *site != "same-origin" && *site != "none") {
    return absl::PermissionDeniedError("Sec-Fetch-Site: a change must come from the console's own pages");
  }
  return absl::OkStatus();
}

// "ACTION_KIND_STRATEGY_DISCUSSION" -> "strategy discussion", for the
// enums without words of their own.
std::string Humanised(const std::string& name, const std::string& prefix) {
  std::string text = absl::StartsWith(name, prefix) ? name.substr(prefix.size()) : name;
  absl::AsciiStrToLower(&text);
  for (char& c : text) {
    if (c == '_') c = ' ';
  }
  return text;
}

template <typename Enum>
void AppendEnum(std::string* json, const google::protobuf::EnumDescriptor* type,
                const std::function<std::string(Enum)>& in_words, const std::string& prefix) {
  absl::StrAppend(json, json->size() > 1 ? "," : "", JsonString(type->name()), ":{");
  for (int i = 0; i < type->value_count(); ++i) {
    const google::protobuf::EnumValueDescriptor* value = type->value(i);
    if (value->number() == 0) continue;
    const std::string words =
        in_words ? in_words(static_cast<Enum>(value->number())) : Humanised(value->name(), prefix);
    absl::StrAppend(json, i > 1 ? "," : "", JsonString(value->name()), ":", JsonString(words));
  }
  absl::StrAppend(json, "}");
}

std::string Vocabulary() {
  std::string json = "{";
  using pathway::InWords;
  AppendEnum<v1::ActionKind>(&json, v1::ActionKind_descriptor(), [](v1::ActionKind k) { return InWords(k); }, "");
  AppendEnum<v1::ActionStatus>(&json, v1::ActionStatus_descriptor(), [](v1::ActionStatus k) { return InWords(k); }, "");
  AppendEnum<v1::PractitionerRole>(&json, v1::PractitionerRole_descriptor(),
                                   [](v1::PractitionerRole k) { return InWords(k); }, "");
  AppendEnum<v1::RiskLevel>(&json, v1::RiskLevel_descriptor(), [](v1::RiskLevel k) { return InWords(k); }, "");
  AppendEnum<v1::MessageKind>(&json, v1::MessageKind_descriptor(), [](v1::MessageKind k) { return InWords(k); }, "");
  AppendEnum<v1::EventKind>(&json, v1::EventKind_descriptor(), nullptr, "EVENT_KIND_");
  AppendEnum<v1::StaffRole>(&json, v1::StaffRole_descriptor(), nullptr, "STAFF_ROLE_");
  AppendEnum<v1::AgencyRole>(&json, v1::AgencyRole_descriptor(), nullptr, "");
  AppendEnum<v1::WithholdingGround>(&json, v1::WithholdingGround_descriptor(), nullptr, "WITHHOLDING_GROUND_");
  absl::StrAppend(&json, "}");
  return json;
}

}  // namespace

ConsoleRoutes::ConsoleRoutes(ServiceApi api, StaticFiles files)
    : api_(std::move(api)), files_(std::move(files)), vocabulary_json_(Vocabulary()) {}

void ConsoleRoutes::Handle(HttpRequest request, Respond respond) {
  if (!absl::StartsWith(request.path, kApi)) {
    if (absl::optional<HttpResponse> served = files_.Serve(request)) return respond(*std::move(served));
    return respond(ErrorResponse(absl::NotFoundError("no such page")));
  }
  const bool change = request.method != "GET" && request.method != "HEAD";
  if (change) {
    if (absl::Status same = SameOrigin(request); !same.ok()) return respond(ErrorResponse(same));
    const std::string* type = Header(request, "content-type");
    if (!request.body.empty() && (type == nullptr || !absl::StartsWith(*type, "application/json"))) {
      return respond(ErrorResponse(absl::InvalidArgumentError("Content-Type: must be application/json")));
    }
  }
  const absl::string_view route = absl::string_view(request.path).substr(kApi.size());

  if (route == "session") {
    if (request.method == "POST") return SignIn(request, std::move(respond));
    if (request.method == "GET") {
      return AsStaff(request, false, std::move(respond), [this](const StaffCall& staff, Respond respond) {
        absl::StatusOr<v1::SessionResponse> session = api_.console->Session(staff);
        respond(session.ok() ? MessageResponse(*session) : ErrorResponse(session.status()));
      });
    }
    if (request.method == "DELETE") {
      return AsStaff(request, true, std::move(respond), [this](const StaffCall& staff, Respond respond) {
        api_.console->SignOut(staff, [respond](const absl::Status& status) {
          if (!status.ok()) return respond(ErrorResponse(status));
          HttpResponse response = JsonResponse(200, "{}");
          response.headers.emplace_back("Set-Cookie", ClearedCookie(kSessionCookie));
          respond(std::move(response));
        });
      });
    }
  } else if (route == "deliveries" && !change) {
    return AsStaff(request, false, std::move(respond), [this](const StaffCall& staff, Respond respond) {
      auto response = std::make_shared<v1::DeliveriesResponse>();
      api_.console->Deliveries(staff, response.get(), [response, respond](const absl::Status& status) {
        respond(status.ok() ? MessageResponse(*response) : ErrorResponse(status));
      });
    });
  } else if (route == "deliveries/requeue" && request.method == "POST") {
    auto call = std::make_shared<std::pair<v1::RequeueRequest, v1::RequeueResponse>>();
    google::protobuf::util::JsonParseOptions options;
    if (!google::protobuf::util::JsonStringToMessage(request.body, &call->first, options).ok()) {
      return respond(ErrorResponse(absl::InvalidArgumentError(
          "body: not a cre.v1.RequeueRequest in JSON ({\"deliveryIds\": [...], \"reason\": \"...\"})")));
    }
    return AsStaff(request, true, std::move(respond), [this, call](const StaffCall& staff, Respond respond) {
      api_.console->Requeue(staff, call->first, &call->second, [call, respond](const absl::Status& status) {
        respond(status.ok() ? MessageResponse(call->second) : ErrorResponse(status));
      });
    });
  } else if ((route == "record" && !change) || (route == "record/verify" && request.method == "POST")) {
    return AsStaff(request, change, std::move(respond), [this, verify = change](const StaffCall& staff,
                                                                               Respond respond) {
      auto response = std::make_shared<v1::RecordState>();
      Done done = [response, respond](const absl::Status& status) {
        respond(status.ok() ? MessageResponse(*response) : ErrorResponse(status));
      };
      if (verify) {
        api_.console->Verify(staff, response.get(), std::move(done));
      } else {
        api_.console->Record(staff, response.get(), std::move(done));
      }
    });
  } else if (route == "record/retention" && !change) {
    return AsStaff(request, false, std::move(respond), [this](const StaffCall& staff, Respond respond) {
      auto json = std::make_shared<std::string>();
      api_.console->Retention(staff, json.get(), [json, respond](const absl::Status& status) {
        respond(status.ok() ? JsonResponse(200, *json) : ErrorResponse(status));
      });
    });
  } else if (route == "vocabulary" && !change) {
    return respond(JsonResponse(200, vocabulary_json_));
  } else if (route == "open-actions" && !change) {
    return AsStaff(request, false, std::move(respond),
                   [this, query = request.query](const StaffCall& staff, Respond respond) {
                     OpenActions(query, staff, std::move(respond));
                   });
  } else if (absl::StartsWith(route, "cases/") && absl::EndsWith(route, "/accesses") && !change) {
    return AsStaff(request, false, std::move(respond),
                   [this, case_id = std::string(route.substr(6, route.size() - 6 - 9))](const StaffCall& staff,
                                                                                       Respond respond) {
                     Accesses(case_id, staff, std::move(respond));
                   });
  } else if (absl::StartsWith(route, "cases/") && !change) {
    return AsStaff(request, false, std::move(respond),
                   [this, case_id = std::string(route.substr(6))](const StaffCall& staff, Respond respond) {
                     Case(case_id, staff, std::move(respond));
                   });
  } else {
    return respond(ErrorResponse(absl::NotFoundError(absl::StrCat("no such API: ", request.method, " ",
                                                                  JsonString(request.path)))));
  }
  respond(ErrorResponse(absl::InvalidArgumentError(absl::StrCat(request.method, " is not allowed here"))));
}

void ConsoleRoutes::AsStaff(const HttpRequest& request, bool change, Respond respond, StaffHandler then) {
  const std::string* cookie_header = Header(request, "cookie");
  const auto cookies = ParseCookies(cookie_header == nullptr ? "" : *cookie_header);
  const auto session = cookies.find(absl::StrCat("__Host-", kSessionCookie));
  if (session == cookies.end()) return respond(ErrorResponse(absl::UnauthenticatedError("sign in")));
  const std::string* csrf = Header(request, "x-csrf-token");
  api_.console->Authenticate(
      session->second, PeerAddress(request.peer),
      [this, change, csrf = csrf == nullptr ? std::string() : *csrf, respond = std::move(respond),
       then = std::move(then)](absl::StatusOr<StaffCall> staff) {
        if (!staff.ok()) {
          HttpResponse response = ErrorResponse(staff.status());
          if (staff.status().code() == absl::StatusCode::kUnauthenticated) {
            response.headers.emplace_back("Set-Cookie", ClearedCookie(kSessionCookie));
          }
          return respond(std::move(response));
        }
        if (change) {
          if (absl::Status checked = api_.console->CheckCsrf(*staff, csrf); !checked.ok()) {
            return respond(ErrorResponse(checked));
          }
        }
        then(*staff, respond);
      });
}

void ConsoleRoutes::SignIn(const HttpRequest& request, Respond respond) {
  v1::SignInRequest sign_in;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  // Protobuf's parse error may quote the body, which holds a password: the
  // refusal names the body only.
  if (!google::protobuf::util::JsonStringToMessage(request.body, &sign_in, options).ok()) {
    return respond(ErrorResponse(absl::InvalidArgumentError(
        "body: not a cre.v1.SignInRequest in JSON ({\"username\", \"password\", \"code\"})")));
  }
  api_.console->SignIn(sign_in, PeerAddress(request.peer), [respond](absl::StatusOr<SignedIn> signed_in) {
    if (!signed_in.ok()) return respond(ErrorResponse(signed_in.status()));
    HttpResponse response = MessageResponse(signed_in->session);
    response.headers.emplace_back("Set-Cookie",
                                  SessionCookie(kSessionCookie, signed_in->session_token, signed_in->cookie_max_age));
    respond(std::move(response));
  });
}

void ConsoleRoutes::OpenActions(const std::string& query, const StaffCall& staff, Respond respond) {
  if (absl::Status may = api_.console->MayOpen(staff, ConsolePage::kDueAndOverdue); !may.ok()) {
    return respond(ErrorResponse(may));
  }
  absl::StatusOr<v1::ListOpenActionsRequest> parsed = OpenActionsRequest(query);
  if (!parsed.ok()) return respond(ErrorResponse(parsed.status()));
  // Both live until the API answers.
  auto call = std::make_shared<std::pair<v1::ListOpenActionsRequest, v1::ListOpenActionsResponse>>();
  call->first = *std::move(parsed);
  api_.oversight->ListOpenActions(staff.call, call->first, &call->second,
                                  [this, call, staff, respond](const absl::Status& status) {
                                    if (!status.ok()) return respond(ErrorResponse(status));
                                    api_.console->RecordView(staff, "GET /api/v1/open-actions");
                                    respond(MessageResponse(call->second));
                                  });
}

void ConsoleRoutes::Case(const std::string& case_id, const StaffCall& staff, Respond respond) {
  if (absl::Status may = api_.console->MayOpen(staff, ConsolePage::kCase); !may.ok()) {
    return respond(ErrorResponse(may));
  }
  auto call = std::make_shared<std::pair<v1::GetCaseRequest, v1::GetCaseResponse>>();
  call->first.set_case_id(case_id);
  // The read is journalled (CASE_READ, with the member of staff) by the store.
  api_.referrals->GetCase(staff.call, call->first, &call->second, [call, respond](const absl::Status& status) {
    respond(status.ok() ? MessageResponse(call->second) : ErrorResponse(status));
  });
}

void ConsoleRoutes::Accesses(const std::string& case_id, const StaffCall& staff, Respond respond) {
  if (absl::Status may = api_.console->MayOpen(staff, ConsolePage::kCase); !may.ok()) {
    return respond(ErrorResponse(may));
  }
  auto call = std::make_shared<std::pair<v1::ListRecordAccessesRequest, v1::ListRecordAccessesResponse>>();
  call->first.set_case_id(case_id);
  // Who may list them is the agency's role (the hub's own CSC and CPM
  // service); the read of the list is journalled, with the member of staff,
  // by the store.
  api_.oversight->ListRecordAccesses(staff.call, call->first, &call->second,
                                     [call, respond](const absl::Status& status) {
                                       respond(status.ok() ? MessageResponse(call->second) : ErrorResponse(status));
                                     });
}

}  // namespace cre::web
