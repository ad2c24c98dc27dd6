#!/usr/bin/env bash
# Installs the real version oracles the comparator property tests (test/engines/versions) check against:
#   dpkg               `dpkg --compare-versions`
#   rpm                `rpm --eval '%{lua: print(rpm.vercmp(a, b))}'`
#   python3-packaging  `packaging.version.Version` (PEP 440)
# Idempotent: does nothing when every oracle is already present; runs `apt-get update` at most once,
# and only when something is missing. Must run as root (or via sudo) on Debian/Ubuntu.
set -euo pipefail

have_dpkg() { command -v dpkg >/dev/null 2>&1; }
have_rpm() { command -v rpm >/dev/null 2>&1; }
have_python3_packaging() { command -v python3 >/dev/null 2>&1 && python3 -c 'import packaging.version' >/dev/null 2>&1; }

missing=()
have_dpkg || missing+=(dpkg)
have_rpm || missing+=(rpm)
have_python3_packaging || missing+=(python3-packaging)

if [ "${#missing[@]}" -eq 0 ]; then
  echo "versions deps: all present"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "versions deps: missing ${missing[*]} and apt-get is not available; install them by hand" >&2
  exit 1
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "versions deps: need root to install ${missing[*]}" >&2
    exit 1
  fi
fi

echo "versions deps: installing ${missing[*]}"
$SUDO apt-get update -qq
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"

have_dpkg || { echo "versions deps: dpkg installed but not found" >&2; exit 1; }
have_rpm || { echo "versions deps: rpm installed but not found" >&2; exit 1; }
have_python3_packaging || { echo "versions deps: python3-packaging installed but not importable" >&2; exit 1; }
