// cre.v1.Referrals on gRPC's callback API: each method takes its request as
// bytes, parses it (server/raw_request.h), and calls the service API's
// method of the same name (service/referrals_api.h), which decides and
// answers after the commit without holding a gRPC thread.
#ifndef CRE_HUB_SERVER_REFERRALS_SERVICE_H_
#define CRE_HUB_SERVER_REFERRALS_SERVICE_H_

#include "cre/v1/referrals.grpc.pb.h"
#include "server/raw_request.h"

namespace cre {

// Every method raw: the hub parses the requests itself.
using RawReferralsService = v1::Referrals::WithRawCallbackMethod_SubmitConcern<
    v1::Referrals::WithRawCallbackMethod_SubmitOperationLibertyReport<
        v1::Referrals::WithRawCallbackMethod_RecordRiskAssessment<
            v1::Referrals::WithRawCallbackMethod_RecordCaseEvents<
                v1::Referrals::WithRawCallbackMethod_SubmitStepUpReferral<
                    v1::Referrals::WithRawCallbackMethod_SendNotification<
                        v1::Referrals::WithRawCallbackMethod_RecordDecisionNotToShare<
                            v1::Referrals::WithRawCallbackMethod_Respond<
                                v1::Referrals::WithRawCallbackMethod_GetCase<v1::Referrals::Service>>>>>>>>>;

class ReferralsService final : public RawReferralsService {
 public:
  explicit ReferralsService(Edge edge) : edge_(std::move(edge)) {}

  grpc::ServerUnaryReactor* SubmitConcern(grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
                                    grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* SubmitOperationLibertyReport(grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
                                    grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* RecordRiskAssessment(grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
                                    grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* RecordCaseEvents(grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
                                    grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* SubmitStepUpReferral(grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
                                    grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* SendNotification(grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
                                    grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* RecordDecisionNotToShare(grpc::CallbackServerContext* context,
                                                     const grpc::ByteBuffer* request,
                                                     grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* Respond(grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
                                    grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* GetCase(grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
                                    grpc::ByteBuffer* response) override;

 private:
  const Edge edge_;
};

}  // namespace cre

#endif  // CRE_HUB_SERVER_REFERRALS_SERVICE_H_
