#!/usr/bin/env bash
# Installs what the image reader tests (test/engines/image) need:
#   zstd   compresses the zstd layer of a test image (the reader itself decompresses with the fzstd npm package)
# Idempotent: does nothing when every tool is already present.
set -euo pipefail
source "$(dirname "$0")/../lib/apt-install.sh"

declare -A probe=([zstd]=zstd)
missing=()
for pkg in zstd; do
  command -v "${probe[$pkg]}" >/dev/null 2>&1 || missing+=("$pkg")
done
apt_install_missing image "${missing[@]}"

for pkg in "${missing[@]}"; do
  if ! command -v "${probe[$pkg]}" >/dev/null 2>&1; then
    echo "image deps: ${pkg} installed but ${probe[$pkg]} still not found" >&2
    exit 1
  fi
done
