#include "server/call_log.h"

#include <algorithm>
#include <iterator>
#include <string>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "absl/strings/str_cat.h"
#include "common/quote.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"
#include "server/agency_auth.h"
#include "spdlog/spdlog.h"

namespace cre {
namespace {

class CallLogInterceptor : public grpc::experimental::Interceptor {
 public:
  CallLogInterceptor(grpc::experimental::ServerRpcInfo* info, const AgencyRegistry* registry,
                     const AuditSink* audit)
      : info_(info), registry_(registry), audit_(audit), start_(absl::Now()) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            grpc::experimental::InterceptionHookPoints::PRE_SEND_STATUS)) {
      const grpc::Status status = methods->GetSendStatus();
      v1::CallRecord record;
      record.set_agency(CallerAgencyId(*info_->server_context(), *registry_));
      record.set_method(info_->method());
      // gRPC and Abseil share the canonical codes and their names.
      record.set_code(absl::StatusCodeToString(static_cast<absl::StatusCode>(status.error_code())));
      record.set_duration_ms(absl::ToDoubleMilliseconds(absl::Now() - start_));
      record.set_peer(info_->server_context()->peer());
      if (!status.ok()) record.set_detail(status.error_message());
      RecordCall(record, *audit_);
    }
    methods->Proceed();
  }

 private:
  grpc::experimental::ServerRpcInfo* info_;
  const AgencyRegistry* registry_;
  const AuditSink* audit_;
  absl::Time start_;
};

}  // namespace

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

void RecordCall(const v1::CallRecord& unbounded, const AuditSink& audit) {
  const v1::CallRecord record = Bounded(unbounded);
  WriteLine(record);
  // Refusals: the caller, its certificate or its request was at fault.
  // (UNAVAILABLE and INTERNAL are the hub's failures, not decisions.)
  static const char* const kRefusals[] = {"UNAUTHENTICATED", "PERMISSION_DENIED", "INVALID_ARGUMENT",
                                          "NOT_FOUND", "ALREADY_EXISTS", "FAILED_PRECONDITION",
                                          "RESOURCE_EXHAUSTED", "OUT_OF_RANGE"};
  if (!audit || std::find(std::begin(kRefusals), std::end(kRefusals), record.code()) == std::end(kRefusals)) {
    return;
  }
  v1::AuditRecord refused;
  refused.set_kind(v1::AUDIT_EVENT_KIND_CALL_REFUSED);
  *refused.mutable_at() = google::protobuf::util::TimeUtil::GetCurrentTime();
  refused.set_actor_agency_id(record.agency());
  refused.set_method(record.method());
  refused.set_status_code(record.code());
  // The reason names fields and ids, never their personal contents.
  refused.set_detail(record.agency().empty() ? absl::StrCat(record.detail(), " (peer ", record.peer(), ")")
                                             : record.detail());
  audit(std::move(refused));
}

grpc::experimental::Interceptor* CallLogInterceptorFactory::CreateServerInterceptor(
    grpc::experimental::ServerRpcInfo* info) {
  return new CallLogInterceptor(info, registry_.get(), &audit_);
}

}  // namespace cre
