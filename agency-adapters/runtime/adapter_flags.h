// What every adapter executable shares: the connection flags (--hub, --ca,
// --cert, --key), --help from a hand-written usage text (so that --help and
// the README say the same), and the check at start-up that the certificate
// is the agency the operator believes it is.
//
//   int main(int argc, char** argv) {
//     std::vector<std::string> args = ParseAdapterFlags(argc, argv, kUsage);
//     absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = ChannelFromFlags();
#ifndef CRE_AGENCY_ADAPTERS_RUNTIME_ADAPTER_FLAGS_H_
#define CRE_AGENCY_ADAPTERS_RUNTIME_ADAPTER_FLAGS_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/flags/declare.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "client/retry_policy.h"
#include "client/stopper.h"
#include "grpcpp/channel.h"

ABSL_DECLARE_FLAG(std::string, hub);
ABSL_DECLARE_FLAG(std::string, ca);
ABSL_DECLARE_FLAG(std::string, cert);
ABSL_DECLARE_FLAG(std::string, key);

namespace cre::adapters {

// Prints `usage` and exits 0 on --help or -h; otherwise parses the flags
// (exits 2 naming an unknown flag) and returns the positional arguments
// after the program name.
std::vector<std::string> ParseAdapterFlags(int argc, char** argv, absl::string_view usage);

// The mTLS channel the flags describe.
absl::StatusOr<std::shared_ptr<grpc::Channel>> ChannelFromFlags();

// Logs which agency the hub takes the certificate to be (Directory.WhoAmI),
// retrying while the hub is unreachable; the agency id, or the refusal
// (UNAUTHENTICATED for a certificate the hub does not know).
absl::StatusOr<std::string> WhoAmI(const std::shared_ptr<grpc::Channel>& channel, const client::RetryPolicy& policy,
                                   const client::Stopper& stopper);

// Exit statuses (sysexits.h): what a script running an adapter checks.
inline constexpr int kExitOk = 0;
inline constexpr int kExitUsage = 64;
inline constexpr int kExitRejected = 65;      // the hub refused the submission
inline constexpr int kExitUnavailable = 69;   // could not start (certificates, ...)
inline constexpr int kExitSoftware = 70;
inline constexpr int kExitIoError = 74;
inline constexpr int kExitSpooled = 75;       // kept in the spool: hub unreachable

}  // namespace cre::adapters

#endif  // CRE_AGENCY_ADAPTERS_RUNTIME_ADAPTER_FLAGS_H_
