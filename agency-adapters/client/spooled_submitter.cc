#include "client/spooled_submitter.h"

#include "absl/strings/str_cat.h"
#include "client/log.h"

namespace cre::client {

SpooledSubmitter::SpooledSubmitter(std::shared_ptr<grpc::Channel> channel, Spool spool, RetryPolicy policy,
                                   const Stopper& stopper)
    : stub_(v1::Referrals::NewStub(std::move(channel))),
      spool_(std::move(spool)),
      policy_(policy),
      stopper_(stopper) {}

absl::Status SpooledSubmitter::Accept(const Submission& submission) const { return spool_.Put(submission); }

absl::Status SpooledSubmitter::Drain(const OutcomeRecorder& record) {
  absl::StatusOr<std::vector<Submission>> pending = spool_.Pending();
  if (!pending.ok()) return pending.status();
  for (const Submission& submission : *pending) {
    if (stopper_.stopped()) return absl::CancelledError("stopped");
    absl::StatusOr<v1::SubmitResponse> outcome = SendSubmission(*stub_, submission, policy_, stopper_);
    if (!outcome.ok() && outcome.status().code() == absl::StatusCode::kCancelled && stopper_.stopped()) {
      return outcome.status();
    }
    // Only a refusal of the submission itself leaves the spool. A hub that
    // is down, or fails with a fault of its own (INTERNAL while its database
    // is read-only, say), is tried again next round, and so is everything
    // after it, in order.
    if (!outcome.ok() && !IsRefusal(outcome.status())) {
      return absl::Status(outcome.status().code(),
                          absl::StrCat(IsRetryable(outcome.status()) ? "hub unreachable" : "hub failed",
                                       ", ", pending->size(), " submission(s) kept in ", spool_.dir(), ": ",
                                       absl::StatusCodeToString(outcome.status().code()), ": ",
                                       outcome.status().message()));
    }
    // Recorded first, removed second: a crash in between replays the
    // submission, and the hub answers a replayed key with the same receipt.
    absl::Status recorded = record(submission, outcome);
    if (!recorded.ok()) {
      LogError(absl::StrCat("kept in spool: cannot record the outcome of ", submission.idempotency_key, ": ",
                            recorded.message()));
      return recorded;
    }
    absl::Status removed = spool_.Remove(submission);
    if (!removed.ok()) return removed;
  }
  return absl::OkStatus();
}

}  // namespace cre::client
