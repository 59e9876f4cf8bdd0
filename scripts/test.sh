#!/usr/bin/env bash
# Builds the project and runs the whole test suite. The tests start their
# own private MariaDB (build/var/mariadb-test, port 3317) and make their own
# PKI (build/var/test-certs) with the project's scripts, and stop the
# database when they finish.
#
#   scripts/test.sh [ctest arguments, e.g. -L unit]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$root/scripts/setup.sh"
"$root/scripts/build.sh"
ctest --test-dir "${CRE_BUILD_DIR:-$root/build}" --output-on-failure -j"$(nproc)" "$@"
