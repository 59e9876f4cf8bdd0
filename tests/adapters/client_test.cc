// The adapters' client library and folder runtime on their own, without a
// hub: which answers end a submission, what a dropped file may carry, and
// how the inbox folder is claimed.
#include <filesystem>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "adapters/adapter_process.h"
#include "client/durable_files.h"
#include "client/retry_policy.h"
#include "client/stopper.h"
#include "client/submission.h"
#include "gmock/gmock.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "runtime/folder_submitter.h"

namespace cre {
namespace {

using ::cre::testing::CountFiles;
using ::cre::testing::NewTempDir;
using ::testing::HasSubstr;

constexpr char kConcern[] = R"({"caseId": "%s", "concern": {"indicatedLevel": "RISK_LEVEL_LOW",
  "narrative": "Seen with older males near the bus station.", "identifiedAt": "2026-11-02T10:00:00Z"}%s})";

std::string Concern(const std::string& extra = "") {
  std::string json = kConcern;
  json.replace(json.find("%s"), 2, "7f1d4a0e-0000-4000-8000-000000000001");
  json.replace(json.find("%s"), 2, extra);
  return json;
}

TEST(ClientTest, OnlyARefusalOfTheRequestEndsASubmission) {
  for (absl::StatusCode code :
       {absl::StatusCode::kInvalidArgument, absl::StatusCode::kNotFound, absl::StatusCode::kAlreadyExists,
        absl::StatusCode::kPermissionDenied, absl::StatusCode::kFailedPrecondition, absl::StatusCode::kOutOfRange}) {
    EXPECT_TRUE(client::IsRefusal(absl::Status(code, "x"))) << code;
  }
  // The hub's own faults and the adapter's set-up: kept for the next round.
  for (absl::StatusCode code :
       {absl::StatusCode::kInternal, absl::StatusCode::kUnknown, absl::StatusCode::kDataLoss,
        absl::StatusCode::kUnimplemented, absl::StatusCode::kUnauthenticated, absl::StatusCode::kUnavailable,
        absl::StatusCode::kDeadlineExceeded, absl::StatusCode::kResourceExhausted, absl::StatusCode::kAborted,
        absl::StatusCode::kCancelled}) {
    EXPECT_FALSE(client::IsRefusal(absl::Status(code, "x"))) << code;
  }
}

TEST(ClientTest, AKeyTheFileBringsMustBeAPlainFileName) {
  absl::StatusOr<client::Submission> plain =
      client::SubmissionFromJson("concern.json", Concern(R"(, "idempotencyKey": "health-2026.11_02-1")"));
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_EQ(plain->idempotency_key, "health-2026.11_02-1");
  for (const char* key : {"x/1", "../spool/a", ".hidden", "a b"}) {
    absl::StatusOr<client::Submission> refused = client::SubmissionFromJson(
        "concern.json", Concern(absl::StrCat(R"(, "idempotencyKey": ")", key, R"(")")));
    EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument) << key;
    EXPECT_THAT(refused.status().message(), HasSubstr("concern.json: idempotencyKey: only letters")) << key;
  }
}

TEST(ClientTest, ARequestLargerThanTheHubTakesIsRefusedBeforeItIsSpooled) {
  std::string json = Concern();
  json.replace(json.find("Seen with"), 0, std::string(client::kMaxSubmissionBytes, 'a'));
  absl::StatusOr<client::Submission> refused = client::SubmissionFromJson("big.json", json);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(refused.status().message(), HasSubstr("big.json: the request is "));
  EXPECT_THAT(refused.status().message(), HasSubstr("bytes; the hub takes at most 4194304"));
}

class FolderClaimTest : public ::testing::Test {
 protected:
  FolderClaimTest()
      // Nothing is sent in these tests: the channel never connects.
      : submitter_(grpc::CreateChannel("127.0.0.1:1", grpc::InsecureChannelCredentials()), root_, {}, stopper_) {
    EXPECT_TRUE(submitter_.Open().ok());
  }
  void Drop(const std::string& name, const std::string& content) {
    ASSERT_TRUE(client::WriteFileDurably(submitter_.inbox_dir() + "/" + name, content).ok());
  }

  const std::string root_ = NewTempDir("folder-claim");
  client::Stopper stopper_;
  adapters::FolderSubmitter submitter_;
};

TEST_F(FolderClaimTest, ASecondFileWithTheSameKeyIsRejectedRatherThanReplacingTheFirst) {
  Drop("a.json", Concern(R"(, "idempotencyKey": "same-key")"));
  Drop("b.json", Concern(R"(, "idempotencyKey": "same-key")"));
  EXPECT_TRUE(submitter_.ClaimInbox().ok());
  EXPECT_EQ(CountFiles(submitter_.spool_dir(), ".json"), 1);
  EXPECT_EQ(CountFiles(submitter_.inbox_dir(), ""), 0);
  EXPECT_EQ(CountFiles(submitter_.rejected_dir(), ".reason.txt"), 1);
  const auto names = std::filesystem::directory_iterator(submitter_.rejected_dir());
  for (const auto& entry : names) {
    if (entry.path().string().find(".reason.txt") == std::string::npos) continue;
    EXPECT_THAT(client::ReadFile(entry.path().string()).value_or(""),
                HasSubstr("b.json: idempotencyKey is already that of a submission in the spool"));
  }
}

}  // namespace
}  // namespace cre
