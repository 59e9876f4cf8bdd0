#include "service/oversight_api.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "access/request_validation.h"
#include "casework/audit_records.h"
#include "casework/casework.h"
#include "common/proto_time.h"

namespace cre {
namespace {

constexpr int kDefaultPageSize = 50;

// The token is not echoed: it is the client's to send, and could be anything.
absl::Status NotOurToken() { return absl::InvalidArgumentError("page_token: not a token this hub issued"); }

}  // namespace

void OversightApi::ListOpenActions(const CallContext& call, const v1::ListOpenActionsRequest& request,
                                   v1::ListOpenActionsResponse* response, Done done) {
  absl::optional<Done> admitted = gate_->Admit(
      call, Method::kListOpenActions, [&] { return ValidateListOpenActions(request); }, std::move(done));
  if (!admitted) return;
  executor_.Submit([this, &request, response, caller = call.caller, done = *std::move(admitted)] {
    done(ReadOpenActions(caller, request, response));
  });
}

absl::Status OversightApi::ReadOpenActions(const v1::Agency& caller, const v1::ListOpenActionsRequest& request,
                                           v1::ListOpenActionsResponse* response) {
  const int page_size = request.page_size() == 0 ? kDefaultPageSize : request.page_size();
  const absl::Time now = clock_.Now();
  std::string owner = Casework::OverseenOwner(caller);
  if (!request.owner_agency_id().empty()) {
    if (!owner.empty() && request.owner_agency_id() != owner) {
      return absl::PermissionDeniedError("owner_agency_id: a team sees only its own actions");
    }
    owner = request.owner_agency_id();
  }
  OpenActionFilter filter;
  filter.owner_agency_id = owner;
  filter.owner_role = request.owner();
  filter.due_before = request.overdue_only() ? now : absl::InfiniteFuture();
  if (request.has_due_within_working_days()) {
    filter.due_before = std::min(filter.due_before, casework_->EndOfWorkingDays(now, request.due_within_working_days()));
  }
  // A token is good for the agency it was issued to and the query it was
  // issued for; page_size may change from page to page. The owner's role is
  // bound only when given, so that a token issued for "any role" is the
  // same whether or not the hub that made it knew the filter.
  const std::string window =
      request.has_due_within_working_days() ? absl::StrCat(request.due_within_working_days()) : "any";
  std::vector<absl::string_view> bound_to = {caller.id(), request.overdue_only() ? "overdue_only" : "all", owner,
                                             window};
  if (request.owner() != v1::PRACTITIONER_ROLE_UNSPECIFIED) {
    bound_to.push_back(v1::PractitionerRole_Name(request.owner()));
  }
  std::string cursor;
  if (!request.page_token().empty()) {
    absl::optional<std::string> verified = page_tokens_->Verify(bound_to, request.page_token());
    if (!verified.has_value() || verified->empty()) return NotOurToken();
    cursor = *std::move(verified);
  }
  absl::StatusOr<ActionPage> page = store_->ListOpenActions(filter, page_size, cursor);
  if (!page.ok()) return page.status();
  std::string next_page_token;
  if (!page->next_page_token.empty()) {
    absl::StatusOr<std::string> signed_token = page_tokens_->Sign(bound_to, page->next_page_token);
    if (!signed_token.ok()) return absl::InternalError(signed_token.status().message());
    next_page_token = *std::move(signed_token);
  }
  for (const auto& [case_id, action] : page->actions) {
    v1::OpenActionSummary* summary = response->add_actions();
    summary->set_case_id(case_id);
    summary->set_kind(action.kind);
    summary->set_owner(action.owner);
    summary->set_owner_agency_id(action.owner_agency_id);
    summary->set_chair(action.chair);
    *summary->mutable_due_at() = ToProtoTime(action.due_at);
    summary->set_due_date(action.due_date);
    summary->set_status(action.due_at <= now ? v1::ACTION_STATUS_OVERDUE : v1::ACTION_STATUS_PENDING);
    summary->set_rule_id(action.rule_id);
    absl::CivilDay due_day;
    if (absl::ParseCivilTime(action.due_date, &due_day)) {
      // Counted from the next working day when now is not one (a Sunday):
      // an action already overdue has none left, whatever the count says.
      const int left = casework_->WorkingDaysUntil(now, due_day);
      summary->set_working_days_left(action.due_at <= now ? std::min(left, 0) : left);
    }
  }
  response->set_next_page_token(next_page_token);
  return absl::OkStatus();
}

void OversightApi::ListRecordAccesses(const CallContext& call, const v1::ListRecordAccessesRequest& request,
                                      v1::ListRecordAccessesResponse* response, Done done) {
  absl::optional<Done> admitted = gate_->Admit(
      call, Method::kListRecordAccesses, [&] { return ValidateListRecordAccesses(request); }, std::move(done));
  if (!admitted) return;
  v1::AuditRecord read_by =
      AuditOf(v1::AUDIT_EVENT_KIND_ACCESS_LOG_READ, call.caller.id(), clock_.Now());
  read_by.set_method(MethodPath(Method::kListRecordAccesses));
  read_by.set_staff_id(call.staff_id);
  executor_.Submit([this, &request, response, read_by = std::move(read_by), done = *std::move(admitted)] {
    const int limit = request.limit() == 0 ? kDefaultAccessLimit : request.limit();
    absl::StatusOr<v1::ListRecordAccessesResponse> listed = store_->ListRecordAccesses(request, limit, read_by);
    if (listed.ok()) *response = *std::move(listed);
    done(listed.status());
  });
}

}  // namespace cre
