#!/usr/bin/env bash
# A private MariaDB server for the hub: its own data directory, its own
# Unix socket, a loopback TCP port, durable settings. Nothing here touches
# the system's MariaDB service.
#
#   scripts/mariadb.sh start  [--dir DIR] [--port PORT] [--buffer-pool SIZE] [--redo-log SIZE]
#                             [--table-statistics]
#   scripts/mariadb.sh stop   [--dir DIR]
#   scripts/mariadb.sh status [--dir DIR]
#
# DIR defaults to var/mariadb under the repository, PORT to 3307; the InnoDB
# buffer pool and redo log to MariaDB's own sizes (128M, 96M), which the
# tests and the demo never outgrow (scripts/bench.sh asks for more). The first
# start initialises DIR/data, creates the schema `cre_hub` and the account
# `cre_hub` (allowed on every schema named cre_%), with a random password
# written to DIR/hub.password (mode 600). The hub's config points at that file.
# --table-statistics turns on the server's per-table row counters
# (information_schema.TABLE_STATISTICS, userstat), for the tests that check
# how many rows a query reads; they cost a little, so nothing else asks.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cmd=${1:-}
shift || true
dir="$root/var/mariadb"
port=3307
buffer_pool=128M
redo_log=96M
table_statistics=0
while [ $# -gt 0 ]; do
  case "$1" in
    --dir) dir=$2; shift 2 ;;
    --port) port=$2; shift 2 ;;
    --buffer-pool) buffer_pool=$2; shift 2 ;;
    --redo-log) redo_log=$2; shift 2 ;;
    --table-statistics) table_statistics=1; shift ;;
    *) echo "mariadb.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
data="$dir/data"
sock="$dir/mysqld.sock"
pidfile="$dir/mysqld.pid"
log="$dir/mysqld.log"
me=$(id -un)

# mariadbd refuses to run as root unless told to; as a normal user it runs
# as that user and needs no option.
user_opt=()
if [ "$(id -u)" -eq 0 ]; then user_opt=(--user=root); fi

client() { mariadb --no-defaults --socket="$sock" -u "$me" "$@"; }

# The server's pid, if the pidfile names a live mariadbd (a stale pidfile
# may name a pid that now belongs to another process).
server_pid() {
  local pid
  pid=$(cat "$pidfile" 2>/dev/null || true)
  [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "mariadbd" ] && echo "$pid"
}

running() { [ -n "$(server_pid)" ]; }

wait_until_answers() {  # $1: the pid of the starting server
  for _ in $(seq 1 600); do
    if mariadb-admin --no-defaults --socket="$sock" -u "$me" ping >/dev/null 2>&1; then
      return 0
    fi
    kill -0 "$1" 2>/dev/null || break  # it died (port in use, say): no point waiting
    sleep 0.1
  done
  echo "mariadb.sh: the server did not answer; the end of $log:" >&2
  tail -n 20 "$log" >&2 || true
  return 1
}

# Its own tmpdir, not the shared /tmp: the parallel tests start several
# servers at once, and a Galera node's bootstrap once lost its temporary
# tables in /tmp to another server's (galera.sh does the same).
tmp="$dir/tmp"

initialise() {
  echo "mariadb.sh: initialising $data"
  mkdir -p "$tmp"
  mariadb-install-db --no-defaults "${user_opt[@]}" --datadir="$data" --tmpdir="$tmp" \
    --auth-root-authentication-method=socket --skip-test-db >"$dir/install.log" 2>&1 || {
      cat "$dir/install.log" >&2; exit 1; }
}

create_account() {
  local password
  # Keep an existing password (a data directory made afresh beside an old
  # password file must still let the hub in).
  password=$(cat "$dir/hub.password" 2>/dev/null || true)
  [ -n "$password" ] || password=$(openssl rand -hex 24)
  # The account may use any schema named cre_*: the hub's own (cre_hub) and
  # the throwaway schemas that tests create.
  client <<SQL
CREATE DATABASE IF NOT EXISTS cre_hub CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER IF NOT EXISTS 'cre_hub'@'127.0.0.1' IDENTIFIED BY '$password';
CREATE USER IF NOT EXISTS 'cre_hub'@'localhost' IDENTIFIED BY '$password';
ALTER USER 'cre_hub'@'127.0.0.1' IDENTIFIED BY '$password';
ALTER USER 'cre_hub'@'localhost' IDENTIFIED BY '$password';
GRANT ALL PRIVILEGES ON \`cre\\_%\`.* TO 'cre_hub'@'127.0.0.1';
GRANT ALL PRIVILEGES ON \`cre\\_%\`.* TO 'cre_hub'@'localhost';
SQL
  (umask 077; printf '%s\n' "$password" >"$dir/hub.password.tmp")
  mv "$dir/hub.password.tmp" "$dir/hub.password"
}

# Dynamic, so a server that is already running gets it too.
count_table_rows() {
  if [ $table_statistics -eq 1 ]; then client -e "SET GLOBAL userstat = 1"; fi
}

start() {
  if running; then
    count_table_rows
    echo "mariadb.sh: already running (pid $(server_pid), port $port, socket $sock)"
    return 0
  fi
  local fresh=0
  if [ ! -d "$data/mysql" ]; then initialise; fresh=1; fi
  rm -f "$pidfile"
  mkdir -p "$tmp"
  # --no-defaults: the system's my.cnf must not change a private server.
  # innodb_flush_log_at_trx_commit=1 and the doublewrite buffer: a commit is
  # on disk before the hub answers its caller, and survives a torn page. No
  # binary log: there is no replica to feed. The buffer pool is allocated as used;
  # the redo log takes its whole size on disk in every data directory, which
  # is why the tests' servers (several at once) keep the default.
  setsid mariadbd --no-defaults "${user_opt[@]}" \
    --datadir="$data" --tmpdir="$tmp" --socket="$sock" --pid-file="$pidfile" --log-error="$log" \
    --port="$port" --bind-address=127.0.0.1 --skip-name-resolve \
    --innodb-flush-log-at-trx-commit=1 --innodb-doublewrite=1 \
    --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
    --max-connections=1000 --innodb-lock-wait-timeout=10 \
    --innodb-buffer-pool-size="$buffer_pool" --innodb-log-file-size="$redo_log" \
    </dev/null >/dev/null 2>&1 &
  # In a script, a background job is no process group leader, so setsid
  # execs mariadbd in place: $! is the server's own pid.
  wait_until_answers $!
  if [ $fresh -eq 1 ] || [ ! -s "$dir/hub.password" ]; then create_account; fi
  count_table_rows
  echo "mariadb.sh: running (pid $(server_pid), port $port, socket $sock)"
}

stop() {
  if ! running; then
    echo "mariadb.sh: not running"
    return 0
  fi
  local pid
  pid=$(server_pid)
  mariadb-admin --no-defaults --socket="$sock" -u "$me" shutdown >/dev/null 2>&1 || kill -TERM "$pid"
  for _ in $(seq 1 600); do
    kill -0 "$pid" 2>/dev/null || { echo "mariadb.sh: stopped"; return 0; }
    sleep 0.1
  done
  echo "mariadb.sh: pid $pid did not stop in 60 s" >&2
  return 1
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  status) if running; then echo "running (pid $(server_pid))"; else echo "not running"; exit 3; fi ;;
  *) sed -n '2,14p' "$0" >&2; exit 2 ;;
esac
