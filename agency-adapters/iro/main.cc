// iro: the IRO service's adapter. Receives the notifications of emerging
// concerns about looked-after children (and whatever else the hub routes to
// the IRO service) and writes each to a folder, acknowledging only once the file
// is on disk.
#include "absl/flags/flag.h"
#include "runtime/adapter_commands.h"
#include "runtime/adapter_flags.h"

ABSL_FLAG(std::string, out, "", "folder the notifications are written to");
ABSL_FLAG(int, exit_after_write_for_test, 0, "tests only: exit after N files, before acknowledging");

namespace {

constexpr char kUsage[] = R"(iro: receives IRO notifications for the Independent Reviewing Officers.

Usage: iro --out DIR --cert FILE --key FILE [--hub HOST:PORT] [--ca FILE]

Subscribes to the IRO service's inbox (notifications of an emerging concern
about a looked-after child, sent by Children's Social Care or by the hub
itself when the pathway requires it) and writes each message to
DIR/<message id>.json (the cre.v1.RoutedMessage in the protobuf JSON mapping),
written to a temporary name, fsynced and renamed, then acknowledges it; the
acknowledgement is what marks the IRO notification DONE on the case's
pathway. A message handed out again replaces its own file. Runs until Ctrl-C
or SIGTERM.

Flags:
  --out DIR        folder for the notification files (created if missing; required)
  --hub HOST:PORT  the hub (default localhost:50051)
  --ca FILE        CA certificate of the hub (default certs/dev/ca.crt)
  --cert FILE      the IRO service's certificate, e.g. certs/dev/agencies/derby-iro.crt
  --key FILE       its private key
  --exit-after-write-for-test N
                   tests only: exit (status 3) right after writing N files,
                   before acknowledging the last one

Exit status: 0 stopped by a signal; 64 bad flags; 69 cannot start.
)";

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args = cre::adapters::ParseAdapterFlags(argc, argv, kUsage);
  return cre::adapters::RunInboxToFolder("iro", "notifications", args, absl::GetFlag(FLAGS_out),
                                         absl::GetFlag(FLAGS_exit_after_write_for_test));
}
