#!/usr/bin/env bash
# Installs what the README's curl recipe (and its test, test/e2e/readme-examples.test.ts) uses: curl and jq.
# Idempotent: does nothing when both are present.
set -euo pipefail
source "$(dirname "$0")/../lib/apt-install.sh"
missing=()
command -v curl >/dev/null 2>&1 || missing+=(curl)
command -v jq >/dev/null 2>&1 || missing+=(jq)
apt_install_missing readme "${missing[@]}"
