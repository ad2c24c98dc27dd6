#!/usr/bin/env bash
# Installs what the antivirus engine (src/engines/antivirus) and its tests need:
#   clamav-daemon  clamd: the agent starts its own private instance (generated config, private socket)
#   clamav         clamscan: validates signature files before clamd loads them; sigtool
#   clamdscan      clamdscan: the antivirus benchmark compares against it
# Idempotent: does nothing when every tool is already present. It never starts the system clamd or
# freshclam services and never runs freshclam: Guardpost starts its own clamd, and the official
# database in /var/lib/clamav is whatever the host's own freshclam keeps there (none on a fresh machine).
set -euo pipefail
source "$(dirname "$0")/../lib/apt-install.sh"

declare -A probe=([clamav-daemon]=clamd [clamav]=clamscan [clamdscan]=clamdscan)

have() {
  command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || [ -x "/usr/bin/$1" ]
}

missing=()
for pkg in clamav-daemon clamav clamdscan; do
  have "${probe[$pkg]}" || missing+=("$pkg")
done

# Debian starts clamav-daemon and clamav-freshclam when they are installed. A policy-rc.d that answers
# 101 ("action forbidden") stops that for the duration of the install; an existing one is left alone.
policy=/usr/sbin/policy-rc.d
added_policy=0
if [ "${#missing[@]}" -gt 0 ] && [ ! -e "$policy" ] && [ "$(id -u)" -eq 0 ]; then
  printf '#!/bin/sh\n# temporary, from guardpost scripts/deps/clamav.sh\nexit 101\n' >"$policy"
  chmod 755 "$policy"
  added_policy=1
fi
cleanup() { if [ "$added_policy" -eq 1 ]; then rm -f "$policy"; fi; }
trap cleanup EXIT

apt_install_missing clamav "${missing[@]}"

for pkg in "${missing[@]}"; do
  if ! have "${probe[$pkg]}"; then
    echo "clamav deps: ${pkg} installed but ${probe[$pkg]} still not found" >&2
    exit 1
  fi
done
