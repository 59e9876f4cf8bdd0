-- 0020: a case's deliveries are handed out in an order the hub gives them,
-- not the order of their AUTO_INCREMENT ids.
--
-- The claim handed a recipient a case's deliveries one at a time, each once
-- every delivery of the case with a smaller delivery_id was settled. On a
-- Galera cluster each node hands out ids of its own (1, 4, 7 on one; 8, 11
-- on another): ids say nothing of the order in which the case's messages
-- were accepted. Now each case counts its messages (cre_case.message_seq,
-- advanced under the case's row lock by the transaction that writes the
-- message) and each delivery keeps its message's position in its case
-- (order_seq); the claim compares (order_seq, delivery_id), the id only
-- between the deliveries one transaction wrote. A message on no case is its
-- own order: order_seq 0.
--
-- Rows from before keep their order: a case delivery's order_seq is its
-- delivery_id, and each case's count starts after its largest. Each
-- statement may run again. The index replaces delivery_order (0002) for the
-- claim's per-case check; adding the columns copies no table, the two
-- UPDATEs read the delivery table once each.

ALTER TABLE cre_case ADD COLUMN IF NOT EXISTS message_seq BIGINT NOT NULL DEFAULT 0;

ALTER TABLE delivery ADD COLUMN IF NOT EXISTS order_seq BIGINT NOT NULL DEFAULT 0;

UPDATE delivery SET order_seq = delivery_id WHERE order_seq = 0 AND order_key <> message_id;

UPDATE cre_case c JOIN (SELECT order_key, MAX(order_seq) AS last_seq FROM delivery GROUP BY order_key) d
  ON d.order_key = c.case_id
  SET c.message_seq = d.last_seq WHERE c.message_seq < d.last_seq;

CREATE INDEX IF NOT EXISTS delivery_case_order ON delivery (recipient_agency_id, order_key, state, order_seq, delivery_id);

ALTER TABLE delivery DROP INDEX IF EXISTS delivery_order;
