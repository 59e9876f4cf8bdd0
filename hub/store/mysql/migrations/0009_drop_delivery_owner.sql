-- 0009: no index on delivery.lease_owner.
--
-- Every hand-out sets lease_owner and every acknowledgement clears it, so
-- the index delivery_owner was written twice a message, for the two
-- queries that look a stream's leases up when it ends or reconciles its
-- window. Those now name the stream's agency and read the agency's leased
-- deliveries through delivery_claim (recipient, state, ...): a few
-- streams' windows (store.h, ReleaseLeases). Over six alternated pairs,
-- the database's CPU a message fell by 3-4% (docs/benchmarks.md, tenth
-- session).
--
-- A hub binary from before this migration still asks by lease_owner alone,
-- and would scan the whole delivery table when a stream ends, locking every
-- row it reads until it commits: stop or upgrade every process before this
-- runs (README, "migrations"). Binaries from this one on work with the
-- index or without it.

ALTER TABLE delivery DROP INDEX IF EXISTS delivery_owner;
