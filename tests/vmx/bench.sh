#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# make bench-vmx: the bench guest's core figures (tests/guests/bench.c,
# mode=core: null hypercall, CPUID exit, event send to upcall, grant map+unmap, grant
# copy, domain create+destroy) in emulated TSC cycles under Bochs, on
# Intel VMX (corei7_skylake_x) and on Bochs's own SVM model (ryzen), so
# the two backends are compared on one emulator. Never asserted: a
# figure that is missing prints as "-".
# Usage: tests/vmx/bench.sh [BUILD]
set -u
cd "$(dirname "$0")/../.."
BUILD=${1:-build}
. tests/system/lib.sh
. tests/vmx/bochs.sh

declare -A fig
for cpu in corei7_skylake_x ryzen; do
    BOCHS_CPU=$cpu boot "bench-$cpu" "-smp 1 -m 256" "" \
        bench:name=bench,mode=core,privileged,mem=16M
    while read -r name median; do
        fig[$cpu.$name]=$median
    done < <(tr -d '\r' <"$LOG" | sed -nE 's/^\(d[0-9]+\) BENCH ([^ ]+) median ([0-9]+) .*/\1 \2/p')
done
names=$(for k in "${!fig[@]}"; do echo "${k#*.}"; done | sort -u)
printf '%-24s %14s %14s\n' "figure (TSC cycles)" "VMX skylake_x" "SVM ryzen"
for n in $names; do
    printf '%-24s %14s %14s\n' "$n" "${fig[corei7_skylake_x.$n]:--}" "${fig[ryzen.$n]:--}"
done
