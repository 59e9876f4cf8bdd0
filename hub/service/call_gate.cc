#include "service/call_gate.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "cre/v1/call_log.pb.h"

namespace cre {

absl::Status ApplyRateLimit(RateLimiter& limiter, const std::string& agency_id, absl::string_view method_path,
                            absl::Time now, const AuditSink& audit) {
  const RateLimitDecision decision = limiter.Admit(agency_id, method_path, now);
  if (decision.admitted) return absl::OkStatus();
  if (decision.record) {
    v1::CallRecord record;
    record.set_agency(agency_id);
    record.set_method(std::string(method_path));
    record.set_code("RESOURCE_EXHAUSTED");
    record.set_detail(decision.unrecorded_before == 0
                          ? decision.reason
                          : absl::StrCat(decision.reason, " (", decision.unrecorded_before,
                                         " more refused since the last record)"));
    AuditRefusal(record, audit);
  }
  return absl::ResourceExhaustedError(decision.reason);
}

absl::optional<Done> CallGate::Admit(const CallContext& call, Method method, Done done) const {
  // Buckets count calls per real second, and an agency is seen at a real
  // time: absl::Now(), never the hub's Clock, which a test may move by hours.
  const absl::Time now = absl::Now();
  // The console's staff act for their agency, but are not its system.
  if (presence_ != nullptr && call.staff_id.empty()) presence_->Called(call.caller.id(), now);
  if (limiter_ != nullptr) {
    if (absl::Status limited = ApplyRateLimit(*limiter_, call.caller.id(), MethodPath(method), now, audit_);
        !limited.ok()) {
      done(limited);
      return absl::nullopt;
    }
  }
  Done recorded = [this, agency = call.caller.id(), staff = call.staff_id, method,
                   done = std::move(done)](const absl::Status& status) {
    if (!status.ok()) {
      v1::CallRecord record;
      record.set_agency(agency);
      record.set_method(MethodPath(method));
      record.set_code(absl::StatusCodeToString(status.code()));
      record.set_detail(std::string(status.message()));
      AuditRefusal(record, audit_, staff);
    }
    done(status);
  };
  if (absl::Status allowed = Authorize(call.caller, method); !allowed.ok()) {
    recorded(allowed);
    return absl::nullopt;
  }
  return recorded;
}

absl::optional<Done> CallGate::Admit(const CallContext& call, Method method,
                                     absl::FunctionRef<absl::Status()> check, Done done) const {
  absl::optional<Done> admitted = Admit(call, method, std::move(done));
  if (!admitted) return absl::nullopt;
  if (absl::Status valid = check(); !valid.ok()) {
    (*admitted)(valid);
    return absl::nullopt;
  }
  return admitted;
}

void CallGate::RefuseUnreadable(const CallContext& call, Method method, const absl::Status& why, Done done) const {
  absl::optional<Done> admitted = Admit(call, method, std::move(done));
  if (admitted) (*admitted)(why);
}

std::unique_ptr<OpenStreamCount> CallGate::CountStream(const std::string& agency_id) const {
  if (limiter_ == nullptr) return nullptr;
  return std::make_unique<OpenStreamCount>(limiter_, agency_id);
}

}  // namespace cre
