// cre.v1.Referrals without a transport: submissions and case reads.
//
// Every submission takes one path (Submit): the call gate (rate limit, role,
// then the request's own checks and its governance envelope's;
// service/call_gate.h, access/governance.h) on the caller's
// thread, none of which blocks; then one store transaction that validates
// the case as it will be, routes the message by the casework decision
// (casework/casework.h) and writes it with its deliveries. The caller's
// thread never waits on the database:
//   - submissions that touch no case (most Operation Liberty reports) are
//     committed in groups (Store::AcceptAll) by the group committer's workers;
//   - those on a case named by its id, and concerns that open a case, are
//     committed in groups of their own (Store::AcceptAll), which lock their
//     cases;
//   - the others (responses) take a transaction each, and run on the API's
//     executor; case reads run on an executor of their own.
// The caller is answered from there, after the commit, once the recipients'
// streams in this process have been handed their deliveries or woken.
//
// Each method answers `done` once; `request` and `response` must live until
// then. gRPC calls it from server/referrals_service.h.
#ifndef CRE_HUB_SERVICE_REFERRALS_API_H_
#define CRE_HUB_SERVICE_REFERRALS_API_H_

#include <memory>
#include <vector>

#include "access/authorization.h"
#include "access/governance.h"
#include "casework/casework.h"
#include "common/clock.h"
#include "common/executor.h"
#include "common/group_commit.h"
#include "cre/v1/referrals.pb.h"
#include "delivery/delivery_dispatcher.h"
#include "service/call_context.h"
#include "service/call_gate.h"
#include "store/store.h"

namespace cre {

class ReferralsApi {
 public:
  // `workers`: threads for the submissions that answer a message (the
  // store's connection pool is the natural size); those on a case named by
  // its id or opening one are committed in groups (kCaseGroupWorkers), and
  // case reads have threads of their own (kCaseReadWorkers). `clock` (which
  // must outlive the API) dates submissions and is the now a case is read at.
  ReferralsApi(std::shared_ptr<const CallGate> gate, std::shared_ptr<const GovernancePolicy> governance,
               std::shared_ptr<Store> store, std::shared_ptr<DeliveryDispatcher> dispatcher,
               std::shared_ptr<const Casework> casework, const Clock& clock, int workers)
      : gate_(std::move(gate)),
        governance_(std::move(governance)),
        store_(std::move(store)),
        dispatcher_(std::move(dispatcher)),
        casework_(std::move(casework)),
        clock_(clock),
        executor_(workers, "case-work"),
        reads_(kCaseReadWorkers, "case-reads"),
        groups_(
            kSubmissionGroupWorkers, kMaxSubmissionGroup,
            [this](std::vector<std::unique_ptr<PendingSubmission>>& group) { CommitGroup(group); },
            "submit-group"),
        case_groups_(
            kCaseGroupWorkers, kMaxCaseGroup,
            [this](std::vector<std::unique_ptr<PendingSubmission>>& group) { CommitGroup(group); },
            "case-group",
            [](const std::unique_ptr<PendingSubmission>& pending) { return pending->group_key; },
            kCaseGroupLinger) {}

  void SubmitConcern(const CallContext& call, const v1::SubmitConcernRequest& request,
                     v1::SubmitResponse* response, Done done);
  void SubmitOperationLibertyReport(const CallContext& call, const v1::SubmitOperationLibertyReportRequest& request,
                                    v1::SubmitResponse* response, Done done);
  void RecordRiskAssessment(const CallContext& call, const v1::RecordRiskAssessmentRequest& request,
                            v1::SubmitResponse* response, Done done);
  void RecordCaseEvents(const CallContext& call, const v1::RecordCaseEventsRequest& request,
                        v1::SubmitResponse* response, Done done);
  void SubmitStepUpReferral(const CallContext& call, const v1::SubmitStepUpReferralRequest& request,
                            v1::SubmitResponse* response, Done done);
  void SendNotification(const CallContext& call, const v1::SendNotificationRequest& request,
                        v1::SubmitResponse* response, Done done);
  // Kept on the case as an event carrying the decision, and sent to the
  // case's lead agency (casework/routing_rules.h, LeadOf).
  void RecordDecisionNotToShare(const CallContext& call, const v1::RecordDecisionNotToShareRequest& request,
                                v1::SubmitResponse* response, Done done);
  void Respond(const CallContext& call, const v1::RespondRequest& request, v1::SubmitResponse* response,
               Done done);
  // The case as `call`'s agency may see it (the store's rule), with its
  // pathway at the clock's now.
  void GetCase(const CallContext& call, const v1::GetCaseRequest& request, v1::GetCaseResponse* response,
               Done done);

 private:
  // A submission between its checks and its answer.
  struct PendingSubmission {
    explicit PendingSubmission(DeliveryDispatcher* dispatcher) : hand_off(dispatcher) {}

    Done done;
    v1::SubmitResponse* response = nullptr;  // the caller's, until done
    v1::Agency caller;
    Submission submission;
    RouteFn route;
    // Recipients with a stream here get their delivery in the accepting
    // transaction, and on the stream right after the commit.
    DeliveryDispatcher::HandOff hand_off;
    // For a case group: which submissions go one at a time, in the order
    // they came. A case's, so that no group waits for another's lock on a
    // case; a new child's NHS number's, so that two concerns about one new
    // child open two cases of one child, not two children.
    std::string group_key;
  };

  // The call gate (service/call_gate.h) with the request's own checks,
  // `validate`, then its governance envelope's.
  template <typename Request>
  absl::optional<Done> Admit(const CallContext& call, Method method, const Request& request,
                             absl::Status (*validate)(const Request&), Done done) const {
    return gate_->Admit(
        call, method,
        [&]() -> absl::Status {
          if (absl::Status valid = validate(request); !valid.ok()) return valid;
          return governance_->Check(method, request.has_governance() ? &request.governance() : nullptr,
                                    call.caller.id());
        },
        std::move(done));
  }
  // The common path of every admitted submission; see the file comment.
  void Submit(const CallContext& call, Method method, const google::protobuf::Message& request,
              Submission submission, v1::SubmitResponse* response, Done done);
  // Commits a group of submissions that touch no case (a worker thread).
  void CommitGroup(std::vector<std::unique_ptr<PendingSubmission>>& group);
  // After the commit, or the failure: streams first, then the caller.
  void Answer(PendingSubmission& pending, absl::StatusOr<Accepted> accepted);
  // GetCase's work, on the executor.
  absl::Status ReadCase(const std::string& case_id, const std::string& reader_agency_id,
                        const std::string& reader_staff_id,
                        v1::GetCaseResponse* response);

  std::shared_ptr<const CallGate> gate_;
  std::shared_ptr<const GovernancePolicy> governance_;
  std::shared_ptr<Store> store_;
  std::shared_ptr<DeliveryDispatcher> dispatcher_;
  std::shared_ptr<const Casework> casework_;
  const Clock& clock_;

  // Groups committing at once, and the most submissions in one.
  static constexpr int kSubmissionGroupWorkers = 2;
  static constexpr size_t kMaxSubmissionGroup = 64;
  // The same for submissions on a case named by its id and concerns that
  // open one (Store::AcceptAll), keyed by case or child. Two workers, not
  // four: the queue split between fewer groups makes larger ones, and a
  // group's statements (one a table) cost about the same whatever its size.
  // At saturation, alternated: statements a submission 2.0-2.3 -> 1.5-1.7,
  // case/no-case 0.30-0.33 -> 0.33-0.36; at 500/s no change; three were
  // between (docs/benchmarks.md, "Fewer, larger case groups"). Two, not
  // one, so that a group waiting for a lock another process holds, or an
  // acknowledgement's, does not stop the rest.
  static constexpr int kCaseGroupWorkers = 2;
  static constexpr size_t kMaxCaseGroup = 32;
  // A submission on a case waits up to 5 ms for others to share its group,
  // unless 8 are ready. Without it, at moderate rates each was a group of
  // one and paid a whole group's statements alone (24.7 statements a
  // submission at 250/s, 4.7 at saturation). At 500/s, beside the
  // acknowledgements' linger (delivery_dispatcher.h): MariaDB's CPU a
  // submission 1.9 -> 1.3 ms, p99 submit->delivery 21-25 -> 13-15 ms, GetCase
  // p99 15-24 -> 10-14 ms, saturation unchanged (docs/benchmarks.md, "Groups
  // that wait for company"). A lone submission's receipt comes up to 5 ms
  // later.
  static constexpr Linger kCaseGroupLinger{absl::Milliseconds(5), 8};
  // Threads for GetCase. Reads have a queue of their own so that a reader
  // waits for a connection of the pool, not behind every submission
  // already queued: with more submissions offered than the database can
  // take, a shared queue would make a case read take as long as the backlog
  // (seconds; docs/benchmarks.md, the case path).
  static constexpr int kCaseReadWorkers = 2;
  // Last, in this order: their threads use everything above, and are
  // joined (after finishing what is queued) before it is destroyed.
  Executor executor_;
  Executor reads_;
  GroupCommitter<std::unique_ptr<PendingSubmission>> groups_;
  GroupCommitter<std::unique_ptr<PendingSubmission>> case_groups_;
};

}  // namespace cre

#endif  // CRE_HUB_SERVICE_REFERRALS_API_H_
