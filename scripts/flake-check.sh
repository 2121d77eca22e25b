#!/usr/bin/env bash
# Runs the whole suite N times in a row (default 3) while a CPU burner keeps every core busy, and reports pass or
# fail per run (issue #17: "the whole suite passes three times in a row while another process keeps both cores
# busy"). Each run's output is kept in test-output/flake-check/run-<i>.log.
#
#   bash scripts/flake-check.sh [N] [-- extra vitest arguments]
#
# Exits 0 only when every run passed. The burner is one busy-looping node process per core, stopped on exit.
set -u
cd "$(dirname "$0")/.."
runs="${1:-3}"
shift $(( $# > 0 ? 1 : 0 ))
[ "${1:-}" = "--" ] && shift
cores="$(node -e 'console.log(require("node:os").availableParallelism())')"
out=test-output/flake-check
mkdir -p "$out"

burners=()
stop_burners() {
  for pid in "${burners[@]}"; do kill "$pid" 2>/dev/null; done
  wait 2>/dev/null
}
trap stop_burners EXIT INT TERM
for _ in $(seq 1 "$cores"); do
  node -e 'for (;;) Math.sqrt(Math.random())' &
  burners+=("$!")
done
echo "flake-check: ${runs} runs of the whole suite, ${cores} CPU burners running (pids ${burners[*]})"

failed=0
for i in $(seq 1 "$runs"); do
  start=$(date +%s)
  if npx vitest run "$@" >"$out/run-$i.log" 2>&1; then
    result=PASS
  else
    result=FAIL
    failed=$((failed + 1))
  fi
  summary="$(grep -E '^\s*(Test Files|Tests)\s' "$out/run-$i.log" | sed 's/\x1b\[[0-9;]*m//g' | tr -s ' ' | paste -sd ';' -)"
  echo "run $i/${runs}: ${result} in $(( $(date +%s) - start )) s — ${summary} (log: $out/run-$i.log)"
  if [ "$result" = FAIL ]; then
    sed 's/\x1b\[[0-9;]*m//g' "$out/run-$i.log" | grep -E '^\s*(FAIL|×)' | head -20 | sed 's/^/    /'
  fi
done
echo "flake-check: $((runs - failed))/${runs} runs passed"
[ "$failed" -eq 0 ]
