// cre.v1.Referrals: submissions and case reads, on gRPC's callback API.
//
// Every submission takes one path (Submit): the caller from its certificate,
// the role check and the request's own checks, on the reactor thread (none
// of them blocks); then one store transaction that validates the case as it
// will be, routes the message and writes it with its deliveries. No gRPC
// thread waits on the database:
//   - submissions that touch no case (most Operation Liberty reports) are
//     committed in groups (Store::AcceptAll) by the group committer's workers;
//   - the others take a transaction each, as they lock their case, and run
//     on the service's executor, as do case reads.
// The caller is answered from there, after the commit, once the recipients'
// streams here have been handed their deliveries or woken.
//
// Each method takes its request as bytes (server/raw_request.h): its entry
// point parses them, refusing what does not parse by name, and hands the
// typed request to the overload of the same name, which does the work.
#ifndef CRE_HUB_SERVER_REFERRALS_SERVICE_H_
#define CRE_HUB_SERVER_REFERRALS_SERVICE_H_

#include <memory>

#include "access/authorization.h"
#include "casework/casework.h"
#include "common/clock.h"
#include "common/executor.h"
#include "common/group_commit.h"
#include "cre/v1/referrals.grpc.pb.h"
#include "identity/agency_registry.h"
#include "server/delivery_dispatcher.h"
#include "server/raw_request.h"
#include "store/store.h"

namespace cre {

// Every method raw: the hub parses the requests itself.
using RawReferralsService = v1::Referrals::WithRawCallbackMethod_SubmitConcern<
    v1::Referrals::WithRawCallbackMethod_SubmitOperationLibertyReport<
        v1::Referrals::WithRawCallbackMethod_RecordRiskAssessment<
            v1::Referrals::WithRawCallbackMethod_RecordCaseEvents<
                v1::Referrals::WithRawCallbackMethod_SubmitStepUpReferral<
                    v1::Referrals::WithRawCallbackMethod_SendNotification<
                        v1::Referrals::WithRawCallbackMethod_Respond<
                            v1::Referrals::WithRawCallbackMethod_GetCase<v1::Referrals::Service>>>>>>>>;

class ReferralsService final : public RawReferralsService {
 public:
  // `workers`: threads for the submissions on a case and the case reads
  // (the store's connection pool is the natural size). `clock` (which must
  // outlive the service) dates submissions and is the now a case is read at.
  ReferralsService(std::shared_ptr<const AgencyRegistry> registry, std::shared_ptr<Store> store,
                   std::shared_ptr<DeliveryDispatcher> dispatcher, std::shared_ptr<const Casework> casework,
                   const Clock& clock, int workers)
      : registry_(std::move(registry)),
        store_(std::move(store)),
        dispatcher_(std::move(dispatcher)),
        casework_(std::move(casework)),
        clock_(clock),
        executor_(workers, "case-work"),
        groups_(
            kSubmissionGroupWorkers, kMaxSubmissionGroup,
            [this](std::vector<std::unique_ptr<PendingSubmission>>& group) { CommitGroup(group); },
            "submit-group") {}

  grpc::ServerUnaryReactor* SubmitConcern(grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
                                          grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* SubmitOperationLibertyReport(grpc::CallbackServerContext* context,
                                                         const grpc::ByteBuffer* request,
                                                         grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* RecordRiskAssessment(grpc::CallbackServerContext* context,
                                                 const grpc::ByteBuffer* request,
                                                 grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* RecordCaseEvents(grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
                                             grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* SubmitStepUpReferral(grpc::CallbackServerContext* context,
                                                 const grpc::ByteBuffer* request,
                                                 grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* SendNotification(grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
                                             grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* Respond(grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
                                    grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* GetCase(grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
                                    grpc::ByteBuffer* response) override;

 private:
  using SubmitReactor = UnaryReactor<v1::SubmitResponse>;

  // The typed handlers: each finishes `reactor`, now or after the commit.
  void SubmitConcern(grpc::CallbackServerContext* context, const v1::SubmitConcernRequest* request,
                     SubmitReactor* reactor);
  void SubmitOperationLibertyReport(grpc::CallbackServerContext* context,
                                    const v1::SubmitOperationLibertyReportRequest* request,
                                    SubmitReactor* reactor);
  void RecordRiskAssessment(grpc::CallbackServerContext* context, const v1::RecordRiskAssessmentRequest* request,
                            SubmitReactor* reactor);
  void RecordCaseEvents(grpc::CallbackServerContext* context, const v1::RecordCaseEventsRequest* request,
                        SubmitReactor* reactor);
  void SubmitStepUpReferral(grpc::CallbackServerContext* context, const v1::SubmitStepUpReferralRequest* request,
                            SubmitReactor* reactor);
  void SendNotification(grpc::CallbackServerContext* context, const v1::SendNotificationRequest* request,
                        SubmitReactor* reactor);
  void Respond(grpc::CallbackServerContext* context, const v1::RespondRequest* request, SubmitReactor* reactor);
  void GetCase(grpc::CallbackServerContext* context, const v1::GetCaseRequest* request,
               UnaryReactor<v1::GetCaseResponse>* reactor);

  // A submission between its checks and its answer.
  struct PendingSubmission {
    explicit PendingSubmission(DeliveryDispatcher* dispatcher) : hand_off(dispatcher) {}

    SubmitReactor* reactor = nullptr;
    v1::SubmitResponse* response = nullptr;  // the reactor's, until Finish
    v1::Agency caller;
    Submission submission;
    RouteFn route;
    // Recipients with a stream here get their delivery in the accepting
    // transaction, and on the stream right after the commit.
    DeliveryDispatcher::HandOff hand_off;
  };

  // The common path of every submission; see the file comment.
  void Submit(grpc::CallbackServerContext* context, Method method, const google::protobuf::Message& request,
              const absl::Status& request_check, Submission submission, SubmitReactor* reactor);
  // Commits a group of submissions that touch no case (a worker thread).
  void CommitGroup(std::vector<std::unique_ptr<PendingSubmission>>& group);
  // After the commit, or the failure: streams first, then the caller.
  void Answer(PendingSubmission& pending, absl::StatusOr<Accepted> accepted);
  // GetCase's work, on the executor.
  absl::Status ReadCase(const std::string& case_id, const std::string& reader_agency_id,
                        v1::GetCaseResponse* response);

  std::shared_ptr<const AgencyRegistry> registry_;
  std::shared_ptr<Store> store_;
  std::shared_ptr<DeliveryDispatcher> dispatcher_;
  std::shared_ptr<const Casework> casework_;
  const Clock& clock_;

  // Groups committing at once, and the most submissions in one.
  static constexpr int kSubmissionGroupWorkers = 2;
  static constexpr size_t kMaxSubmissionGroup = 64;
  // Last, in this order: their threads use everything above, and are
  // joined (after finishing what is queued) before it is destroyed.
  Executor executor_;
  GroupCommitter<std::unique_ptr<PendingSubmission>> groups_;
};

}  // namespace cre

#endif  // CRE_HUB_SERVER_REFERRALS_SERVICE_H_
