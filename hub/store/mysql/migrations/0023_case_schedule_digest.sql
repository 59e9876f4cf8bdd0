-- 0023: a digest of each case's stored schedule (its case_action rows and
-- next_deadline), read with the case under its lock, so that a submission
-- or review that leaves the schedule as it was writes none of it.
--
-- Every submission on a case rewrote its schedule (a DELETE and an INSERT
-- of case_action), and most change nothing: MariaDB's cost of a case
-- submission is mostly per statement (docs/benchmarks.md). A case without a
-- digest (NULL: every case before this migration) has its schedule written
-- at its next submission, and the digest with it. Whatever else sets
-- next_deadline or case_action clears it (an acknowledgement that asks for
-- a review, a review put off, the purge), or a review would find the
-- schedule "unchanged" and leave a passed deadline in place.

ALTER TABLE cre_case ADD COLUMN IF NOT EXISTS schedule_sha256 CHAR(64) CHARACTER SET ascii NULL;
