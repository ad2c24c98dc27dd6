#!/usr/bin/env bash
# Installs what the S3 blob-store tests need: a real S3-compatible server, Ceph's radosgw, run by
# test/helpers/radosgw.ts as a one-monitor, one-memstore-OSD mini cluster on loopback.
#   radosgw    the S3 gateway (and radosgw-admin, which creates the test user)
#   ceph-mon   the monitor (and monmaptool)
#   ceph-osd   the object store daemon (memstore: no disk needed)
# ceph-common (the `ceph` CLI) comes with them. Idempotent: does nothing when every tool is already present.
set -euo pipefail
source "$(dirname "$0")/../lib/apt-install.sh"

declare -A probe=([radosgw]=radosgw-admin [ceph-mon]=monmaptool [ceph-osd]=ceph-osd)
missing=()
for pkg in radosgw ceph-mon ceph-osd; do
  command -v "${probe[$pkg]}" >/dev/null 2>&1 || missing+=("$pkg")
done
apt_install_missing s3 "${missing[@]}"

for pkg in "${missing[@]}"; do
  if ! command -v "${probe[$pkg]}" >/dev/null 2>&1; then
    echo "s3 deps: ${pkg} installed but ${probe[$pkg]} still not found" >&2
    exit 1
  fi
done
