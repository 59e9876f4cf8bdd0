// The shipped config loads; a broken one is refused naming the file and field.
#include "config/hub_config.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cre {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

std::string SourceRoot() {
  const char* root = std::getenv("CRE_SOURCE_ROOT");
  return root != nullptr ? root : CRE_SOURCE_ROOT_DEFAULT;
}

// Writes `text` to a file in the test's temporary directory.
std::string WriteConfig(const std::string& name, const std::string& text) {
  const std::string path = ::testing::TempDir() + name;
  std::ofstream(path) << text;
  return path;
}

constexpr char kMinimal[] = R"pb(
  local_authority { code: "E06000015" name: "Derby City Council" }
  listen_address: "127.0.0.1:0"
  tls { server_cert_file: "hub.crt" server_key_file: "hub.key" client_ca_file: "ca.crt" }
  database { host: "127.0.0.1" user: "cre_hub" schema: "cre_hub" }
  pathway_policy_file: "policy.textproto"
  bank_holiday_changes_file: "bank_holiday_changes.textproto"
  field_key_file: "keys.txt"
  agency_registry { agencies { id: "derby-csc" display_name: "CSC" role: CHILDRENS_SOCIAL_CARE } }
  governance { agreements { id: "isa" title: "An information-sharing agreement" review_date: "2030-01-01" } }
)pb";

TEST(HubConfigTest, ShippedDevelopmentConfigLoads) {
  absl::StatusOr<v1::HubConfig> config = LoadHubConfig(SourceRoot() + "/config/hub.textproto");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->local_authority().code(), "E06000015");
  EXPECT_EQ(config->agency_registry().agencies_size(), 13);
  // Relative paths are resolved against the config file's directory.
  EXPECT_THAT(config->tls().server_cert_file(),
              StartsWith(SourceRoot() + "/config/../certs/dev/"));
}

TEST(HubConfigTest, FillsDefaults) {
  absl::StatusOr<v1::HubConfig> config = LoadHubConfig(WriteConfig("minimal.textproto", kMinimal));
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->database().port(), kDefaultDatabasePort);
  EXPECT_EQ(config->database().pool_size(), kDefaultPoolSize);
  EXPECT_EQ(config->tls().refresh_interval_seconds(), kDefaultTlsRefreshSeconds);
  EXPECT_EQ(config->tls().client_ca_file(), ::testing::TempDir() + "ca.crt");
}

// A Galera cluster's nodes replace host and port; each is checked by name.
TEST(HubConfigTest, AClusterIsItsNodesInOrderWithDefaultPortsAndItsMistakesAreNamed) {
  const std::string one_server = R"(database { host: "127.0.0.1" user: "cre_hub" schema: "cre_hub" })";
  auto with_database = [&](const std::string& name, const std::string& database) {
    std::string text = kMinimal;
    text.replace(text.find(one_server), one_server.size(), database);
    return LoadHubConfig(WriteConfig(name, text));
  };
  absl::StatusOr<v1::HubConfig> config = with_database(
      "cluster.textproto",
      R"(database { nodes { host: "10.0.0.2" } nodes { host: "10.0.0.3" port: 3307 } user: "cre_hub" schema: "cre_hub" })");
  ASSERT_TRUE(config.ok()) << config.status();
  ASSERT_EQ(config->database().nodes_size(), 2);
  EXPECT_EQ(config->database().nodes(0).port(), kDefaultDatabasePort);
  EXPECT_EQ(config->database().nodes(1).port(), 3307u);
  EXPECT_EQ(config->database().port(), 0u);  // no single server's default beside the nodes

  const std::pair<std::string, std::string> wrong[] = {
      {R"(database { host: "h" nodes { host: "a" } user: "u" schema: "s" })", "not both"},
      {R"(database { nodes { host: "a" } nodes { port: 3306 } user: "u" schema: "s" })", "database.nodes[1].host: required"},
      {R"(database { nodes { host: "a" } nodes { host: "a" } user: "u" schema: "s" })", "database.nodes[1]: a:3306 is listed twice"},
      {R"(database { nodes { host: "a" port: 70000 } user: "u" schema: "s" })", "database.nodes[0].port"},
      {R"(database { nodes { host: "a" } sync_wait: 16 user: "u" schema: "s" })", "database.sync_wait"},
      {R"(database { user: "u" schema: "s" })", "database.host: required"},
  };
  for (const auto& [database, error] : wrong) {
    absl::StatusOr<v1::HubConfig> refused = with_database("wrong.textproto", database);
    ASSERT_FALSE(refused.ok()) << database;
    EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument) << database;
    EXPECT_THAT(refused.status().message(), HasSubstr(error)) << database;
  }
}

TEST(HubConfigTest, MissingFieldIsNamed) {
  std::string text = kMinimal;
  text.replace(text.find("server_key_file: \"hub.key\""), 26, "");
  const std::string path = WriteConfig("no_key.textproto", text);
  absl::StatusOr<v1::HubConfig> config = LoadHubConfig(path);
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(config.status().message(), path + ": tls.server_key_file: required");
}

TEST(HubConfigTest, AConsoleIsOptionalButWholeWithItsPathsResolvedAndItsSessionsDefaulted) {
  absl::StatusOr<v1::HubConfig> without = LoadHubConfig(WriteConfig("no_console.textproto", kMinimal));
  ASSERT_TRUE(without.ok()) << without.status();
  EXPECT_FALSE(without->has_console());

  const std::string with = std::string(kMinimal) +
                           R"pb(console { listen_address: "127.0.0.1:0" server_cert_file: "hub.crt"
                                          server_key_file: "hub.key" static_dir: "console" })pb";
  absl::StatusOr<v1::HubConfig> config = LoadHubConfig(WriteConfig("console.textproto", with));
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->console().static_dir(), ::testing::TempDir() + "console");
  EXPECT_EQ(config->console().server_key_file(), ::testing::TempDir() + "hub.key");
  EXPECT_EQ(config->console().session_idle_minutes(), 30u);
  EXPECT_EQ(config->console().session_absolute_minutes(), 720u);

  std::string no_dir = with;
  no_dir.replace(no_dir.find("static_dir: \"console\""), 21, "");
  const std::string path = WriteConfig("console_no_dir.textproto", no_dir);
  EXPECT_EQ(LoadHubConfig(path).status().message(), path + ": console.static_dir: required");

  std::string idle_too_long = with;
  idle_too_long.replace(idle_too_long.find("static_dir: \"console\""), 21,
                        "static_dir: \"console\" session_idle_minutes: 800 session_absolute_minutes: 60");
  EXPECT_THAT(LoadHubConfig(WriteConfig("console_idle.textproto", idle_too_long)).status().message(),
              HasSubstr("console.session_idle_minutes"));
}

TEST(HubConfigTest, UnknownFieldIsNamedWithItsLine) {
  const std::string text = std::string(kMinimal) + "listen_adress: \"x\"\n";
  const int typo_line = static_cast<int>(std::count(text.begin(), text.end(), '\n'));
  const std::string path = WriteConfig("typo.textproto", text);
  absl::StatusOr<v1::HubConfig> config = LoadHubConfig(path);
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(config.status().message(), HasSubstr("listen_adress"));
  EXPECT_THAT(config.status().message(), HasSubstr(path + ":" + std::to_string(typo_line) + ":"));
}

TEST(HubConfigTest, SchemaNameMustNeedNoQuoting) {
  std::string text = kMinimal;
  text.replace(text.find("schema: \"cre_hub\""), 17, "schema: \"cre`hub\"");
  absl::StatusOr<v1::HubConfig> config = LoadHubConfig(WriteConfig("schema.textproto", text));
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(config.status().message(), HasSubstr("database.schema"));
}

TEST(HubConfigTest, BadRegistryIsAConfigError) {
  std::string text = kMinimal;
  text.replace(text.find("role: CHILDRENS_SOCIAL_CARE"), 27, "");
  absl::StatusOr<v1::HubConfig> config = LoadHubConfig(WriteConfig("registry.textproto", text));
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(config.status().message(), HasSubstr("agency_registry: agencies[0].role: required"));
}

TEST(HubConfigTest, MissingFileIsNotFound) {
  absl::StatusOr<v1::HubConfig> config = LoadHubConfig("/nonexistent/hub.textproto");
  EXPECT_EQ(config.status().code(), absl::StatusCode::kNotFound);
}

TEST(HubConfigTest, TheShippedGovernanceConfigIsReadFromItsFileAndCompleted) {
  absl::StatusOr<v1::HubConfig> config = LoadHubConfig(SourceRoot() + "/config/hub.textproto");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->governance_file(), SourceRoot() + "/config/governance.textproto");
  EXPECT_EQ(config->governance().agreements_size(), 2);
  // Every submission method has its requirement, and the hub its envelope.
  EXPECT_EQ(config->governance().requirements_size(), 8);
  EXPECT_EQ(config->governance().hub_envelope().sharing_agreement_id(), "derby-cre-isa-2026");
  EXPECT_EQ(config->governance().hub_envelope().article6_basis(), v1::ARTICLE6_BASIS_PUBLIC_TASK);
}

// kMinimal with its inline governance replaced by `governance`.
std::string MinimalWith(const std::string& governance) {
  std::string text = kMinimal;
  const size_t start = text.find("  governance {");
  text.replace(start, text.find('\n', start) - start, governance);
  return text;
}

TEST(HubConfigTest, GovernanceIsInAFileOrInlineAndItsErrorsAreNamed) {
  const std::string governance_file = WriteConfig(
      "governance.textproto", R"pb(agreements { id: "isa-2" title: "t" review_date: "2031-02-03" })pb");
  const std::string in_file = MinimalWith(R"pb(governance_file: "governance.textproto")pb");
  absl::StatusOr<v1::HubConfig> config = LoadHubConfig(WriteConfig("governance_in_file.textproto", in_file));
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->governance_file(), governance_file) << "resolved against the config's directory";
  EXPECT_EQ(config->governance().agreements(0).id(), "isa-2");

  const std::string both_path = WriteConfig(
      "governance_both.textproto", std::string(kMinimal) + "governance_file: \"governance.textproto\"\n");
  EXPECT_EQ(LoadHubConfig(both_path).status().message(),
            both_path + ": governance_file: give the governance config in a file or inline, not both");

  EXPECT_THAT(LoadHubConfig(WriteConfig("governance_none.textproto", MinimalWith(""))).status().message(),
              HasSubstr("governance.agreements: SubmitConcern requires a sharing_agreement_id and the register has "
                        "no agreement"));

  std::string bad_date = kMinimal;
  bad_date.replace(bad_date.find("2030-01-01"), 10, "2030-1-1");
  EXPECT_THAT(LoadHubConfig(WriteConfig("governance_date.textproto", bad_date)).status().message(),
              HasSubstr("governance.agreements[0].review_date: not a date YYYY-MM-DD"));

  const std::string bad_file = WriteConfig("governance_bad.textproto", R"pb(agreements { id: "x y" })pb");
  const std::string naming_bad_file = MinimalWith(R"pb(governance_file: "governance_bad.textproto")pb");
  EXPECT_THAT(LoadHubConfig(WriteConfig("governance_bad_file.textproto", naming_bad_file)).status().message(),
              HasSubstr("governance_file: " + bad_file + ": agreements[0].id:"));
}

// The retention schedule is part of the governance config: a bad period
// stops the load (and so the hub) naming the entry; a good one is completed
// with every class's default.
TEST(HubConfigTest, ABadRetentionPeriodIsRefusedByName) {
  const std::string bad_file = WriteConfig(
      "governance_retention_bad.textproto",
      R"pb(agreements { id: "isa-2" title: "t" review_date: "2031-02-03" }
           retention { policies { record_class: RECORD_CLASS_CASE_CHILD_PROTECTION years: -2 } })pb");
  const std::string naming_bad = MinimalWith(R"pb(governance_file: "governance_retention_bad.textproto")pb");
  EXPECT_THAT(LoadHubConfig(WriteConfig("retention_bad.textproto", naming_bad)).status().message(),
              HasSubstr("governance_file: " + bad_file +
                        ": retention.policies[0].years: -2 is not a number of years (0 to 200)"));

  WriteConfig("governance_retention.textproto",
              R"pb(agreements { id: "isa-2" title: "t" review_date: "2031-02-03" }
                   retention { policies { record_class: RECORD_CLASS_CASE_CHILD_PROTECTION years: 40 } })pb");
  absl::StatusOr<v1::HubConfig> config = LoadHubConfig(WriteConfig(
      "retention_good.textproto", MinimalWith(R"pb(governance_file: "governance_retention.textproto")pb")));
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->governance().retention().policies_size(), 6);
  EXPECT_EQ(config->governance().retention().policies(0).years(), 40);
  EXPECT_EQ(config->governance().retention().purge_interval_seconds(), 3600);
}

}  // namespace
}  // namespace cre

namespace cre {
namespace {

constexpr char kAlerting[] = R"pb(
  alerting {
    smtp { url: "smtp://127.0.0.1:2525" from: "cre-hub@derby.example" ca_file: "mail-ca.crt" }
    console_url: "https://localhost:8443/"
    operators: "ops@derby.example"
    mailboxes { agency_id: "derby-csc" role: PRACTITIONER_ROLE_SOCIAL_WORKER address: "csc-duty@derby.example" }
    mailboxes { address: "duty-cpm@derby.example" }
  }
)pb";

absl::Status LoadWithAlerting(const std::string& name, const std::string& alerting) {
  return LoadHubConfig(WriteConfig(name, std::string(kMinimal) + alerting)).status();
}

// Alerting is optional; configured, it gets its defaults and its paths are
// resolved like the others.
TEST(HubConfigTest, AlertingIsCompletedWithItsDefaults) {
  absl::StatusOr<v1::HubConfig> without = LoadHubConfig(WriteConfig("no_alerting.textproto", kMinimal));
  ASSERT_TRUE(without.ok()) << without.status();
  EXPECT_FALSE(without->has_alerting());
  absl::StatusOr<v1::HubConfig> config = LoadHubConfig(WriteConfig("alerting.textproto", std::string(kMinimal) + kAlerting));
  ASSERT_TRUE(config.ok()) << config.status();
  const v1::AlertingConfig& alerting = config->alerting();
  EXPECT_EQ(alerting.liveness_after_seconds(), kDefaultLivenessAfterSeconds);
  EXPECT_EQ(alerting.digest_interval_seconds(), kDefaultDigestIntervalSeconds);
  EXPECT_EQ(alerting.evaluate_interval_seconds(), kDefaultAlertEvaluateIntervalSeconds);
  EXPECT_EQ(alerting.smtp().timeout_seconds(), kDefaultSmtpTimeoutSeconds);
  EXPECT_EQ(alerting.smtp().ca_file(), ::testing::TempDir() + "mail-ca.crt");
}

TEST(HubConfigTest, AMistakeInAlertingIsRefusedNamingTheField) {
  struct Case {
    std::string alerting;
    std::string error;
  };
  const std::vector<Case> cases = {
      {R"pb(alerting { console_url: "https://x/" operators: "o@x.example" smtp { from: "a@x.example" } })pb",
       "alerting.smtp.url: required"},
      {R"pb(alerting { console_url: "https://x/" operators: "o@x.example"
                       smtp { url: "http://mail:25" from: "a@x.example" } })pb",
       "alerting.smtp.url: \"http://mail:25\" must begin smtp://"},
      {R"pb(alerting { console_url: "https://x/" operators: "o@x.example" smtp { url: "smtp://m:25" } })pb",
       "alerting.smtp.from: required"},
      {R"pb(alerting { console_url: "https://x/" operators: "o@x.example"
                       smtp { url: "smtp://m:25" from: "a@x.example\r\nRCPT TO:<b@y>" } })pb",
       "alerting.smtp.from: "},
      {R"pb(alerting { console_url: "https://x/" operators: "o@x.example"
                       smtp { url: "smtp://m:25" from: "a@x.example" username: "hub" } })pb",
       "alerting.smtp.username: give both username and password_file"},
      {R"pb(alerting { operators: "o@x.example" smtp { url: "smtp://m:25" from: "a@x.example" } })pb",
       "alerting.console_url: required"},
      {R"pb(alerting { console_url: "https://x/#/due" operators: "o@x.example"
                       smtp { url: "smtp://m:25" from: "a@x.example" } })pb",
       "alerting.console_url: give the console's address without a #fragment"},
      {R"pb(alerting { console_url: "https://x/" smtp { url: "smtp://m:25" from: "a@x.example" } })pb",
       "alerting.operators: required"},
      {R"pb(alerting { console_url: "https://x/" operators: "o@x.example" operators: "not an address"
                       smtp { url: "smtp://m:25" from: "a@x.example" } })pb",
       "alerting.operators[1]: \"not an address\" is not a mail address"},
      {R"pb(alerting { console_url: "https://x/" operators: "o@x.example"
                       smtp { url: "smtp://m:25" from: "a@x.example" }
                       mailboxes { agency_id: "nobody" address: "d@x.example" } })pb",
       "alerting.mailboxes[0].agency_id: \"nobody\" is not an agency of the registry"},
      {R"pb(alerting { console_url: "https://x/" operators: "o@x.example"
                       smtp { url: "smtp://m:25" from: "a@x.example" }
                       mailboxes { agency_id: "derby-csc" } })pb",
       "alerting.mailboxes[0].address: required"},
  };
  int n = 0;
  for (const Case& c : cases) {
    const absl::Status status = LoadWithAlerting("bad_alerting_" + std::to_string(n++) + ".textproto", c.alerting);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << c.alerting;
    EXPECT_THAT(status.message(), HasSubstr(c.error)) << c.alerting;
  }
}

}  // namespace
}  // namespace cre
