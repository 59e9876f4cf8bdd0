-- 0003: actions the hub performs itself, once per trigger; case events that
-- a recipient's acknowledgement completes.

-- One row per action the hub performed: a second hub process evaluating the
-- same trigger finds the row and sends nothing.
CREATE TABLE IF NOT EXISTS hub_action (
  case_id CHAR(36) NOT NULL,
  trigger_key VARCHAR(120) NOT NULL,
  message_id CHAR(36) NOT NULL,
  performed_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  PRIMARY KEY (case_id, trigger_key),
  CONSTRAINT hub_action_case_fk FOREIGN KEY (case_id) REFERENCES cre_case (case_id),
  CONSTRAINT hub_action_message_fk FOREIGN KEY (message_id) REFERENCES message (message_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The agency whose acknowledgement of this message completes the case event
-- the message stands for (NULL: none).
ALTER TABLE message ADD COLUMN IF NOT EXISTS event_acknowledged_by VARCHAR(64) NULL;
