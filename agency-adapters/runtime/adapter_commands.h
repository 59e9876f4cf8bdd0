// The commands the adapter executables share, each returning an exit
// status (adapter_flags.h):
//   run      take submissions from the inbox folder and send the spool, and
//            (with a handler) receive the agency's inbox, until Ctrl-C
//   submit   one file, now: spool it, send it, print the receipt
//
//   FolderSubmitter submitter(channel, dir, policy, stopper);
//   return RunAdapter({.submitter = &submitter, .channel = channel, .on_message = handler}, stopper);
#ifndef CRE_AGENCY_ADAPTERS_RUNTIME_ADAPTER_COMMANDS_H_
#define CRE_AGENCY_ADAPTERS_RUNTIME_ADAPTER_COMMANDS_H_

#include <memory>
#include <string>

#include "client/inbox_loop.h"
#include "client/stopper.h"
#include "client/submission.h"
#include "grpcpp/channel.h"
#include "runtime/folder_submitter.h"

namespace cre::adapters {

struct RunOptions {
  // Sends submissions from its folders; may be null (a receiving-only adapter).
  FolderSubmitter* submitter = nullptr;
  std::shared_ptr<grpc::Channel> channel;
  // Receives the inbox; empty: the inbox is not read.
  client::MessageHandler on_message;
  absl::Duration poll = absl::Seconds(1);
  // One round of the folders, then exit (the inbox is not read).
  bool once = false;
};

// Runs until the stopper stops (Ctrl-C, SIGTERM); kExitOk.
int RunAdapter(const RunOptions& options, client::Stopper& stopper);

// Sends `submission` (already spooled) and everything spooled before it;
// prints the receipt as JSON on stdout (kExitOk), or the hub's refusal on
// stderr (kExitRejected), or that it stays spooled (kExitSpooled).
int SendNow(FolderSubmitter& submitter, const client::Submission& submission);

// `submit FILE.json`: AcceptFile then SendNow; a file that is not a
// submission is kExitUsage with the reason naming file and field.
int SubmitFileCommand(FolderSubmitter& submitter, const std::string& path, const std::string& case_id);

// The whole of an adapter that writes every message of its agency's inbox
// to DIR/<message id>.json and acknowledges it once the file is durable
// (police-pru, iro): checks `args` and `out`, connects, and runs until
// Ctrl-C or SIGTERM. `name` prefixes its messages; `what` names the files.
int RunInboxToFolder(const char* name, const char* what, const std::vector<std::string>& args,
                     const std::string& out, int exit_after_write_for_test);

}  // namespace cre::adapters

#endif  // CRE_AGENCY_ADAPTERS_RUNTIME_ADAPTER_COMMANDS_H_
