#include "server/call_log.h"

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "server/agency_auth.h"
#include "service/call_record.h"

namespace cre {
namespace {

class CallLogInterceptor : public grpc::experimental::Interceptor {
 public:
  CallLogInterceptor(grpc::experimental::ServerRpcInfo* info, const AgencyRegistry* registry)
      : info_(info), registry_(registry), start_(absl::Now()) {}

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
      LogCallRecord(record);
    }
    methods->Proceed();
  }

 private:
  grpc::experimental::ServerRpcInfo* info_;
  const AgencyRegistry* registry_;
  absl::Time start_;
};

}  // namespace

grpc::experimental::Interceptor* CallLogInterceptorFactory::CreateServerInterceptor(
    grpc::experimental::ServerRpcInfo* info) {
  return new CallLogInterceptor(info, registry_.get());
}

}  // namespace cre
