// A submission to the hub's Referrals service as the adapters keep it: which
// method, its request (protobuf JSON mapping) with its idempotency key, and
// where it came from. The key is chosen once, when the adapter accepts the
// submission, and travels with it through the spool, so every retry and
// every replay after a restart is the same submission to the hub.
//
// The method is told by the request's top-level field:
//   concern → SubmitConcern               report → SubmitOperationLibertyReport
//   assessment → RecordRiskAssessment     events → RecordCaseEvents
//   referral → SubmitStepUpReferral       notification → SendNotification
//   decision → RecordDecisionNotToShare   response → Respond
//
//   absl::StatusOr<Submission> submission = SubmissionFromJson("concern.json", text);
//   absl::StatusOr<v1::SubmitResponse> receipt = SendSubmission(*stub, *submission, policy, stopper);
#ifndef CRE_AGENCY_ADAPTERS_CLIENT_SUBMISSION_H_
#define CRE_AGENCY_ADAPTERS_CLIENT_SUBMISSION_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "client/retry_policy.h"
#include "client/stopper.h"
#include "cre/v1/referrals.grpc.pb.h"
#include "google/protobuf/message.h"

namespace cre::client {

struct Submission {
  // The Referrals method, e.g. "SubmitConcern".
  std::string method;
  std::string idempotency_key;
  // The request in the protobuf JSON mapping, idempotency key included.
  std::string request_json;
  // The file it was read from (a name, no folder); empty if made in code.
  std::string source_name;
  // That file's content as dropped, to be moved aside with the receipt.
  std::string original;
};

// The largest request the hub takes: gRPC's default receive limit, which the
// hub keeps. A larger submission is refused before it is spooled.
inline constexpr size_t kMaxSubmissionBytes = 4 * 1024 * 1024;

// A fresh key: "<UTC time to the microsecond>-<64 random bits in hex>",
// so keys sort by when they were made (the spool's order).
std::string NewIdempotencyKey();

// Reads `json` (the request without, or with, an idempotency key) as the
// request its top-level field names; adds a new key if it has none; sets
// case_id if `case_id` is not empty. INVALID_ARGUMENT naming `source_name`
// and the field when the JSON is not such a request, when the key it brings
// is not a plain file name (letters, digits, '.', '_', '-'), or when the
// request is larger than kMaxSubmissionBytes.
absl::StatusOr<Submission> SubmissionFromJson(absl::string_view source_name, absl::string_view json,
                                              absl::string_view case_id = "");

// `request` (any Referrals request) as a submission, with a new key unless
// it has one.
absl::StatusOr<Submission> SubmissionFromRequest(const google::protobuf::Message& request);

// Calls the hub with retries (see retry_policy.h); the receipt, or the last
// status.
absl::StatusOr<v1::SubmitResponse> SendSubmission(v1::Referrals::StubInterface& stub, const Submission& submission,
                                                  const RetryPolicy& policy, const Stopper& stopper);

// `message` in the protobuf JSON mapping, indented, field names as in the
// proto's JSON names. INTERNAL naming the message type and protobuf's reason
// when it cannot be printed (a Timestamp out of range, say): the output of a
// failed conversion is a truncated document, never to be written anywhere.
absl::StatusOr<std::string> ToJson(const google::protobuf::Message& message);

}  // namespace cre::client

#endif  // CRE_AGENCY_ADAPTERS_CLIENT_SUBMISSION_H_
