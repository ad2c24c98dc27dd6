#!/usr/bin/env bash
# Installs what the registry client tests (test/engines/registry, test/families/image/registries) need:
#   docker-registry  the Docker Registry HTTP API v2 reference server (distribution); the tests start their
#                    own instance on a loopback port with a generated config, never the system service
#   apache2-utils    htpasswd: writes the bcrypt htpasswd file of the registry's basic auth
# Idempotent: does nothing when every tool is already present.
set -euo pipefail
source "$(dirname "$0")/../lib/apt-install.sh"

have() {
  command -v "$1" >/dev/null 2>&1 || [ -x "/usr/bin/$1" ] || [ -x "/usr/sbin/$1" ]
}

declare -A probe=([docker-registry]=docker-registry [apache2-utils]=htpasswd)
missing=()
for pkg in docker-registry apache2-utils; do
  have "${probe[$pkg]}" || missing+=("$pkg")
done

# Debian starts the docker-registry service when it is installed. A policy-rc.d that answers 101
# ("action forbidden") stops that for the duration of the install; an existing one is left alone.
policy=/usr/sbin/policy-rc.d
added_policy=0
if [ "${#missing[@]}" -gt 0 ] && [ ! -e "$policy" ] && [ "$(id -u)" -eq 0 ]; then
  printf '#!/bin/sh\n# temporary, from guardpost scripts/deps/registry.sh\nexit 101\n' >"$policy"
  chmod 755 "$policy"
  added_policy=1
fi
cleanup() { if [ "$added_policy" -eq 1 ]; then rm -f "$policy"; fi; }
trap cleanup EXIT

apt_install_missing registry "${missing[@]}"

for pkg in "${missing[@]}"; do
  if ! have "${probe[$pkg]}"; then
    echo "registry deps: ${pkg} installed but ${probe[$pkg]} still not found" >&2
    exit 1
  fi
done
