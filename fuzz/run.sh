#!/bin/sh
# Runs the libFuzzer targets of a --enable-fuzzing build, one after the other.
#
#   fuzz/run.sh BUILDDIR SECONDS [NAME...]      (NAME: npy tif png binary text mat lang; default all)
#
# Each target starts from its seed corpus (fuzz/corpus/NAME, read only) and
# its dictionary; what it learns goes to $FUZZ_WORK/corpus/NAME and what it
# finds to $FUZZ_WORK/artifacts/NAME/ (FUZZ_WORK defaults to
# /tmp/thunder-fuzz-work). The log of each run ends with libFuzzer's
# statistics (executions, coverage). Paths are absolute because the lang
# target changes directory while it runs an input. A finding, once fixed,
# goes to fuzz/regressions/NAME/ so that `make check` replays it forever.
# FUZZ_FLAGS adds libFuzzer options, e.g. "-fork=1 -ignore_ooms=1" to go on
# past a known open finding.
set -u
[ $# -ge 2 ] || { sed -n '2,12s/^# \{0,1\}//p' "$0"; exit 2; }
build=$(cd "$1" && pwd) || exit 2
seconds=$2
shift 2
src=$(cd "$(dirname "$0")" && pwd)
work=${FUZZ_WORK:-/tmp/thunder-fuzz-work}
names=${*:-npy tif png binary text mat lang}
status=0
for name in $names; do
    prog=$build/fuzz/fuzz_$name
    [ -x "$prog" ] || { echo "$prog: not built (configure --enable-fuzzing, then make)" >&2; exit 2; }
    mkdir -p "$work/corpus/$name" "$work/artifacts/$name" || exit 2
    log=$work/$name.log
    echo "fuzz_$name: $seconds s, log $log"
    OMP_NUM_THREADS=1 "$prog" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 \
        -max_len=65536 -len_control=200 -print_final_stats=1 ${FUZZ_FLAGS:-} \
        -dict="$src/dict/$name.dict" -artifact_prefix="$work/artifacts/$name/" \
        "$work/corpus/$name" "$src/corpus/$name" >"$log" 2>&1 || status=1
    grep -E '^stat::number_of_executed_units|^Done|ERROR|SUMMARY' "$log"
done
exit $status
