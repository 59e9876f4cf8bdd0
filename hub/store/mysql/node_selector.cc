#include "store/mysql/node_selector.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "cppconn/exception.h"
#include "cppconn/resultset.h"
#include "cppconn/statement.h"
#include "spdlog/spdlog.h"
#include "store/mysql/sql_errors.h"

namespace cre::mysql {

absl::Status CheckGaleraNode(sql::Connection& connection) {
  std::string ready, cluster_status, state;
  try {
    std::unique_ptr<sql::Statement> statement(connection.createStatement());
    std::unique_ptr<sql::ResultSet> rows(statement->executeQuery(
        "SHOW GLOBAL STATUS WHERE Variable_name IN"
        " ('wsrep_ready', 'wsrep_cluster_status', 'wsrep_local_state_comment')"));
    while (rows->next()) {
      const std::string name = rows->getString(1);
      const std::string value = rows->getString(2);
      if (name == "wsrep_ready") ready = value;
      if (name == "wsrep_cluster_status") cluster_status = value;
      if (name == "wsrep_local_state_comment") state = value;
    }
  } catch (const sql::SQLException& e) {
    return absl::UnavailableError(StatusFromSqlException(e, "check the node's cluster state").message());
  }
  if (ready.empty()) return absl::FailedPreconditionError("not a Galera node (no wsrep status)");
  if (cluster_status != "Primary") {
    return absl::FailedPreconditionError(
        absl::StrCat("not in the primary component (wsrep_cluster_status ", cluster_status, ")"));
  }
  if (state != "Synced") {
    return absl::FailedPreconditionError(absl::StrCat("not Synced (", state, ")"));
  }
  if (ready != "ON") return absl::FailedPreconditionError("wsrep_ready is OFF");
  return absl::OkStatus();
}

namespace {

std::vector<ConnectionSettings::Endpoint> NodesOf(const ConnectionSettings& settings) {
  if (!settings.nodes.empty()) return settings.nodes;
  return {{settings.host, settings.port}};
}

}  // namespace

NodeSelector::NodeSelector(const ConnectionSettings& settings)
    : settings_(settings), nodes_(NodesOf(settings)), is_cluster_(!settings.nodes.empty()) {}

NodeSelector::Choice NodeSelector::Current() const {
  absl::MutexLock lock(&mu_);
  return {current_, generation_};
}

std::string NodeSelector::Name(int index) const {
  const ConnectionSettings::Endpoint& node = nodes_[index];
  std::string name = absl::StrCat(node.host, ":", node.port);
  if (is_cluster_) absl::StrAppend(&name, " (node ", index + 1, " of ", nodes_.size(), ")");
  return name;
}

std::string NodeSelector::Describe() const { return Name(Current().index); }

absl::StatusOr<std::unique_ptr<sql::Connection>> NodeSelector::ConnectTo(
    int index, const ConnectionSettings& given) const {
  ConnectionSettings settings = given;
  settings.host = nodes_[index].host;
  settings.port = nodes_[index].port;
  settings.nodes.clear();  // this one node
  absl::StatusOr<std::unique_ptr<sql::Connection>> connection = mysql::Connect(settings);
  if (!connection.ok() || !is_cluster_) return connection;
  absl::Status good = CheckGaleraNode(**connection);
  if (!good.ok()) return absl::UnavailableError(absl::StrCat(Name(index), ": ", good.message()));
  if (settings_.sync_wait != 0) {
    try {
      std::unique_ptr<sql::Statement>((*connection)->createStatement())
          ->execute(absl::StrCat("SET SESSION wsrep_sync_wait = ", settings_.sync_wait));
    } catch (const sql::SQLException& e) {
      return absl::UnavailableError(StatusFromSqlException(e, "set wsrep_sync_wait").message());
    }
  }
  return connection;
}

void NodeSelector::MoveTo(int index, absl::string_view why) {
  if (index == current_) return;
  spdlog::warn("database: moving from {} to {}: {}", Name(current_), Name(index), std::string(why));
  current_ = index;
  ++generation_;
}

absl::StatusOr<std::unique_ptr<sql::Connection>> NodeSelector::Connect(const ConnectionSettings& settings,
                                                                       uint64_t* generation) {
  const Choice start = Current();
  // The current node first; then, from the top of the list, the others, so
  // that hubs leaving the same node arrive on the same next one.
  std::vector<int> order = {start.index};
  for (int i = 0; i < static_cast<int>(nodes_.size()); ++i) {
    if (i != start.index) order.push_back(i);
  }
  std::vector<std::string> troubles;
  for (int index : order) {
    absl::StatusOr<std::unique_ptr<sql::Connection>> connection = ConnectTo(index, settings);
    if (!connection.ok()) {
      troubles.push_back(std::string(connection.status().message()));
      continue;
    }
    absl::MutexLock lock(&mu_);
    // Another thread may have moved meanwhile: the connection still serves
    // this caller, but carries the generation it was chosen under, and is
    // closed rather than pooled if that is no longer current.
    if (generation_ == start.generation && index != current_) {
      MoveTo(index, troubles.empty() ? "the node is not good" : troubles.front());
    }
    *generation = index == current_ ? generation_ : start.generation;
    return connection;
  }
  return absl::UnavailableError(absl::StrCat("no database node is good: ", absl::StrJoin(troubles, "; ")));
}

void NodeSelector::Failed(uint64_t generation, absl::string_view why) {
  absl::MutexLock lock(&mu_);
  if (generation != generation_) return;
  spdlog::warn("database: {} failed a check: {}", Name(current_), std::string(why));
  // Same node, new generation: pooled connections to it are closed, and the
  // next Connect checks it again before any other.
  ++generation_;
}

bool NodeSelector::TryPreferred(absl::Duration interval) {
  Choice start;
  {
    absl::MutexLock lock(&mu_);
    if (!is_cluster_ || current_ == 0) return false;
    const absl::Time now = absl::Now();
    if (now - last_preference_check_ < interval) return false;
    last_preference_check_ = now;
    start = {current_, generation_};
  }
  for (int index = 0; index < start.index; ++index) {
    absl::StatusOr<std::unique_ptr<sql::Connection>> connection = ConnectTo(index, settings_);
    if (!connection.ok()) continue;
    absl::MutexLock lock(&mu_);
    if (generation_ != start.generation) return false;
    MoveTo(index, "an earlier node in the list is good again");
    return true;
  }
  return false;
}

}  // namespace cre::mysql
