-- 0019: which sealed audit rows are accesses to a child's data, by child
-- and by case, so that "who looked at this child's record" is an index
-- range rather than a walk of the whole chain (audit_log has no case
-- column: its rows are serialized records).
--
-- A row is added for each sealed record of an access kind (CASE_READ,
-- DELIVERY_HANDED_OUT, SUBJECT_ACCESS_EXPORTED, ACCESS_LOG_READ; see
-- docs/data-protection.md, "Who looked") that names a case or a child, in
-- the sealing transaction. Chains sealed before this table existed are
-- indexed by a catch-up that walks audit_log from the watermark up, in
-- batches; the sealer moves the watermark with it only while the catch-up
-- has reached the head, so `indexed_through` always means "every row up to
-- here is indexed". The index holds ids only, like the chain: no personal
-- data. It is derived from the chain and can be rebuilt from it (empty
-- both tables' rows and reset the watermark to 0).

CREATE TABLE IF NOT EXISTS audit_access (
  seq BIGINT NOT NULL,
  -- The child whose data it was: the case's child, or the record's child_id.
  child_id CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  -- '' for an access to the child as a whole (a subject access export).
  case_id CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT '',
  PRIMARY KEY (seq),
  KEY audit_access_child (child_id, seq),
  KEY audit_access_case (case_id, seq)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS audit_access_watermark (
  id TINYINT NOT NULL,
  -- Every audit_log row with seq at or below this is indexed.
  indexed_through BIGINT NOT NULL,
  PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

INSERT IGNORE INTO audit_access_watermark (id, indexed_through) VALUES (1, 0);
