// The hub's service API, whole: what every transport calls, made once per
// hub process from its config.
//
// Each part is a cre.v1 service without its transport (as Arrow Flight's
// FlightServerBase is to its gRPC server): it takes the caller from a
// CallContext the transport built, applies the same rate limits, role
// checks, request checks, case access and refusal record for any transport,
// and answers with an absl::Status that the transport converts once.
//
//   CRE_ASSIGN_OR_RETURN(ServiceApi api, ServiceApi::Create(config, registry, store, dispatcher, clock, audit));
//   api.referrals->SubmitOperationLibertyReport(call, request, &response, done);
#ifndef CRE_HUB_SERVICE_SERVICE_API_H_
#define CRE_HUB_SERVICE_SERVICE_API_H_

#include <memory>

#include "absl/status/statusor.h"
#include "access/governance.h"
#include "casework/casework.h"
#include "common/clock.h"
#include "cre/v1/config.pb.h"
#include "delivery/delivery_dispatcher.h"
#include "identity/agency_registry.h"
#include "service/call_gate.h"
#include "service/caller_presence.h"
#include "service/console_api.h"
#include "service/directory_api.h"
#include "service/inbox_api.h"
#include "service/oversight_api.h"
#include "service/rate_limiter.h"
#include "service/referrals_api.h"
#include "store/store.h"

namespace cre {

struct ServiceApi {
  // Loads the pathway engine (config.pathway_policy_file and
  // bank_holiday_changes_file), which must be for the hub's own authority,
  // and the page-token key from config.field_key_file. `config` must have
  // been completed by LoadHubConfig or CompleteHubConfig; `clock` must
  // outlive the API. Refusals go to `audit`.
  static absl::StatusOr<ServiceApi> Create(const v1::HubConfig& config,
                                           std::shared_ptr<const AgencyRegistry> registry,
                                           std::shared_ptr<Store> store,
                                           std::shared_ptr<DeliveryDispatcher> dispatcher, const Clock& clock,
                                           AuditSink audit);

  // The decisions, which the deadline watcher also takes.
  std::shared_ptr<const Casework> casework;
  // The agencies' rate limits, which a transport also applies to the calls
  // it serves outside the API (gRPC's health and reflection).
  std::shared_ptr<RateLimiter> limiter;
  // When each agency last called this process (the gate records it), for
  // the presence reports (service/presence_reporter.h).
  std::shared_ptr<CallerPresence> presence;
  std::shared_ptr<const CallGate> gate;
  // Each submission's governance envelope is checked against it.
  std::shared_ptr<const GovernancePolicy> governance;

  std::shared_ptr<ReferralsApi> referrals;
  std::shared_ptr<InboxApi> inbox;
  std::shared_ptr<OversightApi> oversight;
  std::shared_ptr<DirectoryApi> directory;
  // Staff sign-in and sessions, for the web console; null without one
  // (config.console unset).
  std::shared_ptr<ConsoleApi> console;
};

}  // namespace cre

#endif  // CRE_HUB_SERVICE_SERVICE_API_H_
