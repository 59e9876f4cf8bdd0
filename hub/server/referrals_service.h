// cre.v1.Referrals: submissions and case reads.
//
// Every submission takes one path (Submit): the caller from its certificate,
// the role check, the request's own checks, then one store transaction that
// validates the case as it will be, routes the message and writes it with
// its deliveries. The caller is answered after the commit; subscribers of
// the recipients are woken after it. Submissions that touch no case (most
// Operation Liberty reports) are committed in groups (Store::AcceptAll),
// the handler's thread waiting for its group.
#ifndef CRE_HUB_SERVER_REFERRALS_SERVICE_H_
#define CRE_HUB_SERVER_REFERRALS_SERVICE_H_

#include <memory>

#include "absl/synchronization/notification.h"
#include "common/group_commit.h"
#include "cre/v1/referrals.grpc.pb.h"
#include "identity/agency_registry.h"
#include "pathway/engine.h"
#include "routing/authorization.h"
#include "routing/routing_rules.h"
#include "server/delivery_dispatcher.h"
#include "store/store.h"

namespace cre {

class ReferralsService final : public v1::Referrals::Service {
 public:
  ReferralsService(std::shared_ptr<const AgencyRegistry> registry, std::shared_ptr<Store> store,
                   std::shared_ptr<DeliveryDispatcher> dispatcher, Router router,
                   std::shared_ptr<const pathway::PathwayEngine> engine)
      : registry_(std::move(registry)),
        store_(std::move(store)),
        dispatcher_(std::move(dispatcher)),
        router_(std::move(router)),
        engine_(std::move(engine)),
        groups_(kSubmissionGroupWorkers, kMaxSubmissionGroup,
                [this](std::vector<PendingSubmission*>& group) { CommitGroup(group); }) {}

  grpc::Status SubmitConcern(grpc::ServerContext* context, const v1::SubmitConcernRequest* request,
                             v1::SubmitResponse* response) override;
  grpc::Status SubmitOperationLibertyReport(grpc::ServerContext* context,
                                            const v1::SubmitOperationLibertyReportRequest* request,
                                            v1::SubmitResponse* response) override;
  grpc::Status RecordRiskAssessment(grpc::ServerContext* context,
                                    const v1::RecordRiskAssessmentRequest* request,
                                    v1::SubmitResponse* response) override;
  grpc::Status RecordCaseEvents(grpc::ServerContext* context,
                                const v1::RecordCaseEventsRequest* request,
                                v1::SubmitResponse* response) override;
  grpc::Status SubmitStepUpReferral(grpc::ServerContext* context,
                                    const v1::SubmitStepUpReferralRequest* request,
                                    v1::SubmitResponse* response) override;
  grpc::Status SendNotification(grpc::ServerContext* context,
                                const v1::SendNotificationRequest* request,
                                v1::SubmitResponse* response) override;
  grpc::Status Respond(grpc::ServerContext* context, const v1::RespondRequest* request,
                       v1::SubmitResponse* response) override;
  grpc::Status GetCase(grpc::ServerContext* context, const v1::GetCaseRequest* request,
                       v1::GetCaseResponse* response) override;

 private:
  // The common path of every submission; see the file comment.
  grpc::Status Submit(grpc::ServerContext* context, Method method,
                      const google::protobuf::Message& request, const absl::Status& request_check,
                      Submission submission, v1::SubmitResponse* response);

  std::shared_ptr<const AgencyRegistry> registry_;
  std::shared_ptr<Store> store_;
  std::shared_ptr<DeliveryDispatcher> dispatcher_;
  Router router_;
  std::shared_ptr<const pathway::PathwayEngine> engine_;

  // A case-less submission waiting for its group's commit.
  struct PendingSubmission {
    const Submission* submission;
    const RouteFn* route;
    absl::StatusOr<Accepted> accepted;
    absl::Notification committed;
  };
  void CommitGroup(std::vector<PendingSubmission*>& group);
  // Groups committing at once, and the most submissions in one.
  static constexpr int kSubmissionGroupWorkers = 2;
  static constexpr size_t kMaxSubmissionGroup = 64;
  // Last: its workers use everything above.
  GroupCommitter<PendingSubmission*> groups_;
};

}  // namespace cre

#endif  // CRE_HUB_SERVER_REFERRALS_SERVICE_H_
