#include "server/call_log.h"

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "server/agency_auth.h"
#include "server/call_trace.h"
#include "service/call_record.h"

namespace cre {
namespace {

class CallLogInterceptor : public grpc::experimental::Interceptor {
 public:
  CallLogInterceptor(grpc::experimental::ServerRpcInfo* info, const AgencyRegistry* registry)
      : info_(info), registry_(registry), start_(absl::Now()) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    using grpc::experimental::InterceptionHookPoints;
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_INITIAL_METADATA)) {
      // Before any handler runs: the handler reads the same span back
      // (server/call_trace.h).
      trace_ = AdoptCallTrace(methods->GetRecvInitialMetadata(), &traceparent_);
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_INITIAL_METADATA)) {
      // The caller learns the hub's span, whether it sent a trace or not.
      if (trace_.empty()) trace_ = NewTrace();
      methods->GetSendInitialMetadata()->emplace(kTraceparentKey, trace_.Traceparent());
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      const grpc::Status status = methods->GetSendStatus();
      v1::CallRecord record;
      record.set_agency(CallerAgencyId(*info_->server_context(), *registry_));
      record.set_method(info_->method());
      // gRPC and Abseil share the canonical codes and their names.
      record.set_code(absl::StatusCodeToString(static_cast<absl::StatusCode>(status.error_code())));
      record.set_duration_ms(absl::ToDoubleMilliseconds(absl::Now() - start_));
      record.set_peer(info_->server_context()->peer());
      if (!status.ok()) record.set_detail(status.error_message());
      if (trace_.empty()) trace_ = NewTrace();
      record.set_trace(trace_.Traceparent());
      record.set_parent_span(trace_.parent_id);
      LogCallRecord(record);
    }
    methods->Proceed();
  }

 private:
  grpc::experimental::ServerRpcInfo* info_;
  const AgencyRegistry* registry_;
  absl::Time start_;
  // The hub's span of the call, and its traceparent, which the call's
  // received metadata points into until the call is done.
  TraceContext trace_;
  std::string traceparent_;
};

}  // namespace

grpc::experimental::Interceptor* CallLogInterceptorFactory::CreateServerInterceptor(
    grpc::experimental::ServerRpcInfo* info) {
  return new CallLogInterceptor(info, registry_.get());
}

}  // namespace cre
