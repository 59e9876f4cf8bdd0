// Received messages as files: one JSON file per message (the RoutedMessage
// in the protobuf JSON mapping), named by the hub's message id, written
// atomically and fsynced. A redelivered message replaces its own file, so a
// crash between writing and acknowledging never leaves a duplicate.
//
//   absl::Status written = WriteMessageFile("/srv/pru/reports", message);
//   // → /srv/pru/reports/<message_id>.json
#ifndef CRE_AGENCY_ADAPTERS_RUNTIME_MESSAGE_FOLDER_H_
#define CRE_AGENCY_ADAPTERS_RUNTIME_MESSAGE_FOLDER_H_

#include <string>

#include "absl/status/status.h"
#include "client/inbox_loop.h"
#include "cre/v1/routed_message.pb.h"

namespace cre::adapters {

// The file a message is written to in `dir`.
std::string MessageFilePath(const std::string& dir, const v1::RoutedMessage& message);

// Writes `message` to MessageFilePath durably. An error if it cannot be
// converted to JSON (nothing is written) or the write fails at any step
// (the temporary file is removed; an earlier file of that name is left as it
// was): either way the message must not be acknowledged.
absl::Status WriteMessageFile(const std::string& dir, const v1::RoutedMessage& message);

// An inbox handler that writes each message to `dir` and logs it; it returns
// WriteMessageFile's error, so the inbox loop does not acknowledge. With
// `exit_after_writes_for_test` > 0, the process exits (status 3) right after
// that many writes, before the acknowledgement: the crash a test needs.
client::MessageHandler MessageFileWriter(std::string dir, int exit_after_writes_for_test = 0);

// A one-line description for the log: kind, sender, case, message id.
std::string Describe(const v1::RoutedMessage& message);

}  // namespace cre::adapters

#endif  // CRE_AGENCY_ADAPTERS_RUNTIME_MESSAGE_FOLDER_H_
