-- 0022: when each agency's client certificate expires, as the hub processes
-- saw it at the edge (server/agency_auth.cc), for the metric
-- cre_certificate_expiry_seconds{certificate="agency"} (docs/operations.md):
-- an agency whose certificate runs out can no longer call, and the hub is
-- the first to know when that is.
--
-- Reported with the rest of a process's presence (mysql_presence.cc); a
-- reader takes the latest of the reports (a renewed certificate expires
-- later than the one it replaces). NULL: the process has not seen the
-- agency call since it started.
--
-- (0021 is the alerting change's, made at the same time.)

ALTER TABLE agency_presence ADD COLUMN IF NOT EXISTS cert_not_after DATETIME(6) NULL;
