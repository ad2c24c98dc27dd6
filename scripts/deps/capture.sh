#!/usr/bin/env bash
# Installs what the packet-capture engine (src/engines/capture) and its tests need:
#   dumpcap (wireshark-common)  preferred capture tool
#   tcpdump                      fallback capture tool; also used by tests to compile/read filters
#   iproute2                     `ip netns` / veth for the e2e tests
#   iputils-ping                 ICMP / ICMPv6 traffic for the e2e tests
# Idempotent: does nothing when every tool is already present.
set -euo pipefail
source "$(dirname "$0")/../lib/apt-install.sh"

# package -> command that proves it is installed
declare -A probe=(
  [tcpdump]=tcpdump
  [wireshark-common]=dumpcap
  [iproute2]=ip
  [iputils-ping]=ping
)

have() {
  command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || [ -x "/usr/bin/$1" ] || [ -x "/sbin/$1" ]
}

missing=()
for pkg in tcpdump wireshark-common iproute2 iputils-ping; do
  have "${probe[$pkg]}" || missing+=("$pkg")
done

# wireshark-common asks whether non-root users may capture; answer "no" without a prompt.
if [ "${#missing[@]}" -gt 0 ]; then
  echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections 2>/dev/null || true
fi
apt_install_missing capture "${missing[@]}"

for pkg in "${missing[@]}"; do
  if ! have "${probe[$pkg]}"; then
    echo "capture deps: ${pkg} installed but ${probe[$pkg]} still not found" >&2
    exit 1
  fi
done
