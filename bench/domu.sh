#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# bench/domu.sh [BUILD]: `mica create` of a Linux domU until its init runs,
# and `mica destroy`, beside Xen 4.17's `xl create` of the same kernel and a
# similar busybox initramfs as a 128 MiB PVH domU on the same QEMU machine
# (../shared/anchors/xen-domu.md). Prints figures; asserts nothing.
#
# One QEMU boot with the anchor's flags (MTTCG, q35, amd-iommu, 2 CPUs,
# 2 GiB) of Mica with dom0_mem=512M; dom0 runs dom0/tests/benchdomu.sh
# (BENCH_RUNS cycles). Host-side figures come from the arrival time of
# serial lines: dom0's "MICA-BENCH run N create-start" and the domU's own
# marker, which the hypervisor prints as "(dN) MICA-DOMU-UP ...". The Xen
# figures are the anchor's, measured on this machine on 2026-11-21 with
# the setup it records (not re-run here).
set -u
cd "$(dirname "$0")/.." || exit 1
BUILD=${1:-build}
QEMU=${QEMU:-qemu-system-x86_64}
BENCH_RUNS=${BENCH_RUNS:-5}
BENCH_TIMEOUT=${BENCH_TIMEOUT:-900}
QEMU_FLAGS="-accel tcg -machine q35 -device amd-iommu -cpu max,-rdtscp -smp 2 -m 2048 -display none -no-reboot"
. bench/lib.sh
bench_init domu
bench_iso "console=com1 dom0_mem=512M guest_console=print" \
    "console=ttyS0 mica.test=benchdomu mica.bench_runs=$BENCH_RUNS"
bench_run "$BENCH_TIMEOUT" "MICA-BENCH done" "$OUT/serial.ts" ts

# Host-side: create-start -> the domU's marker, per run.
awk '
    / MICA-BENCH run [0-9]+ create-start$/ { run = $4; start[run] = $1 }
    / MICA-BENCH run [0-9]+ create-returned / { ret[$4] = $1 - start[$4] }
    /\(d[0-9]+\) MICA-DOMU-UP/ && run != "" && !(run in up) { up[run] = $1 - start[run]; guest[run] = $0 }
    / MICA-BENCH run [0-9]+ destroy-start$/ { ds[$4] = $1 }
    / MICA-BENCH run [0-9]+ destroy-done$/ { d[$4] = sprintf("%.2f", $1 - ds[$4]) }
    / MICA-BENCH run [0-9]+ hyp_bytes / { hyp[$4] = $6; drop[$4] = $8 }
    END {
        printf "%-4s %-22s %-22s %-14s %-16s %s\n", "run", "create returns (s)", "create -> init (s)", "destroy (s)", "hyp mem (KiB)", "free drop (KiB)"
        for (r = 1; r in start; r++)
            printf "%-4s %-22.2f %-22.2f %-14s %-16d %s\n", r, ret[r], up[r], d[r], hyp[r] / 1024, drop[r]
    }' "$OUT/serial.ts" | tee "$OUT/results.txt"
cat <<TXT | tee -a "$OUT/results.txt"

Xen 4.17, xl create of the same kernel as a 128 MiB PVH domU (../shared/anchors/xen-domu.md,
medians over 5 QEMU boots on this machine): xl create returns 13.0 s, create -> init 24.6 s,
xl destroy 0.81 s; Xen's free memory drops 130 MB while the domU runs.
Target (issue 10): Mica's create -> init at most a quarter of Xen's (6.2 s).
TXT
grep -a -E '^\(mica\) d[0-9]+ vcpu[0-9]+: [0-9]+ exits' "$OUT/serial.ts" | tail -n 4 | sed 's/^[0-9.]* /exits: /'
