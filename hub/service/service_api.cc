#include "service/service_api.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "crypto/field_cipher.h"
#include "crypto/token_signer.h"
#include "pathway/engine.h"

namespace cre {
namespace {

absl::StatusOr<std::shared_ptr<const pathway::PathwayEngine>> LoadEngine(const v1::HubConfig& config) {
  absl::StatusOr<pathway::PathwayEngine> engine = pathway::PathwayEngine::FromFiles(
      config.pathway_policy_file(), config.bank_holiday_changes_file());
  if (!engine.ok()) return engine.status();
  // Placed-in and placed-out depend on which authority the hub is: the
  // policy and the hub must agree.
  if (engine->policy().local_authority_code != config.local_authority().code()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "pathway_policy_file: local_authority_code ", engine->policy().local_authority_code,
        " is not the hub's local_authority.code ", config.local_authority().code()));
  }
  return std::make_shared<const pathway::PathwayEngine>(*std::move(engine));
}

// Page tokens are signed with a key derived from the field key ring, which
// every hub process sharing the database reads: a token one process issued
// is accepted by another, and there is no new secret to manage. The store
// reads the same file for its own use.
absl::StatusOr<std::shared_ptr<const crypto::TokenSigner>> LoadPageTokenSigner(const v1::HubConfig& config) {
  absl::StatusOr<crypto::KeyRing> ring = crypto::KeyRing::Load(config.field_key_file());
  if (!ring.ok()) {
    return absl::Status(ring.status().code(), absl::StrCat("field_key_file: ", ring.status().message()));
  }
  absl::StatusOr<crypto::TokenSigner> signer =
      crypto::TokenSigner::Create(*ring, OversightApi::kPageTokenPurpose);
  if (!signer.ok()) return signer.status();
  return std::make_shared<const crypto::TokenSigner>(*std::move(signer));
}

}  // namespace

absl::StatusOr<ServiceApi> ServiceApi::Create(const v1::HubConfig& config,
                                              std::shared_ptr<const AgencyRegistry> registry,
                                              std::shared_ptr<Store> store,
                                              std::shared_ptr<DeliveryDispatcher> dispatcher, const Clock& clock,
                                              AuditSink audit) {
  absl::StatusOr<std::shared_ptr<const pathway::PathwayEngine>> engine = LoadEngine(config);
  if (!engine.ok()) return engine.status();
  absl::StatusOr<std::shared_ptr<const crypto::TokenSigner>> page_tokens = LoadPageTokenSigner(config);
  if (!page_tokens.ok()) return page_tokens.status();
  // The buckets count calls per real second (absl::Now()), whatever the
  // hub's clock says.
  absl::StatusOr<std::shared_ptr<RateLimiter>> limiter =
      RateLimiter::Create(config.rate_limit(), *registry, absl::Now());
  if (!limiter.ok()) return limiter.status();

  ServiceApi api;
  RouterOptions routing_policy;
  routing_policy.iro_for_child_of_another_authority = (*engine)->policy().iro_for_child_of_another_authority;
  api.governance = std::make_shared<const GovernancePolicy>(config.governance());
  api.casework = std::make_shared<const Casework>(
      Router(registry, config.local_authority().code(), routing_policy), *engine, api.governance->hub_envelope());
  api.limiter = *std::move(limiter);
  std::vector<std::string> agency_ids;
  for (const v1::Agency& agency : registry->agencies()) agency_ids.push_back(agency.id());
  api.presence = std::make_shared<CallerPresence>(agency_ids);
  api.gate = std::make_shared<const CallGate>(api.limiter, audit, api.presence);
  api.referrals = std::make_shared<ReferralsApi>(api.gate, api.governance, store, dispatcher, api.casework, clock,
                                                 static_cast<int>(config.database().pool_size()));
  api.inbox = std::make_shared<InboxApi>(api.gate, dispatcher);
  api.oversight = std::make_shared<OversightApi>(api.gate, store, api.casework, *std::move(page_tokens), clock);
  api.directory = std::make_shared<DirectoryApi>(api.gate, store, config.local_authority().code());
  if (config.has_console()) {
    absl::StatusOr<std::unique_ptr<ConsoleApi>> console = ConsoleApi::Create(config, registry, store, clock, audit);
    if (!console.ok()) return console.status();
    api.console = *std::move(console);
  }
  return api;
}

}  // namespace cre
