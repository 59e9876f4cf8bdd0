-- 0002: intake and at-least-once delivery.
--
-- A child's personal details are stored once (child) and referenced by
-- cases; a case holds what the pathway reads. A message is stored once and
-- delivered to each recipient through its own delivery row (the outbox):
-- the message, its deliveries and the submitter's idempotency record are
-- written in one transaction.

CREATE TABLE IF NOT EXISTS child (
  child_id CHAR(36) NOT NULL,
  -- cre.v1.ChildDetails (name, address), serialized.
  details BLOB NOT NULL,
  -- cre.v1.Child (date of birth, SEND, plan, authorities), serialized.
  facts BLOB NOT NULL,
  created_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  PRIMARY KEY (child_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS cre_case (
  case_id CHAR(36) NOT NULL,
  child_id CHAR(36) NOT NULL,
  opened_at TIMESTAMP(6) NOT NULL,
  opened_by VARCHAR(64) NOT NULL,
  -- cre.v1.CaseUpdate: every risk assessment and case event, in order.
  record BLOB NOT NULL,
  PRIMARY KEY (case_id),
  KEY case_child (child_id),
  CONSTRAINT case_child_fk FOREIGN KEY (child_id) REFERENCES child (child_id),
  CONSTRAINT case_opener_fk FOREIGN KEY (opened_by) REFERENCES agency (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The agencies involved with a case: they receive its updates and reports,
-- and may read it.
CREATE TABLE IF NOT EXISTS involvement (
  case_id CHAR(36) NOT NULL,
  agency_id VARCHAR(64) NOT NULL,
  since TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  PRIMARY KEY (case_id, agency_id),
  KEY involvement_agency (agency_id),
  CONSTRAINT involvement_case_fk FOREIGN KEY (case_id) REFERENCES cre_case (case_id),
  CONSTRAINT involvement_agency_fk FOREIGN KEY (agency_id) REFERENCES agency (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS message (
  message_id CHAR(36) NOT NULL,
  kind VARCHAR(40) NOT NULL,
  sender_agency_id VARCHAR(64) NOT NULL,
  case_id CHAR(36) NULL,
  in_reply_to CHAR(36) NULL,
  accepted_at TIMESTAMP(6) NOT NULL,
  -- cre.v1.RoutedMessage without the per-delivery fields, serialized.
  body MEDIUMBLOB NOT NULL,
  PRIMARY KEY (message_id),
  KEY message_case (case_id, accepted_at),
  CONSTRAINT message_sender_fk FOREIGN KEY (sender_agency_id) REFERENCES agency (id),
  CONSTRAINT message_case_fk FOREIGN KEY (case_id) REFERENCES cre_case (case_id),
  CONSTRAINT message_reply_fk FOREIGN KEY (in_reply_to) REFERENCES message (message_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- One row per message and recipient. PENDING: waiting to be handed out (not
-- before next_attempt_at); LEASED: handed to a stream until lease_until;
-- ACKED: done; DEAD: handed out max_attempts times without an ack.
-- order_key is the case (or the message itself when it has none): for each
-- recipient, a delivery is handed out only when every earlier delivery with
-- the same order_key is ACKED or DEAD.
CREATE TABLE IF NOT EXISTS delivery (
  delivery_id BIGINT NOT NULL AUTO_INCREMENT,
  message_id CHAR(36) NOT NULL,
  recipient_agency_id VARCHAR(64) NOT NULL,
  order_key CHAR(36) NOT NULL,
  state ENUM('PENDING', 'LEASED', 'ACKED', 'DEAD') NOT NULL DEFAULT 'PENDING',
  attempts INT NOT NULL DEFAULT 0,
  lease_owner VARCHAR(80) NULL,
  lease_until TIMESTAMP(6) NULL,
  next_attempt_at TIMESTAMP(6) NOT NULL,
  created_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  acked_at TIMESTAMP(6) NULL,
  PRIMARY KEY (delivery_id),
  UNIQUE KEY delivery_message_recipient (message_id, recipient_agency_id),
  KEY delivery_claim (recipient_agency_id, state, next_attempt_at),
  KEY delivery_order (recipient_agency_id, order_key, state, delivery_id),
  KEY delivery_lease (state, lease_until),
  KEY delivery_owner (lease_owner),
  CONSTRAINT delivery_message_fk FOREIGN KEY (message_id) REFERENCES message (message_id),
  CONSTRAINT delivery_recipient_fk FOREIGN KEY (recipient_agency_id) REFERENCES agency (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The first answer to each (agency, idempotency key), and a SHA-256 of the
-- request it answered.
CREATE TABLE IF NOT EXISTS idempotency (
  agency_id VARCHAR(64) NOT NULL,
  idempotency_key VARCHAR(128) NOT NULL,
  method VARCHAR(64) NOT NULL,
  request_sha256 CHAR(64) NOT NULL,
  response BLOB NOT NULL,
  created_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  PRIMARY KEY (agency_id, idempotency_key),
  CONSTRAINT idempotency_agency_fk FOREIGN KEY (agency_id) REFERENCES agency (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
