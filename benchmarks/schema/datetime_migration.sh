#!/usr/bin/env bash
# How long migration 0017 (every TIMESTAMP column to DATETIME(6)) takes on a
# populated database, table by table (docs/benchmarks.md, "Moving instants
# to DATETIME"). Starts its own MariaDB on 127.0.0.1:3377 under
# $CRE_BUILD_DIR/var/migration-bench, applies the migrations before 0017,
# fills the tables with ROWS messages, deliveries and idempotency records
# (and a case for every four, three open actions a case), times each
# statement of 0017, checks that the instants kept their values, and stops
# the server.
#
#   benchmarks/schema/datetime_migration.sh [ROWS]     # default 1000000
#
# The rows are written by SQL (MariaDB's sequence engine), not by the hub:
# what is measured is the table copy, which depends on the rows' number and
# size, and the sizes follow the hub's (a message body of 1.5 KB, a case
# record of 600 bytes).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=$(realpath -m "${CRE_BUILD_DIR:-$root/build}")
work="$build/var/migration-bench"
rows=${1:-1000000}
cases=$((rows / 4))
migrations="$root/hub/store/mysql/migrations"

log() { echo "datetime_migration.sh: $*" >&2; }
sql() {
  # Every hub connection works in UTC (connection_pool.cc); so does this one.
  mariadb --no-defaults --socket="$work/mysqld.sock" -u root --init-command="SET time_zone = '+00:00'" cre_hub "$@"
}
stop() { "$root/scripts/mariadb.sh" stop --dir "$work" >&2 || true; }
since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }

"$root/scripts/mariadb.sh" stop --dir "$work" >/dev/null 2>&1 || true
rm -rf "$work"
"$root/scripts/mariadb.sh" start --dir "$work" --port 3377 --buffer-pool 1G --redo-log 512M >&2
trap stop EXIT

# The migrator's own table, as hubs before 0017 made it (migrations.cc).
sql -e "CREATE TABLE schema_migrations (version INT NOT NULL PRIMARY KEY, name VARCHAR(255) NOT NULL,
        checksum CHAR(64) NOT NULL, applied_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)) ENGINE=InnoDB"
for file in "$migrations"/*.sql; do
  version=$((10#$(basename "$file" | cut -c1-4)))
  [ "$version" -lt 17 ] && sql <"$file"
done

log "filling: $rows messages, deliveries and idempotency records; $cases cases and children; $((cases * 3)) open actions"
start=$(date +%s.%N)
sql <<SQL
SET foreign_key_checks = 0, unique_checks = 0;
INSERT INTO agency (id, display_name, role) VALUES
  ('derby-health', 'Health', 'HEALTH'), ('derby-pru', 'PRU', 'POLICE_REFERRAL_UNIT'), ('derby-csc', 'CSC', 'CHILDRENS_SOCIAL_CARE');
INSERT INTO child (child_id, details, facts, created_at)
  SELECT CONCAT('00000000-0000-4000-8000-', LPAD(seq, 12, '0')), REPEAT('d', 300), REPEAT('f', 60),
         TIMESTAMP'2026-01-01 00:00:00' + INTERVAL seq * 7 SECOND
  FROM seq_1_to_$cases;
INSERT INTO cre_case (case_id, child_id, opened_at, opened_by, record, next_deadline)
  SELECT CONCAT('10000000-0000-4000-8000-', LPAD(seq, 12, '0')), CONCAT('00000000-0000-4000-8000-', LPAD(seq, 12, '0')),
         TIMESTAMP'2026-01-01 00:00:00' + INTERVAL seq * 7 SECOND, 'derby-health', REPEAT('r', 600),
         TIMESTAMP'2026-02-01 00:00:00' + INTERVAL seq * 7 SECOND
  FROM seq_1_to_$cases;
INSERT INTO involvement (case_id, agency_id, since)
  SELECT CONCAT('10000000-0000-4000-8000-', LPAD(seq, 12, '0')), 'derby-health', TIMESTAMP'2026-01-01 00:00:00' + INTERVAL seq * 7 SECOND
  FROM seq_1_to_$cases;
INSERT INTO case_action (case_id, rule_id, action_kind, owner_role, owner_agency_id, due_at, due_date)
  SELECT CONCAT('10000000-0000-4000-8000-', LPAD(c.seq, 12, '0')), CONCAT('rule-', r.seq), 'ACTION_KIND_STRATEGY_DISCUSSION',
         'PRACTITIONER_ROLE_SOCIAL_WORKER', 'derby-csc', TIMESTAMP'2026-02-01 00:00:00' + INTERVAL c.seq * 7 + r.seq DAY_SECOND,
         '2026-02-01'
  FROM seq_1_to_$cases c JOIN seq_1_to_3 r;
INSERT INTO message (message_id, kind, sender_agency_id, case_id, accepted_at, body)
  SELECT CONCAT('20000000-0000-4000-8000-', LPAD(seq, 12, '0')), 'CONCERN', 'derby-health',
         CONCAT('10000000-0000-4000-8000-', LPAD(1 + seq % $cases, 12, '0')),
         TIMESTAMP'2026-01-01 00:00:00' + INTERVAL seq * 2 SECOND, REPEAT('b', 1500)
  FROM seq_1_to_$rows;
INSERT INTO delivery (message_id, recipient_agency_id, order_key, state, attempts, next_attempt_at, created_at, acked_at)
  SELECT CONCAT('20000000-0000-4000-8000-', LPAD(seq, 12, '0')), 'derby-pru', CONCAT('30000000-0000-4000-8000-', LPAD(seq, 12, '0')),
         'ACKED', 1, TIMESTAMP'2026-01-01 00:00:00' + INTERVAL seq * 2 SECOND, TIMESTAMP'2026-01-01 00:00:00' + INTERVAL seq * 2 SECOND,
         TIMESTAMP'2026-01-01 00:00:01' + INTERVAL seq * 2 SECOND
  FROM seq_1_to_$rows;
INSERT INTO idempotency (agency_id, idempotency_key, method, request_sha256, response, created_at)
  SELECT 'derby-health', CONCAT('key-', seq), 'SubmitConcern', REPEAT('a', 64), REPEAT('p', 80),
         TIMESTAMP'2026-01-01 00:00:00' + INTERVAL seq * 2 SECOND
  FROM seq_1_to_$rows;
INSERT INTO hub_action (case_id, trigger_key, message_id, performed_at)
  SELECT CONCAT('10000000-0000-4000-8000-', LPAD(seq, 12, '0')), 'escalation', CONCAT('20000000-0000-4000-8000-', LPAD(seq, 12, '0')),
         TIMESTAMP'2026-01-01 00:00:00' + INTERVAL seq * 7 SECOND
  FROM seq_1_to_$cases;
SQL
log "filled in $(since "$start") s"
before=$(sql -N -e "SELECT CONCAT(MAX(accepted_at), ' ', SUM(UNIX_TIMESTAMP(accepted_at))) FROM message")
sql -N -e "SELECT table_name, table_rows, ROUND((data_length + index_length) / 1048576) FROM information_schema.tables
           WHERE table_schema = 'cre_hub' AND table_name IN ('child','cre_case','involvement','case_action','message','delivery','idempotency','hub_action','agency')
           ORDER BY data_length + index_length DESC" |
  awk '{ printf "  %-12s about %9d rows  %6d MiB\n", $1, $2, $3 }'

# Each statement of 0017 on its own, timed: the file's comment lines
# dropped, statements ending with ';' at the end of a line, as the hub's
# migrator splits them (migrations.cc).
total=0
while IFS= read -r -d $'\x1e' statement; do
  [ -n "${statement//[[:space:]]/}" ] || continue
  table=$(echo "$statement" | awk '/ALTER TABLE/ { print $3; exit }')
  t0=$(date +%s.%N)
  sql -e "$statement"
  seconds=$(since "$t0")
  total=$(awk -v a="$total" -v b="$seconds" 'BEGIN { print a + b }')
  printf "  ALTER TABLE %-18s %7.1f s\n" "$table" "$seconds"
done < <(grep -v '^--' "$migrations/0017_datetime.sql" | sed 's/;[[:space:]]*$/;\x1e/')
printf "  all of 0017            %7.1f s\n" "$total"

after=$(sql -N -e "SELECT CONCAT(MAX(accepted_at), ' ', SUM(UNIX_TIMESTAMP(accepted_at))) FROM message")
left=$(sql -N -e "SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = 'cre_hub' AND data_type = 'timestamp'")
if [ "$before" != "$after" ] || [ "$left" != 0 ]; then
  log "FAILED: instants before \"$before\", after \"$after\"; $left TIMESTAMP columns left"
  exit 1
fi
log "every message's accepted_at kept its value (latest $before); no TIMESTAMP column left"
