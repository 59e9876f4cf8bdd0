// The one place where the adapters turn a gRPC status into an absl::Status,
// so that everything above the transport (retry policy, spool, adapters)
// speaks absl::Status only.
//
//   grpc::Status reply = stub->SubmitConcern(&context, request, &receipt);
//   absl::Status status = FromGrpcStatus(reply);
#ifndef CRE_AGENCY_ADAPTERS_CLIENT_GRPC_STATUS_H_
#define CRE_AGENCY_ADAPTERS_CLIENT_GRPC_STATUS_H_

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace cre::client {

// The same code and message; gRPC's and Abseil's canonical codes coincide.
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace cre::client

#endif  // CRE_AGENCY_ADAPTERS_CLIENT_GRPC_STATUS_H_
