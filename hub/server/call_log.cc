#include "server/call_log.h"

#include <string>

#include "absl/time/clock.h"
#include "google/protobuf/util/json_util.h"
#include "server/agency_auth.h"
#include "spdlog/spdlog.h"

namespace cre {
namespace {

// gRPC's code names, as grpcurl and the gRPC docs spell them.
const char* CodeName(grpc::StatusCode code) {
  static const char* const kNames[] = {
      "OK",          "CANCELLED",          "UNKNOWN",          "INVALID_ARGUMENT",
      "DEADLINE_EXCEEDED", "NOT_FOUND",    "ALREADY_EXISTS",   "PERMISSION_DENIED",
      "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED",  "OUT_OF_RANGE",
      "UNIMPLEMENTED", "INTERNAL",         "UNAVAILABLE",      "DATA_LOSS",
      "UNAUTHENTICATED"};
  const int index = static_cast<int>(code);
  return index >= 0 && index < 17 ? kNames[index] : "UNKNOWN";
}

class CallLogInterceptor : public grpc::experimental::Interceptor {
 public:
  explicit CallLogInterceptor(grpc::experimental::ServerRpcInfo* info)
      : info_(info), start_(absl::Now()) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            grpc::experimental::InterceptionHookPoints::PRE_SEND_STATUS)) {
      const grpc::Status status = methods->GetSendStatus();
      v1::CallRecord record;
      record.set_agency(CallerAgencyId(*info_->server_context()));
      record.set_method(info_->method());
      record.set_code(CodeName(status.error_code()));
      record.set_duration_ms(absl::ToDoubleMilliseconds(absl::Now() - start_));
      record.set_peer(info_->server_context()->peer());
      if (!status.ok()) record.set_detail(status.error_message());
      LogCallRecord(record);
    }
    methods->Proceed();
  }

 private:
  grpc::experimental::ServerRpcInfo* info_;
  absl::Time start_;
};

}  // namespace

void LogCallRecord(const v1::CallRecord& record) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  std::string json;
  if (!google::protobuf::util::MessageToJsonString(record, &json, options).ok()) return;
  spdlog::info("call {}", json);
}

grpc::experimental::Interceptor* CallLogInterceptorFactory::CreateServerInterceptor(
    grpc::experimental::ServerRpcInfo* info) {
  return new CallLogInterceptor(info);
}

}  // namespace cre
