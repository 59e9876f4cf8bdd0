-- 0013: who has read each case, for the console's Case page: one row per
-- reader (an agency's own system, or a member of staff through the
-- console), with when they last read it and how often. Written in the
-- reading transaction; the audit chain keeps every read, this keeps the
-- answer to "who has looked at this child's case" one query away.

CREATE TABLE IF NOT EXISTS case_reader (
  case_id CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  reader_agency_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  -- A member of staff's username; '' for the agency's own system.
  staff_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT '',
  first_read_at DATETIME(6) NOT NULL,
  last_read_at DATETIME(6) NOT NULL,
  read_count INT NOT NULL DEFAULT 1,
  PRIMARY KEY (case_id, reader_agency_id, staff_id),
  CONSTRAINT case_reader_case_fk FOREIGN KEY (case_id) REFERENCES cre_case (case_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
