#include "runtime/message_folder.h"

#include <unistd.h>

#include <memory>

#include "absl/strings/str_cat.h"
#include "client/log.h"
#include "client/durable_files.h"
#include "client/submission.h"

namespace cre::adapters {

std::string MessageFilePath(const std::string& dir, const v1::RoutedMessage& message) {
  return absl::StrCat(dir, "/", client::SafeFileName(message.message_id()), ".json");
}

absl::Status WriteMessageFile(const std::string& dir, const v1::RoutedMessage& message) {
  absl::StatusOr<std::string> json = client::ToJson(message);
  if (!json.ok()) return json.status();
  return client::WriteFileDurably(MessageFilePath(dir, message), *json);
}

client::MessageHandler MessageFileWriter(std::string dir, int exit_after_writes_for_test) {
  auto writes = std::make_shared<int>(0);
  return [dir = std::move(dir), exit_after_writes_for_test, writes](const v1::RoutedMessage& message) {
    absl::Status written = WriteMessageFile(dir, message);
    if (!written.ok()) return written;
    client::LogInfo(absl::StrCat("received ", Describe(message), " -> ", MessageFilePath(dir, message),
                                 message.redelivery_count() > 0 ? " (redelivery)" : ""));
    if (exit_after_writes_for_test > 0 && ++*writes >= exit_after_writes_for_test) {
      client::LogError("exiting before the acknowledgement (--exit-after-write-for-test)");
      _exit(3);
    }
    return absl::OkStatus();
  };
}

std::string Describe(const v1::RoutedMessage& message) {
  std::string kind = v1::MessageKind_Name(message.kind());
  if (message.has_notification()) kind = v1::NotificationKind_Name(message.notification().kind());
  if (message.has_response()) kind = v1::ResponseKind_Name(message.response().kind());
  // A non-delivery report: which of this agency's messages did not reach
  // whom, and why (the operator acts on it: docs/operations.md).
  const std::string undelivered =
      message.has_non_delivery_report()
          ? absl::StrCat(": message ", message.non_delivery_report().undelivered_message_id(), " to ",
                         message.non_delivery_report().recipient_agency_id(), " not delivered, ",
                         message.non_delivery_report().reason())
          : "";
  return absl::StrCat(kind, " from ", message.sender_agency_id().empty() ? "the hub" : message.sender_agency_id(),
                      message.sent_by_hub() && !message.sender_agency_id().empty() ? " (sent by the hub)" : "",
                      message.case_id().empty() ? "" : absl::StrCat(", case ", message.case_id()), ", message ",
                      message.message_id(), undelivered);
}

}  // namespace cre::adapters
