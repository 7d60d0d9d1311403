#!/usr/bin/env bash
# Runs the CLI's demo and `bench --quick` under valgrind's memcheck and fails on a definite leak or a memory
# error (reads of freed or uninitialised memory, bad frees, ...).
#
#     Scripts/leak-check.sh [path/to/locmem]     # default: builds and uses .build/debug/locmem
#
# The one suppression (Scripts/sanitizers/valgrind.supp) covers a false positive of the Swift runtime; see there.
# `bench` runs with --in-process-memory: by default it measures memory by re-running itself through Foundation's
# Process, which fails under valgrind (EBADF while closing valgrind's own descriptors), and a child would not be
# checked anyway. With LOCMEM_REDIS_URL set, the demo also runs on that Redis server. Takes about 10 s for the demo and 30 s for the benchmark on the CI machine.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v valgrind > /dev/null; then
    echo "valgrind missing: installing it"
    apt-get update -qq && apt-get install -y -qq valgrind
fi

if [ $# -ge 1 ]; then
    locmem="$1"
else
    swift build --product locmem
    locmem="$(swift build --show-bin-path)/locmem"
fi

# valgrind 3.19 (Debian 12's) cannot read the DWARF 5 that clang writes for SwiftNIO's C modules ("unhandled dwarf2
# abbrev form code 0x25 ... Possibly corrupted debuginfo file. I can't recover."), so it checks a copy of the binary
# without its debug info: the same code, reports name functions from the symbol table instead of file and line.
checked="$(mktemp -d)/locmem"
trap 'rm -rf "$(dirname "$checked")"' EXIT
objcopy --strip-debug "$locmem" "$checked"

memcheck() {
    echo "-- valgrind: locmem $*"
    valgrind --quiet --leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite \
        --error-exitcode=97 --num-callers=40 --suppressions=Scripts/sanitizers/valgrind.supp \
        "$checked" "$@"
}

memcheck                                        # the demo, the default subcommand
if [ -n "${LOCMEM_REDIS_URL:-}" ]; then
    memcheck --cache "$LOCMEM_REDIS_URL"        # the demo on Redis: SwiftNIO, the client and RedisCache
fi
# The report is long; its progress goes to stderr. Without LOCMEM_REDIS_URL: the Redis and near-cache cases start
# child processes through Foundation's Process, which fails under valgrind (see above), and the Redis code is
# checked by the demo on Redis.
LOCMEM_REDIS_URL="" memcheck bench --quick --in-process-memory > /dev/null
echo "leak check: no definite leak, no memory error"
