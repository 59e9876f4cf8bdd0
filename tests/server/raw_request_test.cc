// The hub's own parse of a request (server/raw_request.h): what does not
// parse is refused naming what was wrong, never quoting it; what parses
// comes out as protobuf would parse it, without unknown fields. Pure: no
// server, no database (tests/server/refusals_test.cc sends such bytes to a
// real hub).
#include <string>

#include "absl/strings/str_replace.h"
#include "cre/v1/inbox.pb.h"
#include "cre/v1/oversight.pb.h"
#include "cre/v1/referrals.pb.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/message_differencer.h"
#include "grpcpp/support/byte_buffer.h"
#include "gtest/gtest.h"
#include "server/raw_request.h"

namespace cre {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// Invalid UTF-8 (a lone continuation byte, an overlong form, bytes never
// used), as long as "MARKER", which it replaces in a serialized request.
constexpr char kNotUtf8[] = "\x80\xc0\xaf\xff\xfe!";

grpc::ByteBuffer Bytes(const std::string& serialized) {
  grpc::Slice slice(serialized);
  return grpc::ByteBuffer(&slice, 1);
}

// A request of `Request` from text format, serialized, with every "MARKER"
// made invalid UTF-8.
template <typename Request>
std::string Spoiled(const std::string& text) {
  Request request;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &request)) << text;
  return absl::StrReplaceAll(request.SerializeAsString(), {{"MARKER", std::string(kNotUtf8, 6)}});
}

template <typename Request>
absl::Status Parse(const std::string& bytes) {
  Request request;
  return ParseRequest(Bytes(bytes), &request);
}

TEST(RawRequestTest, InvalidUtf8IsRefusedNamingTheField) {
  const absl::Status status = Parse<v1::SubmitOperationLibertyReportRequest>(
      Spoiled<v1::SubmitOperationLibertyReportRequest>(
          R"(idempotency_key: "k" report { places { address: "a" } narrative: "MARKER" })"));
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "report.narrative: not valid UTF-8");
}

TEST(RawRequestTest, InvalidUtf8InARepeatedEntryNamesTheEntry) {
  const absl::Status status = Parse<v1::SubmitOperationLibertyReportRequest>(
      Spoiled<v1::SubmitOperationLibertyReportRequest>(
          R"(idempotency_key: "k" report { individuals { name: "a" } individuals { name: "b" }
             individuals { description: "c" name: "MARKER" } narrative: "n" })"));
  EXPECT_EQ(status.message(), "report.individuals[2].name: not valid UTF-8");
}

TEST(RawRequestTest, InvalidUtf8AtTheTopAndInEveryService) {
  EXPECT_EQ(Parse<v1::SubmitConcernRequest>(Spoiled<v1::SubmitConcernRequest>(R"(idempotency_key: "MARKER")"))
                .message(),
            "idempotency_key: not valid UTF-8");
  EXPECT_EQ(Parse<v1::SubmitConcernRequest>(Spoiled<v1::SubmitConcernRequest>(
                R"(idempotency_key: "k" new_child { details { family_name: "MARKER" } })"))
                .message(),
            "new_child.details.family_name: not valid UTF-8");
  EXPECT_EQ(Parse<v1::ListOpenActionsRequest>(Spoiled<v1::ListOpenActionsRequest>(R"(page_token: "MARKER")"))
                .message(),
            "page_token: not valid UTF-8");
  EXPECT_EQ(Parse<v1::RecordCaseEventsRequest>(Spoiled<v1::RecordCaseEventsRequest>(
                R"(events { note: "n" } events { note: "MARKER" })"))
                .message(),
            "events[1].note: not valid UTF-8");
}

TEST(RawRequestTest, MalformedBytesAreRefusedNamingTheMessage) {
  // A tag, then a length running past the end.
  EXPECT_EQ(Parse<v1::AcknowledgeRequest>(std::string("\x0a\x05\x01\x02", 4)).message(),
            "request: not a valid cre.v1.AcknowledgeRequest message");
  // A varint that never ends.
  EXPECT_EQ(Parse<v1::AcknowledgeRequest>(std::string(12, '\xff')).message(),
            "request: not a valid cre.v1.AcknowledgeRequest message");
  // Well-formed at the top; the report's own bytes are not.
  EXPECT_EQ(Parse<v1::SubmitOperationLibertyReportRequest>(std::string("\x1a\x02\x0a\x05", 4)).message(),
            "report: not a valid cre.v1.OperationLibertyReport message");
  EXPECT_EQ(Parse<v1::SubscribeRequest>(std::string("\x08", 1)).code(), absl::StatusCode::kInvalidArgument);
}

TEST(RawRequestTest, ARefusalNeverQuotesTheBytes) {
  const std::string bytes = Spoiled<v1::RespondRequest>(
      R"(idempotency_key: "k" message_id: "x" response { reason: "secret-secret MARKER" })");
  const absl::Status status = Parse<v1::RespondRequest>(bytes);
  EXPECT_EQ(status.message(), "response.reason: not valid UTF-8");
  EXPECT_THAT(std::string(status.message()), Not(HasSubstr("secret")));
}

TEST(RawRequestTest, WhatParsesIsWhatProtobufParsesWithoutUnknownFields) {
  v1::SubmitConcernRequest sent;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(
      R"(idempotency_key: "k" new_child { details { given_name: "Zoë" } }
         concern { narrative: "n" identified_at { seconds: 1780000000 } })",
      &sent));
  v1::SubmitConcernRequest expected = sent;
  // Unknown fields of any wire type, even bytes that are not UTF-8, are no
  // fault: dropped, not refused. So is a known field sent with another wire
  // type (protobuf keeps it as an unknown field).
  sent.GetReflection()->MutableUnknownFields(&sent)->AddLengthDelimited(99, std::string(kNotUtf8, 6));
  sent.mutable_new_child()->GetReflection()->MutableUnknownFields(sent.mutable_new_child())->AddVarint(77, 5);
  sent.mutable_concern()->GetReflection()->MutableUnknownFields(sent.mutable_concern())->AddVarint(2, 1);

  v1::SubmitConcernRequest received;
  const absl::Status parsed = ParseRequest(Bytes(sent.SerializeAsString()), &received);
  ASSERT_TRUE(parsed.ok()) << parsed;
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(received, expected));
  EXPECT_EQ(received.ByteSizeLong(), expected.ByteSizeLong());
}

TEST(RawRequestTest, AnEmptyRequestIsAnEmptyMessage) {
  v1::AcknowledgeRequest received;
  ASSERT_TRUE(ParseRequest(Bytes(""), &received).ok());
  EXPECT_EQ(received.delivery_ids_size(), 0);
}

}  // namespace
}  // namespace cre
