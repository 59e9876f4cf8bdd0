// Sends what is in a spool to the hub, oldest first, and hands each outcome
// (the receipt, or the hub's refusal) to the adapter to record before the
// entry leaves the spool. Only a refusal (IsRefusal: the hub will never take
// the request as it is) leaves it that way. A submission that failed
// otherwise (the hub down, or a fault of the hub's own) stays in the spool,
// and so does everything after it: submissions about one child keep their
// order.
//
//   SpooledSubmitter submitter(channel, spool, policy, stopper);
//   submitter.Accept(submission);  // durable now
//   absl::Status drained = submitter.Drain([&](const Submission& s, const absl::StatusOr<v1::SubmitResponse>& r) {
//     return RecordOutcome(s, r);  // must persist; an error keeps s spooled
//   });
#ifndef CRE_AGENCY_ADAPTERS_CLIENT_SPOOLED_SUBMITTER_H_
#define CRE_AGENCY_ADAPTERS_CLIENT_SPOOLED_SUBMITTER_H_

#include <functional>
#include <memory>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "client/retry_policy.h"
#include "client/spool.h"
#include "client/stopper.h"
#include "client/submission.h"
#include "cre/v1/referrals.grpc.pb.h"
#include "grpcpp/channel.h"

namespace cre::client {

// Records the final outcome of one submission: the receipt, or a refusal.
// Returns OK once the outcome is durable.
using OutcomeRecorder =
    std::function<absl::Status(const Submission&, const absl::StatusOr<v1::SubmitResponse>&)>;

class SpooledSubmitter {
 public:
  SpooledSubmitter(std::shared_ptr<grpc::Channel> channel, Spool spool, RetryPolicy policy, const Stopper& stopper);

  // Writes `submission` to the spool: from here on it is not lost.
  absl::Status Accept(const Submission& submission) const;

  // Sends every spooled submission in order until the spool is empty (OK)
  // or one fails other than by a refusal (that status; it and the rest stay
  // spooled for the next call).
  absl::Status Drain(const OutcomeRecorder& record);

  const Spool& spool() const { return spool_; }

 private:
  std::unique_ptr<v1::Referrals::Stub> stub_;
  Spool spool_;
  RetryPolicy policy_;
  const Stopper& stopper_;
};

}  // namespace cre::client

#endif  // CRE_AGENCY_ADAPTERS_CLIENT_SPOOLED_SUBMITTER_H_
