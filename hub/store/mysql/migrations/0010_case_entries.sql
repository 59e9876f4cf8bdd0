-- 0010: a case grows by rows, not by rewriting one value.
--
-- A case's record was one sealed BLOB (at most 65,535 bytes) holding every
-- risk assessment and case event, rewritten whole at each submission and at
-- each acknowledgement that completes an event. A case that must be kept for
-- years outgrew it: a long narrative was refused INTERNAL, and a message
-- accepted on a nearly full case could never be acknowledged, because the
-- acknowledgement had to write the record again, a few bytes longer.
--
-- Now each assessment and event is a row of its own, appended and never
-- rewritten; an acknowledgement sets one row's acknowledged_at, a column
-- outside the sealed body, so it changes no sealed value and cannot fail on
-- its size. seq is the case's own sequence, given by the writer under the
-- case's row lock: no order is taken from AUTO_INCREMENT.
--
-- cre_case.record stays, NULL for every case written from now on; a case
-- recorded before this migration is moved into rows the first time the hub
-- writes to it (hub/store/mysql/case_entries.cc), so this migration needs
-- no key and copies no table.

CREATE TABLE IF NOT EXISTS case_entry (
  case_id CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  -- 1, 2, 3, ... in the order the entries were recorded on the case.
  seq INT NOT NULL,
  entry_kind ENUM('RISK_ASSESSMENT', 'EVENT') CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  -- A hub-routed event: the message that carried it, whose acknowledgement
  -- by its recipient completes it.
  message_id CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NULL,
  -- UTC. Set when that message is acknowledged (or as recorded).
  acknowledged_at DATETIME(6) NULL,
  -- cre.v1.RiskAssessment or cre.v1.CaseEvent, sealed (docs/encryption.md).
  body MEDIUMBLOB NOT NULL,
  PRIMARY KEY (case_id, seq),
  KEY case_entry_message (case_id, message_id),
  CONSTRAINT case_entry_case_fk FOREIGN KEY (case_id) REFERENCES cre_case (case_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

ALTER TABLE cre_case MODIFY record BLOB NULL;

