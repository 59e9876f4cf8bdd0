#include "server/referrals_service.h"

#include "absl/time/clock.h"
#include "common/ids.h"
#include "common/proto_time.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "routing/hub_actions.h"
#include "routing/request_validation.h"
#include "server/agency_auth.h"
#include "server/grpc_status.h"

namespace cre {
namespace {

// Protobuf's default serialization may order map entries differently from
// one run to the next; the idempotency digest must not.
std::string DeterministicBytes(const google::protobuf::Message& message) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    message.SerializeToCodedStream(&coded);
  }
  return bytes;
}

Submission NewSubmission(const std::string& idempotency_key, v1::MessageKind kind) {
  Submission submission;
  submission.idempotency_key = idempotency_key;
  submission.message.set_kind(kind);
  return submission;
}

}  // namespace

grpc::Status ReferralsService::Submit(grpc::ServerContext* context, Method method,
                                      const google::protobuf::Message& request,
                                      const absl::Status& request_check, Submission submission,
                                      v1::SubmitResponse* response) {
  absl::StatusOr<v1::Agency> caller = CallerAgency(*context, *registry_);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  if (absl::Status allowed = Authorize(*caller, method); !allowed.ok()) return ToGrpcStatus(allowed);
  if (!request_check.ok()) return ToGrpcStatus(request_check);

  submission.sender_agency_id = caller->id();
  submission.method = MethodName(method);
  submission.request_sha256 = Sha256Hex(DeterministicBytes(request));
  submission.accepted_at = absl::Now();
  submission.opened_at = std::min(submission.opened_at, submission.accepted_at);

  const RouteFn route = [&](const CaseView* case_view,
                            const RepliedMessage* replied) -> absl::StatusOr<Routing> {
    // The case as it will be once this submission is written: an event
    // dated before the case opened, say, is refused here, naming the field.
    if (case_view != nullptr) {
      if (absl::Status valid = engine_->Validate(case_view->case_file); !valid.ok()) return valid;
    }
    Routing routing;
    absl::StatusOr<std::vector<std::string>> recipients =
        router_.Recipients(*caller, submission.message, case_view, replied);
    if (!recipients.ok()) return recipients.status();
    routing.recipients = *std::move(recipients);
    const HubActions actions(&router_);
    actions.AddMessageEvent(submission.message, replied, &routing);
    if (case_view == nullptr) return routing;

    // What the pathway requires now, counting this message's own event (so
    // that an IRO notification an agency just sent is not sent again).
    v1::CaseFile after = case_view->case_file;
    if (routing.event_kind != v1::EVENT_KIND_UNSPECIFIED) {
      v1::CaseEvent* event = after.add_events();
      event->set_kind(routing.event_kind);
      *event->mutable_occurred_at() = ToProtoTime(submission.accepted_at);
    }
    absl::StatusOr<v1::Pathway> pathway = engine_->Evaluate(after, submission.accepted_at);
    if (!pathway.ok()) return pathway.status();
    actions.AddFollowUps(*pathway, *case_view, &routing);
    actions.AddOverdueAlerts(*pathway, *case_view, &routing);
    routing.schedule = actions.ScheduleOf(*pathway, *case_view);
    return routing;
  };
  // Recipients with a stream here get their delivery in the accepting
  // transaction, and on the stream right after the commit.
  DeliveryDispatcher::HandOff hand_off(dispatcher_.get());
  submission.streams = &hand_off;
  absl::StatusOr<Accepted> accepted;
  if (TouchesNoCase(submission)) {
    PendingSubmission pending{&submission, &route, absl::UnknownError("not committed"), {}};
    groups_.Submit(&pending);
    pending.committed.WaitForNotification();
    accepted = std::move(pending.accepted);
  } else {
    accepted = store_->Accept(submission, route);
  }
  if (!accepted.ok()) return ToGrpcStatus(accepted.status());
  hand_off.Deliver(std::move(accepted->handed_out));
  dispatcher_->Wake(accepted->pending_recipients);
  *response = std::move(accepted->receipt);
  return grpc::Status::OK;
}

void ReferralsService::CommitGroup(std::vector<PendingSubmission*>& group) {
  std::vector<Store::SubmissionAndRoute> batch;
  batch.reserve(group.size());
  for (const PendingSubmission* pending : group) batch.push_back({pending->submission, pending->route});
  std::vector<absl::StatusOr<Accepted>> accepted = store_->AcceptAll(batch);
  for (size_t i = 0; i < group.size(); ++i) {
    group[i]->accepted = std::move(accepted[i]);
    group[i]->committed.Notify();
  }
}

grpc::Status ReferralsService::SubmitConcern(grpc::ServerContext* context,
                                             const v1::SubmitConcernRequest* request,
                                             v1::SubmitResponse* response) {
  Submission s = NewSubmission(request->idempotency_key(), v1::MESSAGE_KIND_CONCERN);
  *s.message.mutable_concern() = request->concern();
  s.case_id = request->case_id();
  const absl::Status check = ValidateSubmitConcern(*request);
  if (request->has_new_child()) {
    s.new_child = &request->new_child();
    // The case begins when the concern was identified, so that what
    // happened since (a missing episode, say) can be recorded on it.
    if (check.ok()) s.opened_at = FromProtoTime(request->concern().identified_at());
  }
  return Submit(context, Method::kSubmitConcern, *request, check, std::move(s), response);
}

grpc::Status ReferralsService::SubmitOperationLibertyReport(
    grpc::ServerContext* context, const v1::SubmitOperationLibertyReportRequest* request,
    v1::SubmitResponse* response) {
  Submission s = NewSubmission(request->idempotency_key(), v1::MESSAGE_KIND_OPERATION_LIBERTY_REPORT);
  *s.message.mutable_operation_liberty_report() = request->report();
  s.case_id = request->case_id();
  return Submit(context, Method::kSubmitOperationLibertyReport, *request,
                ValidateSubmitOperationLibertyReport(*request), std::move(s), response);
}

grpc::Status ReferralsService::RecordRiskAssessment(grpc::ServerContext* context,
                                                    const v1::RecordRiskAssessmentRequest* request,
                                                    v1::SubmitResponse* response) {
  Submission s = NewSubmission(request->idempotency_key(), v1::MESSAGE_KIND_CASE_UPDATE);
  s.case_id = request->case_id();
  *s.record_append.add_risk_assessments() = request->assessment();
  *s.message.mutable_case_update() = s.record_append;
  return Submit(context, Method::kRecordRiskAssessment, *request,
                ValidateRecordRiskAssessment(*request), std::move(s), response);
}

grpc::Status ReferralsService::RecordCaseEvents(grpc::ServerContext* context,
                                                const v1::RecordCaseEventsRequest* request,
                                                v1::SubmitResponse* response) {
  Submission s = NewSubmission(request->idempotency_key(), v1::MESSAGE_KIND_CASE_UPDATE);
  s.case_id = request->case_id();
  *s.record_append.mutable_events() = request->events();
  *s.message.mutable_case_update() = s.record_append;
  return Submit(context, Method::kRecordCaseEvents, *request, ValidateRecordCaseEvents(*request),
                std::move(s), response);
}

grpc::Status ReferralsService::SubmitStepUpReferral(grpc::ServerContext* context,
                                                    const v1::SubmitStepUpReferralRequest* request,
                                                    v1::SubmitResponse* response) {
  Submission s = NewSubmission(request->idempotency_key(), v1::MESSAGE_KIND_STEP_UP_REFERRAL);
  s.case_id = request->case_id();
  *s.message.mutable_step_up_referral() = request->referral();
  return Submit(context, Method::kSubmitStepUpReferral, *request,
                ValidateSubmitStepUpReferral(*request), std::move(s), response);
}

grpc::Status ReferralsService::SendNotification(grpc::ServerContext* context,
                                                const v1::SendNotificationRequest* request,
                                                v1::SubmitResponse* response) {
  Submission s = NewSubmission(request->idempotency_key(), v1::MESSAGE_KIND_NOTIFICATION);
  s.case_id = request->case_id();
  *s.message.mutable_notification() = request->notification();
  return Submit(context, Method::kSendNotification, *request, ValidateSendNotification(*request),
                std::move(s), response);
}

grpc::Status ReferralsService::Respond(grpc::ServerContext* context,
                                       const v1::RespondRequest* request,
                                       v1::SubmitResponse* response) {
  Submission s = NewSubmission(request->idempotency_key(), v1::MESSAGE_KIND_RESPONSE);
  s.in_reply_to = request->message_id();
  *s.message.mutable_response() = request->response();
  return Submit(context, Method::kRespond, *request, ValidateRespond(*request), std::move(s),
                response);
}

grpc::Status ReferralsService::GetCase(grpc::ServerContext* context,
                                       const v1::GetCaseRequest* request,
                                       v1::GetCaseResponse* response) {
  absl::StatusOr<v1::Agency> caller = CallerAgency(*context, *registry_);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  if (absl::Status allowed = Authorize(*caller, Method::kGetCase); !allowed.ok()) {
    return ToGrpcStatus(allowed);
  }
  if (absl::Status valid = ValidateGetCase(*request); !valid.ok()) return ToGrpcStatus(valid);
  absl::StatusOr<v1::GetCaseResponse> read = store_->ReadCase(request->case_id(), caller->id());
  if (!read.ok()) return ToGrpcStatus(read.status());
  *response = *std::move(read);
  if (engine_ != nullptr) {
    absl::StatusOr<v1::Pathway> pathway = engine_->Evaluate(response->case_file(), absl::Now());
    if (!pathway.ok()) return ToGrpcStatus(pathway.status());
    *response->mutable_pathway() = *std::move(pathway);
  }
  return grpc::Status::OK;
}

}  // namespace cre
