#include "server/call_metrics.h"

#include <string>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "server/agency_auth.h"

namespace cre {
namespace {

class CallMetricsInterceptor : public grpc::experimental::Interceptor {
 public:
  CallMetricsInterceptor(grpc::experimental::ServerRpcInfo* info, const AgencyRegistry* registry,
                         HubMetrics* metrics)
      : info_(info), registry_(registry), metrics_(metrics), start_(absl::Now()) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(grpc::experimental::InterceptionHookPoints::PRE_SEND_STATUS)) {
      // gRPC and Abseil share the canonical codes and their names.
      const std::string code = absl::StatusCodeToString(
          static_cast<absl::StatusCode>(methods->GetSendStatus().error_code()));
      const std::string method = info_->method();
      metrics_->calls().WithLabels({method, code}).Increment();
      // The certificate's verdict was cached when the call arrived: map
      // lookups, and no copy of the agency.
      if (std::shared_ptr<const grpc::AuthContext> auth = info_->server_context()->auth_context(); auth != nullptr) {
        if (absl::StatusOr<const v1::Agency*> agency = IdentifyAgency(*auth, *registry_); agency.ok()) {
          metrics_->agency_calls().WithLabels({(*agency)->id(), code}).Increment();
        }
      }
      if (info_->type() != grpc::experimental::ServerRpcInfo::Type::SERVER_STREAMING) {
        metrics_->latency().WithLabels({method}).Observe(absl::ToDoubleSeconds(absl::Now() - start_));
      }
    }
    methods->Proceed();
  }

 private:
  grpc::experimental::ServerRpcInfo* info_;
  const AgencyRegistry* registry_;
  HubMetrics* metrics_;
  absl::Time start_;
};

}  // namespace

grpc::experimental::Interceptor* CallMetricsInterceptorFactory::CreateServerInterceptor(
    grpc::experimental::ServerRpcInfo* info) {
  return new CallMetricsInterceptor(info, registry_.get(), metrics_.get());
}

}  // namespace cre
