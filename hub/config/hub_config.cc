#include "config/hub_config.h"

#include <cmath>
#include <string>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "access/governance.h"
#include "common/files.h"
#include "common/status_macros.h"
#include "identity/agency_registry.h"

namespace cre {
namespace {

absl::Status Required(const std::string& value, absl::string_view field) {
  if (value.empty()) return absl::InvalidArgumentError(absl::StrCat(field, ": required"));
  return absl::OkStatus();
}

// A schema name is put into DDL (CREATE DATABASE), where no placeholder is
// allowed, so it is restricted to characters that need no quoting.
bool IsPlainIdentifier(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    if (!(absl::ascii_isalnum(c) || c == '_')) return false;
  }
  return true;
}

void FillRateLimit(v1::RateLimit* limit, double per_second, uint32_t burst) {
  if (limit->per_second() == 0) limit->set_per_second(per_second);
  if (limit->burst() == 0) limit->set_burst(burst);
}

// Hub-wide defaults first; then what an agency's entry leaves unset is the
// hub-wide value, so that the completed config says every agency's limits.
void FillRateLimitDefaults(v1::RateLimitConfig* config) {
  FillRateLimit(config->mutable_submissions(), kDefaultSubmissionsPerSecond, kDefaultSubmissionsBurst);
  FillRateLimit(config->mutable_reads(), kDefaultReadsPerSecond, kDefaultReadsBurst);
  FillRateLimit(config->mutable_acknowledgements(), kDefaultAcknowledgementsPerSecond,
                kDefaultAcknowledgementsBurst);
  FillRateLimit(config->mutable_stream_opens(), kDefaultStreamOpensPerSecond, kDefaultStreamOpensBurst);
  FillRateLimit(config->mutable_other_calls(), kDefaultOtherCallsPerSecond, kDefaultOtherCallsBurst);
  if (config->max_open_streams() == 0) config->set_max_open_streams(kDefaultMaxOpenStreams);
  for (v1::AgencyRateLimit& agency : *config->mutable_agencies()) {
    FillRateLimit(agency.mutable_submissions(), config->submissions().per_second(),
                  config->submissions().burst());
    FillRateLimit(agency.mutable_reads(), config->reads().per_second(), config->reads().burst());
    FillRateLimit(agency.mutable_acknowledgements(), config->acknowledgements().per_second(),
                  config->acknowledgements().burst());
    FillRateLimit(agency.mutable_stream_opens(), config->stream_opens().per_second(),
                  config->stream_opens().burst());
    FillRateLimit(agency.mutable_other_calls(), config->other_calls().per_second(),
                  config->other_calls().burst());
    if (agency.max_open_streams() == 0) agency.set_max_open_streams(config->max_open_streams());
  }
}

absl::Status CheckRateLimit(const v1::RateLimit& limit, absl::string_view field) {
  // Negative, NaN and infinite rates are mistakes (0 became the default);
  // to lift a limit, give a large number.
  if (!(limit.per_second() > 0) || std::isinf(limit.per_second())) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ".per_second: must be a positive number of calls a second, not ", limit.per_second()));
  }
  return absl::OkStatus();
}

// After the registry is read: an entry must name a registered agency, once.
absl::Status CheckRateLimits(const v1::RateLimitConfig& config, const AgencyRegistry& registry) {
  CRE_RETURN_IF_ERROR(CheckRateLimit(config.submissions(), "rate_limit.submissions"));
  CRE_RETURN_IF_ERROR(CheckRateLimit(config.reads(), "rate_limit.reads"));
  CRE_RETURN_IF_ERROR(CheckRateLimit(config.acknowledgements(), "rate_limit.acknowledgements"));
  CRE_RETURN_IF_ERROR(CheckRateLimit(config.stream_opens(), "rate_limit.stream_opens"));
  CRE_RETURN_IF_ERROR(CheckRateLimit(config.other_calls(), "rate_limit.other_calls"));
  absl::flat_hash_set<std::string> seen;
  for (int i = 0; i < config.agencies_size(); ++i) {
    const v1::AgencyRateLimit& agency = config.agencies(i);
    const std::string field = absl::StrCat("rate_limit.agencies[", i, "]");
    if (registry.FindById(agency.agency_id()) == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(field, ".agency_id: \"", agency.agency_id(),
                                                     "\" is not an agency of the registry"));
    }
    if (!seen.insert(agency.agency_id()).second) {
      return absl::InvalidArgumentError(absl::StrCat(field, ".agency_id: \"", agency.agency_id(),
                                                     "\" has an entry already; give one per agency"));
    }
    CRE_RETURN_IF_ERROR(CheckRateLimit(agency.submissions(), field + ".submissions"));
    CRE_RETURN_IF_ERROR(CheckRateLimit(agency.reads(), field + ".reads"));
    CRE_RETURN_IF_ERROR(CheckRateLimit(agency.acknowledgements(), field + ".acknowledgements"));
    CRE_RETURN_IF_ERROR(CheckRateLimit(agency.stream_opens(), field + ".stream_opens"));
    CRE_RETURN_IF_ERROR(CheckRateLimit(agency.other_calls(), field + ".other_calls"));
  }
  return absl::OkStatus();
}

void FillDefaults(v1::HubConfig* config) {
  v1::DatabaseConfig* db = config->mutable_database();
  if (db->port() == 0 && db->nodes().empty()) db->set_port(kDefaultDatabasePort);
  for (v1::DatabaseNode& node : *db->mutable_nodes()) {
    if (node.port() == 0) node.set_port(kDefaultDatabasePort);
  }
  if (db->pool_size() == 0) db->set_pool_size(kDefaultPoolSize);
  if (db->connect_timeout_seconds() == 0) {
    db->set_connect_timeout_seconds(kDefaultConnectTimeoutSeconds);
  }
  v1::TlsConfig* tls = config->mutable_tls();
  if (tls->refresh_interval_seconds() == 0) {
    tls->set_refresh_interval_seconds(kDefaultTlsRefreshSeconds);
  }
  v1::DeliveryConfig* delivery = config->mutable_delivery();
  if (delivery->lease_seconds() == 0) delivery->set_lease_seconds(30);
  if (delivery->max_attempts() == 0) delivery->set_max_attempts(10);
  if (delivery->initial_backoff_ms() == 0) delivery->set_initial_backoff_ms(1000);
  if (delivery->max_backoff_seconds() == 0) delivery->set_max_backoff_seconds(300);
  if (delivery->poll_interval_ms() == 0) delivery->set_poll_interval_ms(500);
  if (config->deadline_check_interval_ms() == 0) config->set_deadline_check_interval_ms(10000);
  if (config->presence_report_interval_ms() == 0) config->set_presence_report_interval_ms(15000);
  FillRateLimitDefaults(config->mutable_rate_limit());
  if (config->has_alerting()) {
    v1::AlertingConfig* alerting = config->mutable_alerting();
    if (alerting->liveness_after_seconds() == 0) alerting->set_liveness_after_seconds(kDefaultLivenessAfterSeconds);
    if (alerting->digest_interval_seconds() == 0) alerting->set_digest_interval_seconds(kDefaultDigestIntervalSeconds);
    if (alerting->evaluate_interval_seconds() == 0) {
      alerting->set_evaluate_interval_seconds(kDefaultAlertEvaluateIntervalSeconds);
    }
    if (alerting->smtp().timeout_seconds() == 0) alerting->mutable_smtp()->set_timeout_seconds(kDefaultSmtpTimeoutSeconds);
  }
  if (config->has_console()) {
    v1::ConsoleConfig* console = config->mutable_console();
    if (console->session_idle_minutes() == 0) console->set_session_idle_minutes(30);
    if (console->session_absolute_minutes() == 0) console->set_session_absolute_minutes(12 * 60);
  }
  if (config->has_metrics() && config->metrics().store_timeout_ms() == 0) {
    config->mutable_metrics()->set_store_timeout_ms(5000);
  }
}

// A console is optional; one that is configured must be whole.
absl::Status CheckConsole(const v1::HubConfig& config) {
  if (!config.has_console()) return absl::OkStatus();
  const v1::ConsoleConfig& console = config.console();
  CRE_RETURN_IF_ERROR(Required(console.listen_address(), "console.listen_address"));
  CRE_RETURN_IF_ERROR(Required(console.server_cert_file(), "console.server_cert_file"));
  CRE_RETURN_IF_ERROR(Required(console.server_key_file(), "console.server_key_file"));
  CRE_RETURN_IF_ERROR(Required(console.static_dir(), "console.static_dir"));
  if (console.session_idle_minutes() > console.session_absolute_minutes()) {
    return absl::InvalidArgumentError(
        "console.session_idle_minutes: longer than session_absolute_minutes, so it would never apply");
  }
  return absl::OkStatus();
}

// A mail address as the hub writes it into SMTP commands and headers: one
// local part, one '@', a domain; nothing that could end a line or a command.
bool IsMailAddress(const std::string& address) {
  if (address.size() > 254) return false;
  const size_t at = address.find('@');
  if (at == std::string::npos || at == 0 || at + 1 >= address.size() || address.find('@', at + 1) != std::string::npos) {
    return false;
  }
  for (char c : address) {
    if (c <= 0x20 || c >= 0x7f || c == '<' || c == '>' || c == ',' || c == ';' || c == '"' || c == '(' || c == ')') {
      return false;
    }
  }
  return true;
}

absl::Status CheckMailAddress(const std::string& address, const std::string& field) {
  CRE_RETURN_IF_ERROR(Required(address, field));
  if (!IsMailAddress(address)) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": \"", address, "\" is not a mail address (local@domain, printable ASCII, no spaces)"));
  }
  return absl::OkStatus();
}

// Alerting is optional; configured, it must be able to send every mail it
// may raise: a server, a sender, the console to link to, operators.
absl::Status CheckAlerting(const v1::HubConfig& config, const AgencyRegistry& registry) {
  if (!config.has_alerting()) return absl::OkStatus();
  const v1::AlertingConfig& alerting = config.alerting();
  const v1::SmtpConfig& smtp = alerting.smtp();
  CRE_RETURN_IF_ERROR(Required(smtp.url(), "alerting.smtp.url"));
  if (!absl::StartsWith(smtp.url(), "smtp://") && !absl::StartsWith(smtp.url(), "smtps://")) {
    return absl::InvalidArgumentError(
        absl::StrCat("alerting.smtp.url: \"", smtp.url(), "\" must begin smtp:// (STARTTLS when offered) or smtps://"));
  }
  CRE_RETURN_IF_ERROR(CheckMailAddress(smtp.from(), "alerting.smtp.from"));
  if (smtp.username().empty() != smtp.password_file().empty()) {
    return absl::InvalidArgumentError(
        "alerting.smtp.username: give both username and password_file, or neither (no login)");
  }
  CRE_RETURN_IF_ERROR(Required(alerting.console_url(), "alerting.console_url"));
  if (!absl::StartsWith(alerting.console_url(), "https://") && !absl::StartsWith(alerting.console_url(), "http://")) {
    return absl::InvalidArgumentError(absl::StrCat("alerting.console_url: \"", alerting.console_url(),
                                                   "\" must begin https:// (the console's address as staff reach it)"));
  }
  if (alerting.console_url().find('#') != std::string::npos) {
    return absl::InvalidArgumentError("alerting.console_url: give the console's address without a #fragment");
  }
  if (alerting.operators().empty()) {
    return absl::InvalidArgumentError(
        "alerting.operators: required: at least one address for dead letters, agencies and certificates");
  }
  for (int i = 0; i < alerting.operators_size(); ++i) {
    CRE_RETURN_IF_ERROR(CheckMailAddress(alerting.operators(i), absl::StrCat("alerting.operators[", i, "]")));
  }
  for (int i = 0; i < alerting.mailboxes_size(); ++i) {
    const v1::AlertMailbox& m = alerting.mailboxes(i);
    const std::string field = absl::StrCat("alerting.mailboxes[", i, "]");
    CRE_RETURN_IF_ERROR(CheckMailAddress(m.address(), field + ".address"));
    if (!m.agency_id().empty() && registry.FindById(m.agency_id()) == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ".agency_id: \"", m.agency_id(), "\" is not an agency of the registry"));
    }
  }
  if (alerting.smtp().timeout_seconds() > 600) {
    return absl::InvalidArgumentError("alerting.smtp.timeout_seconds: at most 600");
  }
  return absl::OkStatus();
}

// One server (host and port) or a cluster's nodes, not both.
absl::Status CheckDatabaseServers(const v1::DatabaseConfig& db) {
  if (db.nodes().empty()) {
    CRE_RETURN_IF_ERROR(Required(db.host(), "database.host"));
    if (db.port() > 65535) return absl::InvalidArgumentError("database.port: must be below 65536");
    return absl::OkStatus();
  }
  if (!db.host().empty()) {
    return absl::InvalidArgumentError(
        "database: give either host (one server) or nodes (a cluster), not both");
  }
  for (int i = 0; i < db.nodes_size(); ++i) {
    const std::string field = absl::StrCat("database.nodes[", i, "]");
    CRE_RETURN_IF_ERROR(Required(db.nodes(i).host(), absl::StrCat(field, ".host")));
    if (db.nodes(i).port() > 65535) {
      return absl::InvalidArgumentError(absl::StrCat(field, ".port: must be below 65536"));
    }
    for (int j = 0; j < i; ++j) {
      if (db.nodes(j).host() == db.nodes(i).host() && db.nodes(j).port() == db.nodes(i).port()) {
        return absl::InvalidArgumentError(absl::StrCat(field, ": ", db.nodes(i).host(), ":",
                                                       db.nodes(i).port(), " is listed twice"));
      }
    }
  }
  if (db.sync_wait() > 15) {
    return absl::InvalidArgumentError("database.sync_wait: must be 0 to 15 (a wsrep_sync_wait mask)");
  }
  return absl::OkStatus();
}

absl::Status CheckFields(const v1::HubConfig& config) {
  CRE_RETURN_IF_ERROR(Required(config.local_authority().code(), "local_authority.code"));
  CRE_RETURN_IF_ERROR(Required(config.listen_address(), "listen_address"));
  CRE_RETURN_IF_ERROR(Required(config.tls().server_cert_file(), "tls.server_cert_file"));
  CRE_RETURN_IF_ERROR(Required(config.tls().server_key_file(), "tls.server_key_file"));
  CRE_RETURN_IF_ERROR(Required(config.tls().client_ca_file(), "tls.client_ca_file"));
  CRE_RETURN_IF_ERROR(CheckDatabaseServers(config.database()));
  CRE_RETURN_IF_ERROR(Required(config.database().user(), "database.user"));
  CRE_RETURN_IF_ERROR(Required(config.pathway_policy_file(), "pathway_policy_file"));
  CRE_RETURN_IF_ERROR(Required(config.bank_holiday_changes_file(), "bank_holiday_changes_file"));
  CRE_RETURN_IF_ERROR(Required(config.field_key_file(), "field_key_file"));
  if (!IsPlainIdentifier(config.database().schema())) {
    return absl::InvalidArgumentError(
        absl::StrCat("database.schema: \"", config.database().schema(),
                     "\" must be 1-64 letters, digits or '_'"));
  }
  if (config.has_metrics()) {
    // Which addresses it may listen on is the listener's to say
    // (metrics/metrics_listener.h), when the hub starts.
    CRE_RETURN_IF_ERROR(Required(config.metrics().listen_address(), "metrics.listen_address"));
  }
  return CheckConsole(config);
}

// Read from governance_file if named, then completed against the registry.
absl::Status CompleteGovernance(v1::HubConfig* config, const AgencyRegistry& registry) {
  const std::string& file = config->governance_file();
  if (!file.empty()) {
    if (config->has_governance()) {
      return absl::InvalidArgumentError("governance_file: give the governance config in a file or inline, not both");
    }
    CRE_RETURN_IF_ERROR(ReadTextProto(file, config->mutable_governance()));
  }
  absl::Status completed = CompleteGovernanceConfig(config->mutable_governance(), registry);
  if (completed.ok()) return completed;
  return absl::Status(completed.code(), file.empty() ? absl::StrCat("governance.", completed.message())
                                                     : absl::StrCat("governance_file: ", file, ": ",
                                                                    completed.message()));
}

}  // namespace

absl::Status CompleteHubConfig(v1::HubConfig* config) {
  FillDefaults(config);
  CRE_RETURN_IF_ERROR(CheckFields(*config));
  if (!config->agency_registry_file().empty()) {
    if (config->agency_registry().agencies_size() > 0) {
      return absl::InvalidArgumentError(
          "agency_registry_file: give the registry in a file or inline, not both");
    }
    CRE_RETURN_IF_ERROR(
        ReadTextProto(config->agency_registry_file(), config->mutable_agency_registry()));
  }
  // The registry checks its own entries; a config with a bad registry is a
  // bad config.
  absl::StatusOr<AgencyRegistry> registry = AgencyRegistry::Create(config->agency_registry());
  if (!registry.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("agency_registry: ", registry.status().message()));
  }
  CRE_RETURN_IF_ERROR(CheckRateLimits(config->rate_limit(), *registry));
  CRE_RETURN_IF_ERROR(CheckAlerting(*config, *registry));
  return CompleteGovernance(config, *registry);
}

absl::StatusOr<v1::HubConfig> LoadHubConfig(const std::string& path) {
  v1::HubConfig config;
  CRE_RETURN_IF_ERROR(ReadTextProto(path, &config));

  const size_t slash = path.find_last_of('/');
  const std::string dir = slash == std::string::npos ? "." : path.substr(0, slash);
  v1::TlsConfig* tls = config.mutable_tls();
  tls->set_server_cert_file(ResolvePath(dir, tls->server_cert_file()));
  tls->set_server_key_file(ResolvePath(dir, tls->server_key_file()));
  tls->set_client_ca_file(ResolvePath(dir, tls->client_ca_file()));
  tls->set_crl_directory(ResolvePath(dir, tls->crl_directory()));
  v1::DatabaseConfig* db = config.mutable_database();
  db->set_password_file(ResolvePath(dir, db->password_file()));
  config.set_agency_registry_file(ResolvePath(dir, config.agency_registry_file()));
  config.set_pathway_policy_file(ResolvePath(dir, config.pathway_policy_file()));
  config.set_bank_holiday_changes_file(ResolvePath(dir, config.bank_holiday_changes_file()));
  config.set_field_key_file(ResolvePath(dir, config.field_key_file()));
  config.set_governance_file(ResolvePath(dir, config.governance_file()));
  if (config.has_console()) {
    v1::ConsoleConfig* console = config.mutable_console();
    console->set_server_cert_file(ResolvePath(dir, console->server_cert_file()));
    console->set_server_key_file(ResolvePath(dir, console->server_key_file()));
    console->set_static_dir(ResolvePath(dir, console->static_dir()));
  }
  if (config.has_alerting()) {
    v1::SmtpConfig* smtp = config.mutable_alerting()->mutable_smtp();
    smtp->set_ca_file(ResolvePath(dir, smtp->ca_file()));
    smtp->set_password_file(ResolvePath(dir, smtp->password_file()));
  }

  if (absl::Status status = CompleteHubConfig(&config); !status.ok()) {
    return absl::Status(status.code(), absl::StrCat(path, ": ", status.message()));
  }
  return config;
}

}  // namespace cre
