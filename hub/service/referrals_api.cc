#include "service/referrals_api.h"

#include "access/request_validation.h"
#include "common/ids.h"
#include "common/proto_time.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"

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

template <typename Request>
Submission NewSubmission(const Request& request, v1::MessageKind kind) {
  Submission submission;
  submission.idempotency_key = request.idempotency_key();
  submission.message.set_kind(kind);
  // Kept with the message: every recipient receives it.
  if (request.has_governance()) *submission.message.mutable_governance() = request.governance();
  return submission;
}

}  // namespace

void ReferralsApi::Submit(const CallContext& call, Method method, const google::protobuf::Message& request,
                          Submission submission, v1::SubmitResponse* response, Done done) {
  auto pending = std::make_unique<PendingSubmission>(dispatcher_.get());
  pending->done = std::move(done);
  pending->response = response;
  pending->caller = call.caller;
  pending->submission = std::move(submission);
  Submission& s = pending->submission;
  s.sender_agency_id = pending->caller.id();
  s.method = MethodName(method);
  s.request_sha256 = Sha256Hex(DeterministicBytes(request));
  s.accepted_at = clock_.Now();
  s.opened_at = std::min(s.opened_at, s.accepted_at);
  // Stored with the message: its recipients receive the trace of the call
  // that submitted it (not part of request_sha256: a retry may carry another).
  s.message.set_traceparent(call.trace.Traceparent());
  s.streams = &pending->hand_off;

  PendingSubmission* p = pending.get();  // the route runs while `pending` lives
  pending->route = [this, p](const CaseView* case_view,
                             const RepliedMessage* replied) -> absl::StatusOr<Routing> {
    return casework_->DecideSubmission(p->caller, p->submission.message, p->submission.accepted_at,
                                       case_view, replied);
  };

  if (TouchesNoCase(s)) {
    groups_.Submit(std::move(pending));
  } else if (OnCaseById(s)) {
    pending->group_key = s.case_id;
    case_groups_.Submit(std::move(pending));
  } else if (OpensCase(s)) {
    const std::string child = NewChildKey(s);
    pending->group_key = child.empty() ? absl::StrCat("key ", s.sender_agency_id, " ", s.idempotency_key)
                                       : absl::StrCat("child ", child);
    case_groups_.Submit(std::move(pending));
  } else {
    // A shared_ptr: the executor's tasks are copyable std::functions.
    executor_.Submit([this, task = std::shared_ptr<PendingSubmission>(std::move(pending))] {
      Answer(*task, store_->Accept(task->submission, task->route));
    });
  }
}

void ReferralsApi::CommitGroup(std::vector<std::unique_ptr<PendingSubmission>>& group) {
  std::vector<Store::SubmissionAndRoute> batch;
  batch.reserve(group.size());
  for (const auto& pending : group) batch.push_back({&pending->submission, &pending->route});
  std::vector<absl::StatusOr<Accepted>> accepted = store_->AcceptAll(batch);
  for (size_t i = 0; i < group.size(); ++i) Answer(*group[i], std::move(accepted[i]));
}

void ReferralsApi::Answer(PendingSubmission& pending, absl::StatusOr<Accepted> accepted) {
  if (!accepted.ok()) {
    pending.done(accepted.status());
    return;
  }
  pending.hand_off.Deliver(std::move(accepted->handed_out));
  dispatcher_->Wake(accepted->pending_recipients);
  *pending.response = std::move(accepted->receipt);
  pending.done(absl::OkStatus());
}

void ReferralsApi::SubmitConcern(const CallContext& call, const v1::SubmitConcernRequest& request,
                                 v1::SubmitResponse* response, Done done) {
  absl::optional<Done> admitted = Admit(call, Method::kSubmitConcern, request, &ValidateSubmitConcern, std::move(done));
  if (!admitted) return;
  Submission s = NewSubmission(request, v1::MESSAGE_KIND_CONCERN);
  *s.message.mutable_concern() = request.concern();
  s.case_id = request.case_id();
  if (request.has_new_child()) {
    s.new_child = &request.new_child();
    // The case begins when the concern was identified, so that what
    // happened since (a missing episode, say) can be recorded on it.
    s.opened_at = FromProtoTime(request.concern().identified_at());
  }
  Submit(call, Method::kSubmitConcern, request, std::move(s), response, *std::move(admitted));
}

void ReferralsApi::SubmitOperationLibertyReport(const CallContext& call,
                                                const v1::SubmitOperationLibertyReportRequest& request,
                                                v1::SubmitResponse* response, Done done) {
  absl::optional<Done> admitted =
      Admit(call, Method::kSubmitOperationLibertyReport, request, &ValidateSubmitOperationLibertyReport,
            std::move(done));
  if (!admitted) return;
  Submission s = NewSubmission(request, v1::MESSAGE_KIND_OPERATION_LIBERTY_REPORT);
  *s.message.mutable_operation_liberty_report() = request.report();
  s.case_id = request.case_id();
  Submit(call, Method::kSubmitOperationLibertyReport, request, std::move(s), response, *std::move(admitted));
}

void ReferralsApi::RecordRiskAssessment(const CallContext& call, const v1::RecordRiskAssessmentRequest& request,
                                        v1::SubmitResponse* response, Done done) {
  absl::optional<Done> admitted =
      Admit(call, Method::kRecordRiskAssessment, request, &ValidateRecordRiskAssessment, std::move(done));
  if (!admitted) return;
  Submission s = NewSubmission(request, v1::MESSAGE_KIND_CASE_UPDATE);
  s.case_id = request.case_id();
  *s.record_append.add_risk_assessments() = request.assessment();
  *s.message.mutable_case_update() = s.record_append;
  Submit(call, Method::kRecordRiskAssessment, request, std::move(s), response, *std::move(admitted));
}

void ReferralsApi::RecordCaseEvents(const CallContext& call, const v1::RecordCaseEventsRequest& request,
                                    v1::SubmitResponse* response, Done done) {
  absl::optional<Done> admitted =
      Admit(call, Method::kRecordCaseEvents, request, &ValidateRecordCaseEvents, std::move(done));
  if (!admitted) return;
  Submission s = NewSubmission(request, v1::MESSAGE_KIND_CASE_UPDATE);
  s.case_id = request.case_id();
  *s.record_append.mutable_events() = request.events();
  *s.message.mutable_case_update() = s.record_append;
  Submit(call, Method::kRecordCaseEvents, request, std::move(s), response, *std::move(admitted));
}

void ReferralsApi::SubmitStepUpReferral(const CallContext& call, const v1::SubmitStepUpReferralRequest& request,
                                        v1::SubmitResponse* response, Done done) {
  absl::optional<Done> admitted =
      Admit(call, Method::kSubmitStepUpReferral, request, &ValidateSubmitStepUpReferral, std::move(done));
  if (!admitted) return;
  Submission s = NewSubmission(request, v1::MESSAGE_KIND_STEP_UP_REFERRAL);
  s.case_id = request.case_id();
  *s.message.mutable_step_up_referral() = request.referral();
  Submit(call, Method::kSubmitStepUpReferral, request, std::move(s), response, *std::move(admitted));
}

void ReferralsApi::SendNotification(const CallContext& call, const v1::SendNotificationRequest& request,
                                    v1::SubmitResponse* response, Done done) {
  absl::optional<Done> admitted =
      Admit(call, Method::kSendNotification, request, &ValidateSendNotification, std::move(done));
  if (!admitted) return;
  Submission s = NewSubmission(request, v1::MESSAGE_KIND_NOTIFICATION);
  s.case_id = request.case_id();
  *s.message.mutable_notification() = request.notification();
  Submit(call, Method::kSendNotification, request, std::move(s), response, *std::move(admitted));
}

void ReferralsApi::RecordDecisionNotToShare(const CallContext& call,
                                            const v1::RecordDecisionNotToShareRequest& request,
                                            v1::SubmitResponse* response, Done done) {
  absl::optional<Done> admitted = Admit(call, Method::kRecordDecisionNotToShare, request,
                                        &ValidateRecordDecisionNotToShare, std::move(done));
  if (!admitted) return;
  Submission s = NewSubmission(request, v1::MESSAGE_KIND_DECISION_NOT_TO_SHARE);
  s.case_id = request.case_id();
  // Kept: an event of the case's record, dated when it was decided, which
  // every agency involved reads with the case.
  v1::CaseEvent* kept = s.record_append.add_events();
  kept->set_kind(v1::EVENT_KIND_DECISION_NOT_TO_SHARE);
  *kept->mutable_occurred_at() = request.decision().decided_at();
  *kept->mutable_decision_not_to_share() = request.decision();
  *s.message.mutable_decision_not_to_share() = request.decision();
  Submit(call, Method::kRecordDecisionNotToShare, request, std::move(s), response, *std::move(admitted));
}

void ReferralsApi::Respond(const CallContext& call, const v1::RespondRequest& request,
                           v1::SubmitResponse* response, Done done) {
  absl::optional<Done> admitted = Admit(call, Method::kRespond, request, &ValidateRespond, std::move(done));
  if (!admitted) return;
  Submission s = NewSubmission(request, v1::MESSAGE_KIND_RESPONSE);
  s.in_reply_to = request.message_id();
  *s.message.mutable_response() = request.response();
  Submit(call, Method::kRespond, request, std::move(s), response, *std::move(admitted));
}

void ReferralsApi::GetCase(const CallContext& call, const v1::GetCaseRequest& request,
                           v1::GetCaseResponse* response, Done done) {
  absl::optional<Done> admitted =
      gate_->Admit(call, Method::kGetCase, [&] { return ValidateGetCase(request); }, std::move(done));
  if (!admitted) return;
  reads_.Submit([this, response, done = *std::move(admitted), case_id = request.case_id(),
                 reader = call.caller.id(), staff = call.staff_id] {
    done(ReadCase(case_id, reader, staff, response));
  });
}

absl::Status ReferralsApi::ReadCase(const std::string& case_id, const std::string& reader_agency_id,
                                    const std::string& reader_staff_id,
                                    v1::GetCaseResponse* response) {
  absl::StatusOr<v1::GetCaseResponse> read = store_->ReadCase(case_id, reader_agency_id, reader_staff_id);
  if (!read.ok()) return read.status();
  *response = *std::move(read);
  // A purged case has no record left to run the pathway on.
  if (response->has_purged_at()) return absl::OkStatus();
  absl::StatusOr<v1::Pathway> pathway = casework_->PathwayOf(response->case_file(), clock_.Now());
  if (!pathway.ok()) return pathway.status();
  *response->mutable_pathway() = *std::move(pathway);
  // After the pathway, which is the case's whatever its reader.
  casework_->WithoutDecisionsWithheldFrom(reader_agency_id, response->mutable_case_file());
  return absl::OkStatus();
}

}  // namespace cre
