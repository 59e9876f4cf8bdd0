-- 0017: every instant as DATETIME(6), in UTC. TIMESTAMP ends on
-- 2038-01-19, and the hub must keep dates far past it: a deadline set by a
-- record made in 2037, and a looked-after child's record until their 75th
-- birthday. DATETIME(6) runs to 9999 and stores
-- what it is given: the hub gives it UTC, as every connection sets
-- time_zone '+00:00' (connection_pool.cc), this one included, so that the
-- conversion below keeps each instant as it was. The tables created after
-- 0005 use DATETIME(6) already.
--
-- Each ALTER copies its table (a change of type cannot be made in place):
-- docs/benchmarks.md gives the time it took on a million rows. Writes to
-- the table wait while it runs; reads go on. Running it again changes
-- nothing.
ALTER TABLE agency
  MODIFY retired_at DATETIME(6) NULL,
  MODIFY updated_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6);
ALTER TABLE child MODIFY created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6);
ALTER TABLE cre_case
  MODIFY opened_at DATETIME(6) NOT NULL,
  MODIFY next_deadline DATETIME(6) NULL;
ALTER TABLE involvement MODIFY since DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6);
ALTER TABLE message MODIFY accepted_at DATETIME(6) NOT NULL;
ALTER TABLE delivery
  MODIFY lease_until DATETIME(6) NULL,
  MODIFY next_attempt_at DATETIME(6) NOT NULL,
  MODIFY created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  MODIFY acked_at DATETIME(6) NULL;
ALTER TABLE idempotency MODIFY created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6);
ALTER TABLE hub_action MODIFY performed_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6);
ALTER TABLE case_action MODIFY due_at DATETIME(6) NOT NULL;
-- Created by the migrator itself; since this migration, as DATETIME(6).
ALTER TABLE schema_migrations MODIFY applied_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6);
