// The Python agency client (agency-adapters/python/cre_agency.py), on
// Debian's python3-grpcio with stubs from Debian's python3-grpc-tools, as a
// child process against a real hub over mTLS with the test PKI.
#include <signal.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "absl/strings/str_cat.h"
#include "adapters/adapter_process.h"
#include "client/durable_files.h"
#include "cre/v1/referrals.grpc.pb.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "support/inbox_stream.h"
#include "support/test_environment.h"
#include "support/test_hub.h"

namespace cre {
namespace {

using ::cre::testing::InboxStream;
using ::cre::testing::NewTempDir;
using ::cre::testing::TestHub;
using ::testing::Contains;
using ::testing::HasSubstr;

std::string Sample(const std::string& name) {
  return ::cre::testing::SourceRoot() + "/agency-adapters/samples/" + name;
}

class PythonClientTest : public ::testing::Test {
 protected:
  // The generated stubs, as the README tells a user to run the client.
  static void SetUpTestSuite() { setenv("PYTHONPATH", PYTHON_STUBS_DIR, 1); }

  // Runs `cre_agency.py args... --hub --ca --cert --key` as `agency`; its
  // exit status, stdout in `out`, stderr in `err`.
  int Run(std::vector<std::string> args, const std::string& agency, std::string* out = nullptr,
          std::string* err = nullptr) {
    args.insert(args.begin(), PYTHON_CLIENT);
    return ::cre::testing::RunAdapterCommand(PYTHON3, std::move(args), agency, hub_.port(), out, err);
  }

  v1::SubmitResponse Submit(const std::string& sample, const std::string& key) {
    std::string out, err;
    EXPECT_EQ(Run({"submit", Sample(sample), "--idempotency-key", key}, "derby-health", &out, &err), 0) << err;
    v1::SubmitResponse receipt;
    EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(out, &receipt).ok()) << out << err;
    return receipt;
  }

  TestHub hub_;
};

TEST_F(PythonClientTest, SubmittingTwiceWithOneKeyIsOneReferral) {
  const v1::SubmitResponse first = Submit("health-concern.json", "py-health-1");
  EXPECT_FALSE(first.case_id().empty());
  // A MEDIUM concern goes to Children's Social Care.
  EXPECT_THAT(first.recipient_agency_ids(), Contains("derby-csc"));

  const v1::SubmitResponse again = Submit("health-concern.json", "py-health-1");
  EXPECT_EQ(again.message_id(), first.message_id());
  EXPECT_EQ(again.case_id(), first.case_id());
  EXPECT_EQ(hub_.database().QueryString("SELECT COUNT(*) FROM message"), "1");
}

TEST_F(PythonClientTest, InboxWritesEachMessageThenAcknowledgesIt) {
  const v1::SubmitResponse sent = Submit("health-concern.json", "py-health-2");
  const std::string out = NewTempDir("python-csc");
  std::string err;
  ASSERT_EQ(Run({"inbox", "--out", out, "--max-messages", "1", "--seconds", "30"}, "derby-csc", nullptr, &err), 0)
      << err;
  EXPECT_THAT(err, HasSubstr("connected as derby-csc"));

  v1::RoutedMessage written;
  const std::string file = out + "/" + sent.message_id() + ".json";
  ASSERT_TRUE(
      google::protobuf::util::JsonStringToMessage(client::ReadFile(file).value_or(""), &written).ok())
      << file << "\n" << err;
  EXPECT_EQ(written.kind(), v1::MESSAGE_KIND_CONCERN);
  EXPECT_EQ(written.sender_agency_id(), "derby-health");
  EXPECT_EQ(written.case_id(), sent.case_id());
  EXPECT_THAT(written.concern().narrative(), HasSubstr("emergency department"));
  // Nothing else, no temporary file (hidden) either.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(out), std::filesystem::directory_iterator()), 1);

  // Acknowledged: the hub hands nothing out again, to a stream of ours or
  // to the client's second run.
  EXPECT_EQ(hub_.database().QueryString(absl::StrCat("SELECT state FROM delivery WHERE message_id = '",
                                                     sent.message_id(), "' AND recipient_agency_id = 'derby-csc'")),
            "ACKED");
  InboxStream again(hub_.ChannelFor("derby-csc"));
  EXPECT_FALSE(again.Next(absl::Milliseconds(700)).has_value());
  again.Cancel();
  ASSERT_EQ(Run({"inbox", "--out", out, "--seconds", "1"}, "derby-csc", nullptr, &err), 0) << err;
  EXPECT_THAT(err, HasSubstr("0 message(s) written and acknowledged"));
}

// Run as a service: until SIGTERM, which ends it with status 0 and leaves
// nothing unacknowledged.
TEST_F(PythonClientTest, InboxRunsUntilSigtermAndStopsCleanly) {
  const v1::SubmitResponse sent = Submit("health-concern.json", "py-health-3");
  const std::string out = NewTempDir("python-csc-service");
  ::cre::testing::AdapterProcess csc(PYTHON3, {PYTHON_CLIENT, "inbox", "--out", out}, "derby-csc", hub_.port());
  const std::string file = out + "/" + sent.message_id() + ".json";
  ASSERT_TRUE(::cre::testing::WaitFor([&] { return client::FileExists(file); })) << csc.Stderr();
  ASSERT_TRUE(::cre::testing::WaitFor([&] {
    return hub_.database().QueryString("SELECT state FROM delivery WHERE recipient_agency_id = 'derby-csc'") == "ACKED";
  })) << csc.Stderr();
  EXPECT_EQ(csc.StopWith(SIGTERM), 0) << csc.Stderr();
  EXPECT_THAT(csc.Stderr(), HasSubstr("1 message(s) written and acknowledged"));
}

TEST_F(PythonClientTest, RefusalsAndBadInputGiveTheAdaptersExitStatuses) {
  std::string err;
  // The hub's refusal, with its reason: 65.
  EXPECT_EQ(Run({"submit", Sample("rejected-concern-without-level.json")}, "derby-health", nullptr, &err), 65);
  EXPECT_THAT(err, HasSubstr("refused by the hub: INVALID_ARGUMENT"));
  // A file that is not a submission: 64, naming the file.
  const std::string dir = NewTempDir("python-bad");
  std::ofstream(dir + "/not-a-submission.json") << R"({"concern": {"indicatedLevel": "VERY_HIGH"}})";
  EXPECT_EQ(Run({"submit", dir + "/not-a-submission.json"}, "derby-health", nullptr, &err), 64);
  EXPECT_THAT(err, HasSubstr("not-a-submission.json: not a SubmitConcernRequest"));
  // No certificate for that agency: cannot start, 69, naming the flag.
  EXPECT_EQ(Run({"submit", Sample("health-concern.json")}, "no-such-agency", nullptr, &err), 69);
  EXPECT_THAT(err, HasSubstr("--cert: cannot read"));
  EXPECT_EQ(hub_.database().QueryString("SELECT COUNT(*) FROM message"), "0");
}

}  // namespace
}  // namespace cre
