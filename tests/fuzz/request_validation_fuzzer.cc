// libFuzzer target: the request checks (access/request_validation.h) over
// whatever bytes a caller may send. The first byte picks the request type
// (one per Validate* function), the rest is parsed as that message's wire
// format, as the hub's edge (server/raw_request.h) hands it to the service.
//
// Beyond "no crash, no leak, no undefined behaviour", it aborts when a
// documented property breaks:
//   - a refusal is INVALID_ARGUMENT with a short "field: problem" message in
//     printable ASCII, that never carries a string from the request (refusals
//     reach the log and the audit chain; values may be a child's data);
//   - the verdict depends on the request's content only: the same request
//     re-serialized and parsed again gets the same status;
//   - what the service does with an accepted request right after the check
//     holds: ids are UUIDs, timestamps survive the store's conversion
//     (common/proto_time.h), ONS codes are ONS codes;
//   - every field of an accepted request is within the bounds of
//     access/field_bounds.h, checked here by a walk of its own: strings at
//     most 64 KiB, enums declared, every Timestamp one the store keeps,
//     repeated fields at most 256 entries.
// A submission the request checks accept goes on to its governance
// envelope's check (access/governance.h), under a register of its own, with
// the same properties for a refusal, and an accepted envelope names a
// registered agreement and, not having sought consent for another reason,
// says why.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "access/governance.h"
#include "access/nhs_number.h"
#include "access/request_validation.h"
#include "common/ids.h"
#include "common/proto_time.h"
#include "cre/v1/inbox.pb.h"
#include "cre/v1/oversight.pb.h"
#include "cre/v1/referrals.pb.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/stubs/logging.h"
#include "google/protobuf/text_format.h"
#include "identity/agency_registry.h"

namespace {

namespace v1 = ::cre::v1;

// Stops the run with the input kept by libFuzzer, and says which property broke.
[[noreturn]] void Fail(absl::string_view what, const absl::Status& status) {
  std::fprintf(stderr, "request_validation_fuzzer: %.*s (status: %s)\n",
               static_cast<int>(what.size()), what.data(), status.ToString().c_str());
  std::abort();
}

// Every string field of the message, nested ones included, so that a refusal
// can be checked not to quote any of them.
void CollectStrings(const google::protobuf::Message& message, std::vector<std::string>* out) {
  const google::protobuf::Reflection* reflection = message.GetReflection();
  std::vector<const google::protobuf::FieldDescriptor*> fields;
  reflection->ListFields(message, &fields);
  for (const google::protobuf::FieldDescriptor* field : fields) {
    const bool repeated = field->is_repeated();
    const int count = repeated ? reflection->FieldSize(message, field) : 1;
    for (int i = 0; i < count; ++i) {
      if (field->cpp_type() == google::protobuf::FieldDescriptor::CPPTYPE_STRING) {
        out->push_back(repeated ? reflection->GetRepeatedString(message, field, i)
                                : reflection->GetString(message, field));
      } else if (field->cpp_type() == google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) {
        CollectStrings(repeated ? reflection->GetRepeatedMessage(message, field, i)
                                : reflection->GetMessage(message, field),
                       out);
      }
    }
  }
}

bool OnlyRefusalCharacters(absl::string_view s) {
  for (char c : s) {
    if (!absl::ascii_isalnum(c) && !absl::StrContains(" _.,;:()[]-", c)) return false;
  }
  return true;
}

void CheckRefusal(const google::protobuf::Message& request, const absl::Status& status) {
  if (status.ok()) return;
  if (status.code() != absl::StatusCode::kInvalidArgument) Fail("not INVALID_ARGUMENT", status);
  const absl::string_view message = status.message();
  // The longest refusal today is about 90 bytes; a few hundred means a value
  // found its way in.
  if (message.empty() || message.size() > 200) Fail("refusal empty or too long", status);
  if (!absl::StrContains(message, ": ")) Fail("refusal does not name a field", status);
  for (char c : message) {
    if (c < 0x20 || c > 0x7e) Fail("refusal not printable ASCII", status);
  }
  // A value made only of the characters of field names and problems may equal
  // one of them (libFuzzer learns the refusals' text from the comparisons
  // below), so only a longer value with some other character counts as quoted.
  std::vector<std::string> strings;
  CollectStrings(request, &strings);
  for (const std::string& s : strings) {
    if (s.size() >= 16 && !OnlyRefusalCharacters(s) && absl::StrContains(message, s)) {
      Fail("refusal quotes a value", status);
    }
  }
}

void CheckId(const std::string& id) {
  if (!cre::IsUuid(id)) Fail("accepted an id that is not a UUID", absl::OkStatus());
}

// The store keeps microseconds: an accepted instant must convert and come back.
void CheckInstant(const google::protobuf::Timestamp& t) {
  const absl::Time time = cre::FromProtoTime(t);
  const google::protobuf::Timestamp back = cre::ToProtoTime(time);
  if (back.seconds() != t.seconds() || back.nanos() != t.nanos() / 1000 * 1000) {
    Fail("accepted an instant that does not survive the store's conversion", absl::OkStatus());
  }
  if (t.seconds() < 1) Fail("accepted an instant before 1970-01-01T00:00:01Z", absl::OkStatus());
  if (t.seconds() >= cre::kLatestRecordSeconds) {
    Fail("accepted an instant after 2100", absl::OkStatus());
  }
}

void CheckChild(const v1::NewChild& child) {
  absl::CivilDay dob;
  if (!absl::ParseCivilTime(child.child().date_of_birth(), &dob)) {
    Fail("accepted a date of birth that does not parse", absl::OkStatus());
  }
  if (!cre::IsOnsCode(child.child().home_authority_code())) {
    Fail("accepted a home authority that is not an ONS code", absl::OkStatus());
  }
  if (!child.details().nhs_number().empty() && !cre::NormalizeNhsNumber(child.details().nhs_number()).ok()) {
    Fail("accepted an NHS number the store cannot normalise", absl::OkStatus());
  }
}

// What the service relies on once a request is accepted.
void CheckAccepted(const v1::SubmitConcernRequest& r) {
  if (r.has_new_child()) {
    CheckChild(r.new_child());
  } else {
    CheckId(r.case_id());
  }
  CheckInstant(r.concern().identified_at());
}
void CheckAccepted(const v1::SubmitOperationLibertyReportRequest& r) {
  if (!r.case_id().empty()) CheckId(r.case_id());
}
void CheckAccepted(const v1::RecordRiskAssessmentRequest& r) {
  CheckId(r.case_id());
  CheckInstant(r.assessment().assessed_at());
}
void CheckAccepted(const v1::RecordCaseEventsRequest& r) {
  CheckId(r.case_id());
  for (const v1::CaseEvent& e : r.events()) CheckInstant(e.occurred_at());
}
void CheckAccepted(const v1::SubmitStepUpReferralRequest& r) { CheckId(r.case_id()); }
void CheckAccepted(const v1::SendNotificationRequest& r) { CheckId(r.case_id()); }
void CheckAccepted(const v1::RespondRequest& r) { CheckId(r.message_id()); }
void CheckAccepted(const v1::RecordDecisionNotToShareRequest& r) {
  CheckId(r.case_id());
  CheckInstant(r.decision().decided_at());
  if (r.decision().justification().find_first_not_of(" \t\n\r\f\v") == std::string::npos) {
    Fail("accepted a decision not to share without its reason", absl::OkStatus());
  }
}
void CheckAccepted(const v1::GetCaseRequest& r) { CheckId(r.case_id()); }
void CheckAccepted(const v1::AcknowledgeRequest& r) {
  for (int64_t id : r.delivery_ids()) {
    if (id <= 0) Fail("accepted a delivery id that is not positive", absl::OkStatus());
  }
}
void CheckAccepted(const v1::SubscribeRequest& r) {
  if (r.max_in_flight() < 0 || r.max_in_flight() > cre::kMaxMaxInFlight) {
    Fail("accepted a max_in_flight out of range", absl::OkStatus());
  }
}
void CheckAccepted(const v1::ListOpenActionsRequest& r) {
  if (r.page_size() < 0 || r.page_size() > cre::kMaxPageSize) Fail("accepted a page_size out of range", absl::OkStatus());
}
void CheckAccepted(const v1::ListRecordAccessesRequest& r) {
  if (r.subject_case() == v1::ListRecordAccessesRequest::kCaseId) {
    CheckId(r.case_id());
  } else if (r.subject_case() == v1::ListRecordAccessesRequest::kChildId) {
    CheckId(r.child_id());
  } else {
    Fail("accepted a list of accesses naming no case or child", absl::OkStatus());
  }
  if (r.limit() < 0 || r.limit() > cre::kMaxPageSize) Fail("accepted a limit out of range", absl::OkStatus());
  if (r.before_seq() < 0) Fail("accepted a negative before_seq", absl::OkStatus());
}

// Every field of an accepted request, nested ones included, within the
// bounds every request keeps.
void CheckBounds(const google::protobuf::Message& message) {
  using google::protobuf::FieldDescriptor;
  const google::protobuf::Reflection* reflection = message.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  reflection->ListFields(message, &fields);
  for (const FieldDescriptor* field : fields) {
    const bool repeated = field->is_repeated();
    const int count = repeated ? reflection->FieldSize(message, field) : 1;
    if (count > cre::kMaxAcknowledgeIds) Fail("accepted a repeated field over every limit", absl::OkStatus());
    for (int i = 0; i < count; ++i) {
      switch (field->cpp_type()) {
        case FieldDescriptor::CPPTYPE_STRING:
          if ((repeated ? reflection->GetRepeatedString(message, field, i) : reflection->GetString(message, field))
                  .size() > cre::kMaxNarrativeBytes) {
            Fail("accepted a string over 64 KiB", absl::OkStatus());
          }
          break;
        case FieldDescriptor::CPPTYPE_ENUM: {
          const int value = repeated ? reflection->GetRepeatedEnumValue(message, field, i)
                                     : reflection->GetEnumValue(message, field);
          if (field->enum_type()->FindValueByNumber(value) == nullptr) {
            Fail("accepted a number its enum does not declare", absl::OkStatus());
          }
          break;
        }
        case FieldDescriptor::CPPTYPE_MESSAGE: {
          const google::protobuf::Message& nested =
              repeated ? reflection->GetRepeatedMessage(message, field, i) : reflection->GetMessage(message, field);
          if (const auto* t = dynamic_cast<const google::protobuf::Timestamp*>(&nested)) {
            CheckInstant(*t);
          } else {
            CheckBounds(nested);
          }
          break;
        }
        default:
          break;
      }
    }
  }
}

template <typename Request>
void Fuzz(const uint8_t* data, size_t size, absl::Status (*validate)(const Request&)) {
  Request request;
  if (!request.ParseFromArray(data, static_cast<int>(size))) return;
  const absl::Status status = validate(request);
  CheckRefusal(request, status);
  if (status.ok()) {
    CheckAccepted(request);
    CheckBounds(request);
  }

  Request again;
  if (!again.ParseFromString(request.SerializeAsString())) {
    Fail("a parsed request does not parse again", status);
  }
  if (validate(again) != status) Fail("verdict differs for the same content", status);
}

// Two agencies, an agreement both signed and one only CSC signed, and the
// default requirements; the caller is always Health.
constexpr char kCaller[] = "derby-health";

const cre::GovernancePolicy& Policy() {
  static const cre::GovernancePolicy* const policy = [] {
    v1::AgencyRegistry registry_proto;
    v1::GovernanceConfig config;
    const bool parsed =
        google::protobuf::TextFormat::ParseFromString(
            R"pb(agencies { id: "derby-health" display_name: "Health" role: HEALTH }
                 agencies { id: "derby-csc" display_name: "CSC" role: CHILDRENS_SOCIAL_CARE })pb",
            &registry_proto) &&
        google::protobuf::TextFormat::ParseFromString(
            R"pb(agreements { id: "all-isa" title: "Everyone's" review_date: "2030-01-01" }
                 agreements { id: "csc-only" title: "CSC's" party_agency_ids: "derby-csc" review_date: "2030-01-01" })pb",
            &config);
    absl::StatusOr<cre::AgencyRegistry> registry = cre::AgencyRegistry::Create(registry_proto);
    if (!parsed || !registry.ok()) Fail("the fuzzer's registry", registry.status());
    const absl::Status completed = cre::CompleteGovernanceConfig(&config, *registry);
    if (!completed.ok()) Fail("the fuzzer's governance config", completed);
    return new cre::GovernancePolicy(config);
  }();
  return *policy;
}

template <typename Request>
void FuzzGoverned(const uint8_t* data, size_t size, absl::Status (*validate)(const Request&), cre::Method method) {
  Fuzz(data, size, validate);
  Request request;
  if (!request.ParseFromArray(data, static_cast<int>(size)) || !validate(request).ok()) return;
  const v1::Governance* envelope = request.has_governance() ? &request.governance() : nullptr;
  const absl::Status status = Policy().Check(method, envelope, kCaller);
  CheckRefusal(request, status);
  if (Policy().Check(method, envelope, kCaller) != status) Fail("governance verdict differs", status);
  if (!status.ok() || envelope == nullptr) return;
  if (!envelope->sharing_agreement_id().empty() && envelope->sharing_agreement_id() != "all-isa") {
    Fail("accepted an agreement the caller is not a party to", status);
  }
  if (envelope->consent() == v1::CONSENT_NOT_SOUGHT_OTHER &&
      absl::StripAsciiWhitespace(envelope->consent_note()).empty()) {
    Fail("accepted consent not sought without a reason", status);
  }
}

// Helpers the checks rely on, over arbitrary text: the first byte's other
// bits choose nothing, the rest is the text.
void FuzzHelpers(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const bool uuid = cre::IsUuid(text);
  if (uuid && text.size() != 36) Fail("IsUuid accepted a wrong length", absl::OkStatus());
  const bool ons = cre::IsOnsCode(text);
  if (ons && text.size() != 9) Fail("IsOnsCode accepted a wrong length", absl::OkStatus());
  // An NHS number is accepted as ten digits that pass again as they are.
  const absl::StatusOr<std::string> nhs = cre::NormalizeNhsNumber(text);
  if (nhs.ok()) {
    if (nhs->size() != 10 || text.size() > cre::kMaxNhsNumberBytes) {
      Fail("NormalizeNhsNumber accepted a wrong length", absl::OkStatus());
    }
    const absl::StatusOr<std::string> again = cre::NormalizeNhsNumber(*nhs);
    if (!again.ok() || *again != *nhs) Fail("NormalizeNhsNumber's digits do not pass again", absl::OkStatus());
  } else if (nhs.status().code() != absl::StatusCode::kInvalidArgument || nhs.status().message().size() > 150) {
    Fail("NormalizeNhsNumber refused other than briefly as INVALID_ARGUMENT", nhs.status());
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  // Protobuf logs every string field with invalid UTF-8 it refuses; the
  // parse result is what matters here, and the noise slows the run down.
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t kind = data[0];
  ++data;
  --size;
  switch (kind % 14) {
    case 0:
      FuzzGoverned<v1::SubmitConcernRequest>(data, size, cre::ValidateSubmitConcern, cre::Method::kSubmitConcern);
      break;
    case 1:
      FuzzGoverned<v1::SubmitOperationLibertyReportRequest>(data, size, cre::ValidateSubmitOperationLibertyReport,
                                                            cre::Method::kSubmitOperationLibertyReport);
      break;
    case 2:
      FuzzGoverned<v1::RecordRiskAssessmentRequest>(data, size, cre::ValidateRecordRiskAssessment,
                                                    cre::Method::kRecordRiskAssessment);
      break;
    case 3:
      FuzzGoverned<v1::RecordCaseEventsRequest>(data, size, cre::ValidateRecordCaseEvents,
                                                cre::Method::kRecordCaseEvents);
      break;
    case 4:
      FuzzGoverned<v1::SubmitStepUpReferralRequest>(data, size, cre::ValidateSubmitStepUpReferral,
                                                    cre::Method::kSubmitStepUpReferral);
      break;
    case 5:
      FuzzGoverned<v1::SendNotificationRequest>(data, size, cre::ValidateSendNotification,
                                                cre::Method::kSendNotification);
      break;
    case 6: FuzzGoverned<v1::RespondRequest>(data, size, cre::ValidateRespond, cre::Method::kRespond); break;
    case 7: Fuzz<v1::GetCaseRequest>(data, size, cre::ValidateGetCase); break;
    case 8: Fuzz<v1::AcknowledgeRequest>(data, size, cre::ValidateAcknowledge); break;
    case 9: FuzzHelpers(data, size); break;
    case 10: Fuzz<v1::SubscribeRequest>(data, size, cre::ValidateSubscribe); break;
    case 11: Fuzz<v1::ListOpenActionsRequest>(data, size, cre::ValidateListOpenActions); break;
    case 12:
      FuzzGoverned<v1::RecordDecisionNotToShareRequest>(data, size, cre::ValidateRecordDecisionNotToShare,
                                                        cre::Method::kRecordDecisionNotToShare);
      break;
    case 13: Fuzz<v1::ListRecordAccessesRequest>(data, size, cre::ValidateListRecordAccesses); break;
  }
  return 0;
}
