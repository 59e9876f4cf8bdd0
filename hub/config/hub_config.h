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

// Reads, completes and checks the config at `path`. INVALID_ARGUMENT names
// the file and the field at fault, e.g. "hub.textproto: tls.server_cert_file: required".
absl::StatusOr<v1::HubConfig> LoadHubConfig(const std::string& path);

// Completes and checks a config already in memory (paths must be absolute
// or relative to the working directory). Used by LoadHubConfig and tests.
absl::Status CompleteHubConfig(v1::HubConfig* config);

}  // namespace cre

#endif  // CRE_HUB_CONFIG_HUB_CONFIG_H_
