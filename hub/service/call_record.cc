#include "service/call_record.h"

#include <algorithm>
#include <iterator>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/quote.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"
#include "spdlog/spdlog.h"

namespace cre {
namespace {

// `record` with each field a client may have chosen (its method path, its
// certificate's URIs, a refusal that quotes them) passed through Quote: a
// line stays short, on one line, and printable, which the JSON printer also
// needs (it drops a record with bytes that are not UTF-8). Each bound is
// above what the hub's own text needs, so Quote leaves that unchanged.
v1::CallRecord Bounded(const v1::CallRecord& record) {
  v1::CallRecord bounded = record;
  bounded.set_agency(Quote(record.agency()));
  bounded.set_method(Quote(record.method(), 128));
  bounded.set_code(Quote(record.code()));
  bounded.set_peer(Quote(record.peer(), 1024));
  bounded.set_detail(Quote(record.detail(), 512));
  bounded.set_trace(Quote(record.trace()));
  bounded.set_parent_span(Quote(record.parent_span()));
  return bounded;
}

void WriteLine(const v1::CallRecord& bounded) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  std::string json;
  if (!google::protobuf::util::MessageToJsonString(bounded, &json, options).ok()) return;
  spdlog::info("call {}", json);
}

}  // namespace

void LogCallRecord(const v1::CallRecord& record) { WriteLine(Bounded(record)); }

bool IsRefusal(const std::string& code) {
  static const char* const kRefusals[] = {"UNAUTHENTICATED", "PERMISSION_DENIED", "INVALID_ARGUMENT",
                                          "NOT_FOUND", "ALREADY_EXISTS", "FAILED_PRECONDITION",
                                          "RESOURCE_EXHAUSTED", "OUT_OF_RANGE"};
  return std::find(std::begin(kRefusals), std::end(kRefusals), code) != std::end(kRefusals);
}

namespace {

void AuditBounded(const v1::CallRecord& record, const AuditSink& audit, const std::string& staff_id) {
  if (!audit || !IsRefusal(record.code())) return;
  v1::AuditRecord refused;
  refused.set_kind(v1::AUDIT_EVENT_KIND_CALL_REFUSED);
  *refused.mutable_at() = google::protobuf::util::TimeUtil::GetCurrentTime();
  refused.set_actor_agency_id(record.agency());
  refused.set_staff_id(Quote(staff_id));
  refused.set_method(record.method());
  refused.set_status_code(record.code());
  // The reason names fields and ids, never their personal contents.
  refused.set_detail(record.agency().empty() ? absl::StrCat(record.detail(), " (peer ", record.peer(), ")")
                                             : record.detail());
  audit(std::move(refused));
}

}  // namespace

void AuditRefusal(const v1::CallRecord& record, const AuditSink& audit, const std::string& staff_id) {
  AuditBounded(Bounded(record), audit, staff_id);
}

void RecordCall(const v1::CallRecord& unbounded, const AuditSink& audit) {
  const v1::CallRecord record = Bounded(unbounded);
  WriteLine(record);
  AuditBounded(record, audit, "");
}

}  // namespace cre
