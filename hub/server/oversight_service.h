// cre.v1.Oversight: managers' view of due and overdue actions across cases.
//
// On gRPC's callback API, with its request taken as bytes and parsed by the
// hub (server/raw_request.h). The database read runs on the service's own
// small executor, never on gRPC's thread: oversight reads are occasional,
// and must not hold up the traffic's threads or wait behind them.
// Page tokens are the store's cursor signed by the hub (crypto::TokenSigner),
// bound to the caller's agency and to overdue_only: a token the hub did not
// issue, one issued to another agency, or one used with another overdue_only
// is refused INVALID_ARGUMENT, never passed to the store. The store's cursor
// alone is a well-formed "where to start" that anyone could write.
#ifndef CRE_HUB_SERVER_OVERSIGHT_SERVICE_H_
#define CRE_HUB_SERVER_OVERSIGHT_SERVICE_H_

#include <memory>

#include "common/clock.h"
#include "common/executor.h"
#include "absl/strings/string_view.h"
#include "cre/v1/oversight.grpc.pb.h"
#include "crypto/token_signer.h"
#include "identity/agency_registry.h"
#include "server/raw_request.h"
#include "store/store.h"

namespace cre {

class OversightService final
    : public v1::Oversight::WithRawCallbackMethod_ListOpenActions<v1::Oversight::Service> {
 public:
  // What page tokens are signed for: a signer of this purpose makes no token
  // another use accepts.
  static constexpr absl::string_view kPageTokenPurpose = "cre.v1.Oversight.ListOpenActions page token v1";

  // `page_tokens` was made for kPageTokenPurpose from the hub's key ring;
  // `clock` (which must outlive the service) says what is overdue.
  OversightService(std::shared_ptr<const AgencyRegistry> registry, std::shared_ptr<Store> store,
                   std::shared_ptr<const crypto::TokenSigner> page_tokens, const Clock& clock)
      : registry_(std::move(registry)),
        store_(std::move(store)),
        page_tokens_(std::move(page_tokens)),
        clock_(clock) {}

  grpc::ServerUnaryReactor* ListOpenActions(grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
                                            grpc::ByteBuffer* response) override;

 private:
  // The read itself (on the executor).
  absl::Status ListOpenActions(const v1::Agency& caller, const v1::ListOpenActionsRequest& request,
                               v1::ListOpenActionsResponse* response);

  std::shared_ptr<const AgencyRegistry> registry_;
  std::shared_ptr<Store> store_;
  std::shared_ptr<const crypto::TokenSigner> page_tokens_;
  const Clock& clock_;
  // Last: its threads use the above, and are joined (after finishing what
  // is queued) before they are destroyed.
  Executor executor_{2, "oversight"};
};

}  // namespace cre

#endif  // CRE_HUB_SERVER_OVERSIGHT_SERVICE_H_
