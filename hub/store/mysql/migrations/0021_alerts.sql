-- 0021: alerts by e-mail (docs/operations.md): the alerts raised, and
-- the mail queue, so that any number of hub processes mail each change of
-- an alert once, and at most one mail a digest interval per mailbox.
--
-- Every hub process evaluates the alerts and applies what it found
-- (mysql_alerts.cc, ApplyAlerts). Appliers take turns through the one row
-- of alert_apply, which every apply updates first: on one server a row
-- lock, on a Galera cluster a write that conflicts at certification (the
-- loser's transaction fails with 1213 and runs again, finding the winner's
-- changes). No GET_LOCK: it is node-local on a cluster. No personal data:
-- an alert's words name agencies, roles, actions and certificates, and link
-- to the console.

-- An alert raised now (cleared_at NULL), or raised once and cleared. The
-- key says what it is about ("overdue/<case>/<rule>", "liveness/<agency>",
-- "dead-letters/<agency>", "certificate/<subject>"); the state is what a
-- change of is worth a mail (a certificate's band, a dead-letter count).
CREATE TABLE IF NOT EXISTS alert (
  alert_key VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  state VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  title VARCHAR(1024) NOT NULL,
  body TEXT NOT NULL,
  -- The addresses it went to, one a line: a cleared alert is mailed to
  -- those it was raised with.
  mailboxes TEXT NOT NULL,
  raised_at DATETIME(6) NOT NULL,
  changed_at DATETIME(6) NOT NULL,
  cleared_at DATETIME(6) NULL,
  PRIMARY KEY (alert_key),
  KEY alert_cleared (cleared_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- One row, written by every apply: the turn-taking above, and the last
-- evaluation applied, so that an older one applied after it is refused.
CREATE TABLE IF NOT EXISTS alert_apply (
  id TINYINT NOT NULL,
  applied_at DATETIME(6) NOT NULL,
  PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

INSERT IGNORE INTO alert_apply (id, applied_at) VALUES (1, '1970-01-01 00:00:01');

-- A mailbox that has been sent mail or has mail waiting: the digest rule's
-- clock (last_mailed_at; NULL: never) and the lease of the process sending
-- its mail now. first_pending_at is the oldest change waiting (NULL: none).
CREATE TABLE IF NOT EXISTS alert_mailbox (
  mailbox VARCHAR(320) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  first_pending_at DATETIME(6) NULL,
  last_mailed_at DATETIME(6) NULL,
  lease_owner VARCHAR(80) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT '',
  lease_until DATETIME(6) NOT NULL DEFAULT '1970-01-01 00:00:01',
  PRIMARY KEY (mailbox),
  KEY alert_mailbox_pending (first_pending_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The queue: one row per change and mailbox, with the alert's words when it
-- changed; sent_at once the mail holding it was accepted by the server.
CREATE TABLE IF NOT EXISTS alert_mail (
  id BIGINT NOT NULL AUTO_INCREMENT,
  mailbox VARCHAR(320) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  alert_key VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  change_kind VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  title VARCHAR(1024) NOT NULL,
  body TEXT NOT NULL,
  queued_at DATETIME(6) NOT NULL,
  sent_at DATETIME(6) NULL,
  PRIMARY KEY (id),
  KEY alert_mail_waiting (mailbox, sent_at, id),
  KEY alert_mail_sent (sent_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
