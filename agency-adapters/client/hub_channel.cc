#include "client/hub_channel.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"

namespace cre::client {
namespace {

absl::StatusOr<std::string> ReadPem(const std::string& path, absl::string_view option) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat(option, ": cannot read ", path));
  std::ostringstream pem;
  pem << in.rdbuf();
  return pem.str();
}

}  // namespace

absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeHubChannel(const HubChannelOptions& options) {
  if (options.cert_file.empty() != options.key_file.empty()) {
    return absl::InvalidArgumentError("cert_file and key_file: give both or neither");
  }
  grpc::SslCredentialsOptions ssl;
  absl::StatusOr<std::string> ca = ReadPem(options.ca_file, "ca_file");
  if (!ca.ok()) return ca.status();
  ssl.pem_root_certs = *std::move(ca);
  if (!options.cert_file.empty()) {
    absl::StatusOr<std::string> cert = ReadPem(options.cert_file, "cert_file");
    if (!cert.ok()) return cert.status();
    absl::StatusOr<std::string> key = ReadPem(options.key_file, "key_file");
    if (!key.ok()) return key.status();
    ssl.pem_cert_chain = *std::move(cert);
    ssl.pem_private_key = *std::move(key);
  }
  grpc::ChannelArguments arguments;
  if (options.channel_id != 0) {
    arguments.SetInt("cre.channel_id", options.channel_id);
    arguments.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  }
  if (options.max_reconnect_backoff_ms > 0) {
    arguments.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, options.max_reconnect_backoff_ms);
    arguments.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, std::min(1000, options.max_reconnect_backoff_ms));
  }
  return grpc::CreateCustomChannel(options.target, grpc::SslCredentials(ssl), arguments);
}

}  // namespace cre::client
