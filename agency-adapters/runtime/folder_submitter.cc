#include "runtime/folder_submitter.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "client/durable_files.h"
#include "client/log.h"

namespace cre::adapters {
namespace {

using client::Submission;

// "concern.json" → "concern"; a submission made in code is named by its method.
std::string StemOf(const Submission& submission) {
  if (submission.source_name.empty()) return submission.method;
  return std::string(absl::StripSuffix(submission.source_name, ".json"));
}

std::string Joined(const google::protobuf::RepeatedPtrField<std::string>& ids) {
  std::string joined;
  for (const std::string& id : ids) absl::StrAppend(&joined, joined.empty() ? "" : ", ", id);
  return joined.empty() ? "nobody (recorded only)" : joined;
}

}  // namespace

FolderSubmitter::FolderSubmitter(std::shared_ptr<grpc::Channel> channel, std::string root, client::RetryPolicy policy,
                                 client::Stopper& stopper)
    : root_(std::move(root)),
      stopper_(stopper),
      submitter_(std::move(channel), client::Spool(root_ + "/spool"), policy, stopper) {}

absl::Status FolderSubmitter::Open() {
  for (const std::string& dir : {inbox_dir(), processed_dir(), rejected_dir(), spool_dir()}) {
    absl::Status made = client::MakeDirectories(dir);
    if (!made.ok()) return made;
  }
  return absl::OkStatus();
}

absl::StatusOr<Submission> FolderSubmitter::AcceptFile(const std::string& path, const std::string& case_id) {
  absl::StatusOr<std::string> content = client::ReadFile(path);
  if (!content.ok()) return content.status();
  const std::string name = path.substr(path.rfind('/') + 1);
  absl::StatusOr<Submission> submission = client::SubmissionFromJson(name, *content, case_id);
  if (!submission.ok()) return submission.status();
  absl::Status spooled = Accept(*submission);
  if (!spooled.ok()) return spooled;
  return submission;
}

absl::Status FolderSubmitter::Accept(const Submission& submission) { return submitter_.Accept(submission); }

absl::Status FolderSubmitter::ClaimInbox() {
  absl::StatusOr<std::vector<std::string>> names = client::ListFiles(inbox_dir(), "");
  if (!names.ok()) return names.status();
  // A file that cannot be claimed now (unreadable, say) is left where it is
  // and named in the error; the files after it are still claimed.
  absl::Status first_error;
  for (const std::string& name : *names) {
    absl::Status claimed = ClaimFile(name);
    if (!claimed.ok() && first_error.ok()) {
      first_error = absl::Status(claimed.code(), absl::StrCat(name, ": ", claimed.message()));
    }
  }
  return first_error;
}

absl::Status FolderSubmitter::ClaimFile(const std::string& name) {
  const std::string path = absl::StrCat(inbox_dir(), "/", name);
  absl::StatusOr<std::string> content = client::ReadFile(path);
  if (!content.ok()) return content.status();
  // Spooled before a crash that came before the removal: do not send twice.
  absl::StatusOr<bool> spooled = submitter_.spool().Holds(name, *content);
  if (!spooled.ok()) return spooled.status();
  if (!*spooled) {
    absl::StatusOr<Submission> submission = client::SubmissionFromJson(name, *content);
    if (submission.ok() && submitter_.spool().HoldsKey(submission->idempotency_key)) {
      // Another file brought the same key: spooling this one would replace it.
      submission = absl::InvalidArgumentError(
          absl::StrCat(name, ": idempotencyKey is already that of a submission in the spool"));
    }
    absl::Status accepted = submission.ok() ? Accept(*submission) : submission.status();
    if (absl::IsInvalidArgument(accepted)) {
      accepted = Reject(absl::StripSuffix(name, ".json"), client::NewIdempotencyKey(), *content, accepted);
    }
    if (!accepted.ok()) return accepted;
    if (submission.ok()) client::LogInfo(absl::StrCat("accepted ", name, " as ", submission->idempotency_key));
  }
  return client::RemoveFileDurably(path);
}

absl::Status FolderSubmitter::Reject(absl::string_view name, absl::string_view tag, absl::string_view content,
                                     const absl::Status& reason) {
  const std::string base = absl::StrCat(rejected_dir(), "/", client::SafeFileName(name), ".", tag);
  client::LogError(absl::StrCat("rejected ", name, ": ", absl::StatusCodeToString(reason.code()), ": ",
                                reason.message()));
  absl::Status written = client::WriteFileDurably(base + ".json", content);
  if (!written.ok()) return written;
  return client::WriteFileDurably(
      base + ".reason.txt", absl::StrCat(absl::StatusCodeToString(reason.code()), ": ", reason.message(), "\n"));
}

absl::Status FolderSubmitter::Record(const Submission& submission,
                                     const absl::StatusOr<v1::SubmitResponse>& outcome) {
  {
    absl::MutexLock lock(&mu_);
    outcomes_.insert_or_assign(submission.idempotency_key, outcome);
  }
  const std::string original = submission.original.empty() ? submission.request_json : submission.original;
  if (!outcome.ok()) {
    return Reject(StemOf(submission), submission.idempotency_key, original, outcome.status());
  }
  const std::string base =
      absl::StrCat(processed_dir(), "/", client::SafeFileName(StemOf(submission)), ".", submission.idempotency_key);
  // A receipt that cannot be converted is not recorded: the submission stays
  // in the spool, and the error says why.
  absl::StatusOr<std::string> receipt = client::ToJson(*outcome);
  absl::Status written = receipt.ok() ? client::WriteFileDurably(base + ".receipt.json", *receipt) : receipt.status();
  if (written.ok()) written = client::WriteFileDurably(base + ".json", original);
  if (written.ok()) {
    client::LogInfo(absl::StrCat("delivered ", StemOf(submission), ": message ", outcome->message_id(),
                                 outcome->case_id().empty() ? "" : absl::StrCat(", case ", outcome->case_id()),
                                 ", routed to ", Joined(outcome->recipient_agency_ids())));
  }
  return written;
}

absl::Status FolderSubmitter::Drain() {
  absl::MutexLock lock(&drain_mu_);
  return submitter_.Drain(
      [this](const Submission& submission, const absl::StatusOr<v1::SubmitResponse>& outcome) {
        return Record(submission, outcome);
      });
}

absl::Status FolderSubmitter::Run(absl::Duration poll, bool once) {
  absl::Status last = absl::OkStatus();
  for (bool unreachable_logged = false; !stopper_.stopped();) {
    absl::Status claimed = ClaimInbox();
    if (!claimed.ok()) client::LogError(absl::StrCat("inbox folder: ", claimed.message()));
    last = Drain();
    if (!last.ok() && !unreachable_logged) client::LogError(std::string(last.message()));
    unreachable_logged = !last.ok();
    if (once) break;
    if (!stopper_.SleepFor(poll)) break;
  }
  return last;
}

absl::optional<absl::StatusOr<v1::SubmitResponse>> FolderSubmitter::OutcomeOf(const std::string& key) {
  absl::MutexLock lock(&mu_);
  auto it = outcomes_.find(key);
  if (it == outcomes_.end()) return absl::nullopt;
  return it->second;
}

}  // namespace cre::adapters
