#!/usr/bin/env bash
# Development key file for field encryption at rest (docs/encryption.md).
#
#   scripts/make-dev-keys.sh [--out FILE] [--force]   make a key file with one active key
#   scripts/make-dev-keys.sh [--out FILE] --rotate    add a key and make it the active one
#
# FILE defaults to var/keys/field-keys.txt (var/ is git-ignored). The file is
# mode 600; a directory this script creates is mode 700. Without --force an
# existing file is kept, so running it twice changes nothing. --force
# replaces the file: values sealed under its old keys become unreadable.
# --rotate keeps every old key, so old values still decrypt; remove a key only
# after every value under it has been re-encrypted.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out="$root/var/keys/field-keys.txt"
force=0
rotate=0
while [ $# -gt 0 ]; do
  case "$1" in
    --out) [ $# -ge 2 ] || { echo "make-dev-keys.sh: --out needs a file" >&2; exit 2; }
           out=$2; shift 2 ;;
    --force) force=1; shift ;;
    --rotate) rotate=1; shift ;;
    *) echo "make-dev-keys.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
if [ $force -eq 1 ] && [ $rotate -eq 1 ]; then
  echo "make-dev-keys.sh: --force and --rotate do not go together" >&2
  exit 2
fi
command -v openssl >/dev/null || { echo "make-dev-keys.sh: openssl not found" >&2; exit 1; }

dir=$(dirname "$out")
# Only the key's own folder is private: its parents (build/var, say) are
# made as any folder is, so that other services' folders under them (the
# test cluster's nodes run as mysql) stay reachable.
[ -d "$(dirname "$dir")" ] || mkdir -p "$(dirname "$dir")"
umask 077
[ -d "$dir" ] || mkdir -m 700 "$dir"

# A new key id: the date, for the operator, and random hex, so that two keys
# made the same day (or on two machines) never share an id.
new_key_id() {
  echo "k$(date -u +%Y%m%d)-$(openssl rand -hex 3)"
}

# Writes stdin to the key file atomically: a reader (a hub reloading its keys)
# sees the old file or the new one, never half of one.
replace_key_file() {
  local tmp
  tmp=$(mktemp "$dir/.field-keys.XXXXXX")
  cat >"$tmp"
  chmod 600 "$tmp"
  mv -f "$tmp" "$out"
}

# A key line; the hex goes through printf, a builtin, so it never appears in
# a process's argument list.
key_line() {  # $1: key id
  local hex
  hex=$(openssl rand -hex 32)
  printf 'key %s %s\n' "$1" "$hex"
}

make_new_file() {
  local id
  id=$(new_key_id)
  {
    echo "# Field encryption keys (docs/encryption.md). Never commit this file."
    echo "# key <key_id> <64 hex digits>: a 32-byte AES-256 key; active <key_id>: the one new values use."
    echo "# Made by scripts/make-dev-keys.sh on $(date -u +%Y-%m-%dT%H:%M:%SZ)."
    key_line "$id"
    echo "active $id"
  } | replace_key_file
  echo "make-dev-keys.sh: wrote $out (active key $id)"
}

rotate_file() {
  local id
  id=$(new_key_id)
  {
    grep -Ev '^[[:space:]]*active([[:space:]]|$)' "$out" || true
    echo "# Added by scripts/make-dev-keys.sh --rotate on $(date -u +%Y-%m-%dT%H:%M:%SZ)."
    key_line "$id"
    echo "active $id"
  } | replace_key_file
  echo "make-dev-keys.sh: added key $id to $out and made it active"
}

if [ $rotate -eq 1 ]; then
  [ -f "$out" ] || { echo "make-dev-keys.sh: no key file at $out to rotate; run without --rotate first" >&2; exit 1; }
  rotate_file
elif [ -e "$out" ] && [ $force -eq 0 ]; then
  echo "make-dev-keys.sh: keeping existing $out (--force replaces it)"
else
  [ $force -eq 1 ] && [ -e "$out" ] &&
    echo "make-dev-keys.sh: --force: replacing $out; values under its old keys become unreadable" >&2
  make_new_file
fi
