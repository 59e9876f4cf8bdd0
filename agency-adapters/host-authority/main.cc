// host-authority: another local authority's adapter. Receives handoffs (the
// hub authority's child placed in this area: coordinate the CRE meetings)
// and consultations (this authority's own child placed in the hub
// authority's area), answers each by a rule given on the command line, and
// sends consultations and concerns about its own children.
#include <iostream>

#include "absl/flags/flag.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "client/durable_files.h"
#include "client/log.h"
#include "google/protobuf/util/json_util.h"
#include "runtime/adapter_commands.h"
#include "runtime/adapter_flags.h"
#include "runtime/message_folder.h"

ABSL_FLAG(std::string, dir, "", "the adapter's folder: inbox/, spool/, processed/, rejected/, received/");
ABSL_FLAG(std::string, answer, "accept", "run: accept | dispute | acknowledge, for every handoff and consultation");
ABSL_FLAG(std::string, reason, "", "run: the reason sent with the answer (required for dispute)");
ABSL_FLAG(std::string, case_id, "", "submit, consult: the case");
ABSL_FLAG(std::string, summary, "", "consult: what the consultation says");
ABSL_FLAG(std::string, level, "", "consult: LOW | MEDIUM | HIGH (optional)");
ABSL_FLAG(int, poll_ms, 1000, "run: how often the inbox folder is looked at");
ABSL_FLAG(std::string, governance, "",
          "run, consult: JSON file of the governance envelope (cre.v1.Governance) the answers and consultations carry");

namespace {

using namespace cre;

constexpr char kUsage[] = R"(host-authority: another local authority's handoffs and consultations.

Usage: host-authority run     --dir DIR --governance FILE.json --cert FILE --key FILE
                               [--answer accept|dispute|acknowledge] [--reason TEXT]
       host-authority submit  FILE.json --dir DIR --cert FILE --key FILE [--case-id ID]
       host-authority consult --case-id ID --summary TEXT [--level LOW|MEDIUM|HIGH] --governance FILE.json
                              --dir DIR --cert FILE --key FILE
       (all take --hub HOST:PORT and --ca FILE)

run: receives this authority's inbox. Every message is written to
  DIR/received/<message id>.json (fsynced). A host-authority handoff (the hub
  authority's child placed in this area) and a home-authority consultation
  (this authority's child placed in the hub authority's area) are answered
  with Respond by the rule --answer (accept, dispute or acknowledge) with
  --reason; the answer is put in the spool DIR/spool/ under the key
  "answer-<message id>" before the message is acknowledged, so a message
  handed out again is never answered twice, and the answer is sent even if
  the hub was unreachable at the time. Files dropped into DIR/inbox/ are sent
  as by the health adapter (DIR/processed/, DIR/rejected/). Runs until Ctrl-C
  or SIGTERM.

What this adapter makes itself (answers, consultations) carries the
governance envelope of --governance: why and on what lawful basis it is
shared, under which information-sharing agreement, and the consent position
(docs/data-protection.md; agency-adapters/samples/envelopes/). A file given
to submit, or dropped into DIR/inbox/, carries its own.

submit FILE.json: sends one submission now (for example a concern about this
  authority's own child placed in the hub authority's area, which opens the
  case: agency-adapters/samples/host-authority-concern.json); prints the
  receipt, whose caseId `consult` needs.

consult: sends a home-authority consultation (SendNotification with
  NOTIFICATION_KIND_HOME_AUTHORITY_CONSULTATION) on case --case-id, a case
  this authority opened; prints the receipt.

Flags:
  --dir DIR        the adapter's folder (created if missing; required)
  --answer KIND    run: accept | dispute | acknowledge (default accept)
  --reason TEXT    run: sent with the answer; required for dispute
  --case-id ID     submit: sets caseId; consult: the case (required)
  --summary TEXT   consult: the consultation's text (required)
  --level LEVEL    consult: LOW, MEDIUM or HIGH (optional)
  --governance FILE.json
                   run, consult: the envelope (cre.v1.Governance, protobuf
                   JSON mapping) of the answers and consultations (required)
  --poll-ms N      run: how often DIR/inbox/ is looked at (default 1000)
  --hub HOST:PORT  the hub (default localhost:50051)
  --ca FILE        CA certificate of the hub (default certs/dev/ca.crt)
  --cert FILE      this authority's certificate, e.g. certs/dev/agencies/derbyshire-cc.crt
  --key FILE       its private key

Exit status: 0 done; 64 bad flags or input; 65 refused by the hub; 69 cannot
start; 75 kept in the spool (hub unreachable or failing).
)";

absl::StatusOr<v1::ResponseKind> AnswerFromFlags() {
  const std::string answer = absl::AsciiStrToLower(absl::GetFlag(FLAGS_answer));
  const std::string reason = absl::GetFlag(FLAGS_reason);
  if (answer == "accept") return v1::RESPONSE_KIND_ACCEPT;
  if (answer == "acknowledge") return v1::RESPONSE_KIND_ACKNOWLEDGE;
  if (answer == "dispute" && !reason.empty()) return v1::RESPONSE_KIND_DISPUTE;
  if (answer == "dispute") return absl::InvalidArgumentError("--answer dispute: needs --reason");
  return absl::InvalidArgumentError(absl::StrCat("--answer: accept, dispute or acknowledge, not \"", answer, "\""));
}

// The envelope of --governance.
absl::StatusOr<v1::Governance> GovernanceFromFlags() {
  const std::string path = absl::GetFlag(FLAGS_governance);
  if (path.empty()) return absl::InvalidArgumentError("--governance FILE.json is required with run and consult");
  absl::StatusOr<std::string> text = client::ReadFile(path);
  if (!text.ok()) return absl::InvalidArgumentError(absl::StrCat("--governance: ", text.status().message()));
  v1::Governance governance;
  const auto parsed = google::protobuf::util::JsonStringToMessage(*text, &governance);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--governance: ", path, ": not a cre.v1.Governance: ", parsed.message().as_string()));
  }
  return governance;
}

bool NeedsAnswer(const v1::RoutedMessage& message) {
  const v1::NotificationKind kind = message.notification().kind();
  return message.has_notification() && (kind == v1::NOTIFICATION_KIND_HOST_AUTHORITY_HANDOFF ||
                                        kind == v1::NOTIFICATION_KIND_HOME_AUTHORITY_CONSULTATION);
}

// Writes every message; spools the answer to handoffs and consultations.
client::MessageHandler Answerer(const std::string& received_dir, adapters::FolderSubmitter& submitter,
                                v1::ResponseKind answer, const v1::Governance& governance) {
  client::MessageHandler write = adapters::MessageFileWriter(received_dir);
  return [write, &submitter, answer, governance](const v1::RoutedMessage& message) {
    absl::Status written = write(message);
    if (!written.ok() || !NeedsAnswer(message)) return written;
    v1::RespondRequest respond;
    // Derived from the message: a redelivery makes the same answer.
    respond.set_idempotency_key(absl::StrCat("answer-", message.message_id()));
    respond.set_message_id(message.message_id());
    respond.mutable_response()->set_kind(answer);
    respond.mutable_response()->set_reason(absl::GetFlag(FLAGS_reason));
    *respond.mutable_governance() = governance;
    absl::StatusOr<client::Submission> submission = client::SubmissionFromRequest(respond);
    if (!submission.ok()) return submission.status();
    client::LogInfo(absl::StrCat("answering ", message.message_id(), " with ", v1::ResponseKind_Name(answer)));
    return submitter.Accept(*submission);
  };
}

absl::StatusOr<client::Submission> ConsultationFromFlags() {
  v1::SendNotificationRequest consult;
  consult.set_case_id(absl::GetFlag(FLAGS_case_id));
  consult.mutable_notification()->set_kind(v1::NOTIFICATION_KIND_HOME_AUTHORITY_CONSULTATION);
  consult.mutable_notification()->set_summary(absl::GetFlag(FLAGS_summary));
  const std::string level = absl::AsciiStrToUpper(absl::GetFlag(FLAGS_level));
  v1::RiskLevel parsed = v1::RISK_LEVEL_UNSPECIFIED;
  if (!level.empty() && !v1::RiskLevel_Parse("RISK_LEVEL_" + level, &parsed)) {
    return absl::InvalidArgumentError(absl::StrCat("--level: LOW, MEDIUM or HIGH, not \"", level, "\""));
  }
  consult.mutable_notification()->set_level(parsed);
  if (consult.case_id().empty() || consult.notification().summary().empty()) {
    return absl::InvalidArgumentError("consult: --case-id and --summary are required");
  }
  absl::StatusOr<v1::Governance> governance = GovernanceFromFlags();
  if (!governance.ok()) return governance.status();
  *consult.mutable_governance() = *std::move(governance);
  return client::SubmissionFromRequest(consult);
}

int Consult(adapters::FolderSubmitter& submitter) {
  absl::StatusOr<client::Submission> consultation = ConsultationFromFlags();
  absl::Status accepted = consultation.ok() ? submitter.Accept(*consultation) : consultation.status();
  if (!accepted.ok()) {
    std::cerr << "host-authority: " << accepted.message() << "\n";
    return absl::IsInvalidArgument(accepted) ? adapters::kExitUsage : adapters::kExitIoError;
  }
  return adapters::SendNow(submitter, *consultation);
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args = adapters::ParseAdapterFlags(argc, argv, kUsage);
  client::Stopper stopper;
  const client::SignalWatcher signals = client::StopOnSignals(&stopper);
  const std::string dir = absl::GetFlag(FLAGS_dir);
  const std::string command = args.empty() ? "" : args[0];
  const bool valid = (args.size() == 1 && (command == "run" || command == "consult")) ||
                     (args.size() == 2 && command == "submit");
  absl::StatusOr<v1::ResponseKind> answer = AnswerFromFlags();
  if (dir.empty() || !valid || !answer.ok()) {
    std::cerr << "host-authority: " << (answer.ok() ? "expected `run`, `submit FILE.json` or `consult`, and --dir DIR"
                                                    : std::string(answer.status().message()))
              << " (see --help)\n";
    return adapters::kExitUsage;
  }
  absl::StatusOr<v1::Governance> governance = GovernanceFromFlags();
  if (command == "run" && !governance.ok()) {
    std::cerr << "host-authority: " << governance.status().message() << " (see --help)\n";
    return adapters::kExitUsage;
  }
  auto channel = adapters::ChannelFromFlags();
  if (!channel.ok()) {
    std::cerr << "host-authority: " << channel.status().message() << "\n";
    return adapters::kExitUnavailable;
  }
  client::RetryPolicy policy;
  if (command == "run") policy.give_up_after = absl::Seconds(30);
  adapters::FolderSubmitter submitter(*channel, dir, policy, stopper);
  absl::Status opened = submitter.Open();
  if (opened.ok()) opened = client::MakeDirectories(dir + "/received");
  if (!opened.ok()) {
    std::cerr << "host-authority: " << opened.message() << "\n";
    return adapters::kExitUnavailable;
  }
  if (command == "submit") return adapters::SubmitFileCommand(submitter, args[1], absl::GetFlag(FLAGS_case_id));
  if (command == "consult") return Consult(submitter);
  client::LogInfo(absl::StrCat("host-authority: answering ", v1::ResponseKind_Name(*answer), ", received to ", dir,
                               "/received"));
  adapters::RunOptions options;
  options.submitter = &submitter;
  options.channel = *channel;
  options.on_message = Answerer(dir + "/received", submitter, *answer, *governance);
  options.poll = absl::Milliseconds(absl::GetFlag(FLAGS_poll_ms));
  return adapters::RunAdapter(options, stopper);
}
