#include "service/inbox_api.h"

#include <vector>

#include "access/request_validation.h"

namespace cre {

absl::StatusOr<AdmittedStream> InboxApi::Subscribe(const CallContext& call,
                                                   const v1::SubscribeRequest& request) const {
  absl::Status refused;
  absl::optional<Done> done = gate_->Admit(
      call, Method::kSubscribe, [&] { return ValidateSubscribe(request); },
      [&refused](const absl::Status& status) { refused = status; });
  if (!done) return refused;
  (*done)(absl::OkStatus());
  AdmittedStream admitted;
  admitted.agency_id = call.caller.id();
  if (request.max_in_flight() != 0) admitted.max_in_flight = request.max_in_flight();
  admitted.counted = gate_->CountStream(admitted.agency_id);
  admitted.trace = call.trace;
  return admitted;
}

absl::Status InboxApi::RefuseUnreadableSubscribe(const CallContext& call, const absl::Status& why) const {
  absl::Status refused;
  gate_->RefuseUnreadable(call, Method::kSubscribe, why, [&refused](const absl::Status& status) { refused = status; });
  return refused;
}

void InboxApi::Acknowledge(const CallContext& call, const v1::AcknowledgeRequest& request,
                           v1::AcknowledgeResponse* response, Done done) {
  absl::optional<Done> admitted =
      gate_->Admit(call, Method::kAcknowledge, [&] { return ValidateAcknowledge(request); }, std::move(done));
  if (!admitted) return;
  dispatcher_->Acknowledge(call.caller.id(),
                           std::vector<int64_t>(request.delivery_ids().begin(), request.delivery_ids().end()),
                           [response, done = *std::move(admitted)](absl::StatusOr<AckOutcome> outcome) {
                             if (outcome.ok()) response->set_acknowledged(outcome->acknowledged);
                             done(outcome.status());
                           });
}

}  // namespace cre
