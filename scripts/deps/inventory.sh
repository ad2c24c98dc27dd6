#!/usr/bin/env bash
# Installs what the inventory extractor tests (test/engines/inventory) need:
#   rpm   rpm + rpmbuild: the tests build tiny packages and a real rpmdb.sqlite to cross-check the rpm extractor
#   db5.3-util  db5.3_load: the tests write a BerkeleyDB rpm `Packages` with libdb itself
#   tar   unpacks the alpine image layer for the apk extractor test (normally present)
# Idempotent: does nothing when every tool is already present.
set -euo pipefail
source "$(dirname "$0")/../lib/apt-install.sh"

declare -A probe=([rpm]=rpmbuild [db5.3-util]=db5.3_load [tar]=tar)
missing=()
for pkg in rpm db5.3-util tar; do
  command -v "${probe[$pkg]}" >/dev/null 2>&1 || missing+=("$pkg")
done
apt_install_missing inventory "${missing[@]}"

for pkg in "${missing[@]}"; do
  if ! command -v "${probe[$pkg]}" >/dev/null 2>&1; then
    echo "inventory deps: ${pkg} installed but ${probe[$pkg]} still not found" >&2
    exit 1
  fi
done
