#!/usr/bin/env bash
# Development PKI for the hub, made with the OpenSSL command line.
#
#   certs/make-dev-certs.sh [--out DIR] [--registry FILE] [--force]
#
# Writes into DIR (default certs/dev, git-ignored):
#   ca.crt ca.key                 the development CA that signs everything below
#   hub.crt hub.key               the hub's server certificate (localhost, 127.0.0.1, ::1)
#   agencies/<id>.crt .key        one client certificate per agency of the registry,
#                                 identity in the URI SAN urn:cre:agency:<id>
#   test/expired.crt .key         a registered identity, expired in 2020
#   test/foreign-ca.crt .key      another CA nobody trusts
#   test/foreign.crt .key         a registered identity signed by that other CA
#   test/unknown.crt .key         signed by the dev CA, identity not in the registry
#   test/cn-only.crt .key         a registered id in the CN only, no URI SAN
#   test/revoked.crt .key         a registered identity (derby-health if registered),
#                                 revoked by the dev CA
#   test/crl/<hash>.r0            the dev CA's CRL listing it, named by its OpenSSL
#                                 hash as a CRL directory (tls.crl_directory) needs
#   test/ca-true.crt .key         a registered identity in a CA certificate (CA:TRUE)
#   test/no-client-auth.crt .key  a registered identity, extended key usage
#                                 serverAuth only
#   test/no-eku.crt .key          a registered identity, no extended key usage
#   test/extra-uri.crt .key       a registered identity plus a second, non-agency
#                                 URI SAN (spiffe://example.org/x)
#   test/long-uri.crt .key        an agency URI SAN of 20,000 characters, for the
#                                 limits on what the hub echoes and logs
#   test/ext.cnf                  the extensions of these last five
# Existing files are kept (run it twice, nothing changes) unless --force.
# Private keys are created mode 600 and must never be committed.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out="$root/certs/dev"
registry="$root/config/agencies.textproto"
force=0
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out=$2; shift 2 ;;
    --registry) registry=$2; shift 2 ;;
    --force) force=1; shift ;;
    *) echo "make-dev-certs.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
[ -f "$registry" ] || { echo "make-dev-certs.sh: no registry at $registry" >&2; exit 1; }
# Absolute, because the script works inside $out and ca.cnf names its paths.
registry=$(cd "$(dirname "$registry")" && pwd)/$(basename "$registry")
if [ $force -eq 1 ] && [ -d "$out" ]; then
  # Only a folder this script made (or an empty one) is removed.
  if [ -f "$out/ca.cnf" ] || [ -z "$(ls -A "$out")" ]; then
    rm -rf "$out"
  else
    echo "make-dev-certs.sh: $out was not made by this script; not removing it" >&2
    exit 1
  fi
fi
mkdir -p "$out/agencies" "$out/test" "$out/ca-db/newcerts"
out=$(cd "$out" && pwd)
cd "$out"
umask 077

# The agency ids of the registry: one `agencies { id: "..." ... }` entry a
# line, as config/agencies.textproto writes them (comments are skipped).
mapfile -t agency_ids < <(grep -E '^[[:space:]]*agencies[[:space:]]*\{' "$registry" |
  sed -n 's/^[^{]*{[[:space:]]*id:[[:space:]]*"\([a-z0-9-]*\)".*/\1/p')
[ ${#agency_ids[@]} -gt 0 ] || { echo "make-dev-certs.sh: no agency ids in $registry" >&2; exit 1; }
first_id=${agency_ids[0]}
agency_uri_prefix=urn:cre:agency:

write_ca_config() {  # $1: directory of the CA's files (ca.crt, ca.key, ca-db)
  cat >"$1/ca.cnf" <<CNF
[ ca ]
default_ca = dev_ca
[ dev_ca ]
dir = $1/ca-db
database = \$dir/index.txt
new_certs_dir = \$dir/newcerts
serial = \$dir/serial
certificate = $1/ca.crt
private_key = $1/ca.key
default_md = sha256
default_days = 825
policy = policy_any
unique_subject = no
copy_extensions = none
[ policy_any ]
commonName = supplied
organizationName = optional
[ server_ext ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = \${ENV::SAN}
[ client_ext ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
subjectAltName = \${ENV::SAN}
[ client_ext_no_san ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
CNF
}

make_ca() {  # $1: dir, $2: subject
  [ -f "$1/ca.crt" ] && return 0
  mkdir -p "$1/ca-db/newcerts"
  : >"$1/ca-db/index.txt"
  openssl rand -hex 16 >"$1/ca-db/serial"
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1/ca.key" 2>/dev/null
  openssl req -x509 -new -key "$1/ca.key" -sha256 -days 3650 -subj "$2" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" -out "$1/ca.crt"
  write_ca_config "$1"
  echo "made $1/ca.crt"
}

# sign CA_DIR NAME SUBJECT EXTENSIONS SAN [extra openssl ca options...]
sign() {
  local ca=$1 name=$2 subject=$3 ext=$4 san=$5
  shift 5
  [ -f "$name.crt" ] && return 0
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$name.key" 2>/dev/null
  openssl req -new -key "$name.key" -subj "$subject" -out "$name.csr"
  SAN=$san openssl ca -batch -config "$ca/ca.cnf" -extensions "$ext" -notext \
    -in "$name.csr" -out "$name.crt" "$@" 2>"$name.log" || { cat "$name.log" >&2; exit 1; }
  rm -f "$name.csr" "$name.log"
  chmod 644 "$name.crt"
  echo "made $name.crt"
}

make_ca "$out" "/O=CRE Hub Development/CN=CRE Hub Development CA"
chmod 644 ca.crt

sign "$out" hub "/O=CRE Hub Development/CN=localhost" server_ext \
  "DNS:localhost,IP:127.0.0.1,IP:::1"

for id in "${agency_ids[@]}"; do
  sign "$out" "agencies/$id" "/O=CRE Hub Development/CN=$id" client_ext "URI:urn:cre:agency:$id"
done

# Certificates that the hub must refuse, for the security tests.
sign "$out" test/expired "/O=CRE Hub Development/CN=$first_id" client_ext \
  "URI:urn:cre:agency:$first_id" -startdate 20200101000000Z -enddate 20200201000000Z
sign "$out" test/unknown "/O=CRE Hub Development/CN=not-registered" client_ext \
  "URI:urn:cre:agency:not-registered"
sign "$out" test/cn-only "/O=CRE Hub Development/CN=urn:cre:agency:$first_id" client_ext_no_san ""
make_ca "$out/test/foreign-ca" "/O=Somebody Else/CN=Foreign CA"
sign "$out/test/foreign-ca" test/foreign "/O=Somebody Else/CN=$first_id" client_ext \
  "URI:urn:cre:agency:$first_id"

# Certificates of the dev CA that a careful CA would never issue to a client,
# which the hub refuses all the same (README, "Who may call"), and one whose
# URI is too long to echo. Their extensions are in a file of their own
# (`openssl ca -extfile` then reads only that file's), so that ca.cnf, which
# an older run of this script may have written, keeps only the profiles a
# real client or server gets. `client` is client_ext again.
cat >test/ext.cnf <<'CNF'
[ ca_true ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, digitalSignature, keyCertSign
extendedKeyUsage = clientAuth
subjectAltName = ${ENV::SAN}
[ no_client_auth ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = ${ENV::SAN}
[ no_eku ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
subjectAltName = ${ENV::SAN}
[ client ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
subjectAltName = ${ENV::SAN}
CNF
chmod 644 test/ext.cnf
sign "$out" test/ca-true "/O=CRE Hub Development/CN=$first_id" ca_true \
  "URI:urn:cre:agency:$first_id" -extfile test/ext.cnf
sign "$out" test/no-client-auth "/O=CRE Hub Development/CN=$first_id" no_client_auth \
  "URI:urn:cre:agency:$first_id" -extfile test/ext.cnf
sign "$out" test/no-eku "/O=CRE Hub Development/CN=$first_id" no_eku \
  "URI:urn:cre:agency:$first_id" -extfile test/ext.cnf
sign "$out" test/extra-uri "/O=CRE Hub Development/CN=$first_id" client \
  "URI:urn:cre:agency:$first_id,URI:spiffe://example.org/x" -extfile test/ext.cnf
long_id=$(printf '%*s' $((20000 - ${#agency_uri_prefix})) '' | tr ' ' x)
sign "$out" test/long-uri "/O=CRE Hub Development/CN=long-uri" client \
  "URI:$agency_uri_prefix$long_id" -extfile test/ext.cnf

# A revoked certificate and the CA's CRL, for the revocation test. The CRL is
# made only when the revocation is new or the CRL is missing, so that a second
# run changes nothing. (SAN= because ca.cnf reads it from the environment.)
revoked_id=$first_id
for id in "${agency_ids[@]}"; do [ "$id" = derby-health ] && revoked_id=$id; done
sign "$out" test/revoked "/O=CRE Hub Development/CN=$revoked_id" client_ext \
  "URI:urn:cre:agency:$revoked_id"
revoked_serial=$(openssl x509 -in test/revoked.crt -noout -serial | sed 's/^serial=//')
new_revocation=0
if ! awk -F'\t' -v s="$revoked_serial" '$1 == "R" && toupper($4) == toupper(s) { found = 1 }
                                       END { exit !found }' ca-db/index.txt; then
  SAN= openssl ca -config ca.cnf -revoke test/revoked.crt -crl_reason keyCompromise 2>test/revoke.log ||
    { cat test/revoke.log >&2; exit 1; }
  rm -f test/revoke.log
  new_revocation=1
  echo "revoked test/revoked.crt (serial $revoked_serial)"
fi
if [ $new_revocation -eq 1 ] || ! ls test/crl/*.r0 >/dev/null 2>&1; then
  mkdir -p test/crl
  SAN= openssl ca -config ca.cnf -gencrl -crldays 3650 -out test/crl.pem.new 2>test/crl.log ||
    { cat test/crl.log >&2; exit 1; }
  rm -f test/crl.log test/crl/*.r0
  crl_hash=$(openssl crl -in test/crl.pem.new -hash -noout)
  chmod 644 test/crl.pem.new
  mv test/crl.pem.new "test/crl/$crl_hash.r0"
  chmod 755 test/crl
  echo "made test/crl/$crl_hash.r0"
fi

echo "certificates in $out (CA, hub, ${#agency_ids[@]} agencies, 10 test certificates, 1 CRL)"
