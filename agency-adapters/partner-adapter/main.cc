// health and education: a partner agency's adapter (one implementation, two
// executable names). Sends concerns and Operation Liberty reports to the hub
// from JSON files dropped into a folder or named on the command line, keeping
// each in a durable spool until the hub's receipt.
#include <iostream>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "client/log.h"
#include "runtime/adapter_commands.h"
#include "runtime/adapter_flags.h"

#ifndef CRE_ADAPTER_NAME
#define CRE_ADAPTER_NAME "partner-adapter"
#endif

ABSL_FLAG(std::string, dir, "", "the adapter's folder: inbox/, spool/, processed/, rejected/");
ABSL_FLAG(std::string, case_id, "", "submit: the case the submission is about (sets case_id)");
ABSL_FLAG(int, poll_ms, 1000, "run: how often the inbox folder is looked at");
ABSL_FLAG(bool, once, false, "run: one round of the inbox folder and the spool, then exit");

namespace {

constexpr char kUsage[] = R"(NAME: submits a partner agency's concerns and Operation Liberty reports.

Usage: NAME run    --dir DIR --cert FILE --key FILE [--hub HOST:PORT] [--ca FILE] [--poll-ms N] [--once]
       NAME submit FILE.json --dir DIR --cert FILE --key FILE [--case-id ID] [--hub ...] [--ca ...]

A submission is a JSON file: the cre.v1.SubmitConcernRequest (top-level
"concern"), cre.v1.SubmitOperationLibertyReportRequest (top-level "report")
or cre.v1.RecordDecisionNotToShareRequest (top-level "decision", with
--case-id: a decision not to share, Children Act 2004 s.16LA)
in the protobuf JSON mapping, without "idempotencyKey": the adapter adds a
new key when it accepts the file and keeps it, so a retry or a replay after a
restart is never a second submission. It carries its governance envelope
("governance": purpose, lawful basis, sharing agreement, consent position;
docs/data-protection.md). See agency-adapters/samples/.

run: takes every file dropped into DIR/inbox/ (drop atomically: write it
  elsewhere or under a name starting with ".", then rename it in) into the
  spool DIR/spool/ (written and fsynced before anything is sent), removes it
  from the inbox, and sends the spool to the hub, oldest first, retrying with
  backoff while the hub is unreachable. Each file ends in
    DIR/processed/<name>.<key>.json and <name>.<key>.receipt.json (the
      hub's receipt: message id, case id, who it was routed to), or
    DIR/rejected/<name>.<key>.json and <name>.<key>.reason.txt, when the file
      is not a submission (the reason names the file and field) or the hub
      refused it (INVALID_ARGUMENT, PERMISSION_DENIED, ...: the hub's reason);
      the rejection is also written to stderr.
  On start it first sends what an earlier run left in the spool. Runs until
  Ctrl-C or SIGTERM (--once: one round, then exit).

submit FILE.json: spools FILE.json (left where it is), sends it at once and
  prints the receipt as JSON on stdout; a copy lands in DIR/processed/ or
  DIR/rejected/ as above. If the hub stays unreachable the submission stays in
  DIR/spool/ and the next `run` sends it (exit status 75).

Flags:
  --dir DIR        the adapter's folder (created if missing; required)
  --case-id ID     submit: sets the request's case_id (a concern about a
                   child the hub already holds, or a report linked to one)
  --poll-ms N      run: how often DIR/inbox/ is looked at (default 1000)
  --once           run: one round, then exit
  --hub HOST:PORT  the hub (default localhost:50051)
  --ca FILE        CA certificate of the hub (default certs/dev/ca.crt)
  --cert FILE      this agency's client certificate, e.g. certs/dev/agencies/CERT.crt
  --key FILE       its private key

Exit status: 0 done (submit: accepted by the hub); 64 bad flags or a file
that is not a submission; 65 refused by the hub; 69 cannot start; 75 kept in
the spool (hub unreachable or failing).
)";

}  // namespace

int main(int argc, char** argv) {
  using namespace cre;
  const std::string name = CRE_ADAPTER_NAME;
  const std::string usage = absl::StrReplaceAll(
      kUsage, {{"NAME", name}, {"CERT", name == "health" ? "derby-health" : "derby-school-ashgrove"}});
  const std::vector<std::string> args = adapters::ParseAdapterFlags(argc, argv, usage);
  client::Stopper stopper;
  const client::SignalWatcher signals = client::StopOnSignals(&stopper);
  const std::string dir = absl::GetFlag(FLAGS_dir);
  const bool run = args.size() == 1 && args[0] == "run";
  const bool submit = args.size() == 2 && args[0] == "submit";
  if (dir.empty() || !(run || submit)) {
    std::cerr << name << ": expected `run` or `submit FILE.json`, and --dir DIR (see --help)\n";
    return adapters::kExitUsage;
  }
  auto channel = adapters::ChannelFromFlags();
  if (!channel.ok()) {
    std::cerr << name << ": " << channel.status().message() << "\n";
    return adapters::kExitUnavailable;
  }
  client::RetryPolicy policy;
  if (run) policy.give_up_after = absl::Seconds(30);  // the next round tries again
  adapters::FolderSubmitter submitter(*channel, dir, policy, stopper);
  if (absl::Status opened = submitter.Open(); !opened.ok()) {
    std::cerr << name << ": " << opened.message() << "\n";
    return adapters::kExitUnavailable;
  }
  if (submit) return adapters::SubmitFileCommand(submitter, args[1], absl::GetFlag(FLAGS_case_id));
  client::LogInfo(absl::StrCat(name, ": watching ", submitter.inbox_dir()));
  adapters::RunOptions options;
  options.submitter = &submitter;
  options.channel = *channel;
  options.poll = absl::Milliseconds(absl::GetFlag(FLAGS_poll_ms));
  options.once = absl::GetFlag(FLAGS_once);
  return adapters::RunAdapter(options, stopper);
}
