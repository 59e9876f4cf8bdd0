// The proof that every field of every request is bounded: for each request
// type of cre.v1.Referrals, cre.v1.Inbox and cre.v1.Oversight (taken from the
// services' descriptors, so that a method added later is covered without
// anyone adding it here), every field path is walked by reflection and, in an
// otherwise valid request, set out of bounds:
//   - a string or bytes field to one byte over 64 KiB (and, for the fields
//     with a tighter limit, one byte over that);
//   - an enum field to a number its enum does not declare;
//   - a google.protobuf.Timestamp to -10^15 s, 10^15 s and nanos out of range;
//   - a repeated field to more entries than any request may hold;
// and the request's check must refuse it with INVALID_ARGUMENT naming that
// path. A request carrying a 1 MiB unknown field, at the top or in any
// message inside it, must come out of the hub's edge step (ParseRequest,
// server/raw_request.h) without it.
//
// A field added to a request later is bounded without anyone remembering to:
// each Validate* function starts with CheckFieldBounds (access/field_bounds.h),
// which checks every field by reflection. This test fails if a check stops
// doing so, if a new request type has no check (Validators) or no valid
// example (Bases), or if a new oneof alternative has no example.
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "access/field_bounds.h"
#include "access/nhs_number.h"
#include "access/request_validation.h"
#include "cre/v1/inbox.pb.h"
#include "cre/v1/oversight.pb.h"
#include "cre/v1/referrals.pb.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/dynamic_message.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/timestamp.pb.h"
#include "google/protobuf/util/message_differencer.h"
#include "grpcpp/support/byte_buffer.h"
#include "gtest/gtest.h"
#include "server/raw_request.h"

namespace cre {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr const char* kServices[] = {"cre.v1.Referrals", "cre.v1.Inbox", "cre.v1.Oversight"};
// Deep enough for every request today (the deepest path has four fields).
constexpr int kMaxDepth = 6;
// More entries than any repeated field of any request may hold.
constexpr int kTooManyEntries = kMaxAcknowledgeIds + 1;

using Validator = std::function<absl::Status(const Message&)>;

template <typename Request>
Validator Check(absl::Status (*validate)(const Request&)) {
  return [validate](const Message& request) { return validate(dynamic_cast<const Request&>(request)); };
}

// The check the hub runs on each request type.
const std::map<std::string, Validator>& Validators() {
  static const auto* const validators = new std::map<std::string, Validator>{
      {"cre.v1.SubmitConcernRequest", Check(ValidateSubmitConcern)},
      {"cre.v1.SubmitOperationLibertyReportRequest", Check(ValidateSubmitOperationLibertyReport)},
      {"cre.v1.RecordRiskAssessmentRequest", Check(ValidateRecordRiskAssessment)},
      {"cre.v1.RecordCaseEventsRequest", Check(ValidateRecordCaseEvents)},
      {"cre.v1.SubmitStepUpReferralRequest", Check(ValidateSubmitStepUpReferral)},
      {"cre.v1.SendNotificationRequest", Check(ValidateSendNotification)},
      {"cre.v1.RecordDecisionNotToShareRequest", Check(ValidateRecordDecisionNotToShare)},
      {"cre.v1.RespondRequest", Check(ValidateRespond)},
      {"cre.v1.GetCaseRequest", Check(ValidateGetCase)},
      {"cre.v1.SubscribeRequest", Check(ValidateSubscribe)},
      {"cre.v1.AcknowledgeRequest", Check(ValidateAcknowledge)},
      {"cre.v1.ListOpenActionsRequest", Check(ValidateListOpenActions)},
      {"cre.v1.ListRecordAccessesRequest", Check(ValidateListRecordAccesses)},
  };
  return *validators;
}

constexpr char kId[] = "0f8e4b8a-3c2d-4b1e-9a7f-2d6c5e4b3a21";
constexpr char kConcern[] =
    R"(concern { indicated_level: RISK_LEVEL_MEDIUM narrative: "n" identified_at { seconds: 1780000000 } })";

// Valid requests of each type, with every message field set and every
// repeated field holding one entry; one per alternative of a oneof.
const std::map<std::string, std::vector<std::string>>& Bases() {
  static const auto* const bases = new std::map<std::string, std::vector<std::string>>{
      {"cre.v1.SubmitConcernRequest",
       {absl::StrCat(R"(idempotency_key: "k" case_id: ")", kId, "\" ", kConcern),
        absl::StrCat(R"(idempotency_key: "k"
            new_child { details { given_name: "A" family_name: "B" address: "C" agency_reference: "D"
                                  nhs_number: "943 476 5919" }
                        child { date_of_birth: "2014-05-01" send: true open_plan: OPEN_PLAN_NONE
                                home_authority_code: "E06000015" placement_authority_code: "E06000015" } } )",
                     kConcern)}},
      {"cre.v1.SubmitOperationLibertyReportRequest",
       {absl::StrCat(R"(idempotency_key: "k" case_id: ")", kId, R"("
            report { individuals { name: "n" description: "d" address: "a" }
                     places { name: "n" address: "a" description: "d" }
                     vehicles { registration: "AB12 CDE" description: "d" }
                     narrative: "n" })")}},
      {"cre.v1.RecordRiskAssessmentRequest",
       {absl::StrCat(R"(idempotency_key: "k" case_id: ")", kId, R"("
            assessment { assessed_at { seconds: 1780000000 } level: RISK_LEVEL_LOW
                         assessor_role: PRACTITIONER_ROLE_SOCIAL_WORKER
                         low_risk_approval { team_manager: "t" approved_at { seconds: 1780000000 } rationale: "r" }
                         narrative: "n" risk_individuals_or_places_identified: true })")}},
      {"cre.v1.RecordCaseEventsRequest",
       {absl::StrCat(R"(idempotency_key: "k" case_id: ")", kId, R"("
            events { kind: EVENT_KIND_CRE_MEETING_SCHEDULED occurred_at { seconds: 1780000000 }
                     acknowledged_at { seconds: 1780000000 } scheduled_for { seconds: 1780000000 }
                     threshold_outcome: THRESHOLD_OUTCOME_CRE_MEETING s47_outcome { cp_threshold_met: true }
                     cp_plan: true note: "n" message_id: ")", kId, R"(" })")}},
      {"cre.v1.SubmitStepUpReferralRequest",
       {absl::StrCat(R"(idempotency_key: "k" case_id: ")", kId,
                     R"(" referral { level: RISK_LEVEL_HIGH reason: "r" })")}},
      {"cre.v1.SendNotificationRequest",
       {absl::StrCat(R"(idempotency_key: "k" case_id: ")", kId, R"("
            notification { kind: NOTIFICATION_KIND_IRO level: RISK_LEVEL_HIGH summary: "s" })")}},
      {"cre.v1.RecordDecisionNotToShareRequest",
       {absl::StrCat(R"(idempotency_key: "k" case_id: ")", kId, R"("
            decision { withheld_information: "w" withheld_from_agency_id: "derby-police"
                       ground: WITHHOLDING_GROUND_MORE_DETRIMENTAL_TO_CHILD justification: "j" decided_by: "d"
                       decided_by_role: PRACTITIONER_ROLE_PARTNER_PRACTITIONER decided_at { seconds: 1780000000 }
                       review_date: "2026-09-01" })"),
        absl::StrCat(R"(idempotency_key: "k" case_id: ")", kId, R"("
            decision { withheld_information: "w" withheld_from_role: POLICE
                       ground: WITHHOLDING_GROUND_MORE_DETRIMENTAL_TO_CHILD justification: "j" decided_by: "d"
                       decided_by_role: PRACTITIONER_ROLE_PARTNER_PRACTITIONER decided_at { seconds: 1780000000 } })")}},
      {"cre.v1.RespondRequest",
       {absl::StrCat(R"(idempotency_key: "k" message_id: ")", kId,
                     R"(" response { kind: RESPONSE_KIND_DECLINE reason: "r" })")}},
      {"cre.v1.GetCaseRequest", {absl::StrCat(R"(case_id: ")", kId, "\"")}},
      {"cre.v1.SubscribeRequest", {"max_in_flight: 16"}},
      {"cre.v1.AcknowledgeRequest", {"delivery_ids: 1"}},
      {"cre.v1.ListOpenActionsRequest",
       {R"(overdue_only: true page_size: 50 page_token: "t" owner: PRACTITIONER_ROLE_SOCIAL_WORKER)"}},
      {"cre.v1.ListRecordAccessesRequest",
       {absl::StrCat(R"(case_id: ")", kId, R"(" limit: 50 before_seq: 7)"),
        absl::StrCat(R"(child_id: ")", kId, R"(" limit: 50 before_seq: 7)")}},
  };
  return *bases;
}

// Fields whose own check is tighter than 64 KiB: one byte over is refused
// too. (Besides these, every idempotency_key, case_id and message_id.)
const std::map<std::string, size_t>& TighterLimits() {
  static const auto* const limits = new std::map<std::string, size_t>{
      {"cre.v1.ChildDetails.given_name", kMaxShortTextBytes},
      {"cre.v1.ChildDetails.family_name", kMaxShortTextBytes},
      {"cre.v1.ChildDetails.address", kMaxShortTextBytes},
      {"cre.v1.ChildDetails.agency_reference", kMaxShortTextBytes},
      {"cre.v1.ChildDetails.nhs_number", kMaxNhsNumberBytes},
      {"cre.v1.Child.date_of_birth", 10},
      {"cre.v1.Child.home_authority_code", 9},
      {"cre.v1.Child.placement_authority_code", 9},
      {"cre.v1.Individual.name", kMaxShortTextBytes},
      {"cre.v1.Individual.description", kMaxShortTextBytes},
      {"cre.v1.Individual.address", kMaxShortTextBytes},
      {"cre.v1.Place.name", kMaxShortTextBytes},
      {"cre.v1.Place.address", kMaxShortTextBytes},
      {"cre.v1.Place.description", kMaxShortTextBytes},
      {"cre.v1.Vehicle.registration", 32},
      {"cre.v1.Vehicle.description", kMaxShortTextBytes},
      {"cre.v1.TeamManagerApproval.team_manager", kMaxShortTextBytes},
      {"cre.v1.ListOpenActionsRequest.page_token", kMaxShortTextBytes},
      {"cre.v1.DecisionNotToShare.withheld_information", kMaxShortTextBytes},
      {"cre.v1.DecisionNotToShare.withheld_from_agency_id", kMaxAgencyIdBytes},
      {"cre.v1.DecisionNotToShare.justification", kMaxJustificationBytes},
      {"cre.v1.DecisionNotToShare.decided_by", kMaxShortTextBytes},
      {"cre.v1.DecisionNotToShare.review_date", 10},
      {"cre.v1.ListRecordAccessesRequest.child_id", 36},  // a UUID
  };
  return *limits;
}

// The tighter limit of `field`, or 0 if it has none.
size_t TighterLimit(const FieldDescriptor& field) {
  if (field.name() == "idempotency_key") return kMaxIdempotencyKeyBytes;
  if (field.name() == "case_id" || field.name() == "message_id") return 36;  // a UUID
  auto limit = TighterLimits().find(field.full_name());
  return limit == TighterLimits().end() ? 0 : limit->second;
}

bool IsTimestamp(const Descriptor* type) {
  return type != nullptr && type->full_name() == google::protobuf::Timestamp::descriptor()->full_name();
}

// Every request type of the services, each once.
std::vector<const Descriptor*> RequestTypes() {
  std::vector<const Descriptor*> types;
  std::set<std::string> seen;
  for (const char* name : kServices) {
    const google::protobuf::ServiceDescriptor* service =
        google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(name);
    EXPECT_NE(service, nullptr) << name;
    if (service == nullptr) continue;
    for (int i = 0; i < service->method_count(); ++i) {
      const Descriptor* type = service->method(i)->input_type();
      if (seen.insert(type->full_name()).second) types.push_back(type);
    }
  }
  return types;
}

// A path from the request to one field; a repeated field on the way is
// entered at its first entry.
using FieldPath = std::vector<const FieldDescriptor*>;

std::string Name(const FieldPath& path, bool index_last = true) {
  std::string name;
  for (size_t i = 0; i < path.size(); ++i) {
    if (i > 0) name += ".";
    name += path[i]->name();
    if (path[i]->is_repeated() && (index_last || i + 1 < path.size())) name += "[0]";
  }
  return name;
}

// Every field path of `type`, depth first; stops at kMaxDepth and where a
// message type would recur.
void CollectPaths(const Descriptor& type, FieldPath* prefix, std::vector<FieldPath>* out) {
  for (int i = 0; i < type.field_count(); ++i) {
    const FieldDescriptor* field = type.field(i);
    prefix->push_back(field);
    out->push_back(*prefix);
    const Descriptor* nested = field->message_type();
    if (nested != nullptr && !IsTimestamp(nested) && static_cast<int>(prefix->size()) < kMaxDepth) {
      bool recurs = false;
      for (const FieldDescriptor* step : *prefix) recurs |= step->containing_type() == nested;
      if (!recurs) CollectPaths(*nested, prefix, out);
    }
    prefix->pop_back();
  }
}

std::unique_ptr<Message> NewMessage(const Descriptor& type) {
  return std::unique_ptr<Message>(google::protobuf::MessageFactory::generated_factory()->GetPrototype(&type)->New());
}

// False if `base` chose another alternative of a oneof on `path`.
bool Compatible(const Message& base, const FieldPath& path) {
  const Message* message = &base;
  for (const FieldDescriptor* field : path) {
    const Reflection& reflection = *message->GetReflection();
    const google::protobuf::OneofDescriptor* oneof = field->containing_oneof();
    if (oneof != nullptr) {
      const FieldDescriptor* chosen = reflection.GetOneofFieldDescriptor(*message, oneof);
      if (chosen != nullptr && chosen != field) return false;
    }
    if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) return true;
    if (field->is_repeated()) {
      if (reflection.FieldSize(*message, field) == 0) return true;
      message = &reflection.GetRepeatedMessage(*message, field, 0);
    } else {
      if (!reflection.HasField(*message, field)) return true;
      message = &reflection.GetMessage(*message, field);
    }
  }
  return true;
}

// The message that holds the last field of `path`, made where missing.
Message* Holder(Message* request, const FieldPath& path) {
  Message* message = request;
  for (size_t i = 0; i + 1 < path.size(); ++i) {
    const Reflection& reflection = *message->GetReflection();
    if (path[i]->is_repeated()) {
      if (reflection.FieldSize(*message, path[i]) == 0) reflection.AddMessage(message, path[i]);
      message = reflection.MutableRepeatedMessage(message, path[i], 0);
    } else {
      message = reflection.MutableMessage(message, path[i]);
    }
  }
  return message;
}

// The message the last field of `path` (a message field) holds, made where missing.
Message* Reach(Message* request, const FieldPath& path) {
  Message* holder = Holder(request, path);
  const FieldDescriptor* field = path.back();
  const Reflection& reflection = *holder->GetReflection();
  if (!field->is_repeated()) return reflection.MutableMessage(holder, field);
  if (reflection.FieldSize(*holder, field) == 0) reflection.AddMessage(holder, field);
  return reflection.MutableRepeatedMessage(holder, field, 0);
}

void SetString(Message* request, const FieldPath& path, const std::string& value) {
  Message* holder = Holder(request, path);
  const FieldDescriptor* field = path.back();
  const Reflection& reflection = *holder->GetReflection();
  if (!field->is_repeated()) {
    reflection.SetString(holder, field, value);
  } else if (reflection.FieldSize(*holder, field) == 0) {
    reflection.AddString(holder, field, value);
  } else {
    reflection.SetRepeatedString(holder, field, 0, value);
  }
}

void SetEnum(Message* request, const FieldPath& path, int value) {
  Message* holder = Holder(request, path);
  const FieldDescriptor* field = path.back();
  const Reflection& reflection = *holder->GetReflection();
  if (!field->is_repeated()) {
    reflection.SetEnumValue(holder, field, value);
  } else if (reflection.FieldSize(*holder, field) == 0) {
    reflection.AddEnumValue(holder, field, value);
  } else {
    reflection.SetRepeatedEnumValue(holder, field, 0, value);
  }
}

// Fills the repeated field at the end of `path` with copies of its first
// entry (of a default one if it had none).
void Overfill(Message* request, const FieldPath& path) {
  Message* holder = Holder(request, path);
  const FieldDescriptor* field = path.back();
  const Reflection& r = *holder->GetReflection();
  const bool empty = r.FieldSize(*holder, field) == 0;
  while (r.FieldSize(*holder, field) < kTooManyEntries) {
    switch (field->cpp_type()) {
      case FieldDescriptor::CPPTYPE_MESSAGE: {
        Message* added = r.AddMessage(holder, field);
        if (!empty) added->CopyFrom(r.GetRepeatedMessage(*holder, field, 0));
        break;
      }
      case FieldDescriptor::CPPTYPE_STRING:
        r.AddString(holder, field, empty ? "x" : r.GetRepeatedString(*holder, field, 0));
        break;
      case FieldDescriptor::CPPTYPE_ENUM:
        r.AddEnumValue(holder, field, empty ? 0 : r.GetRepeatedEnumValue(*holder, field, 0));
        break;
      case FieldDescriptor::CPPTYPE_INT64:
        r.AddInt64(holder, field, empty ? 1 : r.GetRepeatedInt64(*holder, field, 0));
        break;
      case FieldDescriptor::CPPTYPE_INT32:
        r.AddInt32(holder, field, empty ? 1 : r.GetRepeatedInt32(*holder, field, 0));
        break;
      default:
        FAIL() << "a repeated field of a type this test cannot fill yet: " << field->full_name();
    }
  }
}

struct Example {
  const Descriptor* type;
  std::vector<std::unique_ptr<Message>> bases;
  Validator validate;
};

// Each request type with its valid bases and its check; fails the test for
// a type that has none.
std::vector<Example> Examples() {
  std::vector<Example> examples;
  for (const Descriptor* type : RequestTypes()) {
    Example example{type, {}, nullptr};
    auto validator = Validators().find(type->full_name());
    EXPECT_NE(validator, Validators().end()) << "no check for " << type->full_name() << " (Validators)";
    auto bases = Bases().find(type->full_name());
    EXPECT_NE(bases, Bases().end()) << "no valid example of " << type->full_name() << " (Bases)";
    if (validator == Validators().end() || bases == Bases().end()) continue;
    example.validate = validator->second;
    for (const std::string& text : bases->second) {
      std::unique_ptr<Message> base = NewMessage(*type);
      EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, base.get())) << text;
      const absl::Status valid = example.validate(*base);
      EXPECT_TRUE(valid.ok()) << type->full_name() << " example is refused: " << valid;
      example.bases.push_back(std::move(base));
    }
    examples.push_back(std::move(example));
  }
  return examples;
}

// Runs `mutate` on a copy of the first base that can carry `path`, checks
// the copy, and expects a refusal naming `expected_field`.
void ExpectRefused(const Example& example, const FieldPath& path, const std::string& what,
                   const std::function<void(Message*)>& mutate, const std::string& expected_field) {
  for (const auto& base : example.bases) {
    if (!Compatible(*base, path)) continue;
    std::unique_ptr<Message> request(base->New());
    request->CopyFrom(*base);
    mutate(request.get());
    const absl::Status status = example.validate(*request);
    const std::string where = absl::StrCat(example.type->full_name(), " ", Name(path), " ", what);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << where << ": " << status;
    EXPECT_THAT(std::string(status.message()), StartsWith(expected_field + ": ")) << where;
    // Never the value: the long values are one repeated letter.
    EXPECT_THAT(std::string(status.message()), ::testing::Not(HasSubstr("xxxxxxxx"))) << where;
    return;
  }
  ADD_FAILURE() << example.type->full_name() << ": no example can carry " << Name(path)
                << " (a oneof alternative without a base in Bases)";
}

TEST(FieldBoundsTest, EveryRequestTypeHasACheckAndValidExamples) {
  const std::vector<Example> examples = Examples();
  EXPECT_GE(examples.size(), 12u);
  for (const Example& example : examples) EXPECT_FALSE(example.bases.empty()) << example.type->full_name();
}

TEST(FieldBoundsTest, EveryStringAndBytesFieldIsBounded) {
  int checked = 0;
  for (const Example& example : Examples()) {
    std::vector<FieldPath> paths;
    FieldPath prefix;
    CollectPaths(*example.type, &prefix, &paths);
    for (const FieldPath& path : paths) {
      const FieldDescriptor* field = path.back();
      if (field->cpp_type() != FieldDescriptor::CPPTYPE_STRING) continue;
      ExpectRefused(example, path, "over 64 KiB",
                    [&](Message* r) { SetString(r, path, std::string(kMaxNarrativeBytes + 1, 'x')); }, Name(path));
      if (const size_t tighter = TighterLimit(*field); tighter > 0) {
        ExpectRefused(example, path, absl::StrCat("over ", tighter, " bytes"),
                      [&](Message* r) { SetString(r, path, std::string(tighter + 1, 'x')); }, Name(path));
      }
      ++checked;
    }
  }
  EXPECT_GE(checked, 40);
}

TEST(FieldBoundsTest, EveryTighterLimitNamesAStringFieldOfARequest) {
  std::set<std::string> strings;
  for (const Example& example : Examples()) {
    std::vector<FieldPath> paths;
    FieldPath prefix;
    CollectPaths(*example.type, &prefix, &paths);
    for (const FieldPath& path : paths) strings.insert(path.back()->full_name());
  }
  for (const auto& [field, limit] : TighterLimits()) {
    EXPECT_TRUE(strings.count(field)) << field;
    EXPECT_LT(limit, kMaxNarrativeBytes) << field;
  }
}

TEST(FieldBoundsTest, EveryEnumFieldTakesOnlyItsDeclaredValues) {
  int checked = 0;
  for (const Example& example : Examples()) {
    std::vector<FieldPath> paths;
    FieldPath prefix;
    CollectPaths(*example.type, &prefix, &paths);
    for (const FieldPath& path : paths) {
      const FieldDescriptor* field = path.back();
      if (field->cpp_type() != FieldDescriptor::CPPTYPE_ENUM) continue;
      ASSERT_EQ(field->enum_type()->FindValueByNumber(9999), nullptr) << field->full_name();
      ExpectRefused(example, path, "= 9999", [&](Message* r) { SetEnum(r, path, 9999); }, Name(path));
      ++checked;
    }
  }
  EXPECT_GE(checked, 12);
}

TEST(FieldBoundsTest, EveryTimestampIsAnInstantTheStoreKeeps) {
  struct Bad {
    const char* what;
    int64_t seconds;
    int32_t nanos;
  };
  constexpr Bad kBad[] = {{"-10^15 s", -1000000000000000, 0},
                          {"10^15 s", 1000000000000000, 0},
                          {"after 2100", kLatestRecordSeconds, 0},
                          {"negative nanos", 1780000000, -1},
                          {"nanos of a whole second", 1780000000, 1000000000}};
  int checked = 0;
  for (const Example& example : Examples()) {
    std::vector<FieldPath> paths;
    FieldPath prefix;
    CollectPaths(*example.type, &prefix, &paths);
    for (const FieldPath& path : paths) {
      if (!IsTimestamp(path.back()->message_type())) continue;
      for (const Bad& bad : kBad) {
        ExpectRefused(example, path, bad.what,
                      [&](Message* r) {
                        google::protobuf::Timestamp t;
                        t.set_seconds(bad.seconds);
                        t.set_nanos(bad.nanos);
                        Reach(r, path)->CopyFrom(t);
                      },
                      Name(path));
      }
      ++checked;
    }
  }
  EXPECT_GE(checked, 7);
}

TEST(FieldBoundsTest, EveryRepeatedFieldIsBounded) {
  int checked = 0;
  for (const Example& example : Examples()) {
    std::vector<FieldPath> paths;
    FieldPath prefix;
    CollectPaths(*example.type, &prefix, &paths);
    for (const FieldPath& path : paths) {
      if (!path.back()->is_repeated()) continue;
      ExpectRefused(example, path, absl::StrCat(kTooManyEntries, " entries"),
                    [&](Message* r) { Overfill(r, path); }, Name(path, /*index_last=*/false));
      ++checked;
    }
  }
  EXPECT_GE(checked, 5);
}

// What a client sent, as gRPC hands it to a raw method.
grpc::ByteBuffer Bytes(const std::string& serialized) {
  grpc::Slice slice(serialized);
  return grpc::ByteBuffer(&slice, 1);
}

bool HasUnknownFields(const Message& message) {
  const Reflection& reflection = *message.GetReflection();
  if (!reflection.GetUnknownFields(message).empty()) return true;
  std::vector<const FieldDescriptor*> fields;
  reflection.ListFields(message, &fields);
  for (const FieldDescriptor* field : fields) {
    if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) continue;
    const int n = field->is_repeated() ? reflection.FieldSize(message, field) : 1;
    for (int i = 0; i < n; ++i) {
      const Message& nested =
          field->is_repeated() ? reflection.GetRepeatedMessage(message, field, i) : reflection.GetMessage(message, field);
      if (HasUnknownFields(nested)) return true;
    }
  }
  return false;
}

TEST(FieldBoundsTest, UnknownFieldsAreDroppedAtTheEdgeAtEveryDepth) {
  const std::string unknown(1 << 20, 'u');
  constexpr int kUnknownNumber = 1000;
  int checked = 0;
  for (const Example& example : Examples()) {
    std::vector<FieldPath> paths{{}};  // the request itself
    FieldPath prefix;
    CollectPaths(*example.type, &prefix, &paths);
    for (const FieldPath& path : paths) {
      if (!path.empty() && path.back()->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) continue;
      const std::string where = absl::StrCat(example.type->full_name(), " at ", path.empty() ? "the top" : Name(path));
      const Message* base = nullptr;
      for (const auto& b : example.bases) {
        if (Compatible(*b, path)) {
          base = b.get();
          break;
        }
      }
      ASSERT_NE(base, nullptr) << where;
      std::unique_ptr<Message> sent(base->New());
      sent->CopyFrom(*base);
      Message* target = path.empty() ? sent.get() : Reach(sent.get(), path);
      ASSERT_EQ(target->GetDescriptor()->FindFieldByNumber(kUnknownNumber), nullptr) << where;
      target->GetReflection()->MutableUnknownFields(target)->AddLengthDelimited(kUnknownNumber, unknown);
      std::unique_ptr<Message> expected(base->New());
      expected->CopyFrom(*sent);
      expected->DiscardUnknownFields();

      std::unique_ptr<Message> received(base->New());
      const absl::Status parsed = ParseRequest(Bytes(sent->SerializeAsString()), received.get());
      ASSERT_TRUE(parsed.ok()) << where << ": " << parsed;
      EXPECT_FALSE(HasUnknownFields(*received)) << where;
      EXPECT_LT(received->ByteSizeLong(), 1000u) << where;
      EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(*received, *expected)) << where;
      ++checked;
    }
  }
  EXPECT_GE(checked, 30);
}

}  // namespace
}  // namespace cre
