#include "client/submission.h"

#include <functional>
#include <memory>
#include <random>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "client/durable_files.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"

namespace cre::client {
namespace {

using google::protobuf::Message;
using Stub = v1::Referrals::StubInterface;

// One Referrals method that takes a submission.
struct Method {
  absl::string_view name;
  // The request's top-level field (JSON name) that tells this method.
  absl::string_view body_field;
  std::function<std::unique_ptr<Message>()> new_request;
  std::function<grpc::Status(Stub&, grpc::ClientContext&, const Message&, v1::SubmitResponse*)> call;
};

template <typename Request>
Method MakeMethod(absl::string_view name, absl::string_view body_field,
                  grpc::Status (Stub::*call)(grpc::ClientContext*, const Request&, v1::SubmitResponse*)) {
  return Method{name, body_field, [] { return std::make_unique<Request>(); },
                [call](Stub& stub, grpc::ClientContext& context, const Message& request,
                       v1::SubmitResponse* receipt) {
                  return (stub.*call)(&context, static_cast<const Request&>(request), receipt);
                }};
}

const std::vector<Method>& Methods() {
  static const auto* methods = new std::vector<Method>{
      MakeMethod<v1::SubmitConcernRequest>("SubmitConcern", "concern", &Stub::SubmitConcern),
      MakeMethod<v1::SubmitOperationLibertyReportRequest>("SubmitOperationLibertyReport", "report",
                                                          &Stub::SubmitOperationLibertyReport),
      MakeMethod<v1::RecordRiskAssessmentRequest>("RecordRiskAssessment", "assessment", &Stub::RecordRiskAssessment),
      MakeMethod<v1::RecordCaseEventsRequest>("RecordCaseEvents", "events", &Stub::RecordCaseEvents),
      MakeMethod<v1::SubmitStepUpReferralRequest>("SubmitStepUpReferral", "referral", &Stub::SubmitStepUpReferral),
      MakeMethod<v1::SendNotificationRequest>("SendNotification", "notification", &Stub::SendNotification),
      MakeMethod<v1::RecordDecisionNotToShareRequest>("RecordDecisionNotToShare", "decision",
                                                      &Stub::RecordDecisionNotToShare),
      MakeMethod<v1::RespondRequest>("Respond", "response", &Stub::Respond),
  };
  return *methods;
}

const Method* MethodNamed(absl::string_view name) {
  for (const Method& method : Methods()) {
    if (method.name == name) return &method;
  }
  return nullptr;
}

const Method* MethodForRequest(const Message& request) {
  for (const Method& method : Methods()) {
    if (method.new_request()->GetDescriptor() == request.GetDescriptor()) return &method;
  }
  return nullptr;
}

absl::StatusOr<const Method*> MethodForJson(absl::string_view source, absl::string_view json) {
  google::protobuf::Struct object;
  auto parsed = google::protobuf::util::JsonStringToMessage(std::string(json), &object);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": not a JSON object: ", parsed.message().as_string()));
  }
  const Method* found = nullptr;
  for (const Method& method : Methods()) {
    if (object.fields().count(std::string(method.body_field)) == 0) continue;
    if (found != nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(source, ": both \"", found->body_field, "\" and \"",
                                                     method.body_field, "\": one submission a file"));
    }
    found = &method;
  }
  if (found == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        source, ": no submission field: expected one of concern, report, assessment, events, referral, "
                "notification, decision, response"));
  }
  return found;
}

// Sets a string field by name if the request has it (case_id is absent
// from RespondRequest).
bool SetStringField(Message& request, absl::string_view field, absl::string_view value) {
  const auto* descriptor = request.GetDescriptor()->FindFieldByName(std::string(field));
  if (descriptor == nullptr) return false;
  request.GetReflection()->SetString(&request, descriptor, std::string(value));
  return true;
}

std::string GetStringField(const Message& request, absl::string_view field) {
  const auto* descriptor = request.GetDescriptor()->FindFieldByName(std::string(field));
  return descriptor == nullptr ? "" : request.GetReflection()->GetString(request, descriptor);
}

// A key the request brings names the spool's file and the files the outcome
// is recorded in: one that SafeFileName would change would fail those
// writes, or share a file with another key, on every round.
absl::Status CheckSuppliedKey(absl::string_view source, absl::string_view key) {
  if (SafeFileName(key) == key) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      source, ": idempotencyKey: only letters, digits, '.', '_' and '-', not starting with '.'"
              " (it names the spool's file)"));
}

absl::StatusOr<Submission> Finish(absl::string_view source, const Method& method, Message& request) {
  const std::string supplied = GetStringField(request, "idempotency_key");
  if (supplied.empty()) {
    SetStringField(request, "idempotency_key", NewIdempotencyKey());
  } else if (absl::Status key = CheckSuppliedKey(source, supplied); !key.ok()) {
    return key;
  }
  // The hub takes requests up to gRPC's default receive limit. A larger one
  // would come back RESOURCE_EXHAUSTED, a code that says "try again", on
  // every round, and hold up everything spooled after it.
  if (const size_t bytes = request.ByteSizeLong(); bytes > kMaxSubmissionBytes) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": the request is ", bytes,
                                                   " bytes; the hub takes at most ", kMaxSubmissionBytes));
  }
  Submission submission;
  submission.method = std::string(method.name);
  submission.idempotency_key = GetStringField(request, "idempotency_key");
  absl::StatusOr<std::string> json = ToJson(request);
  if (!json.ok()) return json.status();
  submission.request_json = *std::move(json);
  return submission;
}

}  // namespace

std::string NewIdempotencyKey() {
  thread_local std::mt19937_64 random{std::random_device{}()};
  return absl::StrCat(absl::FormatTime("%Y%m%dT%H%M%E6SZ", absl::Now(), absl::UTCTimeZone()), "-",
                      absl::StrFormat("%016x", random()));
}

absl::StatusOr<std::string> ToJson(const Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  std::string json;
  const auto printed = google::protobuf::util::MessageToJsonString(message, &json, options);
  if (!printed.ok()) {
    return absl::InternalError(absl::StrCat("cannot convert ", message.GetDescriptor()->full_name(),
                                            " to JSON: ", printed.message().as_string()));
  }
  return json;
}

absl::StatusOr<Submission> SubmissionFromJson(absl::string_view source_name, absl::string_view json,
                                              absl::string_view case_id) {
  absl::StatusOr<const Method*> method = MethodForJson(source_name, json);
  if (!method.ok()) return method.status();
  std::unique_ptr<Message> request = (*method)->new_request();
  auto parsed = google::protobuf::util::JsonStringToMessage(std::string(json), request.get());
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(source_name, ": not a ", request->GetDescriptor()->name(), ": ",
                                                   parsed.message().as_string()));
  }
  if (!case_id.empty() && !SetStringField(*request, "case_id", case_id)) {
    return absl::InvalidArgumentError(absl::StrCat(source_name, ": ", (*method)->name, " takes no case_id"));
  }
  absl::StatusOr<Submission> submission = Finish(source_name, **method, *request);
  if (submission.ok()) {
    submission->source_name = std::string(source_name);
    submission->original = std::string(json);
  }
  return submission;
}

absl::StatusOr<Submission> SubmissionFromRequest(const Message& request) {
  const Method* method = MethodForRequest(request);
  if (method == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(request.GetDescriptor()->name(), " is not a submission"));
  }
  std::unique_ptr<Message> copy(request.New());
  copy->CopyFrom(request);
  return Finish(request.GetDescriptor()->name(), *method, *copy);
}

absl::StatusOr<v1::SubmitResponse> SendSubmission(Stub& stub, const Submission& submission,
                                                  const RetryPolicy& policy, const Stopper& stopper) {
  const Method* method = MethodNamed(submission.method);
  if (method == nullptr) return absl::InvalidArgumentError(absl::StrCat("unknown method ", submission.method));
  std::unique_ptr<Message> request = method->new_request();
  auto parsed = google::protobuf::util::JsonStringToMessage(submission.request_json, request.get());
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(submission.idempotency_key, ": ", parsed.message().as_string()));
  }
  v1::SubmitResponse receipt;
  absl::Status status = CallWithRetry(policy, stopper, [&](grpc::ClientContext& context) {
    receipt.Clear();
    return method->call(stub, context, *request, &receipt);
  });
  if (!status.ok()) return status;
  return receipt;
}

}  // namespace cre::client
