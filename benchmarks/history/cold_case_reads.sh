#!/usr/bin/env bash
# Pages a GetCase of an old case reads from the disk, statement by
# statement: the reads of GetCase's message statement(s) (mysql_case_read.cc)
# for CASES random cases of a kept history (bench.sh --history), each as an
# agency that received one of its messages, on a freshly started MariaDB
# (an empty buffer pool) after WARM other cases have been read the same way
# (so that the indexes' upper levels are mostly in memory, as in service,
# and the count is of the leaves), counted by Innodb_buffer_pool_reads. Before
# migration 0024 the messages a reader sent or received are found by case
# (message_case) and then each checked in delivery_message_recipient; after,
# the reader's deliveries of the case come from delivery_case_order and the
# messages from the case's own pages. Which form runs follows the schema.
#
#   benchmarks/history/cold_case_reads.sh HISTORY_DIR [CASES [WARM]]   # HISTORY_DIR: $CRE_BUILD_DIR/var/bench/history
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
dir=$(realpath "$1")
cases=${2:-200}
warm=${3:-1000}
port=${CRE_BENCH_HISTORY_DB_PORT:-3338}
sock="$dir/mariadb/mysqld.sock"
sql() { mariadb -S "$sock" -uroot -N cre_history "$@"; }
start() { "$root/scripts/mariadb.sh" start --dir "$dir/mariadb" --port "$port" --buffer-pool 1G --redo-log 512M >/dev/null; }
stop() { "$root/scripts/mariadb.sh" stop --dir "$dir/mariadb" >/dev/null; }
trap stop EXIT

start
# The same cases on either form: the generator's ids do not depend on it.
# $1: the bucket of case ids, $2: how many.
pick() {
  sql -e "SELECT c.case_id, (SELECT d.recipient_agency_id FROM delivery d JOIN message m
            ON m.message_id = d.message_id WHERE m.case_id = c.case_id LIMIT 1)
          FROM cre_case c WHERE MOD(CRC32(c.case_id), 97) = $1 ORDER BY CRC32(c.case_id) LIMIT $2"
}
pairs=$(pick 7 "$cases")
warm_pairs=$(pick 8 "$warm")
clustered=$(sql -e "SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = 'cre_history'
                    AND table_name = 'message' AND column_name = 'case_key'")
stop
start  # cold

# GetCase's message statement(s) for the pairs on stdin.
statements() {
while read -r c r; do
  if [ "$clustered" = 1 ]; then
    echo "SELECT COUNT(*) FROM (SELECT d.message_id FROM delivery d WHERE d.recipient_agency_id = '$r' AND d.order_key = '$c') x;"
    echo "SELECT COUNT(*), SUM(LENGTH(m.body)) FROM message m WHERE m.case_key = '$c' AND m.case_id = '$c';"
  else
    echo "SELECT COUNT(*), SUM(LENGTH(m.body)) FROM message m WHERE m.case_id = '$c' AND (m.sender_agency_id = '$r' OR EXISTS (SELECT 1 FROM delivery d WHERE d.message_id = m.message_id AND d.recipient_agency_id = '$r'));"
  fi
done
}
statements <<<"$warm_pairs" | sql >/dev/null
before=$(sql -e "SHOW GLOBAL STATUS LIKE 'Innodb_buffer_pool_reads'" | cut -f2)
t0=$(date +%s.%N)
statements <<<"$pairs" | sql >/dev/null
t1=$(date +%s.%N)
after=$(sql -e "SHOW GLOBAL STATUS LIKE 'Innodb_buffer_pool_reads'" | cut -f2)
n=$(wc -l <<<"$pairs")
awk -v n="$n" -v p=$((after - before)) -v t="$(echo "$t1 - $t0" | bc)" -v form="$([ "$clustered" = 1 ] && echo "after 0024" || echo "before 0024")" \
  -v warm="$(wc -l <<<"$warm_pairs")" \
  'BEGIN {printf "%s: %d cases after %d others, %d pages read from the disk (%.1f a case), %.2f s (%.2f ms a case)\n", form, n, warm, p, p / n, t, t * 1000 / n}'
