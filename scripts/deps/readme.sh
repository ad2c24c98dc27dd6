#!/usr/bin/env bash
# Installs what the README's curl recipe (and its test, test/e2e/readme-examples.test.ts) uses: curl and jq.
# Idempotent: does nothing when both are present.
set -euo pipefail
missing=()
command -v curl >/dev/null 2>&1 || missing+=(curl)
command -v jq >/dev/null 2>&1 || missing+=(jq)
[ "${#missing[@]}" -eq 0 ] && { echo "readme deps: all present"; exit 0; }
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "readme deps: installed ${missing[*]}"
