-- 0012: the last verification of the audit chain, for the console's Record
-- page: up to which row, when, by whom, and what was found. One row (id 1),
-- replaced at each verification, so that every hub process shows the same.

CREATE TABLE IF NOT EXISTS audit_verification (
  id TINYINT NOT NULL,
  verified_up_to BIGINT NOT NULL,
  head_hash CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  verified_at DATETIME(6) NOT NULL,
  intact BOOLEAN NOT NULL,
  -- Where the chain broke, in the verifier's words (no personal data).
  problem VARCHAR(500) NOT NULL DEFAULT '',
  verified_by VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
