-- 0016: the NHS number as the child's consistent identifier
-- (docs/children-and-cases.md). A new concern about a child whose NHS
-- number the hub already holds opens a case for that child instead of a
-- second record of them.
--
-- The number itself is kept only sealed, inside child.details. The store
-- finds a child by a blind index: nhs_index is HMAC-SHA256 of the ten
-- digits under a key derived from the field key ring for that purpose
-- alone, and nhs_index_key_id names the ring key it was derived from, so
-- that rows still indexed under an old key can be found before the key
-- leaves the ring (docs/encryption.md). Both NULL for a child without a
-- number. The UNIQUE key makes one child of two submissions that race with
-- the same new number: the second insert fails, and its transaction runs
-- again and finds the first one's child (on Galera, the same key fails
-- certification instead, and is retried the same way).

ALTER TABLE child
  ADD COLUMN IF NOT EXISTS nhs_index BINARY(32) NULL,
  ADD COLUMN IF NOT EXISTS nhs_index_key_id VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NULL;

CREATE UNIQUE INDEX IF NOT EXISTS child_nhs_index ON child (nhs_index);

-- A case opened for a child the hub already held keeps the child as its own
-- submission described them (cre.v1.ChildDetails and cre.v1.Child, sealed,
-- bound to the case): the agencies of that case see the names, address,
-- reference and plan they were given, not another case's, and its pathway
-- runs on what its opener said. NULL for a case opened with a new child,
-- which reads child.details and child.facts.
ALTER TABLE cre_case
  ADD COLUMN IF NOT EXISTS child_details BLOB NULL,
  ADD COLUMN IF NOT EXISTS child_facts BLOB NULL;
