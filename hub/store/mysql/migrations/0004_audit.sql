-- 0004: the record of every decision, message, delivery, response, case
-- read and refused call: an append-only hash chain (see docs/audit.md).
--
-- seq is gapless and assigned under a lock on the single audit_head row, so
-- that a rolled-back transaction leaves no hole the verifier would report
-- as a deleted row. row_hash = SHA-256(prev_hash || record).

CREATE TABLE IF NOT EXISTS audit_log (
  seq BIGINT NOT NULL,
  -- cre.v1.AuditRecord, deterministic serialization (no personal data).
  record BLOB NOT NULL,
  prev_hash CHAR(64) NOT NULL,
  row_hash CHAR(64) NOT NULL,
  PRIMARY KEY (seq)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS audit_head (
  id TINYINT NOT NULL,
  seq BIGINT NOT NULL,
  row_hash CHAR(64) NOT NULL,
  PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

INSERT IGNORE INTO audit_head (id, seq, row_hash) VALUES (1, 0, REPEAT('0', 64));

-- Append-only for the hub's own account: a mistake in the hub cannot change
-- the record. Someone with the rights to drop these triggers can; the chain
-- (and an anchor kept elsewhere) is what catches that.
CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log FOR EACH ROW SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'audit_log is append-only';

CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log FOR EACH ROW SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'audit_log is append-only';
