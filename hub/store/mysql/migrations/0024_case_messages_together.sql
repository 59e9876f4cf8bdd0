-- 0024: a case's messages side by side on disk, and its deliveries' message
-- ids in the index that finds them by case.
--
-- GetCase on a case of a database holding years of messages read some 15
-- pages from the disk, 9 of them from message: rows are kept in the order
-- of their primary key, the message id, which leads with the time it was
-- made (common/ids.h), so a case's messages, accepted months apart, were
-- each on a page of its own. A message's rows now go in the order of
-- (case_key, message_id): case_key is its case, or the message itself when
-- it is on no case (as delivery.order_key is), so one case's messages are
-- next to each other, and a message on no case goes where its id would
-- have put it. message_id stays unique (the foreign keys that name a
-- message refer to that key); every read by case now says case_key.
-- message_case (case_id, accepted_at) stays, as the index the foreign key
-- to cre_case needs.
--
-- GetCase lists the messages the reader received: their ids come from the
-- recipient's index by case (delivery_case_order), which now carries the
-- message id, rather than one lookup per message in the index by message
-- id, which is in the order of time too.
--
-- Each statement may run again. On a populated database the two ALTERs
-- copy their tables (at the national scale of docs/benchmarks.md, some
-- minutes each): upgrade with the other hub processes stopped.

ALTER TABLE message ADD COLUMN IF NOT EXISTS case_key CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NULL
  AFTER message_id;

UPDATE message SET case_key = COALESCE(case_id, message_id) WHERE case_key IS NULL;

ALTER TABLE message MODIFY case_key CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  ADD UNIQUE KEY IF NOT EXISTS message_id (message_id),
  DROP PRIMARY KEY, ADD PRIMARY KEY (case_key, message_id);

ALTER TABLE delivery DROP INDEX IF EXISTS delivery_case_order,
  ADD INDEX delivery_case_order (recipient_agency_id, order_key, state, order_seq, delivery_id, message_id);
