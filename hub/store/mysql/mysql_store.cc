#include "store/mysql/mysql_store.h"

#include "store/mysql/node_selector.h"

#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"
#include "common/files.h"
#include "cppconn/prepared_statement.h"
#include "cppconn/resultset.h"
#include "spdlog/spdlog.h"
#include "store/mysql/case_rows.h"
#include "store/mysql/sql_errors.h"

namespace cre::mysql {
namespace {

// The stored form of an agency: its role by enum name, so that an operator
// reading the table sees POLICE_REFERRAL_UNIT rather than 7.
struct AgencyRow {
  v1::Agency agency;
  bool retired = false;
};

v1::Agency AgencyFromRow(sql::ResultSet& row) {
  v1::Agency agency;
  agency.set_id(row.getString("id"));
  agency.set_display_name(row.getString("display_name"));
  v1::AgencyRole role = v1::AGENCY_ROLE_UNSPECIFIED;
  v1::AgencyRole_Parse(std::string(row.getString("role")), &role);
  agency.set_role(role);
  if (!row.isNull("local_authority_code")) {
    agency.set_local_authority_code(row.getString("local_authority_code"));
  }
  return agency;
}

bool SameAgency(const v1::Agency& a, const v1::Agency& b) {
  return a.display_name() == b.display_name() && a.role() == b.role() &&
         a.local_authority_code() == b.local_authority_code();
}

void BindAgency(sql::PreparedStatement& statement, const v1::Agency& agency) {
  statement.setString(1, agency.display_name());
  statement.setString(2, v1::AgencyRole_Name(agency.role()));
  if (agency.local_authority_code().empty()) {
    statement.setNull(3, 0);
  } else {
    statement.setString(3, agency.local_authority_code());
  }
  statement.setString(4, agency.id());
}

}  // namespace

absl::StatusOr<ConnectionSettings> SettingsFromConfig(const v1::DatabaseConfig& config) {
  ConnectionSettings settings;
  settings.host = config.host();
  settings.port = static_cast<int>(config.port());
  settings.user = config.user();
  settings.schema = config.schema();
  settings.connect_timeout_seconds = static_cast<int>(config.connect_timeout_seconds());
  for (const v1::DatabaseNode& node : config.nodes()) {
    settings.nodes.push_back({node.host(), static_cast<int>(node.port())});
  }
  settings.sync_wait = static_cast<int>(config.sync_wait());
  if (!config.password_file().empty()) {
    absl::StatusOr<std::string> password = ReadSecretFile(config.password_file());
    if (!password.ok()) {
      return absl::FailedPreconditionError(
          absl::StrCat("database.password_file: ", password.status().message()));
    }
    settings.password = *std::move(password);
    if (IsReadableByOthers(config.password_file())) {
      spdlog::warn("database.password_file: {} is readable by group or others; chmod 600 it",
                   config.password_file());
    }
  }
  return settings;
}

namespace {

ConnectionSettings ForHealthChecks(ConnectionSettings settings) {
  settings.connect_timeout_seconds = std::min(settings.connect_timeout_seconds, 2);
  settings.read_write_timeout_seconds = 2;
  return settings;
}

}  // namespace

absl::StatusOr<std::unique_ptr<MysqlStore>> OpenMysqlStore(const v1::HubConfig& config) {
  absl::StatusOr<ConnectionSettings> settings = SettingsFromConfig(config.database());
  if (!settings.ok()) return settings.status();
  absl::StatusOr<crypto::KeyRing> keys = crypto::KeyRing::Load(config.field_key_file());
  if (!keys.ok()) {
    return absl::Status(keys.status().code(), absl::StrCat("field_key_file: ", keys.status().message()));
  }
  if (keys->file_readable_by_others()) {
    spdlog::warn("field_key_file: {} is readable by group or others; chmod 600 it",
                 config.field_key_file());
  }
  auto store = std::make_unique<MysqlStore>(*std::move(settings), static_cast<int>(config.database().pool_size()),
                                            std::make_shared<const crypto::FieldCipher>(*std::move(keys)));
  store->set_hub_envelope(config.governance().hub_envelope());
  return store;
}

MysqlStore::MysqlStore(ConnectionSettings settings, int pool_size,
                       std::shared_ptr<const crypto::FieldCipher> cipher)
    : cipher_(std::move(cipher)),
      nhs_index_(crypto::BlindIndex::Create(cipher_->key_ring(), kNhsNumberIndexPurpose)),
      nodes_(std::make_shared<NodeSelector>(settings)),
      pool_(settings, pool_size, nodes_),
      health_pool_(ForHealthChecks(settings), 1, nodes_) {}

absl::Status MysqlStore::Ping() {
  // One attempt: a health check must report the database as it is now.
  RetryPolicy once;
  once.max_attempts = 1;
  once.acquire_wait = absl::Seconds(1);
  auto ping = [&] {
    return RunTransaction(
        health_pool_, "ping",
        [this](sql::Connection& connection) {
          // On a cluster, the node must still be one to write through: a
          // node cut off from the majority still answers SELECT 1.
          if (nodes_->is_cluster()) return CheckGaleraNode(connection);
          std::unique_ptr<sql::PreparedStatement> ping(connection.prepareStatement("SELECT 1"));
          std::unique_ptr<sql::ResultSet> result(ping->executeQuery());
          return absl::OkStatus();
        },
        once);
  };
  if (!nodes_->is_cluster()) return ping();
  nodes_->TryPreferred(kPreferredNodeCheckInterval);
  const uint64_t generation = nodes_->Current().generation;
  absl::Status status = ping();
  if (status.ok()) return status;
  // The node the hub writes through is not good: both pools leave it, and
  // the second ping finds the next good node, if there is one.
  nodes_->Failed(generation, status.message());
  return ping();
}

std::string MysqlStore::DatabaseNode() const { return nodes_->Describe(); }

absl::StatusOr<int> MysqlStore::SyncAgencies(const std::vector<v1::Agency>& agencies) {
  int changed = 0;
  absl::Status status = RunTransaction(pool_, "sync agencies", [&](sql::Connection& c) {
    changed = 0;  // The body may run more than once.
    std::map<std::string, AgencyRow> stored;
    {
      // FOR UPDATE: two hubs starting at once take turns, and the second
      // sees the first one's rows.
      std::unique_ptr<sql::PreparedStatement> select(c.prepareStatement(
          "SELECT id, display_name, role, local_authority_code, retired_at IS NOT NULL AS retired"
          " FROM agency FOR UPDATE"));
      std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
      while (rows->next()) {
        stored[rows->getString("id")] = {AgencyFromRow(*rows), rows->getBoolean("retired")};
      }
    }
    std::unique_ptr<sql::PreparedStatement> insert(c.prepareStatement(
        "INSERT INTO agency (display_name, role, local_authority_code, id) VALUES (?, ?, ?, ?)"));
    std::unique_ptr<sql::PreparedStatement> update(c.prepareStatement(
        "UPDATE agency SET display_name = ?, role = ?, local_authority_code = ?,"
        " retired_at = NULL WHERE id = ?"));
    for (const v1::Agency& agency : agencies) {
      auto it = stored.find(agency.id());
      if (it == stored.end()) {
        BindAgency(*insert, agency);
        insert->executeUpdate();
        ++changed;
      } else {
        if (it->second.retired || !SameAgency(it->second.agency, agency)) {
          BindAgency(*update, agency);
          update->executeUpdate();
          ++changed;
        }
        stored.erase(it);
      }
    }
    std::unique_ptr<sql::PreparedStatement> retire(c.prepareStatement(
        "UPDATE agency SET retired_at = CURRENT_TIMESTAMP(6) WHERE id = ?"));
    for (const auto& [id, row] : stored) {
      if (row.retired) continue;
      retire->setString(1, id);
      retire->executeUpdate();
      ++changed;
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return changed;
}

absl::StatusOr<std::vector<v1::Agency>> MysqlStore::ListAgencies() {
  std::vector<v1::Agency> agencies;
  absl::Status status = RunTransaction(pool_, "list agencies", [&](sql::Connection& c) {
    agencies.clear();
    std::unique_ptr<sql::PreparedStatement> select(c.prepareStatement(
        "SELECT id, display_name, role, local_authority_code FROM agency"
        " WHERE retired_at IS NULL ORDER BY id"));
    std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
    while (rows->next()) agencies.push_back(AgencyFromRow(*rows));
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return agencies;
}

}  // namespace cre::mysql
