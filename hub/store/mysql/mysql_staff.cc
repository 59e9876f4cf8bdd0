// The staff who sign in to the console, and their sessions (migration 0011).
// The store keeps and changes rows; what a sign-in decides (a wrong code, a
// lock-out, an expired session) is the console API's (service/console_api.h).
#include <memory>

#include "absl/strings/str_cat.h"
#include "cppconn/prepared_statement.h"
#include "cppconn/resultset.h"
#include "store/mysql/mysql_audit.h"
#include "store/mysql/mysql_store.h"
#include "store/mysql/sql_values.h"

namespace cre::mysql {
namespace {

inline constexpr SealedColumn kStaffSecrets{"staff", "totp_secret"};

absl::Status NoSuchStaff(const std::string& username) {
  return absl::NotFoundError(absl::StrCat("username: no member of staff \"", username, "\""));
}

absl::Time TimeOrPast(sql::ResultSet& row, const char* column) {
  if (row.isNull(column)) return absl::InfinitePast();
  absl::StatusOr<absl::Time> time = TimeFromSql(row.getString(column));
  return time.ok() ? *time : absl::InfinitePast();
}

absl::StatusOr<absl::Time> TimeOf(sql::ResultSet& row, const char* column) {
  return TimeFromSql(row.getString(column));
}

// The columns StaffFromRow reads.
constexpr char kStaffColumns[] = "s.username, s.display_name, s.agency_id, s.role, s.disabled_at";

v1::StaffMember StaffFromRow(sql::ResultSet& row) {
  v1::StaffMember member;
  member.set_username(row.getString("username"));
  member.set_display_name(row.getString("display_name"));
  member.set_agency_id(row.getString("agency_id"));
  v1::StaffRole role = v1::STAFF_ROLE_UNSPECIFIED;
  v1::StaffRole_Parse(std::string(row.getString("role")), &role);
  member.set_role(role);
  member.set_disabled(!row.isNull("disabled_at"));
  return member;
}

void BindTimeOrNull(sql::PreparedStatement& statement, int index, absl::Time time) {
  if (time == absl::InfinitePast() || time == absl::InfiniteFuture()) {
    statement.setNull(index, 0);
  } else {
    statement.setString(index, SqlTime(time));
  }
}

// Runs `update` (whose last parameter is the username) and ends the
// member's sessions; NOT_FOUND if no row matched.
absl::Status ChangeStaff(sql::Connection& c, Statement& update, int username_index, const std::string& username,
                         const v1::AuditRecord& audit) {
  update->setString(username_index, username);
  if (update->executeUpdate() == 0) {
    auto exists = Prepare(c, "SELECT 1 FROM staff WHERE username = ?");
    exists->setString(1, username);
    std::unique_ptr<sql::ResultSet> found(exists->executeQuery());
    if (!found->next()) return NoSuchStaff(username);
  }
  auto end = Prepare(c, "DELETE FROM staff_session WHERE username = ?");
  end->setString(1, username);
  end->executeUpdate();
  return AppendAudit(c, {audit});
}

}  // namespace

absl::Status MysqlStore::AddStaff(const v1::StaffMember& member, const std::string& password_hash,
                                  const std::string& totp_secret, absl::Time now, const v1::AuditRecord& audit) {
  v1::StaffSecrets secrets;
  secrets.set_totp_secret(totp_secret);
  absl::StatusOr<std::string> sealed = Sealed(secrets, *cipher_, kStaffSecrets, member.username());
  if (!sealed.ok()) return sealed.status();
  return RunTransaction(pool_, "add staff", [&](sql::Connection& c) -> absl::Status {
    auto agency = Prepare(c, "SELECT 1 FROM agency WHERE id = ? AND retired_at IS NULL");
    agency->setString(1, member.agency_id());
    std::unique_ptr<sql::ResultSet> found(agency->executeQuery());
    if (!found->next()) {
      return absl::InvalidArgumentError(
          absl::StrCat("agency_id: \"", member.agency_id(), "\" is not an agency of the registry"));
    }
    auto insert = Prepare(c,
                          "INSERT INTO staff (username, display_name, agency_id, role, password_hash, totp_secret,"
                          " created_at) VALUES (?, ?, ?, ?, ?, ?, ?)");
    insert->setString(1, member.username());
    insert->setString(2, member.display_name());
    insert->setString(3, member.agency_id());
    insert->setString(4, v1::StaffRole_Name(member.role()));
    insert->setString(5, password_hash);
    insert->setString(6, *sealed);
    insert->setString(7, SqlTime(now));
    insert->executeUpdate();
    return AppendAudit(c, {audit});
  });
}

absl::StatusOr<StaffAccount> MysqlStore::FindStaff(const std::string& username) {
  StaffAccount account;
  absl::Status status = RunTransaction(pool_, "find staff", [&](sql::Connection& c) -> absl::Status {
    auto select = Prepare(c, absl::StrCat("SELECT ", kStaffColumns,
                                          ", s.password_hash, s.totp_secret, s.totp_last_step, s.failed_attempts,"
                                          " s.last_failure_at, s.locked_until FROM staff s WHERE s.username = ?"));
    select->setString(1, username);
    std::unique_ptr<sql::ResultSet> row(select->executeQuery());
    if (!row->next()) return NoSuchStaff(username);
    account.member = StaffFromRow(*row);
    account.password_hash = row->getString("password_hash");
    absl::StatusOr<v1::StaffSecrets> secrets =
        OpenSealed<v1::StaffSecrets>(*row, "totp_secret", *cipher_, kStaffSecrets, username);
    if (!secrets.ok()) return secrets.status();
    account.totp_secret = secrets->totp_secret();
    account.totp_last_step = row->getInt64("totp_last_step");
    account.failed_attempts = row->getInt("failed_attempts");
    account.last_failure = TimeOrPast(*row, "last_failure_at");
    account.locked_until = TimeOrPast(*row, "locked_until");
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return account;
}

absl::StatusOr<std::vector<v1::StaffMember>> MysqlStore::ListStaff() {
  std::vector<v1::StaffMember> staff;
  absl::Status status = RunTransaction(pool_, "list staff", [&](sql::Connection& c) {
    staff.clear();
    auto select = Prepare(c, absl::StrCat("SELECT ", kStaffColumns, " FROM staff s ORDER BY s.username"));
    std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
    while (rows->next()) staff.push_back(StaffFromRow(*rows));
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return staff;
}

absl::Status MysqlStore::SetStaffDisabled(const std::string& username, bool disabled, absl::Time now,
                                          const v1::AuditRecord& audit) {
  return RunTransaction(pool_, "disable staff", [&](sql::Connection& c) {
    auto update = Prepare(c, "UPDATE staff SET disabled_at = ? WHERE username = ?");
    BindTimeOrNull(*update, 1, disabled ? now : absl::InfinitePast());
    return ChangeStaff(c, update, 2, username, audit);
  });
}

absl::Status MysqlStore::ResetStaffPassword(const std::string& username, const std::string& password_hash,
                                            const v1::AuditRecord& audit) {
  return RunTransaction(pool_, "reset staff password", [&](sql::Connection& c) {
    auto update = Prepare(c,
                          "UPDATE staff SET password_hash = ?, failed_attempts = 0, last_failure_at = NULL,"
                          " locked_until = NULL WHERE username = ?");
    update->setString(1, password_hash);
    return ChangeStaff(c, update, 2, username, audit);
  });
}

absl::Status MysqlStore::ResetStaffTotp(const std::string& username, const std::string& totp_secret,
                                        const v1::AuditRecord& audit) {
  v1::StaffSecrets secrets;
  secrets.set_totp_secret(totp_secret);
  absl::StatusOr<std::string> sealed = Sealed(secrets, *cipher_, kStaffSecrets, username);
  if (!sealed.ok()) return sealed.status();
  return RunTransaction(pool_, "reset staff totp", [&](sql::Connection& c) {
    auto update = Prepare(c, "UPDATE staff SET totp_secret = ?, totp_last_step = 0 WHERE username = ?");
    update->setString(1, *sealed);
    return ChangeStaff(c, update, 2, username, audit);
  });
}

absl::StatusOr<int> MysqlStore::RecordSignInFailure(const std::string& username, absl::Time now,
                                                    absl::Time locked_until, const v1::AuditRecord& audit) {
  int attempts = 0;
  absl::Status status = RunTransaction(pool_, "record a failed sign-in", [&](sql::Connection& c) -> absl::Status {
    auto update = Prepare(c,
                          "UPDATE staff SET failed_attempts = failed_attempts + 1, last_failure_at = ?,"
                          " locked_until = COALESCE(?, locked_until) WHERE username = ?");
    update->setString(1, SqlTime(now));
    BindTimeOrNull(*update, 2, locked_until);
    update->setString(3, username);
    if (update->executeUpdate() == 0) return NoSuchStaff(username);
    auto select = Prepare(c, "SELECT failed_attempts FROM staff WHERE username = ?");
    select->setString(1, username);
    std::unique_ptr<sql::ResultSet> row(select->executeQuery());
    attempts = row->next() ? row->getInt("failed_attempts") : 0;
    return AppendAudit(c, {audit});
  });
  if (!status.ok()) return status;
  return attempts;
}

absl::Status MysqlStore::StartSession(const std::string& username, int64_t totp_step,
                                      const std::string& token_sha256, absl::Time now, absl::Time expires_at,
                                      const v1::AuditRecord& audit) {
  return RunTransaction(pool_, "start a session", [&](sql::Connection& c) -> absl::Status {
    // The step only moves forward: of two sign-ins with one code, across
    // any number of hub processes, one matches this row and one does not.
    auto update = Prepare(c,
                          "UPDATE staff SET totp_last_step = ?, failed_attempts = 0, last_failure_at = NULL,"
                          " locked_until = NULL WHERE username = ? AND totp_last_step < ?");
    update->setInt64(1, totp_step);
    update->setString(2, username);
    update->setInt64(3, totp_step);
    if (update->executeUpdate() == 0) {
      return absl::FailedPreconditionError("code: used already");
    }
    auto insert = Prepare(c,
                          "INSERT INTO staff_session (token_sha256, username, created_at, last_seen_at, expires_at)"
                          " VALUES (?, ?, ?, ?, ?)");
    insert->setString(1, token_sha256);
    insert->setString(2, username);
    insert->setString(3, SqlTime(now));
    insert->setString(4, SqlTime(now));
    insert->setString(5, SqlTime(expires_at));
    insert->executeUpdate();
    return AppendAudit(c, {audit});
  });
}

absl::StatusOr<StaffSession> MysqlStore::FindSession(const std::string& token_sha256) {
  StaffSession session;
  absl::Status status = RunTransaction(pool_, "find a session", [&](sql::Connection& c) -> absl::Status {
    auto select = Prepare(c, absl::StrCat("SELECT ", kStaffColumns,
                                          ", x.created_at, x.last_seen_at, x.expires_at FROM staff_session x"
                                          " JOIN staff s ON s.username = x.username WHERE x.token_sha256 = ?"));
    select->setString(1, token_sha256);
    std::unique_ptr<sql::ResultSet> row(select->executeQuery());
    if (!row->next()) return absl::NotFoundError("no such session");
    session.member = StaffFromRow(*row);
    for (auto [column, time] : {std::pair<const char*, absl::Time*>{"created_at", &session.created_at},
                                {"last_seen_at", &session.last_seen_at},
                                {"expires_at", &session.expires_at}}) {
      absl::StatusOr<absl::Time> read = TimeOf(*row, column);
      if (!read.ok()) return read.status();
      *time = *read;
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return session;
}

absl::Status MysqlStore::TouchSession(const std::string& token_sha256, absl::Time now) {
  return RunTransaction(pool_, "touch a session", [&](sql::Connection& c) {
    auto update = Prepare(c, "UPDATE staff_session SET last_seen_at = GREATEST(last_seen_at, ?) WHERE token_sha256 = ?");
    update->setString(1, SqlTime(now));
    update->setString(2, token_sha256);
    update->executeUpdate();
    return absl::OkStatus();
  });
}

absl::Status MysqlStore::EndSession(const std::string& token_sha256, const v1::AuditRecord& audit) {
  return RunTransaction(pool_, "end a session", [&](sql::Connection& c) -> absl::Status {
    auto end = Prepare(c, "DELETE FROM staff_session WHERE token_sha256 = ?");
    end->setString(1, token_sha256);
    const bool ended = end->executeUpdate() > 0;
    if (ended && audit.kind() != v1::AUDIT_EVENT_KIND_UNSPECIFIED) return AppendAudit(c, {audit});
    return absl::OkStatus();
  });
}

}  // namespace cre::mysql
