// early-help: Early Help's adapter. Records assessments on Early Help cases
// and submits step-up referrals to Children's Social Care from JSON files,
// through the durable spool, and shows the outcomes (CSC's ACCEPT or
// DECLINE, and anything else routed to Early Help) as they arrive.
#include <iostream>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "client/durable_files.h"
#include "client/log.h"
#include "runtime/adapter_commands.h"
#include "runtime/adapter_flags.h"
#include "runtime/message_folder.h"

ABSL_FLAG(std::string, dir, "", "the adapter's folder: inbox/, spool/, processed/, rejected/, received/");
ABSL_FLAG(std::string, case_id, "", "submit: the Early Help case the submission is about");
ABSL_FLAG(int, poll_ms, 1000, "run: how often the inbox folder is looked at");

namespace {

constexpr char kUsage[] = R"(early-help: Early Help's assessments and step-up referrals, and their outcomes.

Usage: early-help run    --dir DIR --cert FILE --key FILE [--hub HOST:PORT] [--ca FILE] [--poll-ms N]
       early-help submit FILE.json --dir DIR --cert FILE --key FILE [--case-id ID] [--hub ...] [--ca ...]

A submission is a JSON file in the protobuf JSON mapping, without
"idempotencyKey" (the adapter adds one and keeps it with the submission):
  {"caseId": ..., "assessment": {...}}  cre.v1.RecordRiskAssessmentRequest
  {"caseId": ..., "referral": {...}}    cre.v1.SubmitStepUpReferralRequest
  {"caseId": ..., "events": [...]}      cre.v1.RecordCaseEventsRequest
  {"newChild": ..., "concern": {...}}   cre.v1.SubmitConcernRequest (opens an
                                        Early Help case: openPlan OPEN_PLAN_EARLY_HELP)
each with its governance envelope ("governance": purpose, lawful basis, sharing
agreement, consent position; docs/data-protection.md).
See agency-adapters/samples/early-help-*.json.

run: sends the files dropped into DIR/inbox/ exactly as the health and
  education adapters do (spool DIR/spool/, then DIR/processed/ with the
  receipt or DIR/rejected/ with the reason; drop files atomically), and
  receives Early Help's inbox: every message is written to
  DIR/received/<message id>.json (fsynced) before it is acknowledged, and the
  outcome of a step-up referral is printed on stdout:
    outcome of <referral message id>: RESPONSE_KIND_ACCEPT by derby-csc (case ...): <reason>
  Runs until Ctrl-C or SIGTERM.

submit FILE.json: spools and sends one file now; prints the receipt as JSON
  on stdout (exit status 0), the hub's refusal on stderr (65), or leaves it
  in the spool for `run` when the hub is unreachable (75).

Flags:
  --dir DIR        the adapter's folder (created if missing; required)
  --case-id ID     submit: sets the request's caseId
  --poll-ms N      run: how often DIR/inbox/ is looked at (default 1000)
  --hub HOST:PORT  the hub (default localhost:50051)
  --ca FILE        CA certificate of the hub (default certs/dev/ca.crt)
  --cert FILE      Early Help's certificate, e.g. certs/dev/agencies/derby-early-help.crt
  --key FILE       its private key

Exit status: 0 done; 64 bad flags or a file that is not a submission; 65
refused by the hub; 69 cannot start; 75 kept in the spool (hub unreachable or failing).
)";

// Writes every message, and shows outcomes of step-ups on stdout.
cre::client::MessageHandler OutcomeWriter(const std::string& received_dir) {
  cre::client::MessageHandler write = cre::adapters::MessageFileWriter(received_dir);
  return [write](const cre::v1::RoutedMessage& message) {
    absl::Status written = write(message);
    if (written.ok() && message.has_response() && message.redelivery_count() == 0) {
      std::cout << "outcome of " << message.in_reply_to() << ": "
                << cre::v1::ResponseKind_Name(message.response().kind()) << " by " << message.sender_agency_id()
                << " (case " << message.case_id() << ")"
                << (message.response().reason().empty() ? "" : ": " + message.response().reason()) << std::endl;
    }
    return written;
  };
}

}  // namespace

int main(int argc, char** argv) {
  using namespace cre;
  const std::vector<std::string> args = adapters::ParseAdapterFlags(argc, argv, kUsage);
  client::Stopper stopper;
  const client::SignalWatcher signals = client::StopOnSignals(&stopper);
  const std::string dir = absl::GetFlag(FLAGS_dir);
  const bool run = args.size() == 1 && args[0] == "run";
  const bool submit = args.size() == 2 && args[0] == "submit";
  if (dir.empty() || !(run || submit)) {
    std::cerr << "early-help: expected `run` or `submit FILE.json`, and --dir DIR (see --help)\n";
    return adapters::kExitUsage;
  }
  auto channel = adapters::ChannelFromFlags();
  if (!channel.ok()) {
    std::cerr << "early-help: " << channel.status().message() << "\n";
    return adapters::kExitUnavailable;
  }
  client::RetryPolicy policy;
  if (run) policy.give_up_after = absl::Seconds(30);
  adapters::FolderSubmitter submitter(*channel, dir, policy, stopper);
  absl::Status opened = submitter.Open();
  if (opened.ok()) opened = client::MakeDirectories(dir + "/received");
  if (!opened.ok()) {
    std::cerr << "early-help: " << opened.message() << "\n";
    return adapters::kExitUnavailable;
  }
  if (submit) return adapters::SubmitFileCommand(submitter, args[1], absl::GetFlag(FLAGS_case_id));
  client::LogInfo(absl::StrCat("early-help: watching ", submitter.inbox_dir(), ", outcomes to ", dir, "/received"));
  adapters::RunOptions options;
  options.submitter = &submitter;
  options.channel = *channel;
  options.on_message = OutcomeWriter(dir + "/received");
  options.poll = absl::Milliseconds(absl::GetFlag(FLAGS_poll_ms));
  return adapters::RunAdapter(options, stopper);
}
