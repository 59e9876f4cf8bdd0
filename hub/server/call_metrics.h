// gRPC server metrics: every call that reaches a handler counted by method
// and status code, and by agency and code, and timed by method
// (server/hub_metrics.h names the families; docs/operations.md
// says what they mean).
//
// An interceptor of its own beside the call log's (server/call_log.h),
// registered next to it in HubServer. Calls the auth processor refuses
// (a certificate naming no registered agency, a health or reflection call
// over its rate) never reach an interceptor, so they are not here: the
// processor counts the first kind itself (HubMetrics::unauthenticated), the
// rate limiter the second.
//
// The latency histogram has no agency label (one series per method and
// bucket is enough, and every agency more would multiply them), and leaves
// out Inbox.Subscribe, whose "latency" is how long an agency stayed
// connected; its calls are still counted.
//
//   interceptors.push_back(std::make_unique<CallMetricsInterceptorFactory>(registry, metrics));
#ifndef CRE_HUB_SERVER_CALL_METRICS_H_
#define CRE_HUB_SERVER_CALL_METRICS_H_

#include <memory>

#include "grpcpp/support/server_interceptor.h"
#include "identity/agency_registry.h"
#include "server/hub_metrics.h"

namespace cre {

class CallMetricsInterceptorFactory : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  CallMetricsInterceptorFactory(std::shared_ptr<const AgencyRegistry> registry, std::shared_ptr<HubMetrics> metrics)
      : registry_(std::move(registry)), metrics_(std::move(metrics)) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(grpc::experimental::ServerRpcInfo* info) override;

 private:
  std::shared_ptr<const AgencyRegistry> registry_;
  std::shared_ptr<HubMetrics> metrics_;
};

}  // namespace cre

#endif  // CRE_HUB_SERVER_CALL_METRICS_H_
