#!/usr/bin/env bash
# Builds the project with AddressSanitizer (and so LeakSanitizer) into
# build-asan/ (or $CRE_ASAN_BUILD_DIR) and runs the whole test suite there.
# Every binary is instrumented, the hub and adapters that tests start as
# child processes included. Its test MariaDB listens on port 3318
# (build-asan/var/mariadb-test), so it never meets the normal suite's (3317).
#
#   scripts/test-asan.sh [ctest arguments, e.g. -L unit]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${CRE_ASAN_BUILD_DIR:-$root/build-asan}
"$root/scripts/setup.sh"

# Benchmarks are not run by ctest; leaving them out saves a third of the
# (slower, instrumented) build. -g1 keeps what a sanitizer report needs
# (function names, files and lines) without the variables' descriptions: a
# heavy file compiles in about 0.75 of the time of -g and its object is a
# third of the size, which the links of every test binary feel too.
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCRE_SANITIZE=address \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" \
  -DCRE_BENCHMARKS=OFF -DCRE_TEST_DB_PORT="${CRE_ASAN_TEST_DB_PORT:-3318}" >/dev/null
cmake --build "$build" -j"$(nproc)"

# halt_on_error: the first report fails the process (and so its test).
# Initialization-order checks are cheap and catch static-init races between
# our translation units. Leaks are reported when each process exits; only
# third-party leaks are suppressed, each with its reason, in lsan.supp.
export ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:abort_on_error=0:check_initialization_order=1:strict_init_order=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export LSAN_OPTIONS="suppressions=$root/tests/sanitizers/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
# The cluster tests (label cluster) run in the normal suite only: they drive
# the same code as the single-server tests, against three database servers
# that would share two cores with an instrumented build.
if [ $# -eq 0 ]; then set -- -LE cluster; fi
ctest --test-dir "$build" --output-on-failure -j"$(nproc)" "$@"
