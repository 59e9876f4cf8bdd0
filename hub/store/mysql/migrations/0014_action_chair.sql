-- 0014: the Due and overdue list shows each action's chair and filters by
-- the owner's role on the server.
--
-- chair_role: who chairs the action (a meeting's chair), as the pathway
-- engine said at the case's last evaluation; NULL where the action has no
-- chair. Rows written before this migration have NULL too, until their case
-- is evaluated again (its next submission or deadline review rewrites its
-- actions whole): the list shows no chair for them meanwhile.
--
-- The list asks for one role's actions, or one role's at one team, earliest
-- first; each index below gives those rows in that order, so a page reads
-- about as many rows as it shows (InnoDB appends the primary key, so the
-- order within a due time, (case_id, rule_id), is the index's own). The
-- team alone has case_action_owner (0005). Without the second, a team's
-- member asking for a role the team rarely owns walked every action of the
-- team or of the role: about a second with 100,000 open cases.
-- Adding the column and the indexes copies no table.

ALTER TABLE case_action
  ADD COLUMN IF NOT EXISTS chair_role VARCHAR(48) CHARACTER SET ascii COLLATE ascii_bin NULL;

CREATE INDEX IF NOT EXISTS case_action_owner_role ON case_action (owner_role, due_at);

CREATE INDEX IF NOT EXISTS case_action_owner_team_role ON case_action (owner_agency_id, owner_role, due_at);
