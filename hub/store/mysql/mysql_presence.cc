// MysqlStore: presence: which agencies each hub process sees, written by
// each process for itself (migrations/0015_agency_presence.sql).
#include <algorithm>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "cppconn/datatype.h"
#include "cppconn/prepared_statement.h"
#include "cppconn/resultset.h"
#include "store/mysql/mysql_store.h"
#include "store/mysql/sql_values.h"

namespace cre::mysql {
namespace {

// Rows written by one statement of a report: a registry holds a few hundred
// agencies, and one statement per report keeps a report one round trip.
constexpr size_t kRowsPerStatement = 250;

// The database's clock: the one every process shares, which says whether a
// report still counts.
absl::StatusOr<absl::Time> DatabaseNow(sql::Connection& c) {
  auto select = Prepare(c, "SELECT NOW(6)");
  std::unique_ptr<sql::ResultSet> row(select->executeQuery());
  if (!row->next()) return absl::InternalError("SELECT NOW(6) returned no row");
  return TimeFromSql(row->getString(1));
}

// A row of agency_presence, by its primary key.
struct PresenceKey {
  std::string agency_id;
  std::string hub_process;
};

// An instant for a nullable column: "" for NULL (InfinitePast: not known).
std::string SqlTimeOrEmpty(absl::Time time) { return time == absl::InfinitePast() ? "" : SqlTime(time); }

// Sets parameter `index` of `statement` to `time`, or NULL if it is "".
void SetTimeOrNull(sql::PreparedStatement& statement, int index, const std::string& time) {
  if (time.empty()) {
    statement.setNull(index, sql::DataType::VARCHAR);
  } else {
    statement.setString(index, time);
  }
}

// The later of the stored and the new certificate expiry, either of which
// may be NULL (GREATEST of a NULL is NULL).
constexpr char kLaterCertificate[] =
    "cert_not_after = COALESCE(GREATEST(cert_not_after, VALUES(cert_not_after)), cert_not_after,"
    " VALUES(cert_not_after))";

// Keeps `last_seen` as `agency_id`'s in its row of the processes gone
// (hub_process ''), if it is the later: no streams, never stale. The same
// for `cert_not_after` ("": none).
void KeepInGone(sql::Connection& c, const std::string& agency_id, const std::string& last_seen,
                const std::string& cert_not_after, absl::Time now) {
  auto keep = Prepare(c, absl::StrCat(
                             "INSERT INTO agency_presence (agency_id, hub_process, open_streams, last_seen,"
                             " reported_at, live_until, cert_not_after) VALUES (?, '', 0, ?, ?, ?, ?) ON DUPLICATE"
                             " KEY UPDATE last_seen = GREATEST(last_seen, VALUES(last_seen)),"
                             " reported_at = VALUES(reported_at), ",
                             kLaterCertificate));
  keep->setString(1, agency_id);
  keep->setString(2, last_seen);
  keep->setString(3, SqlTime(now));
  keep->setString(4, SqlTime(now));
  SetTimeOrNull(*keep, 5, cert_not_after);
  keep->executeUpdate();
}

// Moves each row of `keys` into its agency's row of the processes gone: its
// last_seen kept there if it is the later, its streams no longer counted.
// With `only_stale`, a row whose report still counts at `now` stays where it
// is: its process reported again after it was found stale. Each row is
// locked by its key alone, so that a process reporting its own rows
// meanwhile waits on none of these.
void FoldIntoGone(sql::Connection& c, const std::vector<PresenceKey>& keys, absl::Time now, bool only_stale) {
  auto lock = Prepare(c, only_stale ? "SELECT last_seen, cert_not_after FROM agency_presence WHERE agency_id = ?"
                                      " AND hub_process = ? AND live_until < ? FOR UPDATE"
                                    : "SELECT last_seen, cert_not_after FROM agency_presence WHERE agency_id = ?"
                                      " AND hub_process = ? FOR UPDATE");
  auto remove = Prepare(c, "DELETE FROM agency_presence WHERE agency_id = ? AND hub_process = ?");
  for (const PresenceKey& key : keys) {
    lock->setString(1, key.agency_id);
    lock->setString(2, key.hub_process);
    if (only_stale) lock->setString(3, SqlTime(now));
    std::string last_seen, cert_not_after;
    {
      std::unique_ptr<sql::ResultSet> row(lock->executeQuery());
      if (!row->next()) continue;
      last_seen = row->getString("last_seen");
      if (!row->isNull("cert_not_after")) cert_not_after = row->getString("cert_not_after");
    }
    remove->setString(1, key.agency_id);
    remove->setString(2, key.hub_process);
    remove->executeUpdate();
    KeepInGone(c, key.agency_id, last_seen, cert_not_after, now);
  }
}

}  // namespace

absl::Status MysqlStore::ReportPresence(const std::string& hub_process, const std::vector<AgencyPresence>& presence,
                                        absl::Duration live_for) {
  if (hub_process.empty()) return absl::InvalidArgumentError("hub_process: required ('' holds the processes gone)");
  if (live_for <= absl::ZeroDuration()) return absl::InvalidArgumentError("live_for: must be positive");
  std::vector<AgencyPresence> rows;
  for (const AgencyPresence& p : presence) {
    if (p.last_seen == absl::InfinitePast() || p.last_seen == absl::InfiniteFuture()) {
      return absl::InvalidArgumentError(absl::StrCat("last_seen of ", p.agency_id, ": not a time"));
    }
    rows.push_back(p);
  }
  // One order for every process's statements.
  std::sort(rows.begin(), rows.end(),
            [](const AgencyPresence& a, const AgencyPresence& b) { return a.agency_id < b.agency_id; });
  CRE_RETURN_IF_ERROR(RunTransaction(pool_, "report presence", [&](sql::Connection& c) -> absl::Status {
    CRE_ASSIGN_OR_RETURN(const absl::Time now, DatabaseNow(c));
    const std::string reported_at = SqlTime(now);
    const std::string live_until = SqlTime(now + live_for);
    for (size_t from = 0; from < rows.size(); from += kRowsPerStatement) {
      const size_t to = std::min(rows.size(), from + kRowsPerStatement);
      std::string sql =
          "INSERT INTO agency_presence (agency_id, hub_process, open_streams, last_seen, reported_at, live_until,"
          " cert_not_after) VALUES (?, ?, ?, ?, ?, ?, ?)";
      for (size_t i = from + 1; i < to; ++i) sql += ", (?, ?, ?, ?, ?, ?, ?)";
      sql +=
          " ON DUPLICATE KEY UPDATE open_streams = VALUES(open_streams),"
          " last_seen = GREATEST(last_seen, VALUES(last_seen)), reported_at = VALUES(reported_at),"
          " live_until = VALUES(live_until), ";
      sql += kLaterCertificate;
      auto upsert = Prepare(c, sql);
      int param = 0;
      for (size_t i = from; i < to; ++i) {
        upsert->setString(++param, rows[i].agency_id);
        upsert->setString(++param, hub_process);
        upsert->setInt(++param, rows[i].open_streams);
        upsert->setString(++param, SqlTime(rows[i].last_seen));
        upsert->setString(++param, reported_at);
        upsert->setString(++param, live_until);
        SetTimeOrNull(*upsert, ++param, SqlTimeOrEmpty(rows[i].cert_not_after));
      }
      upsert->executeUpdate();
    }
    return absl::OkStatus();
  }));

  // The reports of processes gone (killed: a process that stops says so,
  // EndPresence), found by a read that locks nothing, and moved in a
  // transaction of their own: nearly always there are none.
  std::vector<PresenceKey> stale;
  CRE_RETURN_IF_ERROR(RunTransaction(pool_, "find presence gone", [&](sql::Connection& c) -> absl::Status {
    stale.clear();
    auto select = Prepare(c,
                          "SELECT agency_id, hub_process FROM agency_presence"
                          " WHERE hub_process <> '' AND live_until < NOW(6) LIMIT 1000");
    std::unique_ptr<sql::ResultSet> found(select->executeQuery());
    while (found->next()) stale.push_back({found->getString("agency_id"), found->getString("hub_process")});
    return absl::OkStatus();
  }));
  if (stale.empty()) return absl::OkStatus();
  return RunTransaction(pool_, "fold presence gone", [&](sql::Connection& c) -> absl::Status {
    CRE_ASSIGN_OR_RETURN(const absl::Time now, DatabaseNow(c));
    FoldIntoGone(c, stale, now, /*only_stale=*/true);
    return absl::OkStatus();
  });
}

absl::Status MysqlStore::EndPresence(const std::string& hub_process, const std::vector<AgencyPresence>& last) {
  if (hub_process.empty()) return absl::InvalidArgumentError("hub_process: required ('' holds the processes gone)");
  for (const AgencyPresence& p : last) {
    if (p.last_seen == absl::InfinitePast() || p.last_seen == absl::InfiniteFuture()) {
      return absl::InvalidArgumentError(absl::StrCat("last_seen of ", p.agency_id, ": not a time"));
    }
  }
  return RunTransaction(pool_, "end presence", [&](sql::Connection& c) -> absl::Status {
    CRE_ASSIGN_OR_RETURN(const absl::Time now, DatabaseNow(c));
    std::vector<PresenceKey> own;
    {
      auto select = Prepare(c, "SELECT agency_id FROM agency_presence WHERE hub_process = ?");
      select->setString(1, hub_process);
      std::unique_ptr<sql::ResultSet> found(select->executeQuery());
      while (found->next()) own.push_back({found->getString("agency_id"), hub_process});
    }
    FoldIntoGone(c, own, now, /*only_stale=*/false);
    for (const AgencyPresence& p : last) {
      KeepInGone(c, p.agency_id, SqlTime(p.last_seen), SqlTimeOrEmpty(p.cert_not_after), now);
    }
    return absl::OkStatus();
  });
}

}  // namespace cre::mysql
