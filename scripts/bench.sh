#!/usr/bin/env bash
# The hub benchmark in one command (docs/benchmarks.md): builds, makes its own
# certificates, key ring, MariaDB (port 3337) and hub config under
# $CRE_BUILD_DIR/var/bench, runs the real cre-hub on 127.0.0.1:50151 and the
# load generator (benchmarks/hub/), and stops everything it started.
#
#   scripts/bench.sh [hub_benchmark flags, e.g. --pru_streams=8 --phases=saturation]
#   scripts/bench.sh --cluster [hub_benchmark flags]
#   scripts/bench.sh --history [hub_benchmark flags]
#
# --cluster compares, in one run, the hub on the single server with the hub
# on a 3-node Galera cluster (scripts/galera.sh, client ports 3381-3383,
# data in $CRE_BUILD_DIR/var/bench/galera): throughput at saturation and
# p99 submit->delivery at 1,000/s, for (a) the single server, (b) the
# cluster with one writer (both hubs list the nodes in the same order) and
# (c) the cluster with every node writing (rotated orders); two hub
# processes in each, the load spread over both. The configurations take
# turns, a b c a b c ..., each on a schema of its own, so that the machine's
# mood falls on all alike; a table of medians ends the run, with Galera's
# certification failures and brute-force aborts (the conflicts the hubs
# retried) and where the CPU went.
#
# --history compares the case path (issue 28) on a database holding a
# nation's worth of records with the same on an empty one: a MariaDB whose
# data directory is kept between runs ($CRE_BUILD_DIR/var/bench/history,
# port CRE_BENCH_HISTORY_DB_PORT, 3338) holds the schema cre_history, filled
# once by benchmarks/history/bench_history (CRE_BENCH_HISTORY_CHILDREN
# children, 1,000,000, and CRE_BENCH_HISTORY_MESSAGES messages, 10,000,000;
# a complete fill is kept and reused), and cre_empty, made afresh each run.
# One hub on each; the case path at saturation (64 outstanding) and at 500/s
# offered with GetCase alongside runs against each in turn, a b a b ...
# (CRE_BENCH_ROUNDS, 3); a table of medians and issue 28's targets end the
# run.
#
# Environment: CRE_BUILD_DIR (default build/), CRE_BENCH_NO_BUILD=1 to skip
# the build, CRE_BENCH_POOL_SIZE (the hub's database pool, default 8 as in
# config/hub.textproto); ports, to keep out of another run's way:
# CRE_BENCH_DB_PORT (3337), CRE_BENCH_HUB_PORT (50151: hub k listens on
# PORT+3(k-1), its console on that +2, the echo server on PORT+1),
# CRE_BENCH_CLUSTER_PORT (3381, node i on PORT+i-1); with --cluster and
# --history, CRE_BENCH_ROUNDS (3); with --history, CRE_BENCH_HISTORY_TIMEOUT
# (seconds the first fill may take, 28800). Loopback only; bounded by a
# timeout on every step.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=$(realpath -m "${CRE_BUILD_DIR:-$root/build}")
work="$build/var/bench"
db_port=${CRE_BENCH_DB_PORT:-3337}
hub_port=${CRE_BENCH_HUB_PORT:-50151}
echo_port=$((hub_port + 1))
cluster_port=${CRE_BENCH_CLUSTER_PORT:-3381}
cluster_nodes=3
partners=110  # fan-out uses 100, idle streams 50 of them
pool_size=${CRE_BENCH_POOL_SIZE:-8}
hub_pids=()
server_pids=()  # --cluster: the single server, then the nodes
history_dir="$work/history"
history_db_port=${CRE_BENCH_HISTORY_DB_PORT:-3338}
mode=single
case "${1:-}" in
  --cluster) mode=cluster; shift ;;
  --history) mode=history; shift ;;
esac

log() { echo "bench.sh: $*" >&2; }

build_binaries() {
  if [ "${CRE_BENCH_NO_BUILD:-0}" = 1 ]; then return; fi
  CRE_BUILD_DIR="$build" "$root/scripts/build.sh"
}

# The sample registry plus PARTNER agencies bench-partner-001 ... for the
# fan-out and the idle streams; one certificate each.
make_pki() {
  mkdir -p "$work"
  {
    cat "$root/config/agencies.textproto"
    for i in $(seq -f %03g 1 $partners); do
      echo "agencies { id: \"bench-partner-$i\" display_name: \"Benchmark partner $i\" role: PARTNER }"
    done
  } >"$work/agencies.textproto"
  "$root/certs/make-dev-certs.sh" --registry "$work/agencies.textproto" --out "$work/certs" >/dev/null
  "$root/scripts/make-dev-keys.sh" --out "$work/field-keys.txt" >/dev/null
}

# A fresh database each run, so that runs compare.
start_database() {
  "$root/scripts/mariadb.sh" stop --dir "$work/mariadb" >/dev/null 2>&1 || true
  rm -rf "$work/mariadb"
  # A message takes about 2.8 KiB of tables and indexes (its row, receipt,
  # delivery and three audit rows): the 150,000 of a run outgrow MariaDB's
  # default 128 MiB pool, and the flushing that follows took p99
  # submit->delivery at 1,000/s from 8-9 ms to 21-41 ms (docs/benchmarks.md).
  "$root/scripts/mariadb.sh" start --dir "$work/mariadb" --port $db_port --buffer-pool 1G --redo-log 512M >&2
}

# The config of hub process $2 (1, 2, ...) in file $1, on schema $3 with the
# password in $4; $5: the database's endpoint fields (host and port, or
# nodes); $6: the field key file, if not the run's own.
write_config() {
  local file=$1 k=$2 schema=$3 password_file=$4 endpoint=$5 field_keys=${6:-$work/field-keys.txt}
  local port=$((hub_port + 3 * (k - 1)))
  cat >"$file" <<CONFIG
# Generated by scripts/bench.sh.
local_authority { code: "E06000015" name: "Derby City Council" }
listen_address: "127.0.0.1:$port"
tls {
  server_cert_file: "$work/certs/hub.crt"
  server_key_file: "$work/certs/hub.key"
  client_ca_file: "$work/certs/ca.crt"
  refresh_interval_seconds: 60
}
database {
  $endpoint
  user: "cre_hub"
  password_file: "$password_file"
  schema: "$schema"
  pool_size: $pool_size
  connect_timeout_seconds: 5
}
agency_registry_file: "$work/agencies.textproto"
governance_file: "$root/config/governance.textproto"
console {
  listen_address: "127.0.0.1:$((port + 2))"
  server_cert_file: "$work/certs/hub.crt"
  server_key_file: "$work/certs/hub.key"
  static_dir: "$root/console"
}
pathway_policy_file: "$root/config/policy.textproto"
bank_holiday_changes_file: "$root/config/bank_holiday_changes.textproto"
field_key_file: "$field_keys"
migrate_on_start: true
# The benchmark measures capacity, not the per-agency rate limit: limits far
# above anything it offers, so that none of its calls is refused whatever the
# defaults (the limiter still runs on every call).
rate_limit {
  submissions { per_second: 1000000 burst: 1000000 }
  reads { per_second: 1000000 burst: 1000000 }
  acknowledgements { per_second: 1000000 burst: 1000000 }
  stream_opens { per_second: 1000000 burst: 1000000 }
  max_open_streams: 1000000
}
CONFIG
}

# Starts cre-hub with config $1 and log $2, listening on port $3; its pid
# joins hub_pids.
start_hub() {
  local config=$1 hub_log=$2 port=$3 pid
  "$build/hub/server/cre-hub" --config "$config" 2>"$hub_log" &
  pid=$!
  hub_pids+=("$pid")
  for _ in $(seq 1 300); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  log "the hub did not start; the end of $hub_log:"
  tail -n 20 "$hub_log" >&2
  return 1
}

stop_hubs() {
  local pid
  for pid in "${hub_pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${hub_pids[@]}"; do
    for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  hub_pids=()
}

stop_all() {
  stop_hubs
  case $mode in
    single) "$root/scripts/mariadb.sh" stop --dir "$work/mariadb" >&2 || true ;;
    cluster) "$root/scripts/mariadb.sh" stop --dir "$work/mariadb" >&2 || true
             "$root/scripts/galera.sh" stop --dir "$work/galera" >&2 || true ;;
    history) "$root/scripts/mariadb.sh" stop --dir "$history_dir/mariadb" >&2 || true ;;
  esac
}

machine_lines() {
  echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)," \
    "$(lscpu | sed -n 's/^Model name:[[:space:]]*//p')"
  echo "hub: database pool_size $pool_size; $(mariadbd --version | cut -d' ' -f2-4)"
}

# hub_benchmark against hubs $2 (comma-separated targets) with pids $3, on
# the database of pids $4 at port $5 (password file $6, schema $7), killed
# after $1 seconds; the rest: its flags.
run_benchmark() {
  local seconds=$1 targets=$2 pids=$3 db_pids=$4 port=$5 password=$6 schema=$7
  shift 7
  timeout "$seconds" "$build/benchmarks/hub/hub_benchmark" \
    --certs="$work/certs" --hub_target="$targets" --hub_pid="$pids" --db_pid="$db_pids" \
    --echo_address="127.0.0.1:$echo_port" --echo_target="localhost:$echo_port" \
    --db_port="$port" --db_password_file="$password" --hub_schema="$schema" "$@"
}

# Runs `$1 CONFIGURATION ROUND ARGS...` for each configuration named before
# "--" in turn, round after round (CRE_BENCH_ROUNDS), so that the machine's
# mood falls on all alike; ARGS: what follows "--".
alternate() {
  local run=$1 round conf confs=()
  shift
  while [ "$1" != -- ]; do confs+=("$1"); shift; done
  shift
  for round in $(seq 1 "${CRE_BENCH_ROUNDS:-3}"); do
    for conf in "${confs[@]}"; do
      echo "== $conf, round $round"
      "$run" "$conf" "$round" "$@"
    done
  done
}

# The deadlines phase (--phases=...deadlines...): both hubs look for due
# cases every second, and a second hub process shares the first's schema;
# deadline_flags tells hub_benchmark of it.
deadline_flags=()
deadlines_phase() { [[ " $* " =~ --phases=[^\ ]*deadlines ]]; }
deadlines_config() {
  if deadlines_phase "${@:2}"; then echo "deadline_check_interval_ms: 1000" >>"$1"; fi
}
deadlines_second_hub() {
  deadlines_phase "$@" || return 0
  write_config "$work/hub-2.textproto" 2 cre_hub "$work/mariadb/hub.password" "host: \"127.0.0.1\" port: $db_port"
  deadlines_config "$work/hub-2.textproto" "$@"
  start_hub "$work/hub-2.textproto" "$work/hub-2.log" $((hub_port + 3))
  log "second hub pid ${hub_pids[1]} on 127.0.0.1:$((hub_port + 3)) for the deadlines phase"
  deadline_flags=(--deadline_hub_target="localhost:$((hub_port + 3))" --deadline_hub_pid="${hub_pids[1]}")
}

single_server_run() {
  build_binaries
  make_pki
  trap stop_all EXIT
  trap 'exit 130' INT TERM
  start_database
  write_config "$work/hub.textproto" 1 cre_hub "$work/mariadb/hub.password" "host: \"127.0.0.1\" port: $db_port"
  deadlines_config "$work/hub.textproto" "$@"
  start_hub "$work/hub.textproto" "$work/hub.log" "$hub_port"
  deadlines_second_hub "$@"
  log "hub pid ${hub_pids[0]} on 127.0.0.1:$hub_port, MariaDB on 127.0.0.1:$db_port, data in $work"
  machine_lines
  run_benchmark "$(deadlines_phase "$@" && echo 3600 || echo 1500)" "localhost:$hub_port" "${hub_pids[0]}" \
    "$(cat "$work/mariadb/mysqld.pid" 2>/dev/null || echo 0)" $db_port "$work/mariadb/hub.password" cre_hub \
    --console_port=$((hub_port + 2)) --hub_config="$work/hub.textproto" "${deadline_flags[@]}" "$@"
}

# --cluster: the single server (started as above) and a 3-node cluster.

start_cluster() {
  "$root/scripts/galera.sh" stop --dir "$work/galera" >/dev/null 2>&1 || true
  rm -rf "$work/galera"
  # Each node holds every row: the same pool and redo log as the single server.
  "$root/scripts/galera.sh" start --dir "$work/galera" --port "$cluster_port" --nodes $cluster_nodes \
    --buffer-pool 1G --redo-log 512M >&2
}

# A client of the single server ($1 = 0), of node $1, or of the history's
# server ($1 = history), as this user over its socket.
sql_on() {
  local n=$1 sock="$work/mariadb/mysqld.sock"
  shift
  case $n in
    0) ;;
    history) sock="$history_dir/mariadb/mysqld.sock" ;;
    *) sock="$work/galera/node$n/mysqld.sock" ;;
  esac
  mariadb --no-defaults --socket="$sock" -u "$(id -un)" -N "$@"
}

# Galera's count of local transactions that failed certification and of
# those a replicated one aborted, summed over the nodes: each is a 1213 to
# the hub, which runs the transaction again.
conflicts() {
  local n cert=0 bf=0 v
  for n in $(seq 1 $cluster_nodes); do
    v=$(sql_on "$n" -e "SHOW GLOBAL STATUS LIKE 'wsrep_local_cert_failures'" | awk '{print $2}')
    cert=$((cert + ${v:-0}))
    v=$(sql_on "$n" -e "SHOW GLOBAL STATUS LIKE 'wsrep_local_bf_aborts'" | awk '{print $2}')
    bf=$((bf + ${v:-0}))
  done
  echo "$cert $bf"
}

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }

# One line: the instant, the conflicts so far, the machine's busy and total
# ticks (/proc/stat), the hubs' ticks (summed), and each server's ticks
# (the single server, then the nodes).
snapshot() {
  local pid hubs=0 servers=()
  for pid in "${hub_pids[@]}"; do hubs=$((hubs + $(cpu_ticks "$pid"))); done
  for pid in "${server_pids[@]}"; do servers+=("$(cpu_ticks "$pid")"); done
  echo "$(date +%s.%N) $(conflicts) $(awk '/^cpu / {print $2+$3+$4+$7+$8+$9, $2+$3+$4+$5+$6+$7+$8+$9}' /proc/stat)" \
    "$hubs ${servers[*]}"
}

# From two snapshots: "cert bf machine% hubs% server%..." (% of one core).
between() {
  awk -v hz="$(getconf CLK_TCK)" -v cores="$(nproc)" -v a="$1" -v b="$2" 'BEGIN {
    n = split(a, x, " "); split(b, y, " "); t = y[1] - x[1]
    printf "%d %d %.0f", y[2] - x[2], y[3] - x[3], 100 * cores * (y[4] - x[4]) / (y[5] - x[5])
    for (i = 6; i <= n; i++) printf " %.0f", 100 * (y[i] - x[i]) / hz / t
    printf "\n" }'
}

# Configuration $1 (single, single-writer, every-node), round $2: two hubs
# on a schema of their own, saturation then 1,000/s offered, a line of
# results each into $3. The rest: hub_benchmark flags.
run_configuration() {
  local conf=$1 round=$2 results=$3 k n order endpoint password schema targets="" pids phase out a b
  shift 3
  schema="cre_bench_${conf//-/_}_$round"
  password="$work/galera/hub.password"
  for k in 1 2; do
    case $conf in
      single) order=0; password="$work/mariadb/hub.password" ;;
      single-writer) order="1 2 3" ;;
      every-node) order=$(seq 1 $cluster_nodes | awk -v k="$k" '{a[NR]=$1} END {for (i = 0; i < NR; i++) printf "%s%s", (i ? " " : ""), a[(i + k - 1) % NR + 1]}') ;;
    esac
    endpoint=""
    for n in $order; do
      if [ "$n" -eq 0 ]; then endpoint="host: \"127.0.0.1\" port: $db_port"
      else endpoint+="nodes { host: \"127.0.0.1\" port: $((cluster_port + n - 1)) } "; fi
    done
    write_config "$work/hub-$k.textproto" "$k" "$schema" "$password" "$endpoint"
    # One at a time: the first makes the schema (migrate_on_start).
    start_hub "$work/hub-$k.textproto" "$work/hub-$conf-$round-$k.log" $((hub_port + 3 * (k - 1)))
    targets+="${targets:+,}localhost:$((hub_port + 3 * (k - 1)))"
    echo "hub $k: pid ${hub_pids[$((k - 1))]}, nodes in order: ${order/#0/single server}"
  done
  pids=$(IFS=,; echo "${hub_pids[*]}")
  if [ "$conf" = single ]; then n=0; else n=1; fi
  for phase in saturation offered; do
    out="$work/$conf-$round-$phase.txt"
    a=$(snapshot)
    run_benchmark 600 "$targets" "$pids" \
      "$(if [ "$conf" = single ]; then echo "${server_pids[0]}"; else IFS=,; echo "${server_pids[*]:1}"; fi)" \
      "$(if [ $n -eq 0 ]; then echo "$db_port"; else echo "$cluster_port"; fi)" "$password" "$schema" \
      --concurrency=16,64,256 --duration=5s --offered_runs=1 --offered_duration=10s "$@" --phases=$phase \
      | tee "$out" || true
    b=$(snapshot)
    echo "$conf $round $phase $(summary "$phase" "$out") $(between "$a" "$b")" | tee -a "$results" \
      | awk '{printf "result: %s round %s %s: %s (%s); certification failures %s, brute-force aborts %s;" \
                     " CPU, %% of a core: machine %s, hubs %s, single server %s, nodes %s %s %s\n",
                     $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13}' 
  done
  stop_hubs
  # What a hub gave up on after its retries (a claim, a sealing pass) it
  # logs as a warning naming the error.
  echo "$conf $round logs $(cat "$work/hub-$conf-$round-"*.log | grep -c "error 1213" || true)" | tee -a "$results" \
    | awk '{printf "result: %s round %s: %s warnings naming error 1213 in the hubs'"'"' logs\n", $1, $2, $4}'
  sql_on $n -e "DROP DATABASE IF EXISTS $schema"
}

# The figure of a phase's output: "RATE at:CONCURRENCY" (the best of the
# saturation levels) or "P99 complete|incomplete" (the offered run).
summary() {
  if [ "$1" = saturation ]; then
    awk '/saturation \(closed loop, / {at = $0; sub(/.*closed loop, /, "", at); sub(/ .*/, "", at)}
         /delivered\+acknowledged/ {r = $2; sub(/\/s/, "", r); if (r + 0 > best + 0) {best = r; best_at = at}}
         END {print (best == "" ? "-" : best), "at:" (best_at == "" ? "-" : best_at)}' "$2"
  else
    awk '/^  submit->delivery p50/ {for (i = 1; i < NF; i++) if ($i == "p99") p = $(i + 1)}
         /p99 submit->delivery at/ {c = ($0 ~ /incomplete|none measured/) ? "incomplete" : "complete"}
         /FAILED/ {c = "failed"}
         END {print (p == "" ? "-" : p), (c == "" ? "failed" : c)}' "$2"
  fi
}

median() { sort -g | awk '{v[NR] = $1} END {if (NR == 0) print "-"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

# The table of medians over the rounds, from the results file $1.
print_table() {
  local conf rates p99s
  echo
  echo "cluster comparison, $(awk '{print $2}' "$1" | sort -u | wc -l) rounds; medians (each round in brackets)"
  printf '%-28s %-26s %-30s %-16s %-16s %-6s %s\n' configuration "saturation, delivered/s" "p99 submit->delivery 1000/s" \
    "cert/bf, sat." "cert/bf, 1000/s" "1213s" "CPU at saturation, % of a core: machine, hubs, mariadbd (each)"
  for conf in single single-writer every-node; do
    rates=$(awk -v c="$conf" '$1 == c && $3 == "saturation" {print $4}' "$1")
    p99s=$(awk -v c="$conf" '$1 == c && $3 == "offered" {print $4 ($5 == "complete" ? "" : "*")}' "$1")
    printf '%-28s %-26s %-30s %-16s %-16s %-6s %s\n' \
      "$(case $conf in single) echo "(a) single server";; single-writer) echo "(b) cluster, single writer";;
         *) echo "(c) cluster, every node";; esac)" \
      "$(echo "$rates" | median) [$(echo $rates)]" \
      "$(echo "$p99s" | tr -d '*' | median) ms [$(echo $p99s)]" \
      "$(awk -v c="$conf" '$1 == c && $3 == "saturation" {x += $6; y += $7} END {print x "/" y}' "$1")" \
      "$(awk -v c="$conf" '$1 == c && $3 == "offered" {x += $6; y += $7} END {print x "/" y}' "$1")" \
      "$(awk -v c="$conf" '$1 == c && $3 == "logs" {x += $4} END {print x + 0}' "$1")" \
      "$(awk -v c="$conf" '$1 == c && $3 == "saturation" {print $8}' "$1" | median), $(
         awk -v c="$conf" '$1 == c && $3 == "saturation" {print $9}' "$1" | median), $(if [ $conf = single ]; then awk -v c="$conf" '$1 == c && $3 == "saturation" {print $10}' "$1" | median
         else for i in 11 12 13; do awk -v c="$conf" -v i=$i '$1 == c && $3 == "saturation" {print $i}' "$1" | median; done | paste -sd+; fi)"
  done
  echo "(* an offered run that failed or lost, skipped or left undelivered some submissions; cert/bf: Galera's"
  echo " certification failures and brute-force aborts summed over the nodes and rounds, each a retried transaction;"
  echo " 1213s: the hubs' warnings naming error 1213, a claim or sealing pass given up after its retries, all rounds)"
}

cluster_run() {
  build_binaries
  make_pki
  trap stop_all EXIT
  trap 'exit 130' INT TERM
  start_database
  start_cluster
  server_pids=("$(cat "$work/mariadb/mysqld.pid")")
  for n in $(seq 1 $cluster_nodes); do server_pids+=("$("$root/scripts/galera.sh" pid "$n" --dir "$work/galera")"); done
  log "single server on 127.0.0.1:$db_port (pid ${server_pids[0]}), cluster on 127.0.0.1:$cluster_port-$((cluster_port + cluster_nodes - 1))" \
    "(pids ${server_pids[*]:1}), hubs from 127.0.0.1:$hub_port; data in $work"
  machine_lines
  echo "cluster: $cluster_nodes nodes, Galera $(sql_on 1 -e "SHOW STATUS LIKE 'wsrep_provider_version'" | awk '{print $2}'),"\
    "each with the single server's buffer pool and redo log; two hub processes in every configuration"
  echo "before the run: load average $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine)"
  local results="$work/cluster-results.txt"
  : >"$results"
  alternate run_configuration single single-writer every-node -- "$results" "$@"
  print_table "$results"
}

# --history: the case path on a kept database with a nation's history, and
# on an empty one.

# Starts the history's server, keeping its data directory, and fills
# cre_history unless a complete fill is there already (bench_history
# decides). The buffer pool is the single server's 1G: the history (some
# 48 GB at the default size) is meant to outgrow memory as a nation's
# records would outgrow the server's, so that the hub's reads and index
# updates of a large database go to disk as they would in service; a pool
# holding all of it would measure a database that could never be, and the
# empty database's figures stay those of the single-server run.
start_history() {
  mkdir -p "$history_dir"
  # Its own key file, kept with the data: the history is sealed under it.
  "$root/scripts/make-dev-keys.sh" --out "$history_dir/field-keys.txt" >/dev/null
  "$root/scripts/mariadb.sh" start --dir "$history_dir/mariadb" --port "$history_db_port" \
    --buffer-pool 1G --redo-log 512M >&2
  server_pids=("$(cat "$history_dir/mariadb/mysqld.pid")")
  local generator="$build/benchmarks/history/bench_history"
  if [ ! -x "$generator" ]; then
    log "no $generator: build the target bench_history"
    return 1
  fi
  local children=${CRE_BENCH_HISTORY_CHILDREN:-1000000} messages=${CRE_BENCH_HISTORY_MESSAGES:-10000000}
  # A fill takes about 5.2 KB a message on disk (docs/benchmarks.md): one
  # that cannot fit is refused before it starts rather than when the disk is
  # full. What the data directory holds already counts as room, since a fill
  # of another size is emptied first, and a complete one is reused.
  local need_kb=$((messages * 11 / 2)) have_kb
  have_kb=$(($(df -Pk "$history_dir" | awk 'NR == 2 {print $4}') + $(du -sk "$history_dir/mariadb" | cut -f1)))
  if [ "$need_kb" -gt "$have_kb" ]; then
    log "a history of $messages messages needs about $((need_kb / 1048576)) GiB and $history_dir has" \
      "$((have_kb / 1048576)) GiB: free some, or set CRE_BENCH_HISTORY_MESSAGES (and CRE_BENCH_HISTORY_CHILDREN) lower"
    return 1
  fi
  log "filling cre_history with $children children and $messages messages if not filled yet (a kept fill is reused)"
  timeout "${CRE_BENCH_HISTORY_TIMEOUT:-28800}" "$generator" --host 127.0.0.1 --port "$history_db_port" \
    --user cre_hub --password_file "$history_dir/mariadb/hub.password" --schema cre_history \
    --field_key_file "$history_dir/field-keys.txt" --registry_file "$work/agencies.textproto" \
    --children "$children" --messages "$messages" \
    | tee "$work/history-fill.log" >&2
  tail -n 1 "$work/history-fill.log"
  sql_on history -e "DROP DATABASE IF EXISTS cre_empty"
}

# The schema of configuration $1 and its hub's number.
history_schema() { if [ "$1" = history ]; then echo cre_history; else echo cre_empty; fi; }
history_hub() { if [ "$1" = history ]; then echo 1; else echo 2; fi; }

# Configuration $1 (history, empty), round $2: the case path at saturation
# and at 500/s with GetCase alongside, against that configuration's hub,
# one invocation (one set-up of open cases); a line of results into $3. The
# rest: hub_benchmark flags.
run_history_round() {
  local conf=$1 round=$2 results=$3 schema k port out history_cases=0
  shift 3
  schema=$(history_schema "$conf")
  k=$(history_hub "$conf")
  port=$((hub_port + 3 * (k - 1)))
  out="$work/history-$conf-$round.txt"
  # GetCase reads the history's own cases too, not only those the run opened.
  [ "$conf" = history ] && history_cases=2000
  run_benchmark 900 "localhost:$port" "${hub_pids[$((k - 1))]}" "${server_pids[0]}" "$history_db_port" \
    "$history_dir/mariadb/hub.password" "$schema" \
    --concurrency=64 --duration=10s --offered_runs=1 --offered_duration=10s --case_history_cases=$history_cases \
    "$@" --phases=case-saturation,case-offered \
    | tee "$out" || true
  echo "$conf $round $(case_summary "$out")" | tee -a "$results" \
    | awk '{printf "result: %s round %s: case path %s/s at saturation; p99 submit->delivery %s ms (%s);" \
                   " GetCase p99 %s ms (%s)\n", $1, $2, $3, $4, $5, $6, $7}'
}

# The figures of a case-path run's output: "RATE P99 complete|incomplete
# GETCASE_P99 complete|incomplete" (- where missing).
case_summary() {
  awk '/^case path .*saturation \(closed loop/ {phase = "saturation"}
       /^case path .*offered load/ {phase = "offered"}
       phase == "saturation" && /^  completed / {r = $2; sub(/\/s/, "", r)}
       phase == "offered" && /^  submit->delivery / {for (i = 1; i < NF; i++) if ($i == "p99") p = $(i + 1)}
       phase == "offered" && /^    p50 / {for (i = 1; i < NF; i++) if ($i == "p99") g = $(i + 1)}
       /^  p99 case submit->delivery at/ {c = ($0 ~ /incomplete|none measured/) ? "incomplete" : "complete"}
       /^  GetCase p99 at/ {gc = ($0 ~ /incomplete|none measured/) ? "incomplete" : "complete"}
       /FAILED/ {c = "failed"; gc = "failed"}
       END {print (r == "" ? "-" : r), (p == "" ? "-" : p), (c == "" ? "failed" : c),
                  (g == "" ? "-" : g), (gc == "" ? "failed" : gc)}' "$1"
}

# The table of medians over the rounds and issue 28's targets, from the
# results file $1.
print_history_table() {
  local conf rates p99s reads
  echo
  echo "history comparison, $(awk '{print $2}' "$1" | sort -u | wc -l) rounds; medians (each round in brackets)"
  printf '%-34s %-30s %-34s %s\n' database "case path at saturation, /s" "p99 submit->delivery 500/s" "GetCase p99"
  for conf in history empty; do
    rates=$(awk -v c="$conf" '$1 == c {print $3}' "$1")
    p99s=$(awk -v c="$conf" '$1 == c {print $4 ($5 == "complete" ? "" : "*")}' "$1")
    reads=$(awk -v c="$conf" '$1 == c {print $6 ($7 == "complete" ? "" : "*")}' "$1")
    printf '%-34s %-30s %-34s %s\n' \
      "$(if [ $conf = history ]; then echo "(a) with the history"; else echo "(b) empty"; fi)" \
      "$(echo "$rates" | awk '$1 != "-"' | median) [$(echo $rates)]" \
      "$(echo "$p99s" | tr -d '*' | awk '$1 != "-"' | median) ms [$(echo $p99s)]" \
      "$(echo "$reads" | tr -d '*' | awk '$1 != "-"' | median) ms [$(echo $reads)]"
  done
  echo "(* a run that failed or lost, skipped or left undelivered some calls)"
  local h_rate e_rate h_p99 e_p99
  h_rate=$(awk '$1 == "history" {print $3}' "$1" | awk '$1 != "-"' | median)
  e_rate=$(awk '$1 == "empty" {print $3}' "$1" | awk '$1 != "-"' | median)
  h_p99=$(awk '$1 == "history" {print $4}' "$1" | awk '$1 != "-"' | median)
  e_p99=$(awk '$1 == "empty" {print $4}' "$1" | awk '$1 != "-"' | median)
  echo "targets             issue 28: with the history, throughput at least 0.8 and p99 submit->delivery at most" \
    "1.25 times the empty database's (medians); GetCase p99 under 10 ms"
  awk -v a="$h_rate" -v b="$e_rate" 'BEGIN {
    if (a == "-" || b == "-" || b + 0 == 0) {print "  throughput history/empty  -  not measured"; exit}
    r = int(a / b * 1000) / 1000; printf "  throughput history/empty  %.3f  %s\n", r, (a / b >= 0.8 ? "met" : "not met") }'
  # A p99 of a run that could not keep up (calls skipped or left
  # undelivered) is the length of its queue: no ratio of two such is met.
  awk -v a="$h_p99" -v b="$e_p99" -v whole="$(awk '$5 != "complete" {n++} END {print n ? 0 : 1}' "$1")" 'BEGIN {
    if (a == "-" || b == "-" || b + 0 == 0) {print "  p99 submit->delivery history/empty  -  not measured"; exit}
    printf "  p99 submit->delivery history/empty  %.3f  %s\n", a / b,
           (!whole ? "not met (runs incomplete)" : a / b <= 1.25 ? "met" : "not met") }'
  awk '$1 == "history" {n++; if ($7 == "complete" && $6 != "-" && $6 + 0 < 10) u++}
       END {printf "  GetCase p99 with the history  under 10 ms in %d of %d rounds  %s\n", u, n,
                   (n > 0 && u == n ? "met" : "not met")}' "$1"
}

# Waits (10 minutes at the most) until the history's MariaDB, with both hubs
# idle, stops reading from the disk: fewer than 100 pages in 10 s. Straight
# after a fill it went on reading for many minutes (50-150 MiB in every
# round, an empty database's included, where the next run's rounds read
# none), and rounds measured meanwhile measure that.
settle_history() {
  local before after waited=0
  while :; do
    before=$(sql_on history -e "SHOW GLOBAL STATUS LIKE 'Innodb_data_reads'" | cut -f2)
    sleep 10
    after=$(sql_on history -e "SHOW GLOBAL STATUS LIKE 'Innodb_data_reads'" | cut -f2)
    waited=$((waited + 10))
    if [ $((after - before)) -lt 100 ]; then
      echo "history: MariaDB idle ($((after - before)) pages read in 10 s, after ${waited} s)"
      return 0
    fi
    if [ $waited -ge 600 ]; then
      echo "history: MariaDB still reading after ${waited} s ($((after - before)) pages in the last 10 s):" \
        "the rounds measure that too"
      return 0
    fi
    log "MariaDB read $((after - before)) pages in 10 s with both hubs idle: waiting for it to settle"
  done
}

history_run() {
  build_binaries
  make_pki
  trap stop_all EXIT
  trap 'exit 130' INT TERM
  start_history
  local conf
  for conf in history empty; do
    # Both hubs run throughout; the one not measured is idle.
    write_config "$work/hub-$conf.textproto" "$(history_hub "$conf")" "$(history_schema "$conf")" \
      "$history_dir/mariadb/hub.password" "host: \"127.0.0.1\" port: $history_db_port" "$history_dir/field-keys.txt"
    start_hub "$work/hub-$conf.textproto" "$work/hub-$conf.log" $((hub_port + 3 * ($(history_hub "$conf") - 1)))
  done
  log "hubs ${hub_pids[*]} from 127.0.0.1:$hub_port (cre_history, cre_empty), MariaDB on 127.0.0.1:$history_db_port" \
    "(pid ${server_pids[0]}), data kept in $history_dir"
  settle_history
  machine_lines
  echo "history: data directory $(du -sh "$history_dir/mariadb" | cut -f1); buffer pool 1G, redo log 512M"
  echo "before the run: load average $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine)"
  local results="$work/history-results.txt"
  : >"$results"
  alternate run_history_round history empty -- "$results" "$@"
  print_history_table "$results"
}

case $mode in
  single) single_server_run "$@" ;;
  cluster) cluster_run "$@" ;;
  history) history_run "$@" ;;
esac
