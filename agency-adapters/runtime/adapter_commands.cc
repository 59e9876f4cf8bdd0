#include "runtime/adapter_commands.h"

#include <iostream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "client/durable_files.h"
#include "client/log.h"
#include "runtime/adapter_flags.h"
#include "runtime/message_folder.h"

namespace cre::adapters {

int RunAdapter(const RunOptions& options, client::Stopper& stopper) {
  std::thread receiver;
  if (options.on_message && !options.once) {
    receiver = std::thread([&options, &stopper] {
      client::InboxLoop(options.channel, {}, stopper).Run(options.on_message);
    });
  }
  absl::Status ran = absl::OkStatus();
  if (options.submitter != nullptr) ran = options.submitter->Run(options.poll, options.once);
  // Without --once the submitter returns only when stopped, with its last
  // round's status: a stop (SIGTERM) while the hub was down is still a clean
  // stop, and what was not sent waits in the spool.
  if (!options.once && stopper.stopped() && !ran.ok()) {
    client::LogInfo(absl::StrCat("last round before the stop: ", ran.message()));
    ran = absl::OkStatus();
  }
  if (options.once || !ran.ok()) stopper.Stop();
  if (receiver.joinable()) receiver.join();
  if (!ran.ok()) {
    client::LogError(absl::StrCat("stopped: ", ran.message()));
    return kExitIoError;
  }
  client::LogInfo("stopped");
  return kExitOk;
}

int SendNow(FolderSubmitter& submitter, const client::Submission& submission) {
  absl::Status drained = submitter.Drain();
  auto outcome = submitter.OutcomeOf(submission.idempotency_key);
  if (!outcome.has_value()) {
    std::cerr << "not sent yet: " << drained.message() << "\nkept in " << submitter.spool_dir()
              << " (key " << submission.idempotency_key << "); the adapter's `run` command sends it when the hub is back\n";
    return kExitSpooled;
  }
  if (!outcome->ok()) {
    std::cerr << "rejected by the hub: " << absl::StatusCodeToString(outcome->status().code()) << ": "
              << outcome->status().message() << "\n";
    return kExitRejected;
  }
  absl::StatusOr<std::string> receipt = client::ToJson(**outcome);
  if (!receipt.ok()) {
    // Record() failed on the same conversion, so the submission is still
    // spooled; its replay gets the same receipt from the hub.
    std::cerr << "accepted by the hub as message " << (*outcome)->message_id()
              << ", but its receipt cannot be converted (kept in " << submitter.spool_dir()
              << "): " << receipt.status().message() << "\n";
    return kExitIoError;
  }
  std::cout << *receipt << std::endl;
  return kExitOk;
}

int SubmitFileCommand(FolderSubmitter& submitter, const std::string& path, const std::string& case_id) {
  absl::StatusOr<client::Submission> submission = submitter.AcceptFile(path, case_id);
  if (!submission.ok()) {
    std::cerr << submission.status().message() << "\n";
    return absl::IsInvalidArgument(submission.status()) ? kExitUsage : kExitIoError;
  }
  return SendNow(submitter, *submission);
}

int RunInboxToFolder(const char* name, const char* what, const std::vector<std::string>& args,
                     const std::string& out, int exit_after_write_for_test) {
  client::Stopper stopper;
  const client::SignalWatcher signals = client::StopOnSignals(&stopper);
  if (out.empty() || !args.empty()) {
    std::cerr << name << ": --out DIR is required and no arguments are taken (see --help)\n";
    return kExitUsage;
  }
  absl::Status made = client::MakeDirectories(out);
  auto channel = ChannelFromFlags();
  if (!made.ok() || !channel.ok()) {
    std::cerr << name << ": " << (made.ok() ? channel.status() : made).message() << "\n";
    return kExitUnavailable;
  }
  RunOptions options;
  options.channel = *channel;
  options.on_message = MessageFileWriter(out, exit_after_write_for_test);
  client::LogInfo(absl::StrCat(name, ": writing ", what, " to ", out));
  return RunAdapter(options, stopper);
}

}  // namespace cre::adapters
