// See storage_bench.h.
#include "storage_bench.h"

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "cppconn/connection.h"
#include "cppconn/exception.h"
#include "cppconn/prepared_statement.h"
#include "cppconn/resultset.h"
#include "cppconn/statement.h"

namespace cre::bench {
namespace {

constexpr char kSchema[] = "cre_bench_storage";

// One thread's loop: a durable transaction per row until `stop`.
void InsertUntil(sql::Connection& connection, int64_t stop, LatencySample* latency,
                 std::atomic<int64_t>* completed, std::atomic<int64_t>* failed) {
  connection.setAutoCommit(false);
  std::unique_ptr<sql::PreparedStatement> insert(
      connection.prepareStatement("INSERT INTO bench_row (agency_id, payload) VALUES (?, ?)"));
  const std::string payload(300, 'x');
  while (NowNanos() < stop) {
    const int64_t start = NowNanos();
    try {
      insert->setString(1, "derby-health");
      insert->setString(2, payload);
      insert->executeUpdate();
      connection.commit();
      latency->Add(NowNanos() - start);
      completed->fetch_add(1);
    } catch (const sql::SQLException&) {
      failed->fetch_add(1);
      try { connection.rollback(); } catch (const sql::SQLException&) {}
    }
  }
}

absl::Status CreateTable(mysql::ConnectionSettings settings) {
  settings.schema = "";
  if (absl::Status s = ExecuteSql(settings, std::string("CREATE DATABASE IF NOT EXISTS ") + kSchema); !s.ok()) {
    return s;
  }
  settings.schema = kSchema;
  return ExecuteSql(settings,
                    "CREATE TABLE IF NOT EXISTS bench_row ("
                    " id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,"
                    " agency_id VARCHAR(64) NOT NULL,"
                    " payload VARBINARY(1024) NOT NULL,"
                    " created_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)"
                    ") ENGINE=InnoDB");
}

}  // namespace

absl::Status ExecuteSql(const mysql::ConnectionSettings& settings, const std::string& sql) {
  absl::StatusOr<std::unique_ptr<sql::Connection>> connection = mysql::Connect(settings);
  if (!connection.ok()) return connection.status();
  try {
    std::unique_ptr<sql::Statement>((*connection)->createStatement())->execute(sql);
  } catch (const sql::SQLException& e) {
    return absl::InternalError(std::string("SQL: ") + e.what() + " in: " + sql);
  }
  return absl::OkStatus();
}

absl::StatusOr<int64_t> QueryInt(const mysql::ConnectionSettings& settings, const std::string& sql) {
  absl::StatusOr<std::unique_ptr<sql::Connection>> connection = mysql::Connect(settings);
  if (!connection.ok()) return connection.status();
  try {
    std::unique_ptr<sql::ResultSet> rows(
        std::unique_ptr<sql::Statement>((*connection)->createStatement())->executeQuery(sql));
    if (!rows->next()) return absl::NotFoundError("SQL: no row from: " + sql);
    return static_cast<int64_t>(rows->getInt64(1));
  } catch (const sql::SQLException& e) {
    return absl::InternalError(std::string("SQL: ") + e.what() + " in: " + sql);
  }
}

absl::StatusOr<std::vector<std::pair<std::string, std::string>>> QueryPairs(
    const mysql::ConnectionSettings& settings, const std::string& sql) {
  absl::StatusOr<std::unique_ptr<sql::Connection>> connection = mysql::Connect(settings);
  if (!connection.ok()) return connection.status();
  try {
    std::unique_ptr<sql::ResultSet> rows(
        std::unique_ptr<sql::Statement>((*connection)->createStatement())->executeQuery(sql));
    std::vector<std::pair<std::string, std::string>> pairs;
    while (rows->next()) pairs.emplace_back(rows->getString(1), rows->getString(2));
    return pairs;
  } catch (const sql::SQLException& e) {
    return absl::InternalError(std::string("SQL: ") + e.what() + " in: " + sql);
  }
}

absl::StatusOr<Throughput> RunStorageLoad(const mysql::ConnectionSettings& server, int concurrency,
                                          absl::Duration duration, LatencySample* latency) {
  if (absl::Status s = CreateTable(server); !s.ok()) return s;
  mysql::ConnectionSettings settings = server;
  settings.schema = kSchema;
  std::vector<std::unique_ptr<sql::Connection>> connections;
  for (int i = 0; i < concurrency; ++i) {
    absl::StatusOr<std::unique_ptr<sql::Connection>> connection = mysql::Connect(settings);
    if (!connection.ok()) return connection.status();
    connections.push_back(*std::move(connection));
  }
  std::atomic<int64_t> completed{0}, failed{0};
  const int64_t start = NowNanos();
  const int64_t stop = start + absl::ToInt64Nanoseconds(duration);
  std::vector<std::thread> threads;
  for (auto& connection : connections) {
    threads.emplace_back([&, c = connection.get()] { InsertUntil(*c, stop, latency, &completed, &failed); });
  }
  for (std::thread& t : threads) t.join();
  return Throughput{completed.load(), failed.load(), 0, absl::Nanoseconds(NowNanos() - start)};
}

}  // namespace cre::bench
