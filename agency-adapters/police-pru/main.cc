// police-pru: the Police Referral Unit's adapter. Receives every Operation
// Liberty report (and whatever else the hub routes to the PRU) and writes
// each to a folder the PRU's systems read, acknowledging only once the file
// is on disk.
#include "absl/flags/flag.h"
#include "runtime/adapter_commands.h"
#include "runtime/adapter_flags.h"

ABSL_FLAG(std::string, out, "", "folder the reports are written to");
ABSL_FLAG(int, exit_after_write_for_test, 0, "tests only: exit after N files, before acknowledging");

namespace {

constexpr char kUsage[] = R"(police-pru: receives Operation Liberty reports for the Police Referral Unit.

Usage: police-pru --out DIR --cert FILE --key FILE [--hub HOST:PORT] [--ca FILE]

Subscribes to the PRU's inbox and writes each message it receives to
DIR/<message id>.json (the cre.v1.RoutedMessage in the protobuf JSON mapping:
the report, its sender, the case and, where the PRU may see it, the child).
Each file is written to a temporary name, fsynced and renamed, and the message
is acknowledged to the hub only after that. A message handed out again (the
adapter stopped before acknowledging) replaces its own file: one file per
report, never a duplicate. Runs until Ctrl-C or SIGTERM; after a restart it
receives whatever was not acknowledged.

Flags:
  --out DIR        folder for the report files (created if missing; required)
  --hub HOST:PORT  the hub (default localhost:50051)
  --ca FILE        CA certificate of the hub (default certs/dev/ca.crt)
  --cert FILE      the PRU's client certificate, e.g. certs/dev/agencies/derby-pru.crt
  --key FILE       its private key
  --exit-after-write-for-test N
                   tests only: exit (status 3) right after writing N files,
                   before acknowledging the last one

Exit status: 0 stopped by a signal; 64 bad flags; 69 cannot start.
)";

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args = cre::adapters::ParseAdapterFlags(argc, argv, kUsage);
  return cre::adapters::RunInboxToFolder("police-pru", "reports", args, absl::GetFlag(FLAGS_out),
                                         absl::GetFlag(FLAGS_exit_after_write_for_test));
}
