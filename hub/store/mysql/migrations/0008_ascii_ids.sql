-- 0008: identifiers compare byte for byte.
--
-- Every id, key, code and hash the hub stores is ASCII (UUIDs, agency ids,
-- idempotency keys, rule and trigger keys, lease owners, SHA-256 hex), but
-- the columns had the schema's utf8mb4_unicode_ci: case-insensitive, so an
-- agency's idempotency keys "Ref-1" and "ref-1" were one key, and its second
-- submission was taken for a retry of the first (replayed, or refused as
-- a reused key). It is also slow: every
-- index lookup on such a column goes through the Unicode collation's weight
-- tables, a few per cent of the database's CPU at saturation
-- (docs/benchmarks.md). ascii_bin: exact, one byte a character.
-- The tables' default stays utf8mb4, for text: a later column that holds
-- an id, or refers to one, says CHARACTER SET ascii COLLATE ascii_bin, or
-- its foreign key cannot be made and its joins compare across collations.
--
-- MariaDB does not change the character set of a column a foreign key
-- uses, so the keys are dropped first and made again after; with
-- foreign_key_checks off (this connection only, the migration's own) the
-- rows are not checked again: they met the same constraints until now. Each
-- step may run again if the migration was cut short. On a populated
-- database each MODIFY copies its table, and other hub processes' writes
-- to it wait meanwhile: upgrade with the other processes stopped.

SET SESSION foreign_key_checks = 0;

ALTER TABLE cre_case DROP FOREIGN KEY IF EXISTS case_child_fk, DROP FOREIGN KEY IF EXISTS case_opener_fk;

ALTER TABLE involvement DROP FOREIGN KEY IF EXISTS involvement_case_fk, DROP FOREIGN KEY IF EXISTS involvement_agency_fk;

ALTER TABLE message DROP FOREIGN KEY IF EXISTS message_sender_fk, DROP FOREIGN KEY IF EXISTS message_case_fk,
  DROP FOREIGN KEY IF EXISTS message_reply_fk;

ALTER TABLE delivery DROP FOREIGN KEY IF EXISTS delivery_message_fk, DROP FOREIGN KEY IF EXISTS delivery_recipient_fk;

ALTER TABLE idempotency DROP FOREIGN KEY IF EXISTS idempotency_agency_fk;

ALTER TABLE hub_action DROP FOREIGN KEY IF EXISTS hub_action_case_fk, DROP FOREIGN KEY IF EXISTS hub_action_message_fk;

ALTER TABLE case_action DROP FOREIGN KEY IF EXISTS case_action_case_fk;


ALTER TABLE agency
  MODIFY id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  MODIFY role VARCHAR(40) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  MODIFY local_authority_code CHAR(9) CHARACTER SET ascii COLLATE ascii_bin NULL;

ALTER TABLE child
  MODIFY child_id CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL;

ALTER TABLE cre_case
  MODIFY case_id CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  MODIFY child_id CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  MODIFY opened_by VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL;

ALTER TABLE involvement
  MODIFY case_id CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  MODIFY agency_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL;

ALTER TABLE message
  MODIFY message_id CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  MODIFY kind VARCHAR(40) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  MODIFY sender_agency_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NULL,
  MODIFY case_id CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NULL,
  MODIFY in_reply_to CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NULL,
  MODIFY event_acknowledged_by VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NULL;

ALTER TABLE delivery
  MODIFY message_id CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  MODIFY recipient_agency_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  MODIFY order_key CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  MODIFY lease_owner VARCHAR(80) CHARACTER SET ascii COLLATE ascii_bin NULL;

ALTER TABLE idempotency
  MODIFY agency_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  MODIFY idempotency_key VARCHAR(128) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  MODIFY method VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  MODIFY request_sha256 CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL;

ALTER TABLE hub_action
  MODIFY case_id CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  MODIFY trigger_key VARCHAR(120) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  MODIFY message_id CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL;

ALTER TABLE case_action
  MODIFY case_id CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  MODIFY rule_id VARCHAR(80) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  MODIFY action_kind VARCHAR(40) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  MODIFY owner_role VARCHAR(48) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  MODIFY owner_agency_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NULL,
  MODIFY due_date CHAR(10) CHARACTER SET ascii COLLATE ascii_bin NOT NULL;

ALTER TABLE audit_log
  MODIFY prev_hash CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  MODIFY row_hash CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL;

ALTER TABLE audit_head
  MODIFY row_hash CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL;


ALTER TABLE cre_case
  ADD CONSTRAINT case_child_fk FOREIGN KEY IF NOT EXISTS (child_id) REFERENCES child (child_id),
  ADD CONSTRAINT case_opener_fk FOREIGN KEY IF NOT EXISTS (opened_by) REFERENCES agency (id);

ALTER TABLE involvement
  ADD CONSTRAINT involvement_case_fk FOREIGN KEY IF NOT EXISTS (case_id) REFERENCES cre_case (case_id),
  ADD CONSTRAINT involvement_agency_fk FOREIGN KEY IF NOT EXISTS (agency_id) REFERENCES agency (id);

ALTER TABLE message
  ADD CONSTRAINT message_sender_fk FOREIGN KEY IF NOT EXISTS (sender_agency_id) REFERENCES agency (id),
  ADD CONSTRAINT message_case_fk FOREIGN KEY IF NOT EXISTS (case_id) REFERENCES cre_case (case_id),
  ADD CONSTRAINT message_reply_fk FOREIGN KEY IF NOT EXISTS (in_reply_to) REFERENCES message (message_id);

ALTER TABLE delivery
  ADD CONSTRAINT delivery_message_fk FOREIGN KEY IF NOT EXISTS (message_id) REFERENCES message (message_id),
  ADD CONSTRAINT delivery_recipient_fk FOREIGN KEY IF NOT EXISTS (recipient_agency_id) REFERENCES agency (id);

ALTER TABLE idempotency
  ADD CONSTRAINT idempotency_agency_fk FOREIGN KEY IF NOT EXISTS (agency_id) REFERENCES agency (id);

ALTER TABLE hub_action
  ADD CONSTRAINT hub_action_case_fk FOREIGN KEY IF NOT EXISTS (case_id) REFERENCES cre_case (case_id),
  ADD CONSTRAINT hub_action_message_fk FOREIGN KEY IF NOT EXISTS (message_id) REFERENCES message (message_id);

ALTER TABLE case_action
  ADD CONSTRAINT case_action_case_fk FOREIGN KEY IF NOT EXISTS (case_id) REFERENCES cre_case (case_id);

SET SESSION foreign_key_checks = 1;
