// cre.v1.Directory without a transport: who the caller is, and which
// agencies the hub knows.
//
// Both answer before they return: WhoAmI from the call, ListAgencies from
// the store on the caller's thread (gRPC serves it on a synchronous thread;
// a transport on an event loop runs it elsewhere).
#ifndef CRE_HUB_SERVICE_DIRECTORY_API_H_
#define CRE_HUB_SERVICE_DIRECTORY_API_H_

#include <memory>
#include <string>

#include "cre/v1/directory.pb.h"
#include "service/call_context.h"
#include "service/call_gate.h"
#include "store/store.h"

namespace cre {

class DirectoryApi {
 public:
  DirectoryApi(std::shared_ptr<const CallGate> gate, std::shared_ptr<Store> store,
               std::string hub_local_authority_code)
      : gate_(std::move(gate)),
        store_(std::move(store)),
        hub_local_authority_code_(std::move(hub_local_authority_code)) {}

  void WhoAmI(const CallContext& call, const v1::WhoAmIRequest& request, v1::WhoAmIResponse* response,
              Done done) const;
  // From the store, which every hub process shares, rather than this
  // process's copy of the registry.
  void ListAgencies(const CallContext& call, const v1::ListAgenciesRequest& request,
                    v1::ListAgenciesResponse* response, Done done) const;

 private:
  std::shared_ptr<const CallGate> gate_;
  std::shared_ptr<Store> store_;
  const std::string hub_local_authority_code_;
};

}  // namespace cre

#endif  // CRE_HUB_SERVICE_DIRECTORY_API_H_
