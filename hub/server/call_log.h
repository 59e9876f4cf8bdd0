// One structured log line per gRPC call: agency, method, status code,
// duration, and the call's W3C trace (service/call_record.h writes it).
//
// The interceptor also takes the call's trace context, before any handler
// runs, and hands it to the handler through the call's metadata
// (server/call_trace.h); it returns the hub's traceparent to the client in
// the response's initial metadata.
//
// A server interceptor times every call that reaches a handler. The audit
// record of a refusal is the service API's (service/call_gate.h), made for
// any transport; calls refused before a handler (a certificate naming no
// agency) are logged and recorded by the auth processor.
#ifndef CRE_HUB_SERVER_CALL_LOG_H_
#define CRE_HUB_SERVER_CALL_LOG_H_

#include <memory>

#include "grpcpp/support/server_interceptor.h"
#include "identity/agency_registry.h"

namespace cre {

class CallLogInterceptorFactory : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit CallLogInterceptorFactory(std::shared_ptr<const AgencyRegistry> registry)
      : registry_(std::move(registry)) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;

 private:
  std::shared_ptr<const AgencyRegistry> registry_;
};

}  // namespace cre

#endif  // CRE_HUB_SERVER_CALL_LOG_H_
