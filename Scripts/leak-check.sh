#!/usr/bin/env bash
# Runs the CLI's demo and `bench --quick` under valgrind's memcheck and fails on a definite leak or a memory
# error (reads of freed or uninitialised memory, bad frees, ...).
#
#     Scripts/leak-check.sh [path/to/locmem]     # default: builds and uses .build/debug/locmem
#
# The one suppression (Scripts/sanitizers/valgrind.supp) covers a false positive of the Swift runtime; see there.
# `bench` runs with --in-process-memory: by default it measures memory by re-running itself through Foundation's
# Process, which fails under valgrind (EBADF while closing valgrind's own descriptors), and a child would not be
# checked anyway. Takes about 10 s for the demo and 30 s for the benchmark on the CI machine.
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

memcheck() {
    echo "-- valgrind: locmem $*"
    valgrind --quiet --leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite \
        --error-exitcode=97 --num-callers=40 --suppressions=Scripts/sanitizers/valgrind.supp \
        "$locmem" "$@"
}

memcheck                                        # the demo, the default subcommand
memcheck bench --quick --in-process-memory > /dev/null   # the report is long; its progress goes to stderr
echo "leak check: no definite leak, no memory error"
