-- 0005: deadlines. Each case remembers when its next deadline falls, so that
-- a watcher finds the cases to look at without evaluating every case; the
-- open actions with a due time are indexed for managers' queries. Alerts the
-- hub sends itself have no sending agency.

ALTER TABLE cre_case ADD COLUMN IF NOT EXISTS next_deadline TIMESTAMP(6) NULL;

CREATE INDEX IF NOT EXISTS case_next_deadline ON cre_case (next_deadline);

ALTER TABLE message MODIFY sender_agency_id VARCHAR(64) NULL;

-- The open actions (not done) with a due time, as of the case's last
-- evaluation; replaced whole at each evaluation.
CREATE TABLE IF NOT EXISTS case_action (
  case_id CHAR(36) NOT NULL,
  rule_id VARCHAR(80) NOT NULL,
  action_kind VARCHAR(40) NOT NULL,
  owner_role VARCHAR(48) NOT NULL,
  owner_agency_id VARCHAR(64) NULL,
  due_at TIMESTAMP(6) NOT NULL,
  due_date CHAR(10) NOT NULL,
  PRIMARY KEY (case_id, rule_id, due_at),
  KEY case_action_due (due_at, case_id, rule_id),
  KEY case_action_owner (owner_agency_id, due_at),
  CONSTRAINT case_action_case_fk FOREIGN KEY (case_id) REFERENCES cre_case (case_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
