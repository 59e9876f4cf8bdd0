// What a call leaves behind: one structured log line, and, for a refusal, a
// CALL_REFUSED record in the audit chain.
//
// The transports log each call as it ends (server/call_log.h for gRPC); the
// call gate (service/call_gate.h) records the API's refusals, and the gRPC
// edge those it makes itself (a certificate naming no agency). Lines go to
// the hub's log as
//   2026-11-22T10:15:00.123Z info call {"agency":"derby-csc","method":...,
//     "trace":"00-4bf92f3577b34da6a3ce929d0e0e4736-b7ad6b7169203331-01","parent_span":"00f067aa0ba902b7"}
#ifndef CRE_HUB_SERVICE_CALL_RECORD_H_
#define CRE_HUB_SERVICE_CALL_RECORD_H_

#include <functional>

#include "cre/v1/audit.pb.h"
#include "cre/v1/call_log.pb.h"

namespace cre {

// Writes `record` as one log line. Every field is bounded and escaped
// (common/quote.h), so that a value a client chose cannot make a line huge
// or split it: method 128 bytes, peer 1,024, detail 512.
void LogCallRecord(const v1::CallRecord& record);

// Where refused calls go to be recorded in the audit chain. It must not
// block: the hub's sink hands the write to its executor.
using AuditSink = std::function<void(v1::AuditRecord)>;

// Whether a call that ended with `code` (e.g. "PERMISSION_DENIED") was
// refused: the caller, its certificate or its request was at fault.
// UNAVAILABLE and INTERNAL are the hub's failures, not decisions.
bool IsRefusal(const std::string& code);

// If `record` is a refusal, sends a CALL_REFUSED record to `audit`, with
// the fields bounded as in the log line; `staff_id` names the member of
// staff who called through the console ("" for an agency's own system).
void AuditRefusal(const v1::CallRecord& record, const AuditSink& audit, const std::string& staff_id = "");

// Both: logs the call, and records it if it was refused.
void RecordCall(const v1::CallRecord& record, const AuditSink& audit);

}  // namespace cre

#endif  // CRE_HUB_SERVICE_CALL_RECORD_H_
