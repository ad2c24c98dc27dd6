#!/usr/bin/env bash
# Installs what the inventory extractor tests (test/engines/inventory) need:
#   rpm   rpm + rpmbuild: the tests build tiny packages and a real rpmdb.sqlite to cross-check the rpm extractor
#   db5.3-util  db5.3_load: the tests write a BerkeleyDB rpm `Packages` with libdb itself
#   tar   unpacks the alpine image layer for the apk extractor test (normally present)
# Idempotent: does nothing when every tool is already present; runs `apt-get update` at most once,
# and only when something is missing. Must run as root (or via sudo) on Debian/Ubuntu.
set -euo pipefail

declare -A probe=([rpm]=rpmbuild [db5.3-util]=db5.3_load [tar]=tar)

missing=()
for pkg in rpm db5.3-util tar; do
  command -v "${probe[$pkg]}" >/dev/null 2>&1 || missing+=("$pkg")
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "inventory deps: all present"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "inventory deps: missing ${missing[*]} and apt-get is not available; install them by hand" >&2
  exit 1
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "inventory deps: need root to install ${missing[*]}" >&2
    exit 1
  fi
fi

echo "inventory deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
if ! $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"; then
  $SUDO apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

for pkg in "${missing[@]}"; do
  if ! command -v "${probe[$pkg]}" >/dev/null 2>&1; then
    echo "inventory deps: ${pkg} installed but ${probe[$pkg]} still not found" >&2
    exit 1
  fi
done
