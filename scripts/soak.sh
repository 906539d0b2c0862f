#!/usr/bin/env bash
# Soak: the whole course 200 times in one process (SoakTests, in-process through the library), then
# in 4 processes at once (the built binary in 4 loops of 50). Every run must pass with the same
# verdicts; no descriptor, memory, temporary file or process may be left behind.
#
#   scripts/soak.sh            # CI runs this after `swift build` and `swift test`
#   SOAK_RUNS=20 scripts/soak.sh   # a shorter soak (runs in one process; the 4 loops do RUNS/4 each)
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${SOAK_RUNS:-200}"
per_process=$(( (runs + 3) / 4 ))
sockstep="${SOCKSTEP:-$PWD/.build/debug/sockstep}"
[ -x "$sockstep" ] || swift build --product sockstep >/dev/null

tmp=$(mktemp -d)
soak_tmp="$tmp/tmp"
mkdir -p "$soak_tmp"
trap 'rm -rf "$tmp"' EXIT
status=0

echo "== soak 1/2: the course $runs times in one process"
SOCKSTEP_SOAK=1 SOCKSTEP_SOAK_RUNS="$runs" swift test --filter SoakTests > "$tmp/in-process.log" 2>&1 || status=1
grep -E '^soak:|✘|↳ run |error:|passed after|failed after' "$tmp/in-process.log" || true
grep -q 'Test run with 1 test .*passed' "$tmp/in-process.log" || { echo "soak: the in-process soak did not pass"; status=1; }

echo "== soak 2/2: the course in 4 processes at once, $per_process times each"
files=$(ls lessons/*.md)
verdicts() { grep -o '"index":[0-9]*\|"verdict":"[a-z-]*"' | paste -sd' '; }
# shellcheck disable=SC2086
TMPDIR="$soak_tmp" "$sockstep" run --json $files | verdicts > "$tmp/reference"
grep -q '"verdict":"failed"\|"verdict":"unexpected-error"\|"verdict":"skipped"' "$tmp/reference" && { echo "soak: the reference run failed"; status=1; }
worker() {
    local n=$1 bad=0
    for i in $(seq "$per_process"); do
        # shellcheck disable=SC2086
        if ! TMPDIR="$soak_tmp" "$sockstep" run --json $files | verdicts > "$tmp/run-$n"; then bad=$((bad + 1)); continue; fi
        cmp -s "$tmp/run-$n" "$tmp/reference" || { bad=$((bad + 1)); cp "$tmp/run-$n" "$tmp/differs-$n-$i"; }
    done
    echo "$bad" > "$tmp/bad-$n"
}
start=$(date +%s%N)
for n in 1 2 3 4; do worker "$n" & done
wait
end=$(date +%s%N)
bad=$(cat "$tmp"/bad-* | awk '{ s += $1 } END { print s }')
left=$(ls -A "$soak_tmp" | wc -l)
children=$(pgrep -fc -- "$sockstep run" || true)
printf 'soak: %d runs in 4 processes in %.1f s: %d failed or gave other verdicts; %d temporary entries left; %d sockstep processes left\n' \
    "$((per_process * 4))" "$(awk "BEGIN { print ($end - $start) / 1e9 }")" "$bad" "$left" "$children"
[ "$bad" = 0 ] || { status=1; ls "$tmp"/differs-* 2>/dev/null | head -3 | while read -r f; do diff <(tr ' ' '\n' < "$tmp/reference") <(tr ' ' '\n' < "$f") | head -5; done; }
[ "$left" = 0 ] || { status=1; ls -A "$soak_tmp" | head; }
[ "$children" = 0 ] || status=1
[ "$status" = 0 ] && echo "soak: passed" || echo "soak: FAILED"
exit $status
