#!/usr/bin/env bash
# Installs the Debian packages the hub needs, if any is missing.
# Harmless to run twice: it asks apt only for what dpkg does not have.
set -euo pipefail

packages=(
  build-essential cmake pkg-config git ca-certificates tzdata openssl
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libabsl-dev libssl-dev libmysqlcppconn-dev libspdlog-dev libjemalloc-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libargon2-dev liboath-dev  # staff sign-in (hub/staff/): argon2id password hashes, TOTP codes
  # the Python agency client and its stubs (agency-adapters/python/): Debian's
  # own gRPC tools, whose older protoc every .proto must also compile with
  python3-grpcio python3-grpc-tools python3-protobuf
  # scripts/fuzz.sh: clang, and its libFuzzer and sanitizer runtimes (only
  # recommended by clang, so not installed with --no-install-recommends)
  clang libclang-rt-14-dev
  libboost-dev  # the web console's HTTPS transport (hub/web/): Boost.Beast and Asio, header-only
  mariadb-server mariadb-client
  # scripts/galera.sh: a MariaDB Galera cluster (the cluster tests, and
  # CRE_CLUSTER=1 scripts/run-hub.sh); rsync carries a full state transfer,
  galera-4 rsync iproute2  # the rsync transfer finds its port with ss
  # the console's browser tests (tests/browser/): Debian's chromium, driven
  # by playwright-core from npm; oathtool prints the demo's sign-in codes
  chromium oathtool
  # operations (docs/operations.md): e-mail through libcurl's SMTP, a local
  # SMTP sink for its tests, and promtool to check the /metrics text
  libcurl4-openssl-dev python3-aiosmtpd prometheus
)
# Node and npm for the browser tests: Debian's, unless a Node is installed
# already (NodeSource's nodejs carries its own npm and conflicts with
# Debian's npm package).
command -v node >/dev/null 2>&1 || packages+=(nodejs)
command -v npm >/dev/null 2>&1 || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [ "$status" = "installed" ] || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages present"
  exit 0
fi

echo "setup: installing ${missing[*]}"
sudo=()
if [ "$(id -u)" -ne 0 ]; then sudo=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
# Debian's mariadb-server postinst tries to start the system service; the
# hub never uses it (it starts its own private server), so forbid that.
policy=/usr/sbin/policy-rc.d
added_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee "$policy" >/dev/null
  "${sudo[@]}" chmod 755 "$policy"
  added_policy=1
fi
trap '[ $added_policy -eq 1 ] && "${sudo[@]}" rm -f "$policy"' EXIT
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
