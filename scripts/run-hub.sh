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
#   CRE_CLUSTER=1 scripts/run-hub.sh      (on a three-node Galera cluster,
#                                          scripts/galera.sh, instead)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
config="$root/config/hub.textproto"
if [ "${1:-}" = "--config" ]; then config=$(cd "$(dirname "$2")" && pwd)/$(basename "$2"); fi
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
database="$root/scripts/mariadb.sh"
if [ -n "${CRE_CLUSTER:-}" ]; then
  database="$root/scripts/galera.sh"
  # The cluster's config is the single server's with the database's nodes
  # in place of its host and port: made from it at each run, in var/, not
  # kept beside it in config/ as a copy that would drift from it. Relative
  # paths are made absolute, as they were relative to config/.
  cluster_config="$root/var/galera/hub-cluster.textproto"
  mkdir -p "$root/var/galera"
  sed -E "s#^( *[a-z_]+_(file|dir): )\"([^/\"][^\"]*)\"#\1\"$(dirname "$config")/\3\"#" "$config" |
    awk -v password="$root/var/galera/hub.password" '
      /^database *\{/ { in_db = 1 }
      in_db && /^ *(host|port|password_file):/ { next }
      in_db && /^\}/ {
        for (p = 3341; p <= 3343; p++) printf "  nodes { host: \"127.0.0.1\" port: %d }\n", p
        printf "  password_file: \"%s\"\n", password
        in_db = 0
      }
      { print }' >"$cluster_config"
  config="$cluster_config"
fi
started_db=0
"$database" status >/dev/null 2>&1 || started_db=1
"$database" start

pids=()
mail_pid=""
stop_all() {
  # A second Ctrl-C (or a TERM from a timeout after the first) while this
  # runs would end the script before it stops the database it started.
  trap - EXIT
  trap '' INT TERM
  if [ ${#pids[@]} -gt 0 ]; then
    kill -TERM "${pids[@]}" 2>/dev/null || true
    wait "${pids[@]}" 2>/dev/null || true
  fi
  if [ -n "$mail_pid" ]; then
    kill -TERM "$mail_pid" 2>/dev/null || true
    wait "$mail_pid" 2>/dev/null || true
  fi
  [ $started_db -eq 1 ] && "$database" stop
  exit 0
}
trap stop_all EXIT INT TERM

# A local mail sink for the hub's alerts (config/hub.textproto, alerting:
# smtp://127.0.0.1:2525): Debian's python3-aiosmtpd keeps every mail in the
# maildir var/mail/ (new/ holds one file per mail), so the demo's alerts can
# be read there rather than sent anywhere.
mkdir -p "$root/var/mail"
/usr/bin/python3 -m aiosmtpd -n -l 127.0.0.1:2525 -c aiosmtpd.handlers.Mailbox "$root/var/mail" \
  >"$root/var/mail-sink.log" 2>&1 &
mail_pid=$!
echo "== mail sink for alerts: smtp://127.0.0.1:2525 -> var/mail/new/"

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
  --reason "The placement ended last week; the child is back in Derby." \
  --governance "$root/agency-adapters/samples/envelopes/host-authority-answers.json" $(agency derbyshire-cc) \
  >"$demo/derbyshire.log" 2>&1 &
pids+=($!)
echo "   police-pru -> var/demo/pru/, iro -> var/demo/iro/, host-authority (Derbyshire) -> var/demo/derbyshire/"

"$build/agency-adapters/demo/cre-demo" --hub localhost:50051 --certs "$certs" --demo_dir "$demo" \
  --hub_config "${config#"$root"/}"

# A Duty CPM for the console: the password is the demo's, kept in
# var/demo/ (mode 600); the second-factor key is new at each run.
console_password="$demo/duty.cpm.password"
[ -s "$console_password" ] || { head -c 18 /dev/urandom | base64 >"$console_password"; chmod 600 "$console_password"; }
hubctl() { "$build/hub/tools/hubctl" "$@"; }
if hubctl staff list --config "$config" | grep -q "^duty.cpm"; then
  totp=$(hubctl staff reset-totp --config "$config" duty.cpm)
  hubctl staff reset-password --config "$config" duty.cpm --password-file "$console_password" >/dev/null
else
  totp=$(hubctl staff add --config "$config" --username duty.cpm --agency derby-cpm --role cpm \
    --display-name "Duty CPM (demo)" --password-file "$console_password")
fi
key=$(echo "$totp" | sed -n 's/^ *key: //p')

cat <<MSG

== The hub and the adapters keep running (localhost:50051). Ctrl-C stops them all.
   Agencies' certificates: certs/dev/agencies/<agency-id>.crt/.key, CA certs/dev/ca.crt

== The console: https://localhost:8443/  (the development certificate: accept it in the browser)
   username  duty.cpm
   password  $(cat "$console_password")
   code      oathtool --totp -b $key   (or add the key to an authenticator app)
MSG
wait "${pids[0]}"
