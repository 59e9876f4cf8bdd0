// One structured log line per call: agency, method, status code, duration.
//
// A server interceptor times every call that reaches a handler; calls refused
// before that (an unknown certificate identity) are logged by the auth
// processor with the same record. Lines go to the hub's log as
//   2026-11-22T10:15:00.123Z info call {"agency":"derby-csc","method":...}
#ifndef CRE_HUB_SERVER_CALL_LOG_H_
#define CRE_HUB_SERVER_CALL_LOG_H_

#include <functional>
#include <memory>

#include "cre/v1/audit.pb.h"
#include "cre/v1/call_log.pb.h"
#include "grpcpp/support/server_interceptor.h"
#include "identity/agency_registry.h"

namespace cre {

// Writes `record` as one log line. Every field is bounded and escaped
// (common/quote.h), so that a value a client chose cannot make a line huge
// or split it: method 128 bytes, peer 1,024, detail 512.
void LogCallRecord(const v1::CallRecord& record);

// Where refused calls go to be recorded in the audit chain. It must not
// block: the hub's sink hands the write to its executor.
using AuditSink = std::function<void(v1::AuditRecord)>;

// Logs the call and, if the hub refused it (a status that says the caller
// or its request was at fault), sends a CALL_REFUSED record to `audit`, with
// the fields bounded as in the log line.
void RecordCall(const v1::CallRecord& record, const AuditSink& audit);

class CallLogInterceptorFactory : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  CallLogInterceptorFactory(std::shared_ptr<const AgencyRegistry> registry, AuditSink audit)
      : registry_(std::move(registry)), audit_(std::move(audit)) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;

 private:
  std::shared_ptr<const AgencyRegistry> registry_;
  AuditSink audit_;
};

}  // namespace cre

#endif  // CRE_HUB_SERVER_CALL_LOG_H_
