#!/usr/bin/env bash
# Installs what the packet-capture engine (src/engines/capture) and its tests need:
#   dumpcap (wireshark-common)  preferred capture tool
#   tcpdump                      fallback capture tool; also used by tests to compile/read filters
#   iproute2                     `ip netns` / veth for the e2e tests
#   iputils-ping                 ICMP / ICMPv6 traffic for the e2e tests
# Idempotent: does nothing when every tool is already present; runs `apt-get update` at most once,
# and only when something is missing. Must run as root (or via sudo) on Debian/Ubuntu.
set -euo pipefail

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
  if ! have "${probe[$pkg]}"; then
    missing+=("$pkg")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "capture deps: all present"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "capture deps: missing ${missing[*]} and apt-get is not available; install them by hand" >&2
  exit 1
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "capture deps: need root to install ${missing[*]}" >&2
    exit 1
  fi
fi

echo "capture deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# wireshark-common asks whether non-root users may capture; answer "no" without a prompt.
echo "wireshark-common wireshark-common/install-setuid boolean false" | $SUDO debconf-set-selections 2>/dev/null || true
$SUDO apt-get update -qq
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"

for pkg in "${missing[@]}"; do
  if ! have "${probe[$pkg]}"; then
    echo "capture deps: ${pkg} installed but ${probe[$pkg]} still not found" >&2
    exit 1
  fi
done
echo "capture deps: done"
