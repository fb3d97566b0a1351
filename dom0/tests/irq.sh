#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# irq: the local timer (LOC in /proc/interrupts) ticks on every CPU. A busy
# loop pinned to each CPU keeps its tick running (an idle CPU may stop it:
# NO_HZ), then two samples 1 s apart are printed as
#     MICA-TEST irq loc cpuN BEFORE AFTER
ncpu=$(nproc)
pids=
i=0
while [ $i -lt "$ncpu" ]; do
    taskset -c $i sh -c 'while :; do :; done' &
    pids="$pids $!"
    i=$((i + 1))
done

loc() { awk '$1 == "LOC:" { for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) printf "%s ", $i }' /proc/interrupts; }
before=$(loc)
sleep 1
after=$(loc)
kill $pids
wait 2>/dev/null

set -- $after
i=0
for b in $before; do
    echo "MICA-TEST irq loc cpu$i $b ${1:-none}"
    [ $# -eq 0 ] || shift
    i=$((i + 1))
done
