// MysqlStore: alerts and their mail (migrations/0021_alerts.sql): applying
// an evaluation's alerts once across processes, and the mail queue with the
// digest rule and a lease per mailbox.
#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/status_macros.h"
#include "cppconn/prepared_statement.h"
#include "cppconn/resultset.h"
#include "store/mysql/mysql_store.h"
#include "store/mysql/sql_values.h"

namespace cre::mysql {
namespace {

// Sent mail and cleared alerts are kept this long, for whoever asks what
// was mailed; then deleted a batch at a time by later applies.
constexpr absl::Duration kKeepSent = absl::Hours(24 * 30);
constexpr int kPruneBatch = 1000;
// Changes in one mail: a digest of more leaves the rest for the next one.
constexpr int kMaxChangesPerMail = 500;
// Ids set sent by one statement.
constexpr size_t kIdsPerStatement = 100;

// An alert as stored, raised now.
struct StoredAlert {
  std::string state;
  std::string title;
  std::string body;
  std::vector<std::string> mailboxes;
};

std::string JoinMailboxes(const std::vector<std::string>& mailboxes) { return absl::StrJoin(mailboxes, "\n"); }

std::vector<std::string> SplitMailboxes(const std::string& text) {
  return absl::StrSplit(text, '\n', absl::SkipEmpty());
}

// One change queued for each of `mailboxes`; each mailbox's row says it has
// mail waiting (from the oldest change, kept if one waits already).
void Queue(sql::Connection& c, const std::string& key, alerting::AlertChange change, const std::string& title,
           const std::string& body, const std::vector<std::string>& mailboxes, absl::Time now, int* queued) {
  auto insert = Prepare(c,
                        "INSERT INTO alert_mail (mailbox, alert_key, change_kind, title, body, queued_at)"
                        " VALUES (?, ?, ?, ?, ?, ?)");
  auto waiting = Prepare(c,
                         "INSERT INTO alert_mailbox (mailbox, first_pending_at) VALUES (?, ?)"
                         " ON DUPLICATE KEY UPDATE first_pending_at = COALESCE(first_pending_at, VALUES(first_pending_at))");
  for (const std::string& mailbox : mailboxes) {
    insert->setString(1, mailbox);
    insert->setString(2, key);
    insert->setString(3, alerting::AlertChangeName(change));
    insert->setString(4, title);
    insert->setString(5, body);
    insert->setString(6, SqlTime(now));
    insert->executeUpdate();
    waiting->setString(1, mailbox);
    waiting->setString(2, SqlTime(now));
    waiting->executeUpdate();
    ++*queued;
  }
}

}  // namespace

absl::StatusOr<Store::AlertChanges> MysqlStore::ApplyAlerts(const std::vector<alerting::Alert>& raised,
                                                            absl::Time now) {
  absl::flat_hash_set<std::string> keys;
  for (const alerting::Alert& a : raised) {
    if (a.key.empty() || a.key.size() > alerting::kMaxAlertKeyBytes) {
      return absl::InvalidArgumentError(absl::StrCat("alert key: 1 to ", alerting::kMaxAlertKeyBytes, " bytes"));
    }
    if (a.state.size() > alerting::kMaxAlertStateBytes) {
      return absl::InvalidArgumentError(absl::StrCat("alert ", a.key, ": state longer than ",
                                                     alerting::kMaxAlertStateBytes, " bytes"));
    }
    if (!keys.insert(a.key).second) return absl::InvalidArgumentError(absl::StrCat("alert ", a.key, ": raised twice"));
  }
  AlertChanges changes;
  CRE_RETURN_IF_ERROR(RunTransaction(pool_, "apply alerts", [&](sql::Connection& c) -> absl::Status {
    changes = AlertChanges();
    // The turn: every apply writes this row first, so applies run one at a
    // time and each sees what the one before it queued.
    {
      auto turn = Prepare(c, "SELECT applied_at FROM alert_apply WHERE id = 1 FOR UPDATE");
      std::unique_ptr<sql::ResultSet> row(turn->executeQuery());
      if (!row->next()) return absl::FailedPreconditionError("alert_apply has no row: migration 0021 not applied?");
      CRE_ASSIGN_OR_RETURN(const absl::Time last, TimeFromSql(row->getString("applied_at")));
      if (now < last) {
        changes.stale = true;
        return absl::OkStatus();
      }
    }
    auto take = Prepare(c, "UPDATE alert_apply SET applied_at = ? WHERE id = 1");
    take->setString(1, SqlTime(now));
    take->executeUpdate();

    std::map<std::string, StoredAlert> stored;
    {
      auto select = Prepare(c, "SELECT alert_key, state, title, body, mailboxes FROM alert WHERE cleared_at IS NULL");
      std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
      while (rows->next()) {
        stored[rows->getString("alert_key")] = {rows->getString("state"), rows->getString("title"),
                                                rows->getString("body"), SplitMailboxes(rows->getString("mailboxes"))};
      }
    }
    auto raise = Prepare(c,
                         "INSERT INTO alert (alert_key, state, title, body, mailboxes, raised_at, changed_at, cleared_at)"
                         " VALUES (?, ?, ?, ?, ?, ?, ?, NULL) ON DUPLICATE KEY UPDATE state = VALUES(state),"
                         " title = VALUES(title), body = VALUES(body), mailboxes = VALUES(mailboxes),"
                         " raised_at = VALUES(raised_at), changed_at = VALUES(changed_at), cleared_at = NULL");
    auto change = Prepare(c,
                          "UPDATE alert SET state = ?, title = ?, body = ?, mailboxes = ?, changed_at = ?"
                          " WHERE alert_key = ?");
    auto clear = Prepare(c, "UPDATE alert SET cleared_at = ?, changed_at = ? WHERE alert_key = ?");
    for (const alerting::Alert& a : raised) {
      auto it = stored.find(a.key);
      if (it == stored.end()) {
        raise->setString(1, a.key);
        raise->setString(2, a.state);
        raise->setString(3, a.title);
        raise->setString(4, a.text);
        raise->setString(5, JoinMailboxes(a.mailboxes));
        raise->setString(6, SqlTime(now));
        raise->setString(7, SqlTime(now));
        raise->executeUpdate();
        ++changes.raised;
        Queue(c, a.key, alerting::AlertChange::kRaised, a.title, a.text, a.mailboxes, now, &changes.queued);
        continue;
      }
      // The same state raised again is no news: its words are left as they
      // were mailed.
      if (it->second.state != a.state) {
        change->setString(1, a.state);
        change->setString(2, a.title);
        change->setString(3, a.text);
        change->setString(4, JoinMailboxes(a.mailboxes));
        change->setString(5, SqlTime(now));
        change->setString(6, a.key);
        change->executeUpdate();
        ++changes.changed;
        Queue(c, a.key, alerting::AlertChange::kChanged, a.title, a.text, a.mailboxes, now, &changes.queued);
      }
      stored.erase(it);
    }
    // What is left was raised and is no longer.
    for (const auto& [key, alert] : stored) {
      clear->setString(1, SqlTime(now));
      clear->setString(2, SqlTime(now));
      clear->setString(3, key);
      clear->executeUpdate();
      ++changes.cleared;
      Queue(c, key, alerting::AlertChange::kCleared, alert.title, alert.body, alert.mailboxes, now, &changes.queued);
    }

    auto prune_mail = Prepare(c, "DELETE FROM alert_mail WHERE sent_at < ? LIMIT ?");
    prune_mail->setString(1, SqlTime(now - kKeepSent));
    prune_mail->setInt(2, kPruneBatch);
    prune_mail->executeUpdate();
    auto prune_alerts = Prepare(c, "DELETE FROM alert WHERE cleared_at < ? LIMIT ?");
    prune_alerts->setString(1, SqlTime(now - kKeepSent));
    prune_alerts->setInt(2, kPruneBatch);
    prune_alerts->executeUpdate();
    return absl::OkStatus();
  }));
  return changes;
}

absl::StatusOr<std::vector<Store::AlertMailClaim>> MysqlStore::ClaimAlertMail(const std::string& owner,
                                                                              absl::Time now,
                                                                              absl::Duration digest_interval,
                                                                              absl::Duration lease, int limit) {
  if (owner.empty()) return absl::InvalidArgumentError("owner: required");
  std::vector<AlertMailClaim> claims;
  CRE_RETURN_IF_ERROR(RunTransaction(pool_, "claim alert mail", [&](sql::Connection& c) -> absl::Status {
    claims.clear();
    // The digest rule (alerting/alert_mail.h, MailDueAt): mail waiting, and
    // the mailbox's last mail a whole interval ago (or never). SKIP LOCKED:
    // a mailbox another process is claiming is left to it; on a cluster the
    // lease's UPDATE below conflicts at certification instead.
    {
      auto select = Prepare(c,
                            "SELECT mailbox FROM alert_mailbox WHERE first_pending_at IS NOT NULL"
                            " AND first_pending_at <= ? AND (last_mailed_at IS NULL OR last_mailed_at <= ?)"
                            " AND lease_until <= ? ORDER BY first_pending_at LIMIT ? FOR UPDATE SKIP LOCKED");
      select->setString(1, SqlTime(now));
      select->setString(2, SqlTime(now - digest_interval));
      select->setString(3, SqlTime(now));
      select->setInt(4, limit);
      std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
      while (rows->next()) claims.push_back({rows->getString("mailbox"), {}});
    }
    auto lease_it = Prepare(c, "UPDATE alert_mailbox SET lease_owner = ?, lease_until = ? WHERE mailbox = ?");
    auto waiting = Prepare(c,
                           "SELECT id, alert_key, change_kind, title, body, queued_at FROM alert_mail"
                           " WHERE mailbox = ? AND sent_at IS NULL ORDER BY id LIMIT ?");
    for (AlertMailClaim& claim : claims) {
      lease_it->setString(1, owner);
      lease_it->setString(2, SqlTime(now + lease));
      lease_it->setString(3, claim.mailbox);
      lease_it->executeUpdate();
      waiting->setString(1, claim.mailbox);
      waiting->setInt(2, kMaxChangesPerMail);
      std::unique_ptr<sql::ResultSet> rows(waiting->executeQuery());
      while (rows->next()) {
        alerting::QueuedChange change;
        change.id = rows->getInt64("id");
        change.alert_key = rows->getString("alert_key");
        if (!alerting::ParseAlertChange(rows->getString("change_kind"), &change.change)) {
          return absl::InternalError(absl::StrCat("alert_mail ", change.id, ": unknown change_kind"));
        }
        change.title = rows->getString("title");
        change.text = rows->getString("body");
        CRE_ASSIGN_OR_RETURN(change.queued_at, TimeFromSql(rows->getString("queued_at")));
        claim.changes.push_back(std::move(change));
      }
    }
    return absl::OkStatus();
  }));
  // A mailbox whose waiting rows were all sent by a process whose lease had
  // run out (its mark came late) has nothing left: not a claim.
  claims.erase(std::remove_if(claims.begin(), claims.end(), [](const AlertMailClaim& c) { return c.changes.empty(); }),
               claims.end());
  return claims;
}

absl::Status MysqlStore::MarkAlertMailSent(const std::string& owner, const AlertMailClaim& claim, absl::Time now) {
  return RunTransaction(pool_, "mark alert mail sent", [&](sql::Connection& c) -> absl::Status {
    for (size_t from = 0; from < claim.changes.size(); from += kIdsPerStatement) {
      const size_t to = std::min(claim.changes.size(), from + kIdsPerStatement);
      std::string sql = "UPDATE alert_mail SET sent_at = ? WHERE mailbox = ? AND sent_at IS NULL AND id IN (?";
      for (size_t i = from + 1; i < to; ++i) sql += ", ?";
      sql += ")";
      auto sent = Prepare(c, sql);
      int param = 0;
      sent->setString(++param, SqlTime(now));
      sent->setString(++param, claim.mailbox);
      for (size_t i = from; i < to; ++i) sent->setInt64(++param, claim.changes[i].id);
      sent->executeUpdate();
    }
    // The next mail waits a digest interval from this one; what was queued
    // while this one was sent waits for it. The lease ends if it is still
    // this process's (one that ran out may be another's now).
    auto mailbox = Prepare(c,
                           "UPDATE alert_mailbox SET last_mailed_at = ?,"
                           " first_pending_at = (SELECT MIN(queued_at) FROM alert_mail WHERE mailbox = ? AND sent_at IS NULL),"
                           " lease_until = IF(lease_owner = ?, '1970-01-01 00:00:01', lease_until),"
                           " lease_owner = IF(lease_owner = ?, '', lease_owner) WHERE mailbox = ?");
    mailbox->setString(1, SqlTime(now));
    mailbox->setString(2, claim.mailbox);
    mailbox->setString(3, owner);
    mailbox->setString(4, owner);
    mailbox->setString(5, claim.mailbox);
    mailbox->executeUpdate();
    return absl::OkStatus();
  });
}

}  // namespace cre::mysql
