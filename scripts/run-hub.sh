#!/usr/bin/env bash
# The hub's main job, from a fresh clone: installs what is missing, builds,
# makes the development PKI and keys, starts the private MariaDB, runs the
# hub and the police, IRO and Derbyshire adapters beside it, plays the
# newcomer's scenario (cre-demo) and prints its timeline. Everything keeps
# running until Ctrl-C, which stops the adapters, the hub (cleanly) and the
# database.
#
#   scripts/run-hub.sh [--config FILE]   (default config/hub.textproto)
#   CRE_NO_DEMO=1 scripts/run-hub.sh      (the hub alone, its log on stderr)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
config="$root/config/hub.textproto"
if [ "${1:-}" = "--config" ]; then config=$2; fi
build="${CRE_BUILD_DIR:-$root/build}"
certs="$root/certs/dev"
demo="$root/var/demo"

"$root/scripts/setup.sh"
echo "== building"
"$root/scripts/build.sh"
echo "== development certificates (certs/dev)"
"$root/certs/make-dev-certs.sh" | tail -n 1
echo "== development keys for personal data at rest (var/keys)"
"$root/scripts/make-dev-keys.sh"
echo "== database"
started_db=0
"$root/scripts/mariadb.sh" status >/dev/null 2>&1 || started_db=1
"$root/scripts/mariadb.sh" start

pids=()
stop_all() {
  trap - EXIT INT TERM
  if [ ${#pids[@]} -gt 0 ]; then
    kill -TERM "${pids[@]}" 2>/dev/null || true
    wait "${pids[@]}" 2>/dev/null || true
  fi
  [ $started_db -eq 1 ] && "$root/scripts/mariadb.sh" stop
  exit 0
}
trap stop_all EXIT INT TERM

if [ -n "${CRE_NO_DEMO:-}" ]; then
  echo "== the hub (Ctrl-C to stop)"
  "$build/hub/server/cre-hub" --config "$config" &
  pids+=($!)
  wait "${pids[0]}"
  exit 0
fi

mkdir -p "$demo"
echo "== the hub (log: var/demo/hub.log)"
"$build/hub/server/cre-hub" --config "$config" >"$demo/hub.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 300); do
  grep -q "serving" "$demo/hub.log" 2>/dev/null && break
  kill -0 "${pids[0]}" 2>/dev/null || { cat "$demo/hub.log" >&2; exit 1; }
  sleep 0.1
done
grep -q "serving" "$demo/hub.log" || { echo "the hub did not start; var/demo/hub.log:" >&2; cat "$demo/hub.log" >&2; exit 1; }

agency() { echo --cert "$certs/agencies/$1.crt" --key "$certs/agencies/$1.key" --ca "$certs/ca.crt" --hub localhost:50051; }
echo "== the adapters (logs: var/demo/*.log)"
# shellcheck disable=SC2046
"$build/agency-adapters/police-pru/police-pru" --out "$demo/pru" $(agency derby-pru) >"$demo/police-pru.log" 2>&1 &
pids+=($!)
# shellcheck disable=SC2046
"$build/agency-adapters/iro/iro" --out "$demo/iro" $(agency derby-iro) >"$demo/iro.log" 2>&1 &
pids+=($!)
# shellcheck disable=SC2046
"$build/agency-adapters/host-authority/host-authority" run --dir "$demo/derbyshire" --answer dispute \
  --reason "The placement ended last week; the child is back in Derby." $(agency derbyshire-cc) \
  >"$demo/derbyshire.log" 2>&1 &
pids+=($!)
echo "   police-pru -> var/demo/pru/, iro -> var/demo/iro/, host-authority (Derbyshire) -> var/demo/derbyshire/"

"$build/agency-adapters/demo/cre-demo" --hub localhost:50051 --certs "$certs" --demo_dir "$demo"

cat <<MSG

== The hub and the adapters keep running (localhost:50051). Ctrl-C stops them all.
   Agencies' certificates: certs/dev/agencies/<agency-id>.crt/.key, CA certs/dev/ca.crt
MSG
wait "${pids[0]}"
