#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# bench/fuzz.sh [BUILD]: the hypercall fuzzer (tests/guests/hostile_hc.c)
# for FUZZ_ITERS calls beside good guests (selftest, gnttab and a gnt_pair
# on the other pCPU), then the figures and three checks:
#     - the hypervisor neither panicked nor took a fatal exception;
#     - the fuzzer and every good guest passed all their checks;
#     - nothing leaked: the free-frame count the hypervisor logs once the
#       last domain is destroyed equals that of a reference boot of the
#       same guests where the fuzzer makes only 200 calls.
# Unlike bench/boot.sh this one asserts: it is the long run of a test that
# `make test` runs short (tests/system/areas/grants.sh). Exits 0 when all
# checks pass, 1 otherwise.
#
# Environment:
#     QEMU          the QEMU binary (default qemu-system-x86_64)
#     FUZZ_ITERS    calls the fuzzer makes (default 1000000)
#     FUZZ_SEED     its seed (default 1): the same seed makes the same calls
#     FUZZ_TIMEOUT  seconds the long boot may take (default 1800)
#
# Logs: BUILD/tests/system/bench-fuzz{,-ref}/serial.log.

set -u
cd "$(dirname "$0")/.." || exit 1
BUILD=${1:-build}
FUZZ_ITERS=${FUZZ_ITERS:-1000000}
FUZZ_SEED=${FUZZ_SEED:-1}
. tests/system/lib.sh

failed=0
lines=$(mktemp)
trap 'rm -f "$lines"' EXIT

# Same guests, same command-line lengths: only the number of calls differs.
fuzz_boot() {
    boot "$1" "-cpu max -smp 2 -m 512" "" \
        "hostile_hc:name=fuzz,seed=$FUZZ_SEED,iters=$(printf %010d "$2")" selftest:name=good \
        gnttab:name=gnttab gnt_pair:name=gp-a,role=a,peer=5,cpu=0 gnt_pair:name=gp-b,role=b,peer=4,cpu=1
}

frames_free_at_end() {
    tr -d '\r' <"$LOG" |
        sed -nE 's/^\(mica\) d[0-9]+: destroyed, [0-9]+ frames scrubbed and freed; ([0-9]+) frames free$/\1/p' |
        tail -n1
}

echo "# fuzz: reference boot, 200 calls"
fuzz_boot bench-fuzz-ref 200
ref=$(frames_free_at_end)

echo "# fuzz: $FUZZ_ITERS calls, seed $FUZZ_SEED"
t0=$(date +%s)
QEMU_TIMEOUT=${FUZZ_TIMEOUT:-1800} fuzz_boot bench-fuzz "$FUZZ_ITERS"
t1=$(date +%s)
end=$(frames_free_at_end)
{
    for g in fuzz good gnttab gp-a gp-b; do
        guest_passes $g
    done
    no_hypervisor_crash
    expect_rc $EXIT_DONE "all domains done"
    if [ -n "$ref" ] && [ "$ref" = "$end" ]; then
        pass "no frame leaked: $end frames free at the end, as after 200 calls"
    else
        fail "no frame leaked" "${ref:-?} frames free after 200 calls, ${end:-?} after $FUZZ_ITERS"
    fi
} >"$lines"
grep -v "^PASS $T/" "$lines"         # the summaries, and every failure
grep -q '^FAIL' "$lines" && failed=1

ran=$(tr -d '\r' <"$LOG" | sed -nE 's/^\(mica\) d1 \(fuzz\): shut down: .* ran ([0-9]+) ms$/\1/p')
rate='?'
[ -n "$ran" ] && [ "$ran" -gt 0 ] && rate=$((FUZZ_ITERS * 1000 / ran))
echo "# fuzz: $FUZZ_ITERS calls, $((t1 - t0)) s in QEMU; the fuzzer's vCPU ran ${ran:-?} ms ($rate calls/s)"
tr -d '\r' <"$LOG" | grep -a -E '^\(d1\) # fuzz: succeeded' | sed 's/^(d1) //'
if [ "$failed" -eq 0 ]; then echo "fuzz: all checks passed"; else echo "fuzz: FAILED"; fi
exit $failed
