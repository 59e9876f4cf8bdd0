// What an adapter does with a received message it cannot keep, without a
// hub: the conversion to JSON or the write fails, the handler says so (so the
// inbox loop does not acknowledge), and nothing is left under the message's
// file name, neither a truncated file nor a temporary one.
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "adapters/adapter_process.h"
#include "client/durable_files.h"
#include "client/spool.h"
#include "client/submission.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/message_folder.h"

namespace cre {
namespace {

using ::cre::testing::NewTempDir;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// Every entry of `dir`, hidden (temporary) ones included.
std::vector<std::string> Entries(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) names.push_back(entry.path().filename());
  return names;
}

v1::RoutedMessage Report(const std::string& message_id) {
  v1::RoutedMessage message;
  message.set_delivery_id(7);
  message.set_message_id(message_id);
  message.set_kind(v1::MESSAGE_KIND_OPERATION_LIBERTY_REPORT);
  message.set_sender_agency_id("derby-health");
  message.mutable_accepted_at()->set_seconds(1790000000);
  message.mutable_operation_liberty_report()->set_narrative("Silver hatchback collects children at 15:30.");
  return message;
}

// The protobuf JSON mapping has no text for an instant after 9999-12-31:
// MessageToJsonString fails on it (a string field with invalid UTF-8 is
// printed without the bad bytes instead, and an unknown enum number as a
// number, so neither fails). Protobuf leaves a partial document behind.
v1::RoutedMessage Unconvertible(const std::string& message_id) {
  v1::RoutedMessage message = Report(message_id);
  message.mutable_accepted_at()->set_seconds(253402300800);  // 10000-01-01
  return message;
}

TEST(MessageFolderTest, AMessageThatCannotBeConvertedIsAnErrorAndLeavesNoFile) {
  const std::string dir = NewTempDir("unconvertible");
  const v1::RoutedMessage message = Unconvertible("m-unconvertible");

  EXPECT_FALSE(client::ToJson(message).ok());
  const absl::Status written = adapters::WriteMessageFile(dir, message);
  EXPECT_FALSE(written.ok());
  EXPECT_THAT(std::string(written.message()), HasSubstr("JSON"));
  EXPECT_THAT(Entries(dir), IsEmpty());

  // The handler the adapters run returns the error: the loop does not
  // acknowledge.
  EXPECT_FALSE(adapters::MessageFileWriter(dir)(message).ok());
  EXPECT_THAT(Entries(dir), IsEmpty());
}

TEST(MessageFolderTest, AConversionThatFailsOnRedeliveryLeavesTheEarlierFileWhole) {
  const std::string dir = NewTempDir("unconvertible-again");
  ASSERT_TRUE(adapters::WriteMessageFile(dir, Report("m-1")).ok());
  const std::string path = adapters::MessageFilePath(dir, Report("m-1"));
  const std::string before = client::ReadFile(path).value_or("");
  ASSERT_THAT(before, HasSubstr("Silver hatchback"));

  EXPECT_FALSE(adapters::WriteMessageFile(dir, Unconvertible("m-1")).ok());
  EXPECT_EQ(client::ReadFile(path).value_or(""), before);
  EXPECT_EQ(Entries(dir), std::vector<std::string>{"m-1.json"});
}

// A folder where the message's file should go: rename() refuses to replace
// it, for root too (permissions would not stop a test running as root).
TEST(MessageFolderTest, AWriteThatFailsIsAnErrorAndLeavesNoTemporaryFile) {
  const std::string dir = NewTempDir("unwritable");
  const v1::RoutedMessage message = Report("m-blocked");
  const std::string path = adapters::MessageFilePath(dir, message);
  std::filesystem::create_directory(path);

  const absl::Status written = adapters::MessageFileWriter(dir)(message);
  EXPECT_FALSE(written.ok());
  EXPECT_THAT(std::string(written.message()), HasSubstr(path));
  EXPECT_TRUE(std::filesystem::is_directory(path));
  EXPECT_EQ(Entries(dir), std::vector<std::string>{"m-blocked.json"});
}

TEST(MessageFolderTest, AFolderReplacedByAFileIsAnError) {
  const std::string dir = NewTempDir("replaced");
  std::filesystem::remove(dir);
  std::ofstream(dir) << "not a folder";

  EXPECT_FALSE(adapters::MessageFileWriter(dir)(Report("m-2")).ok());
  EXPECT_EQ(client::ReadFile(dir).value_or(""), "not a folder");
}

// The spool is what keeps a submission (an answer to a handoff is spooled
// before the handoff is acknowledged): an entry it cannot make whole is an
// error, not a file with the request missing.
TEST(MessageFolderTest, ASubmissionThatCannotBeSpooledWholeIsAnErrorAndLeavesNoEntry) {
  const std::string dir = NewTempDir("spool");
  const client::Spool spool(dir);
  client::Submission submission;
  submission.method = "Respond";
  submission.idempotency_key = "answer-m-3";
  submission.request_json = R"({"idempotencyKey": "answer-m-3", "messageId": "m-3", "resp)";  // cut short

  EXPECT_FALSE(spool.Put(submission).ok());
  EXPECT_THAT(Entries(dir), IsEmpty());
  EXPECT_FALSE(spool.HoldsKey("answer-m-3"));
}

}  // namespace
}  // namespace cre
