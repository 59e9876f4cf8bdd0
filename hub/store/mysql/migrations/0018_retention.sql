-- 0018: retention by record class (docs/data-protection.md, "Retention").
--
-- A purge empties a record's personal data and payload in place and keeps
-- the row: its ids, times and states stay (deliveries, involvement, the
-- audit chain refer to them), with when it was purged, its class, and the
-- SHA-256 of the content as it was stored (sealed), so that a copy of the
-- content (a backup, say) can still be matched to the record. The same is
-- in the chain, as a RECORD_PURGED record. Purged sealed columns hold ''
-- (a NOT NULL column) or NULL.

ALTER TABLE cre_case
  ADD COLUMN IF NOT EXISTS purged_at DATETIME(6) NULL,
  ADD COLUMN IF NOT EXISTS purged_class VARCHAR(40) CHARACTER SET ascii COLLATE ascii_bin NULL,
  ADD COLUMN IF NOT EXISTS purged_sha256 CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NULL;

ALTER TABLE message
  ADD COLUMN IF NOT EXISTS purged_at DATETIME(6) NULL,
  ADD COLUMN IF NOT EXISTS purged_sha256 CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NULL;

-- The child's own row goes when none of their cases is kept any more.
ALTER TABLE child
  ADD COLUMN IF NOT EXISTS purged_at DATETIME(6) NULL,
  ADD COLUMN IF NOT EXISTS purged_sha256 CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NULL;

-- The sweep looks for messages not purged yet; most rows are, in time.
CREATE INDEX IF NOT EXISTS message_purged ON message (purged_at, message_id);
CREATE INDEX IF NOT EXISTS case_purged ON cre_case (purged_at, case_id);

-- A legal hold stops a case's purge (and its messages' and child's) while
-- it stands. Who placed it, when and why; each change is in the audit chain
-- too (LEGAL_HOLD_CHANGED).
CREATE TABLE IF NOT EXISTS legal_hold (
  case_id CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  held_by VARCHAR(64) NOT NULL,
  held_at DATETIME(6) NOT NULL,
  reason VARCHAR(1024) NOT NULL,
  PRIMARY KEY (case_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- One row: when a hub process last began a sweep, so that processes do not
-- all scan at once. Taking it is an UPDATE (a write that conflicts on a
-- Galera cluster too, not a node-local lock); correctness does not rest on
-- it: each record is purged under its own row lock, once.
CREATE TABLE IF NOT EXISTS retention_sweep (
  id TINYINT NOT NULL,
  started_at DATETIME(6) NOT NULL,
  started_by VARCHAR(80) NOT NULL,
  PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

INSERT IGNORE INTO retention_sweep (id, started_at, started_by) VALUES (1, '1970-01-01 00:00:01', '');
