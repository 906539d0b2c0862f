#!/usr/bin/env bash
# Fuzzes the parser and the checker with libFuzzer (the toolchain's `-sanitize=fuzzer,address`).
#
#   Fuzz/run.sh [SECONDS]      build, then fuzz for SECONDS (default 600); 0 only builds and replays
#
# The corpus grows in Fuzz/corpus/ (not committed), seeded from lessons/, scenarios/, Fuzz/seeds/ and
# Fuzz/regressions/. Every input that crashed, hung or ran out of memory is copied into
# Fuzz/regressions/, which Tests/ScenarioFormatTests/FuzzRegressionTests.swift parses on every `swift test`.
# Exit status: 0 clean, 1 the fuzzer found a problem (see Fuzz/regressions/), 2 the build failed.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-600}"
build=.build/fuzz
mkdir -p "$build" Fuzz/corpus Fuzz/artifacts Fuzz/regressions

flags=(-parse-as-library -O -g -sanitize=fuzzer,address -swift-version 6 -wmo -num-threads 0)
# Sockets and ScenarioFormat are compiled as the same two modules SwiftPM builds, instrumented.
# Extern: as in Package.swift, for the glibc functions declared with @_extern(c) (GlibcExtras.swift).
swiftc "${flags[@]}" -enable-experimental-feature Extern -module-name Sockets -emit-module -emit-module-path "$build/Sockets.swiftmodule" \
    -c Sources/Sockets/*.swift -o "$build/Sockets.o" || exit 2
swiftc "${flags[@]}" -I "$build" -module-name ScenarioFormat -emit-module -emit-module-path "$build/ScenarioFormat.swiftmodule" \
    -c Sources/ScenarioFormat/*.swift -o "$build/ScenarioFormat.o" || exit 2
swiftc "${flags[@]}" -I "$build" -module-name FuzzParser -c Fuzz/FuzzParser.swift -o "$build/FuzzParser.o" || exit 2
swiftc -sanitize=fuzzer,address -use-ld=lld "$build/Sockets.o" "$build/ScenarioFormat.o" "$build/FuzzParser.o" -o "$build/fuzz-parser" || exit 2
echo "built $build/fuzz-parser"

# Seeds: every Markdown file the project has, plus the hand-made seeds and past regressions.
seeds=$(mktemp -d)
trap 'rm -rf "$seeds"' EXIT
for dir in lessons scenarios Fuzz/seeds Fuzz/regressions; do
    [ -d "$dir" ] || continue
    find "$dir" -type f | while read -r f; do cp "$f" "$seeds/$(echo "$f" | tr '/' '_')"; done
done

# Replay the regressions first: each must pass quickly.
if [ -n "$(ls -A Fuzz/regressions)" ]; then
    "$build/fuzz-parser" -runs=0 -timeout=5 Fuzz/regressions/*
fi
if [ "$seconds" = 0 ]; then exit 0; fi

status=0
"$build/fuzz-parser" Fuzz/corpus "$seeds" \
    -dict=Fuzz/steps.dict -max_len=16384 -timeout=5 -rss_limit_mb=2048 \
    -max_total_time="$seconds" -print_final_stats=1 \
    -artifact_prefix=Fuzz/artifacts/ 2>&1 | tee "$build/last-run.log" || status=1

# Keep every input that ever crashed, hung or ran out of memory, as a regression test.
for f in Fuzz/artifacts/crash-* Fuzz/artifacts/timeout-* Fuzz/artifacts/oom-* Fuzz/artifacts/leak-*; do
    [ -e "$f" ] || continue
    cp "$f" Fuzz/regressions/
    echo "kept $(basename "$f") in Fuzz/regressions/"
    status=1
done
grep -E '^stat::number_of_executed_units|^Done [0-9]+ runs' "$build/last-run.log" || true
exit $status
