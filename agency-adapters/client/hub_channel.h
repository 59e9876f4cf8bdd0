// An mTLS channel to the hub from certificate files: the first piece of the
// adapters' client library.
//
//   CRE_ASSIGN_OR_RETURN(auto channel, MakeHubChannel({
//       .target = "localhost:50051", .ca_file = "certs/dev/ca.crt",
//       .cert_file = "certs/dev/agencies/derby-health.crt",
//       .key_file = "certs/dev/agencies/derby-health.key"}));
//   auto directory = cre::v1::Directory::NewStub(channel);
#ifndef CRE_AGENCY_ADAPTERS_CLIENT_HUB_CHANNEL_H_
#define CRE_AGENCY_ADAPTERS_CLIENT_HUB_CHANNEL_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "grpcpp/channel.h"

namespace cre::client {

struct HubChannelOptions {
  // host:port of the hub. The host must match a SAN of the hub's certificate.
  std::string target;
  // The CA bundle the hub's certificate must chain to.
  std::string ca_file;
  // The agency's certificate and key. Both empty: no client certificate,
  // which the hub refuses in the TLS handshake (the caller sees UNAVAILABLE).
  std::string cert_file;
  std::string key_file;
  // Channels with equal options share one connection; a different id gives
  // a channel its own (load generators, tests of many connections).
  int channel_id = 0;
  // Upper bound of gRPC's wait between reconnection attempts after the hub
  // was unreachable (gRPC's default grows to 120 s); 0 keeps the default.
  // Adapters set a few seconds, so that a returning hub is found quickly.
  int max_reconnect_backoff_ms = 0;
};

// NOT_FOUND naming the option whose file cannot be read.
absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeHubChannel(const HubChannelOptions& options);

}  // namespace cre::client

#endif  // CRE_AGENCY_ADAPTERS_CLIENT_HUB_CHANNEL_H_
