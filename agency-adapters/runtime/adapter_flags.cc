#include "runtime/adapter_flags.h"

#include <algorithm>
#include <cstdlib>
#include <iostream>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "client/grpc_status.h"
#include "client/hub_channel.h"
#include "client/log.h"
#include "cre/v1/directory.grpc.pb.h"

ABSL_FLAG(std::string, hub, "localhost:50051", "host:port of the hub");
ABSL_FLAG(std::string, ca, "certs/dev/ca.crt", "CA certificate the hub's certificate must chain to");
ABSL_FLAG(std::string, cert, "", "this agency's client certificate (PEM)");
ABSL_FLAG(std::string, key, "", "this agency's private key (PEM)");

namespace cre::adapters {

std::vector<std::string> ParseAdapterFlags(int argc, char** argv, absl::string_view usage) {
  for (int i = 1; i < argc; ++i) {
    const absl::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h" || arg == "--helpfull") {
      std::cout << usage;
      std::exit(kExitOk);
    }
  }
  // The flags are spelt with dashes (--case-id); Abseil names them with
  // underscores. Both spellings are accepted.
  static std::vector<std::string> spelled;  // outlives the parse: argv points into it
  spelled.assign(argv, argv + argc);
  std::vector<char*> rewritten;
  for (std::string& arg : spelled) {
    if (absl::StartsWith(arg, "--")) {
      const size_t end = std::min(arg.find('='), arg.size());
      std::replace(arg.begin() + 2, arg.begin() + end, '-', '_');
    }
    rewritten.push_back(arg.data());
  }
  std::vector<char*> positional = absl::ParseCommandLine(argc, rewritten.data());
  return std::vector<std::string>(positional.begin() + 1, positional.end());
}

absl::StatusOr<std::shared_ptr<grpc::Channel>> ChannelFromFlags() {
  client::HubChannelOptions options;
  options.target = absl::GetFlag(FLAGS_hub);
  options.ca_file = absl::GetFlag(FLAGS_ca);
  options.cert_file = absl::GetFlag(FLAGS_cert);
  options.key_file = absl::GetFlag(FLAGS_key);
  options.max_reconnect_backoff_ms = 5000;
  if (options.cert_file.empty() || options.key_file.empty()) {
    return absl::InvalidArgumentError("--cert and --key: required (this agency's certificate and key)");
  }
  return client::MakeHubChannel(options);
}

absl::StatusOr<std::string> WhoAmI(const std::shared_ptr<grpc::Channel>& channel, const client::RetryPolicy& policy,
                                   const client::Stopper& stopper) {
  auto directory = v1::Directory::NewStub(channel);
  v1::WhoAmIResponse response;
  absl::Status status = client::CallWithRetry(policy, stopper, [&](grpc::ClientContext& context) {
    return directory->WhoAmI(&context, v1::WhoAmIRequest(), &response);
  });
  if (!status.ok()) return status;
  client::LogInfo(absl::StrCat("connected to ", absl::GetFlag(FLAGS_hub), " as ", response.agency().id(), " (",
                               response.agency().display_name(), ")"));
  return response.agency().id();
}

}  // namespace cre::adapters
