#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# benchdomu: bench/domu.sh's dom0 side. BENCH_RUNS (mica.bench_runs=, default
# 5) times: `mica create` of a 128 MiB 1-vCPU domU (the demo kernel, its
# busybox initramfs, "console=ttyS0 quiet", as Xen's anchor domU), wait for
# its init's marker in its console log, then `mica destroy`. Prints
# "MICA-BENCH ..." lines (the host timestamps them) with dom0's own timings,
# the hypervisor memory the domU took beyond its RAM, and the exits.
. /tests/ctl-lib.sh
runs=5
for word in $(cat /proc/cmdline); do
    case $word in mica.bench_runs=*) runs=${word#mica.bench_runs=} ;; esac
done
now() { cut -d' ' -f1 /proc/uptime; }   # busybox date has whole seconds only
dt() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
xml bench-d hold 1 128 >/tmp/bench.xml
free0=$(free_kb)
r=1
while [ "$r" -le "$runs" ]; do
    rm -f /var/log/mica/bench-d.log
    echo "MICA-BENCH run $r create-start"
    t0=$(now)
    if ! mica create /tmp/bench.xml >/tmp/create.out 2>&1; then
        echo "MICA-BENCH run $r failed: $(head -n 1 /tmp/create.out)"; r=$((r + 1)); continue
    fi
    t1=$(now)
    echo "MICA-BENCH run $r create-returned $(dt "$t0" "$t1")"
    n=0
    until grep -q '^MICA-DOMU-UP' /var/log/mica/bench-d.log 2>/dev/null; do
        usleep 20000; n=$((n + 1)); [ "$n" -lt 15000 ] || break
    done
    t2=$(now)
    echo "MICA-BENCH run $r marker $(dt "$t0" "$t2") $(grep -m1 '^MICA-DOMU-UP' /var/log/mica/bench-d.log)"
    echo "MICA-BENCH run $r hyp_bytes $(field bench-d hyp_bytes) free_kb_drop $((free0 - $(free_kb)))"
    # Timed by the host from these two lines' arrival (busybox date has
    # whole seconds only).
    echo "MICA-BENCH run $r destroy-start"
    mica destroy bench-d
    echo "MICA-BENCH run $r destroy-done"
    wait_gone bench-d
    echo "MICA-BENCH run $r free_kb_after_destroy_delta $(( $(free_kb) - free0 ))"
    r=$((r + 1))
done
echo "MICA-BENCH done"
