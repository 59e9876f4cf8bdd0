-- 0006: the audit journal, which takes the chain's head off every
-- transaction's path.
--
-- A transaction that does something worth recording writes its records here,
-- in the same transaction, so a record exists exactly when what it records
-- was committed. It does not touch audit_head: before this, every
-- submission, hand-out and acknowledgement queued on that one row. A sealer
-- (every hub process runs one) moves journalled records into audit_log in
-- batches, giving each its seq and hash under the head's lock, within
-- milliseconds. Journal rows are not chained yet: `hubctl audit verify`
-- reports how many there are.

CREATE TABLE IF NOT EXISTS audit_journal (
  id BIGINT NOT NULL AUTO_INCREMENT,
  -- cre.v1.AuditRecord without its seq (no personal data).
  record BLOB NOT NULL,
  PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Rows leave the journal only by being sealed (a DELETE in the sealer's
-- transaction); nobody edits one.
CREATE TRIGGER IF NOT EXISTS audit_journal_no_update BEFORE UPDATE ON audit_journal FOR EACH ROW SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'audit_journal rows are sealed, never edited';
