// Loading the hub's config (cre.v1.HubConfig, protobuf text format).
//
// The loaded config is complete: relative paths are resolved against the
// config file's directory, the agency registry file (if named) is read into
// `agency_registry`, defaults are filled in, and every field is checked, so
// that the rest of the hub never deals with a half-valid config.
//
//   CRE_ASSIGN_OR_RETURN(cre::v1::HubConfig config, LoadHubConfig(path));
#ifndef CRE_HUB_CONFIG_HUB_CONFIG_H_
#define CRE_HUB_CONFIG_HUB_CONFIG_H_

#include <string>

#include "absl/status/statusor.h"
#include "cre/v1/config.pb.h"

namespace cre {

// Defaults for fields a config may leave out.
inline constexpr uint32_t kDefaultPoolSize = 8;
inline constexpr uint32_t kDefaultConnectTimeoutSeconds = 5;
inline constexpr uint32_t kDefaultTlsRefreshSeconds = 60;
inline constexpr uint32_t kDefaultDatabasePort = 3306;

// Alerting (alerting), when configured: an agency not collecting its
// messages for 15 minutes is alerted; at most one mail an hour per mailbox;
// evaluated every minute; an SMTP exchange bounded to 30 s.
inline constexpr uint32_t kDefaultLivenessAfterSeconds = 15 * 60;
inline constexpr uint32_t kDefaultDigestIntervalSeconds = 60 * 60;
inline constexpr uint32_t kDefaultAlertEvaluateIntervalSeconds = 60;
inline constexpr uint32_t kDefaultSmtpTimeoutSeconds = 30;

// Per-agency rate limits (rate_limit): generous, so that no legitimate use
// (nor the benchmark, several thousand calls a second from a handful of
// agencies, nor a test opening 1,000 streams as one agency) meets them; they
// stop a runaway client, not a busy one. Set them to an agency's expected
// peak for a tighter bound.
inline constexpr double kDefaultSubmissionsPerSecond = 2000;
inline constexpr uint32_t kDefaultSubmissionsBurst = 4000;
inline constexpr double kDefaultReadsPerSecond = 1000;
inline constexpr uint32_t kDefaultReadsBurst = 2000;
inline constexpr double kDefaultAcknowledgementsPerSecond = 2000;
inline constexpr uint32_t kDefaultAcknowledgementsBurst = 4000;
inline constexpr double kDefaultStreamOpensPerSecond = 100;
inline constexpr uint32_t kDefaultStreamOpensBurst = 2000;
inline constexpr double kDefaultOtherCallsPerSecond = 100;
inline constexpr uint32_t kDefaultOtherCallsBurst = 200;
inline constexpr uint32_t kDefaultMaxOpenStreams = 2000;

// Reads, completes and checks the config at `path`. INVALID_ARGUMENT names
// the file and the field at fault, e.g. "hub.textproto: tls.server_cert_file: required".
absl::StatusOr<v1::HubConfig> LoadHubConfig(const std::string& path);

// Completes and checks a config already in memory (paths must be absolute
// or relative to the working directory). Used by LoadHubConfig and tests.
absl::Status CompleteHubConfig(v1::HubConfig* config);

}  // namespace cre

#endif  // CRE_HUB_CONFIG_HUB_CONFIG_H_
