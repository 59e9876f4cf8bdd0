// cre.v1.Oversight: managers' view of due and overdue actions across cases.
//
// Page tokens are the store's cursor signed by the hub (crypto::TokenSigner),
// bound to the caller's agency and to overdue_only: a token the hub did not
// issue, one issued to another agency, or one used with another overdue_only
// is refused INVALID_ARGUMENT, never passed to the store. The store's cursor
// alone is a well-formed "where to start" that anyone could write.
#ifndef CRE_HUB_SERVER_OVERSIGHT_SERVICE_H_
#define CRE_HUB_SERVER_OVERSIGHT_SERVICE_H_

#include <memory>

#include "absl/strings/string_view.h"
#include "cre/v1/oversight.grpc.pb.h"
#include "crypto/token_signer.h"
#include "identity/agency_registry.h"
#include "store/store.h"

namespace cre {

class OversightService final : public v1::Oversight::Service {
 public:
  // What page tokens are signed for: a signer of this purpose makes no token
  // another use accepts.
  static constexpr absl::string_view kPageTokenPurpose = "cre.v1.Oversight.ListOpenActions page token v1";

  // `page_tokens` was made for kPageTokenPurpose from the hub's key ring.
  OversightService(std::shared_ptr<const AgencyRegistry> registry, std::shared_ptr<Store> store,
                   std::shared_ptr<const crypto::TokenSigner> page_tokens)
      : registry_(std::move(registry)), store_(std::move(store)), page_tokens_(std::move(page_tokens)) {}

  grpc::Status ListOpenActions(grpc::ServerContext* context, const v1::ListOpenActionsRequest* request,
                               v1::ListOpenActionsResponse* response) override;

 private:
  std::shared_ptr<const AgencyRegistry> registry_;
  std::shared_ptr<Store> store_;
  std::shared_ptr<const crypto::TokenSigner> page_tokens_;
};

}  // namespace cre

#endif  // CRE_HUB_SERVER_OVERSIGHT_SERVICE_H_
