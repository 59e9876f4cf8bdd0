#!/usr/bin/env bash
# A MariaDB Galera cluster on loopback, from Debian's mariadb-server and
# galera-4: N nodes (default 3), each with its own folder, socket, client
# port and Galera ports. Nothing here touches the system's MariaDB service.
#
#   scripts/galera.sh start  [--dir DIR] [--port PORT] [--nodes N] [--galera-port GPORT]
#                            [--buffer-pool SIZE] [--redo-log SIZE]
#   scripts/galera.sh stop   [--dir DIR]
#   scripts/galera.sh status [--dir DIR]
#   scripts/galera.sh kill NODE [--dir DIR]    (kill -9 of node NODE, 1..N: fault tests)
#   scripts/galera.sh pid NODE  [--dir DIR]
#
# DIR defaults to var/galera. Node i (1..N) listens for clients on PORT+i-1
# (default 3341..), replicates on GPORT+i-1 (default PORT+20000), receives
# incremental state transfers on GPORT+100+i-1 and full ones (rsync) on
# GPORT+200+i-1: Galera's own defaults (4567, 4568, 4444) would collide
# between nodes on one machine. The first start remembers these in
# DIR/cluster.env; later commands read them from there. Each node's InnoDB
# buffer pool and redo log default to 128M and 32M, which the tests never
# outgrow; like scripts/mariadb.sh, they are given at each start, not
# remembered (scripts/bench.sh asks for more).
#
# `start` starts every node that is not running. With none running, it
# bootstraps the node that may (the one whose grastate.dat says
# safe_to_bootstrap: 1, the last to stop cleanly; after a crash of all of
# them, the one whose recovered position is furthest on) and joins the
# others to it. With some running, the others join them: a killed node comes
# back by an incremental transfer. It returns when every node is Synced.
# Like scripts/mariadb.sh, the first start creates the schema cre_hub and the
# account cre_hub with a random password in DIR/hub.password (mode 600).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cmd=${1:-}
shift || true
node_arg=""
case "$cmd" in kill|pid) node_arg=${1:-}; shift || true ;; esac
dir="$root/var/galera"
port=""
nodes=""
gport=""
buffer_pool=128M
redo_log=32M
while [ $# -gt 0 ]; do
  case "$1" in
    --dir) dir=$2; shift 2 ;;
    --port) port=$2; shift 2 ;;
    --nodes) nodes=$2; shift 2 ;;
    --galera-port) gport=$2; shift 2 ;;
    --buffer-pool) buffer_pool=$2; shift 2 ;;
    --redo-log) redo_log=$2; shift 2 ;;
    *) echo "galera.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

# The cluster's shape: given now, remembered from the first start, or the
# defaults. A running cluster's shape cannot change under it.
if [ -f "$dir/cluster.env" ]; then
  # shellcheck disable=SC1091
  . "$dir/cluster.env"
  port=${port:-$CLUSTER_PORT}; nodes=${nodes:-$CLUSTER_NODES}; gport=${gport:-$CLUSTER_GALERA_PORT}
fi
port=${port:-3341}
nodes=${nodes:-3}
gport=${gport:-$((port + 20000))}
me=$(id -un)
# As root, the nodes run as mysql and own their folders: a joiner receives a
# full state transfer through an rsync daemon, which as root drops to nobody
# and could not write a folder of root's.
user_opt=()
run_as_mysql=0
if [ "$(id -u)" -eq 0 ]; then user_opt=(--user=mysql); run_as_mysql=1; fi

node_dir() { echo "$dir/node$1"; }
node_sock() { echo "$dir/node$1/mysqld.sock"; }
node_port() { echo $((port + $1 - 1)); }
client() { local n=$1; shift; mariadb --no-defaults --socket="$(node_sock "$n")" -u "$me" "$@"; }

server_pid() {
  local pid
  pid=$(cat "$(node_dir "$1")/mysqld.pid" 2>/dev/null || true)
  [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "mariadbd" ] && echo "$pid"
}
running() { [ -n "$(server_pid "$1")" ]; }

# The option file of node $1: everything a node needs of its own (see
# ../shared notes on Galera on loopback, restated in docs/deployment.md).
write_options() {
  local n=$1 d members="" i
  d=$(node_dir "$n")
  for i in $(seq 1 "$nodes"); do members+="${members:+,}127.0.0.1:$((gport + i - 1))"; done
  # Its own tmpdir: a bootstrap's temporary tables in a shared /tmp vanished
  # under it in a CI run ("Could not remove temporary table ... error: 2",
  # then "Unknown table 'mysql.tmp_user_nopasswd'") while other servers of
  # the parallel tests started beside it.
  mkdir -p "$d/tmp"
  cat >"$d/my.cnf" <<CNF
[mariadbd]
datadir=$d/data
tmpdir=$d/tmp
socket=$d/mysqld.sock
pid-file=$d/mysqld.pid
log-error=$d/mysqld.log
port=$(node_port "$n")
bind-address=127.0.0.1
skip-name-resolve
character-set-server=utf8mb4
collation-server=utf8mb4_unicode_ci
max-connections=1000
innodb-lock-wait-timeout=10
innodb-flush-log-at-trx-commit=1
innodb-buffer-pool-size=$buffer_pool
innodb-log-file-size=$redo_log
binlog-format=ROW
default-storage-engine=InnoDB
innodb-autoinc-lock-mode=2
# With Galera the server logs every change for replication, and then only a
# SUPER account may create triggers unless this is set: the hub's account
# creates the migrations' triggers, and is trusted with its own schema.
log-bin-trust-function-creators=1
wsrep-on=ON
wsrep-provider=/usr/lib/galera/libgalera_smm.so
wsrep-cluster-name=cre_hub
wsrep-cluster-address=gcomm://$members
wsrep-node-name=node$n
wsrep-node-address=127.0.0.1:$((gport + n - 1))
wsrep-node-incoming-address=127.0.0.1:$(node_port "$n")
wsrep-provider-options=base_port=$((gport + n - 1));ist.recv_addr=127.0.0.1:$((gport + 100 + n - 1));gcache.size=64M
wsrep-sst-method=rsync
wsrep-sst-receive-address=127.0.0.1:$((gport + 200 + n - 1))
CNF
}

initialise() {
  local d
  d=$(node_dir "$1")
  echo "galera.sh: initialising node $1 ($d/data)"
  mariadb-install-db --defaults-file="$d/my.cnf" "${user_opt[@]}" \
    --auth-root-authentication-method=socket --skip-test-db >"$d/install.log" 2>&1 || {
      cat "$d/install.log" >&2; exit 1; }
}

# Starts node $1 in the background; $2 = 1 to bootstrap a new cluster from it.
launch() {
  local n=$1 bootstrap=$2 d extra=()
  d=$(node_dir "$n")
  [ "$bootstrap" -eq 1 ] && extra=(--wsrep-new-cluster)
  rm -f "$d/mysqld.pid"
  setsid mariadbd --defaults-file="$d/my.cnf" "${user_opt[@]}" "${extra[@]}" </dev/null >/dev/null 2>&1 &
}

wsrep_state() { client "$1" -N -e "SHOW STATUS LIKE 'wsrep_local_state_comment'" 2>/dev/null | awk '{print $2}'; }

# Waits until node $1 answers and is Synced (a joiner first receives its
# state transfer).
wait_synced() {
  local n=$1 pid
  for _ in $(seq 1 1200); do
    [ "$(wsrep_state "$n")" = "Synced" ] && return 0
    # The pid file read once: read twice (empty, then written a moment
    # later), a node still starting looked like one that had died.
    pid=$(cat "$(node_dir "$n")/mysqld.pid" 2>/dev/null || true)
    if [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" != "mariadbd" ]; then break; fi
    sleep 0.1
  done
  echo "galera.sh: node $n did not become Synced; the end of its log:" >&2
  tail -n 30 "$(node_dir "$n")/mysqld.log" >&2 || true
  return 1
}

# The node to bootstrap after a full stop: the one that may (safe_to_bootstrap:
# 1); else, after a crash of every node, the one furthest on, found by
# --wsrep-recover, which is then marked safe.
bootstrap_node() {
  local n best="" best_seqno=-2 seqno state
  for n in $(seq 1 "$nodes"); do
    state="$(node_dir "$n")/data/grastate.dat"
    if grep -q '^safe_to_bootstrap: *1' "$state" 2>/dev/null; then echo "$n"; return; fi
  done
  for n in $(seq 1 "$nodes"); do
    state="$(node_dir "$n")/data/grastate.dat"
    [ -f "$state" ] || continue
    seqno=$(sed -n 's/^seqno: *//p' "$state")
    if [ "${seqno:--1}" = "-1" ]; then
      mariadbd --defaults-file="$(node_dir "$n")/my.cnf" "${user_opt[@]}" --wsrep-recover \
        --log-error="$(node_dir "$n")/recover.log" >/dev/null 2>&1 || true
      seqno=$(sed -n 's/.*Recovered position: *[^:]*:\(-\{0,1\}[0-9]*\).*/\1/p' "$(node_dir "$n")/recover.log" | tail -n 1)
    fi
    if [ "${seqno:--1}" -gt "$best_seqno" ]; then best=$n; best_seqno=${seqno:--1}; fi
  done
  best=${best:-1}
  state="$(node_dir "$best")/data/grastate.dat"
  [ -f "$state" ] && sed -i 's/^safe_to_bootstrap: *0/safe_to_bootstrap: 1/' "$state"
  echo "$best"
}

create_account() {
  local password
  password=$(cat "$dir/hub.password" 2>/dev/null || true)
  [ -n "$password" ] || password=$(openssl rand -hex 24)
  # Account statements replicate to every node (Galera runs them on each, in
  # the same order).
  client "$1" <<SQL
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

start() {
  local n first="" fresh=0 any_running=0
  if [ $run_as_mysql -eq 1 ] && ! runuser -u mysql -- test -x "$dir"; then
    echo "galera.sh: the nodes run as mysql, which cannot reach $dir: every folder above it must be searchable by others (chmod o+x)" >&2
    exit 1
  fi
  printf 'CLUSTER_PORT=%s\nCLUSTER_NODES=%s\nCLUSTER_GALERA_PORT=%s\n' "$port" "$nodes" "$gport" >"$dir/cluster.env"
  for n in $(seq 1 "$nodes"); do
    mkdir -p "$(node_dir "$n")"
    write_options "$n"
    # Before initialising: mariadb-install-db runs as mysql and writes its
    # temporary files to the node's tmpdir, which root has just made.
    [ $run_as_mysql -eq 1 ] && chown -R mysql:mysql "$(node_dir "$n")"
    if [ ! -d "$(node_dir "$n")/data/mysql" ]; then initialise "$n"; fresh=1; fi
    [ $run_as_mysql -eq 1 ] && chown -R mysql:mysql "$(node_dir "$n")"
    if running "$n"; then any_running=1; fi
  done
  if [ $any_running -eq 0 ]; then
    if [ $fresh -eq 1 ] && [ ! -f "$(node_dir 1)/data/grastate.dat" ]; then first=1; else first=$(bootstrap_node); fi
    echo "galera.sh: bootstrapping the cluster from node $first"
    launch "$first" 1
    wait_synced "$first"
  fi
  # Joiners one at a time: each takes its state from a Synced donor.
  for n in $(seq 1 "$nodes"); do
    running "$n" && continue
    echo "galera.sh: node $n joins"
    launch "$n" 0
    wait_synced "$n"
  done
  for n in $(seq 1 "$nodes"); do wait_synced "$n"; done
  if [ ! -s "$dir/hub.password" ]; then
    for n in $(seq 1 "$nodes"); do running "$n" && { create_account "$n"; break; }; done
  fi
  status
}

stop() {
  local n pid pids=()
  # One at a time, the last stopped is the one marked safe to bootstrap.
  for n in $(seq "$nodes" -1 1); do
    pid=$(server_pid "$n") || continue
    mariadb-admin --no-defaults --socket="$(node_sock "$n")" -u "$me" shutdown >/dev/null 2>&1 || kill -TERM "$pid"
    for _ in $(seq 1 600); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then echo "galera.sh: node $n (pid $pid) did not stop in 60 s" >&2; pids+=("$pid"); fi
  done
  [ ${#pids[@]} -eq 0 ] || return 1
  echo "galera.sh: stopped"
}

status() {
  local n up=0 size
  for n in $(seq 1 "$nodes"); do
    if running "$n"; then
      up=$((up + 1))
      size=$(client "$n" -N -e "SHOW STATUS LIKE 'wsrep_cluster_size'" 2>/dev/null | awk '{print $2}')
      echo "node $n: port $(node_port "$n"), pid $(server_pid "$n"), $(wsrep_state "$n"), cluster size ${size:-?}"
    else
      echo "node $n: port $(node_port "$n"), not running"
    fi
  done
  [ $up -gt 0 ] || return 3
}

kill_node() {
  local pid
  pid=$(server_pid "$node_arg") || { echo "galera.sh: node $node_arg is not running" >&2; return 1; }
  kill -9 "$pid"
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
  echo "galera.sh: node $node_arg (pid $pid) killed"
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  kill) kill_node ;;
  pid) server_pid "$node_arg" ;;
  *) sed -n '2,29p' "$0" >&2; exit 2 ;;
esac
