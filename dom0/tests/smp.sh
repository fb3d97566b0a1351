#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# smp: the CPUs dom0 sees, a clean kernel log, and the TSC as clocksource.
# Prints facts; tests/system/dom0.sh compares them with what it configured.
echo "MICA-TEST smp nproc $(nproc)"
echo "MICA-TEST smp cpuinfo $(grep -c '^processor' /proc/cpuinfo)"

# The refined TSC replaces tsc-early about a second after boot: wait for
# it (up to 10 s) before reading the clocksource.
cs=/sys/devices/system/clocksource/clocksource0/current_clocksource
i=0
while [ "$(cat $cs)" = tsc-early ] && [ $i -lt 20 ]; do
    sleep 0.5
    i=$((i + 1))
done
echo "MICA-TEST smp clocksource $(cat $cs)"

# Lines that must never appear: each is printed so the runner can show it.
bad='BUG|Oops|WARNING|soft lockup|unchecked MSR access|clocksource.*unstable'
{ dmesg; cat /proc/cpuinfo; } | grep -E "$bad" | while IFS= read -r line; do
    echo "MICA-TEST smp bad-log $line"
done
echo "MICA-TEST smp bad-log-count $({ dmesg; cat /proc/cpuinfo; } | grep -cE "$bad")"
