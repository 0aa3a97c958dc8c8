#! /bin/sh
# Copyright (c) 2026 The ovs-dpi authors.  Apache License 2.0.
#
# Usage: tests/fuzz/run-fuzz.sh [TARGET...]    (from the top build dir)
#
# Runs each libFuzzer target of tests/fuzz (default: all four) for
# $DPI_FUZZ_TIME seconds, from seeds that tests/fuzz/make-seeds.py writes
# into a directory of this run's own, tests/fuzz/seeds.PID/ (removed at
# the end, so that runs at once in one tree keep apart), from the corpus
# pcaps ($DPI_CORPUS_DIR) and lib/signatures/*.sig ($DPI_SRCDIR).  New
# inputs found are kept in tests/fuzz/corpus/TARGET/, crashes in
# tests/fuzz/artifacts/, each target's output in tests/fuzz/TARGET.log
# (one run of a target at a time, then).  Exits 77
# (skipped) when the fuzzers were not built, 1 if any fuzzer found a
# crash, a leak, undefined behaviour or a timeout.
#
# Run by "make check" (30 s each) and "make fuzz" (600 s each).
set -e

if test "$DPI_FUZZ_BUILT" != yes; then
    echo "run-fuzz: fuzzers not built (configure --enable-fuzz; needs" \
         "clang and libclang-rt-14-dev): skipped"
    exit 77
fi
time=${DPI_FUZZ_TIME:-30}
srcdir=${DPI_SRCDIR:-.}
dir=tests/fuzz
targets=${*:-fuzz-parsers fuzz-packet fuzz-engine fuzz-sig}

# Seeds, made afresh from the corpus (never copied into the source tree).
seeds=$dir/seeds.$$
trap 'rm -rf "$seeds"' EXIT
trap 'exit 1' HUP INT TERM
rm -rf "$seeds"
python3 "$srcdir/tests/fuzz/make-seeds.py" --out "$seeds" \
    --corpus "${DPI_CORPUS_DIR:+$DPI_CORPUS_DIR/pcap}" \
    --signatures "$srcdir/lib/signatures"

# The fuzzers report through libFuzzer, not through these.
unset ASAN_OPTIONS UBSAN_OPTIONS
status=0
for t in $targets; do
    mkdir -p "$dir/corpus/$t" "$dir/artifacts"
    case $t in
        fuzz-sig) extra="-max_len=8192 -timeout=30" ;;
        # Its first input also compiles the whole signature database,
        # which takes far longer than 30 s on a loaded machine.
        fuzz-engine) extra="-max_len=65536 -timeout=120" ;;
        *) extra="-max_len=16384 -timeout=30" ;;
    esac
    # The regression inputs (tests/fuzz/regress/README.md) run first, as
    # part of the initial corpus; new inputs go to the first directory.
    regress=
    if test -d "$srcdir/tests/fuzz/regress/$t"; then
        regress=$srcdir/tests/fuzz/regress/$t
    fi
    echo "run-fuzz: $t for $time s"
    # shellcheck disable=SC2086
    if "$dir/$t" -max_total_time="$time" -print_final_stats=1 \
            -artifact_prefix="$dir/artifacts/$t-" -rss_limit_mb=2048 \
            $extra "$dir/corpus/$t" "$seeds/$t" $regress \
            > "$dir/$t.log" 2>&1; then
        runs=$(sed -n 's/^stat::number_of_executed_units: *//p' \
               "$dir/$t.log")
        echo "run-fuzz: $t: $runs runs, no crash"
    else
        status=1
        echo "run-fuzz: $t FAILED (log: $dir/$t.log; input in" \
             "$dir/artifacts/):"
        grep -E -A40 '^==[0-9]+==|runtime error|fuzz check failed|ERROR' \
            "$dir/$t.log" | head -80
    fi
done
exit $status
