#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# bench/blk.sh [BUILD]: make bench-blk (docs/pvio.md, block). fio's
# sequential 1 MiB write and read and 4 KiB random read in a domU on a PV
# disk, beside the same fio in dom0 on the same image file; for each of
# micablkback's data modes (copy, map), the domU's exits by reason and the
# event-channel notifications per MiB moved. Prints figures; asserts nothing.
#
# One QEMU boot (MTTCG, q35, 2 CPUs, 2 GiB) of Mica with dom0_mem=1024M;
# dom0 runs dom0/tests/benchblk.sh. A domU's exits come from the line the
# hypervisor logs when it powers off ("(mica) dN vcpuM: X exits: reason=n
# ..."), less those of a domU that only boots; the notifications and bytes
# from micablkback's per-queue line.
set -u
cd "$(dirname "$0")/.." || exit 1
BUILD=${1:-build}
QEMU=${QEMU:-qemu-system-x86_64}
BENCH_TIMEOUT=${BENCH_TIMEOUT:-3600}
BENCH_BLK_MODES=${BENCH_BLK_MODES:-copy,map}
QEMU_FLAGS="-accel tcg -machine q35 -cpu max,-rdtscp -smp 2 -m 2048 -display none -no-reboot"
. bench/lib.sh
bench_init blk
bench_iso "console=com1 dom0_mem=1024M guest_console=print" \
    "console=ttyS0 mica.test=benchblk mica.blk_modes=$BENCH_BLK_MODES"
bench_run "$BENCH_TIMEOUT" "MICA-BENCH done" "$OUT/serial.log"

grep -q 'MICA-BENCH done' "$OUT/serial.log" || say "the run did not finish: $OUT/serial.log"
awk '
    function kv(s, k,   i, n, a, b) {     # the value of k=... in s
        n = split(s, a, " ")
        for (i = 1; i <= n; i++) { split(a[i], b, "="); if (b[1] == k) return b[2] }
        return ""
    }
    function ratio(a, b,   x, y) {
        x = kv(a, "read_kib_s") + kv(a, "write_kib_s"); y = kv(b, "read_kib_s") + kv(b, "write_kib_s")
        return y > 0 && a != "" ? sprintf("%.2f", x / y) : "n/a" }
    function rate(s) { return sprintf("%9.1f MiB/s %7d IOPS", (kv(s, "read_kib_s") + kv(s, "write_kib_s")) / 1024, kv(s, "read_iops") + kv(s, "write_iops")) }
    /MICA-BENCH dom0 / { sub(/.*MICA-BENCH dom0 /, ""); dom0[$1] = $0 }
    /MICA-BENCH domu [a-z]+ d[0-9]+ (seqwrite|seqread|randread) / {
        sub(/.*MICA-BENCH domu /, ""); domu[$1 " " $3] = $0; dom[$1] = substr($2, 2); modes[$1] = 1 }
    /MICA-BENCH domu [a-z]+ d[0-9]+ backend / {
        m = $0; sub(/.*MICA-BENCH domu /, "", m); split(m, f, " ")
        match(m, /[0-9]+ KiB/); kib[f[1]] += substr(m, RSTART, RLENGTH - 4)
        match(m, /[0-9]+ notifications sent/); sent[f[1]] += substr(m, RSTART, RLENGTH - 19)
        match(m, /[0-9]+ received/); recv[f[1]] += substr(m, RSTART, RLENGTH - 9)
        match(m, /[0-9]+ grant copies/); cop[f[1]] += substr(m, RSTART, RLENGTH - 13)
        match(m, /[0-9]+ grant maps/); map[f[1]] += substr(m, RSTART, RLENGTH - 11) }
    /MICA-BENCH baseline d[0-9]+/ { sub(/.*MICA-BENCH baseline d/, ""); base = $1 }
    /^\(mica\) d[0-9]+ vcpu[0-9]+: [0-9]+ exits:/ {
        d = $2; sub(/^d/, "", d); ex[d] += $4
        for (i = 6; i <= NF; i++) { split($i, b, "="); why[d, b[1]] += b[2]; reasons[b[1]] = 1 } }
    END {
        printf "%-9s %-28s", "job", "dom0 (image file)"
        for (m in modes) printf " domU, %-5s %-16s", m, ""
        printf "\n"
        n = split("seqwrite seqread randread", jobs, " ")
        for (j = 1; j <= n; j++) {
            printf "%-9s %-28s", jobs[j], rate(dom0[jobs[j]])
            for (m in modes) printf " %-28s", rate(domu[m " " jobs[j]])
            printf "\n"
        }
        printf "\nper MiB the domU moved (its exits less those of a domU that only boots, d%s):\n", base
        for (m in modes) {
            mib = kib[m] / 1024; if (mib <= 0) { printf "%s: no bytes moved\n", m; continue }
            d = dom[m]
            printf "%-5s %8.0f MiB  exits %8.1f/MiB  notifications to dom0 %6.2f/MiB, to the domU %6.2f/MiB;" \
                   "  backend hypercall batches: %6.2f grant copies/MiB, %6.2f grant maps/MiB\n",
                   m, mib, (ex[d] - ex[base]) / mib, recv[m] / mib, sent[m] / mib, cop[m] / mib, map[m] / mib
            printf "      by reason:"
            for (r in reasons) { v = why[d, r] - why[base, r]; if (v > 0) printf " %s=%.1f", r, v / mib }
            printf "\n"
        }
        # Beside Xen 4.17 (../shared/anchors/xen-pvio.md section 1): blkfront/blkback
        # domU over dom0 on the same backing store, per cycle, medians. Absolute
        # figures swing +-30% between boots under TCG, so compare ratios.
        printf "\ndomU / dom0 on the same image, this run beside Xen 4.17 (../shared/anchors/xen-pvio.md):\n"
        printf "%-9s", "job"; for (m in modes) printf " %12s", "Mica " m; printf " %12s\n", "Xen 4.17"
        split("0.30 0.15 0.30", xen, " ")
        for (j = 1; j <= n; j++) {
            printf "%-9s", jobs[j]
            for (m in modes) printf " %12s", ratio(domu[m " " jobs[j]], dom0[jobs[j]])
            printf " %12s\n", xen[j]
        }
        printf "Xen 4.17 absolute (dd 1 MiB O_DIRECT, fio psync QD1): domU write 41.4 MiB/s, read 44.1 MiB/s, 119 IOPS;\n"
        printf "its dom0 reference is the loop device over the image (O_DIRECT); for Mica, the image file itself\n"
    }' "$OUT/serial.log" | tee "$OUT/results.txt"
