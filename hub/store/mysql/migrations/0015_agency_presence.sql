-- 0015: which agencies each hub process has seen, for the console's
-- Deliveries page: when each agency last called, and how many inbox streams
-- it holds open.
--
-- A stream exists only in the memory of the process holding it, and several
-- processes share this database, so each process writes rows of its own
-- (service/presence_reporter.h, every presence_report_interval_ms) and a
-- reader adds them up: the streams of the rows still live, the latest
-- last_seen of them all. A process that stops cleanly, and any process found
-- not to have reported in time (killed), has its rows folded into the
-- agency's row of hub_process '' (the processes gone: no streams, their
-- latest last_seen), so the table holds one row per agency and live process,
-- plus one.
--
-- Each process writes only its own rows, by primary key; the times compared
-- (reported_at, live_until) are the database's (NOW(6)), the one clock all
-- processes share; last_seen is the reporting process's. No foreign key:
-- these rows are an operational view, written every few seconds, that
-- should not lock the agency rows.

CREATE TABLE IF NOT EXISTS agency_presence (
  agency_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  -- The process's id, as its delivery lease owners begin with it; '' for
  -- the processes that have gone.
  hub_process VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  -- Inbox streams of the agency open on the process at its last report.
  open_streams INT NOT NULL DEFAULT 0,
  -- The agency's latest call to the process, or the process's last report
  -- while it held a stream of the agency's open.
  last_seen DATETIME(6) NOT NULL,
  reported_at DATETIME(6) NOT NULL,
  -- Until when the report counts: a process not heard from by then is gone,
  -- and its streams are no longer counted.
  live_until DATETIME(6) NOT NULL,
  PRIMARY KEY (agency_id, hub_process)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
