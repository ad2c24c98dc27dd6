#!/usr/bin/env bash
# The whole test suite: installs what it needs, type-checks, lints, builds, then runs every test twice,
# on SQLite and on PostgreSQL. `npm test` and .ci/run call this.
set -uo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*"; }

step "dependencies"
if [ ! -d node_modules ] || ! npm ls --depth=0 >/dev/null 2>&1; then npm ci --no-audit --no-fund || exit 1; fi
for script in scripts/deps/*.sh; do
  echo "-- $script"
  bash "$script" >/dev/null || { echo "dependency script $script failed"; exit 1; }
done
export GUARDPOST_TEST_PG_URL="${GUARDPOST_TEST_PG_URL:-postgres://guardpost:guardpost@127.0.0.1:5432/postgres}"

step "type-check and lint"
npx tsc --noEmit -p tsconfig.json || exit 1
npx eslint src test bench || exit 1

step "build"
rm -rf dist
npx tsc -p tsconfig.build.json || exit 1

mapfile -t files < <(find dist/test -name '*.test.js' | sort)
if [ "${#files[@]}" -eq 0 ]; then echo "no test files found"; exit 1; fi

# The databases' passes are independent (every test makes its own database, temp dirs, ports and namespaces
# named with its pid), so they run at the same time; each pass's log is printed whole when it ends.
logdir=$(mktemp -d)
for db in ${GUARDPOST_TEST_DBS:-sqlite postgres}; do
  ( GUARDPOST_TEST_DB=$db node --test --test-reporter=spec --test-timeout=300000 "${files[@]}" > "$logdir/$db.log" 2>&1
    echo $? > "$logdir/$db.code" ) &
done
# A line a minute while both run, so a quiet CI log still shows progress.
while [ "$(jobs -rp | wc -l)" -gt 0 ]; do
  for _ in $(seq 60); do [ "$(jobs -rp | wc -l)" -gt 0 ] && sleep 1; done
  line=""
  for db in ${GUARDPOST_TEST_DBS:-sqlite postgres}; do
    passed=$(grep -c '✔' "$logdir/$db.log" 2>/dev/null); failing=$(grep -c '✖' "$logdir/$db.log" 2>/dev/null)
    line="$line $db: ${passed:-0} passed, ${failing:-0} failing;"
  done
  [ "$(jobs -rp | wc -l)" -gt 0 ] && echo "… running:$line"
done
wait

total_pass=0; total_fail=0; total_skip=0; status=0
for db in ${GUARDPOST_TEST_DBS:-sqlite postgres}; do
  step "tests on $db (${#files[@]} files)"
  log="$logdir/$db.log"
  cat "$log"
  code=$(cat "$logdir/$db.code" 2>/dev/null || echo 1)
  pass=$(grep -E '^ℹ pass [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+'); fail=$(grep -E '^ℹ fail [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+')
  skip=$(grep -E '^ℹ skipped [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+')
  total_pass=$((total_pass + ${pass:-0})); total_fail=$((total_fail + ${fail:-0})); total_skip=$((total_skip + ${skip:-0}))
  if [ "$code" -ne 0 ] || [ -z "$pass" ]; then status=1; [ -z "$fail" ] || [ "$fail" -gt 0 ] || total_fail=$((total_fail + 1)); fi
done
rm -rf "$logdir"

echo
echo "${total_pass} passed, ${total_fail} failed, ${total_skip} skipped"
exit $status
