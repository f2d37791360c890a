#!/usr/bin/env bash
# A short -fuzz run of every fuzz target in the module. Plain `go test`
# already runs each target's seed corpus (testdata/fuzz/<target>); this
# mutates from there. Go fuzzes one target per invocation, so the script
# finds the targets and runs them one after another, FUZZ_TIME each
# (default 6s: 18 targets fit in about three minutes with the builds).
# A failure leaves the failing input in testdata/fuzz/<target>/ and fails.
set -euo pipefail
cd "$(dirname "$0")/.."

per="${FUZZ_TIME:-6s}"
start=$(date +%s)
failed=()
n=0
while IFS=: read -r file name; do
  dir="./$(dirname "$file")"
  n=$((n + 1))
  t0=$(date +%s)
  if go test -run '^$' -fuzz "^${name}\$" -fuzztime "$per" "$dir" >"/tmp/fuzz-$$.log" 2>&1; then
    echo "ok   $name ($dir) $(( $(date +%s) - t0 ))s, $(grep -o 'execs: [0-9]*' "/tmp/fuzz-$$.log" | tail -1)"
  else
    echo "FAIL $name ($dir)"; cat "/tmp/fuzz-$$.log"
    failed+=("$name")
  fi
done < <(git ls-files '*_test.go' | xargs grep -Ho '^func Fuzz[A-Za-z0-9_]*' | sed 's/:func /:/' | sort)
rm -f "/tmp/fuzz-$$.log"
echo "fuzzed $n targets in $(( $(date +%s) - start ))s"
if [ ${#failed[@]} -gt 0 ]; then
  echo "failing targets: ${failed[*]}"; exit 1
fi
