#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# System tests: the real hypervisor ISO booted by GRUB in QEMU (TCG, q35),
# with test guests as multiboot2 modules. Usage: tests/system/run.sh [BUILD]
# SYSTEM_AREAS="NAME ..." runs only those files of tests/system/areas/
# (NAME.sh), without the boot tests above them and the dom0 tests:
#     SYSTEM_AREAS=hardening tests/system/run.sh
#     make check-system SYSTEM_AREAS="hardening events"
# Areas whose dom0 scripts can share a dom0 boot (CTL_GROUPS in
# tests/system/areas/ctl.sh) share one when run together; CTL_SHARE=0 boots
# each alone.
set -u
cd "$(dirname "$0")/../.."
BUILD=${1:-build}
. tests/system/lib.sh
CTL_SHARE=${CTL_SHARE:-1}

if [ -n "${SYSTEM_AREAS:-}" ]; then
    for area in $SYSTEM_AREAS; do
        if [ -e "tests/system/areas/$area.sh" ]; then
            . "tests/system/areas/$area.sh"
        else
            echo "FAIL system: area $area: no tests/system/areas/$area.sh"
        fi
    done
    ! declare -F ctl_flush >/dev/null || ctl_flush
    exit 0
fi

# The log states the CPUs brought up with SVM and the memory found, and both
# match what QEMU was given.
expect_machine() {
    local cpus=$1 mem=$2 ram
    expect_line "$cpus CPU(s) online with SVM+NPT (QEMU -smp $cpus)" \
        "^\(mica\) $cpus CPUs? online, AMD SVM with nested paging enabled on all $cpus\$"
    ram=$(tr -d '\r' <"$LOG" | sed -nE 's/^\(mica\) memory: ([0-9]+) MiB RAM in the map.*/\1/p')
    if [ -n "$ram" ] && [ "$ram" -le "$mem" ] && [ "$ram" -ge $((mem - 8)) ]; then
        pass "memory found: $ram MiB (QEMU -m $mem)"
    else
        fail "memory found matches QEMU -m $mem" "log says '${ram:-nothing}' MiB"
    fi
}

test_boot() {
    local cpus=$1 mem=$2
    boot "boot-smp$cpus" "-cpu max -smp $cpus -m $mem" "" selftest:name=selftest
    expect_machine "$cpus" "$mem"
    guest_passes selftest
    guest_ended selftest poweroff
    expect_line "the hypervisor reports all domains ended" '^\(mica\) all domains have ended$'
    no_hypervisor_crash
    expect_rc $EXIT_DONE "all domains done"
}

test_cmdline() {
    boot cmdline "-cpu max -smp 1 -m 256" "frobnicate=1 loglvl=chatty maxcpus=0 tslice_ms=5" \
        selftest:name=selftest
    expect_line "unknown option reported by name" "cmdline: unknown option 'frobnicate'"
    expect_line "bad loglvl value reported" "loglvl=chatty"
    expect_line "out-of-range maxcpus reported" "maxcpus"
    expect_line "valid tslice_ms honoured" "scheduler: credit, 5000 us timeslice"
    guest_passes selftest
    expect_rc $EXIT_DONE "all domains done"
}

test_concurrent() {
    boot concurrent "-cpu max -smp 2 -m 1024" "" spin:name=spin-a spin:name=spin-b
    expect_different_cpus "the two guests run" spin-a spin-b
    # Both were started before either ended: they ran at the same time.
    local lb le
    lb=$(tr -d '\r' <"$LOG" | grep -a -nE 'vcpu0 starts on CPU' | tail -n1 | cut -d: -f1)
    le=$(tr -d '\r' <"$LOG" | grep -a -nE 'shut down: ' | head -n1 | cut -d: -f1)
    if [ -n "$lb" ] && [ -n "$le" ] && [ "$lb" -lt "$le" ]; then
        pass "both guests were running at once"
    else
        fail "both guests were running at once" "last start at line ${lb:-?}, first end at line ${le:-?}"
    fi
    guest_passes spin-a
    guest_passes spin-b
    guest_ended spin-a poweroff
    guest_ended spin-b poweroff
    no_hypervisor_crash
    expect_rc $EXIT_DONE "all domains done"
}

test_hostile() {
    boot hostile "-cpu max -smp 2 -m 1024" "" selftest:name=good \
        hostile_ud:name=bad-ud hostile_oob:name=bad-oob \
        hostile_hc:name=bad-hc,seed=12345 halt:name=halter spin:name=good-spin
    guest_passes good
    guest_passes good-spin
    guest_passes bad-hc
    guest_ended good poweroff
    guest_ended good-spin poweroff
    guest_ended bad-hc poweroff
    guest_ended bad-ud crash "triple fault"
    local ud
    ud=$(domid_of bad-ud)
    expect_line "bad-ud's triple fault is reported with its guest state" \
        "^\(mica\) d$ud vcpu0: triple fault: guest state at exit 0x7f "
    expect_line "the state shows the #UD whose delivery failed" '^\(mica\)   exitintinfo 0x80000306 '
    expect_line "and the empty IDT it loaded" '^\(mica\)   idtr .* limit 0+ base 0+$'
    expect_line "and the ud2 at its rip" '^\(mica\)   code at rip: 0f 0b '
    guest_ended bad-oob crash "outside its memory"
    expect_no_line "bad-ud ran nothing after ud2" "FAIL bad-ud"
    expect_no_line "bad-oob ran nothing after its stray write" "FAIL bad-oob"
    expect_line "halter's vCPU is down (halted, interrupts off)" "vcpu0 halted with interrupts disabled"
    guest_ended halter poweroff
    expect_line "the hypervisor carried on to the end" '^\(mica\) all domains have ended$'
    no_hypervisor_crash
    expect_rc $EXIT_DONE "all domains done"
}

# Modules that are not valid kernels are refused with the reason; the good
# guest beside them runs.
test_bad_modules() {
    local dir=$BUILD/tests/system/bad-modules-data
    mkdir -p "$dir"
    printf 'this is not an ELF image\n' >"$dir/text.bin"
    head -c 100 "$BUILD/tests/guests/selftest.elf" >"$dir/truncated.elf"
    boot bad-modules "-cpu max -smp 2 -m 1024" "" "$dir/text.bin:name=text" \
        "$dir/truncated.elf:name=trunc" selftest:name=good selftest:name=toobig,mem=16G \
        selftest:name=badmem,mem=lots
    expect_line "a text file is refused as not ELF" 'module 0 \(text\): not an ELF file; not started'
    expect_line "a truncated ELF is refused" 'module 1 \(trunc\): program headers missing or outside the file; not started'
    expect_line "a domain larger than RAM is refused" 'module 3 \(toobig\): cannot create the domain \(error -12\)'
    expect_line "a bad mem= is refused" 'module 4 \(badmem\): mem=lots: not a size'
    guest_passes good
    guest_ended good poweroff
    expect_rc $EXIT_DONE "all domains done"
}

test_refusal() {
    local name=$1 cpu=$2 what=$3
    boot "$name" "-cpu $cpu -smp 2 -m 256" "" selftest:name=selftest
    expect_count "one line names what is missing ($what)" 1 "lacks .*$what"
    expect_no_line "no domain was started" "vcpu0 starts on CPU"
    expect_rc $EXIT_UNSUPPORTED "stopped cleanly, CPU unsupported"
}

test_boot 1 1024
test_boot 2 1024
test_boot 4 512
test_cmdline
test_concurrent
test_hostile
test_bad_modules
test_refusal nonpt-qemu64 qemu64 "nested paging"
test_refusal nosvm-max max,-svm "neither AMD SVM .* nor Intel VMX"
test_refusal nonpt max,-npt "nested paging"

# Core services (domains, scheduler, event channels, grant tables...): one
# file per area, each defining and running its own tests with lib.sh.
for area in tests/system/areas/*.sh; do
    [ -e "$area" ] && . "$area"
done

# Linux as dom0: tests/system/dom0.sh (its dom0-smp2 test in a shared boot).
. tests/system/dom0.sh
! declare -F ctl_flush >/dev/null || ctl_flush
