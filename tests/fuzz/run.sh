#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# tests/fuzz/run.sh short|long OUT TARGET SECONDS
#
# Runs one fuzz target (OUT/TARGET, built by fuzz.mk) for SECONDS from its
# seed corpus tests/fuzz/corpus/TARGET/ and prints one result line in
# check.h's format:
#     PASS fuzz/TARGET: ran N execs clean in S s
#     FAIL fuzz/TARGET: <what libFuzzer reported>; input <crash file>; log <log>
# Everything it writes stays under OUT: the log (OUT/logs/TARGET.log),
# crash inputs (OUT/artifacts/TARGET/) and the inputs it found
# (OUT/work/TARGET/).
#
# short: a fresh scratch corpus each time (make check-fuzz).
# long:  the scratch corpus is kept from run to run, and afterwards what in
#        it adds coverage is merged into tests/fuzz/corpus/TARGET/, where
#        git ignores it (make fuzz).
set -u

mode=$1 out=$2 name=$3 secs=$4
bin=$out/$name
seeds=tests/fuzz/corpus/$name
work=$out/work/$name
art=$out/artifacts/$name
log=$out/logs/$name.log

[ "$mode" = short ] && rm -rf "$work"
mkdir -p "$work" "$art" "$seeds" "$out/logs"

"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$art/" "$work" "$seeds" > "$log" 2>&1
rc=$?

runs=$(sed -n 's/^Done \([0-9]*\) runs in \([0-9]*\) second.*/\1 \2/p' "$log" | tail -n 1)
if [ "$rc" -eq 0 ] && [ -n "$runs" ]; then
    set -- $runs
    echo "PASS fuzz/$name: ran $1 execs clean in $2 s ($(( $1 / ($2 > 0 ? $2 : 1) )) exec/s)"
else
    what=$(grep -m 1 -E '^SUMMARY:|ERROR: libFuzzer|^fuzz_[a-z_]*:' "$log" | sed 's/^ *//')
    crash=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
    echo "FAIL fuzz/$name: ${what:-exited with status $rc}; input ${crash:-none}; log $log"
    exit 1
fi

if [ "$mode" = long ]; then
    before=$(ls "$seeds" | wc -l)
    "$bin" -merge=1 -timeout=10 "$seeds" "$work" >> "$log" 2>&1 ||
        { echo "FAIL fuzz/$name: merging into $seeds failed; log $log"; exit 1; }
    echo "fuzz/$name: $(( $(ls "$seeds" | wc -l) - before )) new inputs merged into $seeds"
fi
exit 0
