#!/usr/bin/env bash
# Installs the real version oracles the comparator property tests (test/engines/versions) check against:
#   dpkg               `dpkg --compare-versions`
#   rpm                `rpm --eval '%{lua: print(rpm.vercmp(a, b))}'`
#   python3-packaging  `packaging.version.Version` (PEP 440)
# Idempotent: does nothing when every oracle is already present.
set -euo pipefail
source "$(dirname "$0")/../lib/apt-install.sh"

have_dpkg() { command -v dpkg >/dev/null 2>&1; }
have_rpm() { command -v rpm >/dev/null 2>&1; }
have_python3_packaging() { command -v python3 >/dev/null 2>&1 && python3 -c 'import packaging.version' >/dev/null 2>&1; }

missing=()
have_dpkg || missing+=(dpkg)
have_rpm || missing+=(rpm)
have_python3_packaging || missing+=(python3-packaging)
apt_install_missing versions "${missing[@]}"

have_dpkg || { echo "versions deps: dpkg installed but not found" >&2; exit 1; }
have_rpm || { echo "versions deps: rpm installed but not found" >&2; exit 1; }
have_python3_packaging || { echo "versions deps: python3-packaging installed but not importable" >&2; exit 1; }
