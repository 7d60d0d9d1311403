#!/usr/bin/env bash
# Fuzzes LocMem's key path and cache operations with libFuzzer for a fixed time.
#
#     Scripts/fuzz.sh [seconds]        # default 60
#
# Builds the LocMem module (and swift-log) with libFuzzer's coverage and AddressSanitizer into .build-fuzz/,
# links Scripts/fuzz/FuzzLocMem.swift (the target, which checks properties of every operation) against it, and
# runs it. The corpus grows in .build-fuzz/corpus (seeded from Scripts/fuzz/seeds); a failing input is saved in
# .build-fuzz/artifacts/ and the script exits non-zero. Reproduce one with
# `.build-fuzz/fuzz-locmem .build-fuzz/artifacts/crash-...`, then turn it into a test in Tests/LocMemTests.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-60}"
scratch=.build-fuzz

swift build --scratch-path "$scratch" --target LocMem \
    -Xswiftc -sanitize=fuzzer -Xswiftc -sanitize=address
products="$scratch/debug"
# ld.gold warns about every ASan helper it cannot export; those warnings are noise.
# LocMem imports the C target CLocMemAtomics (header-only atomics): its module map and headers come along.
swiftc -sanitize=fuzzer,address -parse-as-library -g -I "$products/Modules" \
    -Xcc -fmodule-map-file="$products/CLocMemAtomics.build/module.modulemap" -I Sources/CLocMemAtomics/include \
    Scripts/fuzz/FuzzLocMem.swift "$products"/LocMem.build/*.o "$products"/Logging.build/*.o \
    "$products"/CLocMemAtomics.build/*.o \
    -o "$scratch/fuzz-locmem" 2> >(grep -v "Cannot export local symbol" >&2)

mkdir -p "$scratch/corpus" "$scratch/artifacts"
echo "fuzzing for $seconds s (corpus: $scratch/corpus)"
"$scratch/fuzz-locmem" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$scratch/artifacts/" "$scratch/corpus" Scripts/fuzz/seeds
