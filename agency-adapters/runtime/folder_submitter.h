// Submissions from a folder, as health, education, Early Help and host
// authorities make them: JSON files dropped into <root>/inbox/ (the request
// of SubmitConcern, SubmitOperationLibertyReport, ... without an
// idempotency key; see client/submission.h for how the method is told) are
// taken into the spool and sent. Each ends in one of:
//   <root>/processed/<name>.<key>.json          the file as dropped
//   <root>/processed/<name>.<key>.receipt.json  the hub's receipt
//   <root>/rejected/<name>.<key>.json           refused (bad JSON, or by the
//   <root>/rejected/<name>.<key>.reason.txt     hub: client::IsRefusal)
// <root>/spool/ holds what was accepted and not yet answered by the hub.
//
// Drop files atomically (write elsewhere, or to a name starting with ".",
// then rename into inbox/): a name starting with "." is never read.
//
//   FolderSubmitter submitter(channel, "/var/lib/cre-health", policy, stopper);
//   submitter.Open();
//   submitter.Run(absl::Seconds(1));  // until stopped
#ifndef CRE_AGENCY_ADAPTERS_RUNTIME_FOLDER_SUBMITTER_H_
#define CRE_AGENCY_ADAPTERS_RUNTIME_FOLDER_SUBMITTER_H_

#include <map>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "client/spooled_submitter.h"
#include "client/stopper.h"
#include "client/submission.h"
#include "grpcpp/channel.h"

namespace cre::adapters {

class FolderSubmitter {
 public:
  FolderSubmitter(std::shared_ptr<grpc::Channel> channel, std::string root, client::RetryPolicy policy,
                  client::Stopper& stopper);

  // Creates the folders.
  absl::Status Open();

  // Spools the submission in the file at `path` (left where it is), with
  // `case_id` set if not empty. INVALID_ARGUMENT naming the file and field
  // if it is not a submission.
  absl::StatusOr<client::Submission> AcceptFile(const std::string& path, const std::string& case_id = "");
  // Spools a submission made in code (an answer, a consultation).
  absl::Status Accept(const client::Submission& submission);

  // Takes every file in inbox/ into the spool (or rejected/), then removes it.
  absl::Status ClaimInbox();
  // Sends the spool (see SpooledSubmitter::Drain), recording outcomes.
  absl::Status Drain();
  // ClaimInbox and Drain every `poll` until stopped; with `once`, one round
  // (Drain retries as the policy says). The last Drain's status.
  absl::Status Run(absl::Duration poll, bool once = false);

  // The recorded outcome of the submission with `key`, if it was sent by
  // this process: the receipt or the refusal.
  absl::optional<absl::StatusOr<v1::SubmitResponse>> OutcomeOf(const std::string& key);

  std::string inbox_dir() const { return root_ + "/inbox"; }
  std::string processed_dir() const { return root_ + "/processed"; }
  std::string rejected_dir() const { return root_ + "/rejected"; }
  std::string spool_dir() const { return root_ + "/spool"; }

 private:
  absl::Status ClaimFile(const std::string& name);
  absl::Status Record(const client::Submission& submission, const absl::StatusOr<v1::SubmitResponse>& outcome);
  absl::Status Reject(absl::string_view name, absl::string_view tag, absl::string_view content,
                      const absl::Status& reason);

  std::string root_;
  client::Stopper& stopper_;
  client::SpooledSubmitter submitter_;
  absl::Mutex drain_mu_;  // one Drain at a time: the spool's order holds
  absl::Mutex mu_;
  std::map<std::string, absl::StatusOr<v1::SubmitResponse>> outcomes_ ABSL_GUARDED_BY(mu_);
};

}  // namespace cre::adapters

#endif  // CRE_AGENCY_ADAPTERS_RUNTIME_FOLDER_SUBMITTER_H_
