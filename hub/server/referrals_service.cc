#include "server/referrals_service.h"

#include "access/request_validation.h"
#include "common/ids.h"
#include "common/proto_time.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
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

void ReferralsService::Submit(grpc::CallbackServerContext* context, Method method,
                              const google::protobuf::Message& request, const absl::Status& request_check,
                              Submission submission, SubmitReactor* reactor) {
  absl::StatusOr<v1::Agency> caller = AuthorizedCaller(*context, *registry_, method, request_check);
  if (!caller.ok()) {
    reactor->Finish(ToGrpcStatus(caller.status()));
    return;
  }

  auto pending = std::make_unique<PendingSubmission>(dispatcher_.get());
  pending->reactor = reactor;
  pending->response = reactor->response();
  pending->caller = *std::move(caller);
  pending->submission = std::move(submission);
  Submission& s = pending->submission;
  s.sender_agency_id = pending->caller.id();
  s.method = MethodName(method);
  s.request_sha256 = Sha256Hex(DeterministicBytes(request));
  s.accepted_at = clock_.Now();
  s.opened_at = std::min(s.opened_at, s.accepted_at);
  s.streams = &pending->hand_off;

  PendingSubmission* p = pending.get();  // the route runs while `pending` lives
  pending->route = [this, p](const CaseView* case_view,
                             const RepliedMessage* replied) -> absl::StatusOr<Routing> {
    return casework_->DecideSubmission(p->caller, p->submission.message, p->submission.accepted_at,
                                       case_view, replied);
  };

  if (TouchesNoCase(pending->submission)) {
    groups_.Submit(std::move(pending));
  } else {
    // A shared_ptr: the executor's tasks are copyable std::functions.
    executor_.Submit([this, task = std::shared_ptr<PendingSubmission>(std::move(pending))] {
      Answer(*task, store_->Accept(task->submission, task->route));
    });
  }
}

void ReferralsService::CommitGroup(std::vector<std::unique_ptr<PendingSubmission>>& group) {
  std::vector<Store::SubmissionAndRoute> batch;
  batch.reserve(group.size());
  for (const auto& pending : group) batch.push_back({&pending->submission, &pending->route});
  std::vector<absl::StatusOr<Accepted>> accepted = store_->AcceptAll(batch);
  for (size_t i = 0; i < group.size(); ++i) Answer(*group[i], std::move(accepted[i]));
}

void ReferralsService::Answer(PendingSubmission& pending, absl::StatusOr<Accepted> accepted) {
  if (!accepted.ok()) {
    pending.reactor->Finish(ToGrpcStatus(accepted.status()));
    return;
  }
  pending.hand_off.Deliver(std::move(accepted->handed_out));
  dispatcher_->Wake(accepted->pending_recipients);
  *pending.response = std::move(accepted->receipt);
  pending.reactor->Finish(grpc::Status::OK);
}

void ReferralsService::SubmitConcern(grpc::CallbackServerContext* context,
                                     const v1::SubmitConcernRequest* request, SubmitReactor* reactor) {
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
  return Submit(context, Method::kSubmitConcern, *request, check, std::move(s), reactor);
}

void ReferralsService::SubmitOperationLibertyReport(grpc::CallbackServerContext* context,
                                                    const v1::SubmitOperationLibertyReportRequest* request,
                                                    SubmitReactor* reactor) {
  Submission s = NewSubmission(request->idempotency_key(), v1::MESSAGE_KIND_OPERATION_LIBERTY_REPORT);
  *s.message.mutable_operation_liberty_report() = request->report();
  s.case_id = request->case_id();
  return Submit(context, Method::kSubmitOperationLibertyReport, *request,
                ValidateSubmitOperationLibertyReport(*request), std::move(s), reactor);
}

void ReferralsService::RecordRiskAssessment(grpc::CallbackServerContext* context,
                                            const v1::RecordRiskAssessmentRequest* request, SubmitReactor* reactor) {
  Submission s = NewSubmission(request->idempotency_key(), v1::MESSAGE_KIND_CASE_UPDATE);
  s.case_id = request->case_id();
  *s.record_append.add_risk_assessments() = request->assessment();
  *s.message.mutable_case_update() = s.record_append;
  return Submit(context, Method::kRecordRiskAssessment, *request,
                ValidateRecordRiskAssessment(*request), std::move(s), reactor);
}

void ReferralsService::RecordCaseEvents(grpc::CallbackServerContext* context,
                                        const v1::RecordCaseEventsRequest* request, SubmitReactor* reactor) {
  Submission s = NewSubmission(request->idempotency_key(), v1::MESSAGE_KIND_CASE_UPDATE);
  s.case_id = request->case_id();
  *s.record_append.mutable_events() = request->events();
  *s.message.mutable_case_update() = s.record_append;
  return Submit(context, Method::kRecordCaseEvents, *request, ValidateRecordCaseEvents(*request),
                std::move(s), reactor);
}

void ReferralsService::SubmitStepUpReferral(grpc::CallbackServerContext* context,
                                            const v1::SubmitStepUpReferralRequest* request, SubmitReactor* reactor) {
  Submission s = NewSubmission(request->idempotency_key(), v1::MESSAGE_KIND_STEP_UP_REFERRAL);
  s.case_id = request->case_id();
  *s.message.mutable_step_up_referral() = request->referral();
  return Submit(context, Method::kSubmitStepUpReferral, *request,
                ValidateSubmitStepUpReferral(*request), std::move(s), reactor);
}

void ReferralsService::SendNotification(grpc::CallbackServerContext* context,
                                        const v1::SendNotificationRequest* request, SubmitReactor* reactor) {
  Submission s = NewSubmission(request->idempotency_key(), v1::MESSAGE_KIND_NOTIFICATION);
  s.case_id = request->case_id();
  *s.message.mutable_notification() = request->notification();
  return Submit(context, Method::kSendNotification, *request, ValidateSendNotification(*request),
                std::move(s), reactor);
}

void ReferralsService::Respond(grpc::CallbackServerContext* context, const v1::RespondRequest* request,
                               SubmitReactor* reactor) {
  Submission s = NewSubmission(request->idempotency_key(), v1::MESSAGE_KIND_RESPONSE);
  s.in_reply_to = request->message_id();
  *s.message.mutable_response() = request->response();
  return Submit(context, Method::kRespond, *request, ValidateRespond(*request), std::move(s),
                reactor);
}

void ReferralsService::GetCase(grpc::CallbackServerContext* context, const v1::GetCaseRequest* request,
                               UnaryReactor<v1::GetCaseResponse>* reactor) {
  absl::StatusOr<v1::Agency> caller =
      AuthorizedCaller(*context, *registry_, Method::kGetCase, ValidateGetCase(*request));
  if (!caller.ok()) {
    reactor->Finish(ToGrpcStatus(caller.status()));
    return;
  }
  executor_.Submit([this, reactor, case_id = request->case_id(), reader = caller->id()] {
    reactor->Finish(ToGrpcStatus(ReadCase(case_id, reader, reactor->response())));
  });
}

// The entry points: each parses its request (server/raw_request.h) and runs
// the typed overload of its name.

grpc::ServerUnaryReactor* ReferralsService::SubmitConcern(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request, grpc::ByteBuffer* response) {
  return ServeUnary<v1::SubmitConcernRequest, v1::SubmitResponse>(
      context, *registry_, Method::kSubmitConcern, request, response,
      [=](const auto& typed, auto* reactor) { SubmitConcern(context, &typed, reactor); });
}

grpc::ServerUnaryReactor* ReferralsService::SubmitOperationLibertyReport(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request, grpc::ByteBuffer* response) {
  return ServeUnary<v1::SubmitOperationLibertyReportRequest, v1::SubmitResponse>(
      context, *registry_, Method::kSubmitOperationLibertyReport, request, response,
      [=](const auto& typed, auto* reactor) { SubmitOperationLibertyReport(context, &typed, reactor); });
}

grpc::ServerUnaryReactor* ReferralsService::RecordRiskAssessment(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request, grpc::ByteBuffer* response) {
  return ServeUnary<v1::RecordRiskAssessmentRequest, v1::SubmitResponse>(
      context, *registry_, Method::kRecordRiskAssessment, request, response,
      [=](const auto& typed, auto* reactor) { RecordRiskAssessment(context, &typed, reactor); });
}

grpc::ServerUnaryReactor* ReferralsService::RecordCaseEvents(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request, grpc::ByteBuffer* response) {
  return ServeUnary<v1::RecordCaseEventsRequest, v1::SubmitResponse>(
      context, *registry_, Method::kRecordCaseEvents, request, response,
      [=](const auto& typed, auto* reactor) { RecordCaseEvents(context, &typed, reactor); });
}

grpc::ServerUnaryReactor* ReferralsService::SubmitStepUpReferral(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request, grpc::ByteBuffer* response) {
  return ServeUnary<v1::SubmitStepUpReferralRequest, v1::SubmitResponse>(
      context, *registry_, Method::kSubmitStepUpReferral, request, response,
      [=](const auto& typed, auto* reactor) { SubmitStepUpReferral(context, &typed, reactor); });
}

grpc::ServerUnaryReactor* ReferralsService::SendNotification(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request, grpc::ByteBuffer* response) {
  return ServeUnary<v1::SendNotificationRequest, v1::SubmitResponse>(
      context, *registry_, Method::kSendNotification, request, response,
      [=](const auto& typed, auto* reactor) { SendNotification(context, &typed, reactor); });
}

grpc::ServerUnaryReactor* ReferralsService::Respond(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request, grpc::ByteBuffer* response) {
  return ServeUnary<v1::RespondRequest, v1::SubmitResponse>(
      context, *registry_, Method::kRespond, request, response,
      [=](const auto& typed, auto* reactor) { Respond(context, &typed, reactor); });
}

grpc::ServerUnaryReactor* ReferralsService::GetCase(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request, grpc::ByteBuffer* response) {
  return ServeUnary<v1::GetCaseRequest, v1::GetCaseResponse>(
      context, *registry_, Method::kGetCase, request, response,
      [=](const auto& typed, auto* reactor) { GetCase(context, &typed, reactor); });
}

absl::Status ReferralsService::ReadCase(const std::string& case_id, const std::string& reader_agency_id,
                                        v1::GetCaseResponse* response) {
  absl::StatusOr<v1::GetCaseResponse> read = store_->ReadCase(case_id, reader_agency_id);
  if (!read.ok()) return read.status();
  *response = *std::move(read);
  absl::StatusOr<v1::Pathway> pathway = casework_->PathwayOf(response->case_file(), clock_.Now());
  if (!pathway.ok()) return pathway.status();
  *response->mutable_pathway() = *std::move(pathway);
  return absl::OkStatus();
}

}  // namespace cre
