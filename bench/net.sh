#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# bench/net.sh [BUILD]: the PV network's figures (make bench-net): iperf3
# TCP throughput domU->dom0 and dom0->domU, ping round trips, the
# backend's event-channel events and notifications per MiB moved and the
# VM exits by reason of a busy domU beside an idle one of the same
# configuration (their difference is what the traffic cost). One QEMU boot
# of Mica; dom0 runs dom0/tests/benchnet.sh. Prints figures; asserts
# nothing. Xen 4.17's netfront/netback figures, measured on this machine
# with the same tools (../shared/anchors/xen-pvio.md), are printed beside,
# as ratios to dom0's own loopback TCP of the same boot (the anchor's
# method: absolute figures swing +-30% between boots under TCG).
set -u
cd "$(dirname "$0")/.." || exit 1
BUILD=${1:-build}
QEMU=${QEMU:-qemu-system-x86_64}
BENCH_TIMEOUT=${BENCH_TIMEOUT:-1500}
QEMU_FLAGS="-accel tcg -machine q35 -cpu max -smp 2 -m 2048 -display none -no-reboot"
. bench/lib.sh
bench_init net
bench_iso "console=com1 dom0_mem=1024M" "console=ttyS0 mica.test=benchnet"
bench_run "$BENCH_TIMEOUT" "MICA-BENCH net done" "$OUT/serial.log"

log=$OUT/serial.log
grep -a '^MICA-BENCH net ' "$log" | sed 's/^MICA-BENCH net /  /' | tee "$OUT/results.txt"
set -- $(sed -n 's/^MICA-BENCH net domids bnet \([0-9]*\) bidle \([0-9]*\)$/\1 \2/p' "$log")
busy=${1:-x} idle=${2:-x}
mib=$(sed -n 's/^MICA-BENCH net moved_mib \([0-9]*\) .*/\1/p' "$log")
{
    echo "exits by reason (the hypervisor's lines as each domain ended):"
    grep -a -E "^\(mica\) d($busy|$idle) vcpu[0-9]+: [0-9]+ exits" "$log" | sed 's/^/  /'
    b=$(sed -n -E "s/^\(mica\) d$busy vcpu[0-9]+: ([0-9]+) exits.*/\1/p" "$log" | awk '{s += $1} END {print s + 0}')
    i=$(sed -n -E "s/^\(mica\) d$idle vcpu[0-9]+: ([0-9]+) exits.*/\1/p" "$log" | awk '{s += $1} END {print s + 0}')
    echo "exits of the traffic (busy $b - idle $i) per MiB moved ($mib MiB):" \
        "$(awk -v b="$b" -v i="$i" -v m="${mib:-0}" 'BEGIN {if (m > 0) printf "%.0f", (b - i) / m; else print "n/a"}')"
    sed -n 's/^MICA-BENCH net moved_mib \([0-9]*\) backend_events \([0-9]*\) backend_notifications \([0-9]*\) guest_mica_irqs \([0-9]*\)$/\1 \2 \3 \4/p' "$log" |
        awk '$1 > 0 {printf "event-channel per MiB: backend events %.1f, backend notifications %.1f, guest mica interrupts %.1f\n", $2 / $1, $3 / $1, $4 / $1}'
} | tee -a "$OUT/results.txt"
# Beside Xen 4.17 (../shared/anchors/xen-pvio.md section 1, tool-reported
# medians: iperf3 200 MiB; ping 10 x 56 B; dom0's loopback as reference).
awk '
    /^MICA-BENCH net iperf3 dom0-loopback / { lo = $5 }
    /^MICA-BENCH net iperf3 dom0->domU / { tx = $5 }
    /^MICA-BENCH net iperf3 domU->dom0 / { rx = $5 }
    /^MICA-BENCH net ping-loopback / { split($6, a, "/"); plo = a[2] }
    /^MICA-BENCH net ping rtt / { split($6, a, "/"); pdu = a[2] }
    function r(a, b) { return b > 0 && a != "" ? sprintf("%.2f", a / b) : "n/a" }
    END {
        printf "\n%-26s %14s %14s   %s\n", "TCP, Mbit/s (ratio to lo)", "Mica", "Xen 4.17", "(Xen: ../shared/anchors/xen-pvio.md)"
        printf "%-26s %14s %14s\n", "dom0 loopback", lo == "" ? "n/a" : lo, "610"
        printf "%-26s %8s (%s) %8s (%s)\n", "dom0 -> domU", tx == "" ? "n/a" : tx, r(tx, lo), "182", "0.33"
        printf "%-26s %8s (%s) %8s (%s)\n", "domU -> dom0", rx == "" ? "n/a" : rx, r(rx, lo), "125", "0.21"
        printf "%-26s %14s %14s\n", "ping avg ms, loopback", plo == "" ? "n/a" : plo, "4.3"
        printf "%-26s %14s %14s\n", "ping avg ms, dom0 -> domU", pdu == "" ? "n/a" : pdu, "15.3"
    }' "$log" | tee -a "$OUT/results.txt"
