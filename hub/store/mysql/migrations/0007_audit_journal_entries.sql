-- 0007: one journal row per transaction, not per record.
--
-- A message is recorded about three times (accepted, handed out,
-- acknowledged), and each record was a journal row written, read back and
-- deleted again: the largest share of what the database did for a message.
-- A row now holds `entry`, a cre.v1.AuditJournalEntry with all the records
-- of the transaction that wrote it, in order, and `record_count`. Rows
-- written before this (`record` set, `entry` NULL) are sealed as before.

ALTER TABLE audit_journal ADD COLUMN IF NOT EXISTS entry MEDIUMBLOB NULL;

ALTER TABLE audit_journal ADD COLUMN IF NOT EXISTS record_count INT NOT NULL DEFAULT 1;

ALTER TABLE audit_journal MODIFY record BLOB NULL;
