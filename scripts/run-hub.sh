#!/usr/bin/env bash
# The hub's main job, from a fresh clone: installs what is missing, builds,
# makes the development PKI, starts the private MariaDB, and runs the hub
# until Ctrl-C. Ctrl-C stops the hub cleanly, then the database.
#
#   scripts/run-hub.sh [--config FILE]   (default config/hub.textproto)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
config="$root/config/hub.textproto"
if [ "${1:-}" = "--config" ]; then config=$2; fi

"$root/scripts/setup.sh"
echo "== building"
"$root/scripts/build.sh"
echo "== development certificates (certs/dev)"
"$root/certs/make-dev-certs.sh" | tail -n 1
echo "== development keys for personal data at rest (var/keys)"
"$root/scripts/make-dev-keys.sh"
echo "== database"
# Stop the database at the end only if this script started it.
if "$root/scripts/mariadb.sh" status >/dev/null 2>&1; then
  "$root/scripts/mariadb.sh" start
else
  "$root/scripts/mariadb.sh" start
  trap '"$root/scripts/mariadb.sh" stop' EXIT
fi

cat <<MSG
== the hub (Ctrl-C to stop)
   config:       $config
   agency certs: certs/dev/agencies/<agency-id>.crt/.key, CA certs/dev/ca.crt
MSG
# Ctrl-C reaches the hub as SIGINT: it lets calls finish and exits 0; then
# the EXIT trap stops the database.
"${CRE_BUILD_DIR:-$root/build}/hub/server/cre-hub" --config "$config"
