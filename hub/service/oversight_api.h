// cre.v1.Oversight without a transport: managers' view of due and overdue
// actions across cases, and who looked at a child's record.
//
// Who sees what is the casework's rule (Casework::OverseenOwner): the CPM
// service every case, a team its own actions. The database read runs on
// the API's own small executor, never on the caller's thread: oversight
// reads are occasional, and must not hold up the traffic's threads or wait
// behind them.
//
// Page tokens are the store's cursor signed by the hub (crypto::TokenSigner),
// bound to the caller's agency and to the query (overdue_only, the team, the
// due window, the owner's role): a token the hub did not issue, one issued to
// another agency, or one used with another query is refused
// INVALID_ARGUMENT, never passed to the store. The store's cursor
// alone is a well-formed "where to start" that anyone could write.
//
// ListRecordAccesses is for the hub's own authority's Children's Social Care
// and CPM service (the role table, access/authorization.cc), for any child
// the hub holds; its before_seq is a plain audit row number, since any
// caller allowed at all may list any child's accesses. Each list read is
// journalled (ACCESS_LOG_READ) in the reading transaction.
#ifndef CRE_HUB_SERVICE_OVERSIGHT_API_H_
#define CRE_HUB_SERVICE_OVERSIGHT_API_H_

#include <memory>

#include "absl/strings/string_view.h"
#include "casework/casework.h"
#include "common/clock.h"
#include "common/executor.h"
#include "cre/v1/oversight.pb.h"
#include "crypto/token_signer.h"
#include "service/call_context.h"
#include "service/call_gate.h"
#include "store/store.h"

namespace cre {

class OversightApi {
 public:
  // What page tokens are signed for: a signer of this purpose makes no token
  // another use accepts.
  static constexpr absl::string_view kPageTokenPurpose = "cre.v1.Oversight.ListOpenActions page token v1";

  // `page_tokens` was made for kPageTokenPurpose from the hub's key ring;
  // `clock` (which must outlive the API) says what is overdue.
  OversightApi(std::shared_ptr<const CallGate> gate, std::shared_ptr<Store> store,
               std::shared_ptr<const Casework> casework, std::shared_ptr<const crypto::TokenSigner> page_tokens,
               const Clock& clock)
      : gate_(std::move(gate)),
        store_(std::move(store)),
        casework_(std::move(casework)),
        page_tokens_(std::move(page_tokens)),
        clock_(clock) {}

  // Answers `done` from the API's executor.
  void ListOpenActions(const CallContext& call, const v1::ListOpenActionsRequest& request,
                       v1::ListOpenActionsResponse* response, Done done);
  // Answers `done` from the API's executor.
  void ListRecordAccesses(const CallContext& call, const v1::ListRecordAccessesRequest& request,
                          v1::ListRecordAccessesResponse* response, Done done);

  static constexpr int kDefaultAccessLimit = 50;

 private:
  // The read itself (on the executor).
  absl::Status ReadOpenActions(const v1::Agency& caller, const v1::ListOpenActionsRequest& request,
                               v1::ListOpenActionsResponse* response);

  std::shared_ptr<const CallGate> gate_;
  std::shared_ptr<Store> store_;
  std::shared_ptr<const Casework> casework_;
  std::shared_ptr<const crypto::TokenSigner> page_tokens_;
  const Clock& clock_;
  // Last: its threads use the above, and are joined (after finishing what
  // is queued) before they are destroyed.
  Executor executor_{2, "oversight"};
};

}  // namespace cre

#endif  // CRE_HUB_SERVICE_OVERSIGHT_API_H_
