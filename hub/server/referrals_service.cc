#include "server/referrals_service.h"

namespace cre {

grpc::ServerUnaryReactor* ReferralsService::SubmitConcern(grpc::CallbackServerContext* context,
                                                const grpc::ByteBuffer* request, grpc::ByteBuffer* response) {
  return ServeUnary(context, edge_, Method::kSubmitConcern, *edge_.api.referrals, &ReferralsApi::SubmitConcern, request, response);
}

grpc::ServerUnaryReactor* ReferralsService::SubmitOperationLibertyReport(grpc::CallbackServerContext* context,
                                                const grpc::ByteBuffer* request, grpc::ByteBuffer* response) {
  return ServeUnary(context, edge_, Method::kSubmitOperationLibertyReport, *edge_.api.referrals, &ReferralsApi::SubmitOperationLibertyReport, request, response);
}

grpc::ServerUnaryReactor* ReferralsService::RecordRiskAssessment(grpc::CallbackServerContext* context,
                                                const grpc::ByteBuffer* request, grpc::ByteBuffer* response) {
  return ServeUnary(context, edge_, Method::kRecordRiskAssessment, *edge_.api.referrals, &ReferralsApi::RecordRiskAssessment, request, response);
}

grpc::ServerUnaryReactor* ReferralsService::RecordCaseEvents(grpc::CallbackServerContext* context,
                                                const grpc::ByteBuffer* request, grpc::ByteBuffer* response) {
  return ServeUnary(context, edge_, Method::kRecordCaseEvents, *edge_.api.referrals, &ReferralsApi::RecordCaseEvents, request, response);
}

grpc::ServerUnaryReactor* ReferralsService::SubmitStepUpReferral(grpc::CallbackServerContext* context,
                                                const grpc::ByteBuffer* request, grpc::ByteBuffer* response) {
  return ServeUnary(context, edge_, Method::kSubmitStepUpReferral, *edge_.api.referrals, &ReferralsApi::SubmitStepUpReferral, request, response);
}

grpc::ServerUnaryReactor* ReferralsService::SendNotification(grpc::CallbackServerContext* context,
                                                const grpc::ByteBuffer* request, grpc::ByteBuffer* response) {
  return ServeUnary(context, edge_, Method::kSendNotification, *edge_.api.referrals, &ReferralsApi::SendNotification, request, response);
}

grpc::ServerUnaryReactor* ReferralsService::RecordDecisionNotToShare(grpc::CallbackServerContext* context,
                                                const grpc::ByteBuffer* request, grpc::ByteBuffer* response) {
  return ServeUnary(context, edge_, Method::kRecordDecisionNotToShare, *edge_.api.referrals, &ReferralsApi::RecordDecisionNotToShare, request, response);
}

grpc::ServerUnaryReactor* ReferralsService::Respond(grpc::CallbackServerContext* context,
                                                const grpc::ByteBuffer* request, grpc::ByteBuffer* response) {
  return ServeUnary(context, edge_, Method::kRespond, *edge_.api.referrals, &ReferralsApi::Respond, request, response);
}

grpc::ServerUnaryReactor* ReferralsService::GetCase(grpc::CallbackServerContext* context,
                                                const grpc::ByteBuffer* request, grpc::ByteBuffer* response) {
  return ServeUnary(context, edge_, Method::kGetCase, *edge_.api.referrals, &ReferralsApi::GetCase, request, response);
}

}  // namespace cre
