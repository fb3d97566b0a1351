#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# make check-vmx: Mica under Bochs (tests/vmx/bochs.sh), on Intel VMX with
# EPT (corei7_skylake_x) and, as a second opinion on the SVM backend, on
# Bochs's AMD model (ryzen). Then the system-test areas named in VMX_AREAS
# (tests/system/areas/NAME.sh, the same assertions as under QEMU) on VMX,
# then, with VMX_DOM0=1, the Debian dom0 on VMX (tests/vmx/dom0.sh).
# Usage: tests/vmx/run.sh [BUILD]. Bochs is slow: one boot at a time.
# VMX_AREAS default: events grants sched hardening (the issue's test guests:
# event channels and the timer, grants, the scheduler, and the hardening
# guests); make test gives none, and runs a short sched-cap instead.
set -u
cd "$(dirname "$0")/../.."
BUILD=${1:-build}
VMX_AREAS=${VMX_AREAS-events grants sched hardening}
VMX_FUZZ_ITERS=${VMX_FUZZ_ITERS:-3000}
. tests/system/lib.sh
. tests/vmx/bochs.sh

command -v "$BOCHS" >/dev/null || { echo "FAIL vmx: bochs: not installed (apt-get install bochs bochsbios vgabios bochs-term)"; exit 0; }

# The backend the CPU calls for is chosen, named, and runs the selftest guest.
test_selftest() {
    local name=$1 cpu=$2 vendor=$3
    BOCHS_CPU=$cpu boot "$name" "-smp 1 -m 256" "" selftest:name=selftest
    expect_line "$vendor chosen on $cpu" "^\(mica\) 1 CPU online, $vendor with nested paging enabled on all 1\$"
    guest_passes selftest
    guest_ended selftest poweroff
    no_hypervisor_crash
    expect_rc $EXIT_DONE "all domains done"
}

# Hostile guests beside good ones on VMX: a triple fault, a write outside
# its memory (an EPT violation), a REP INSB there (string I/O emulation), string
# I/O meeting the guest's page tables (pageedge mode=strio: #PF with CR2, error
# code and RCX, resumed; U set from CPL 3; not on the ryzen model: Bochs 2.7's
# VMRUN does not load the VMCB's CR2, so its guest reads 0 there, while QEMU's
# SVM passes it in svm-page-edge), a short run of the hypercall fuzzer, a
# halt with interrupts off (vcpu_halt() and domain_vcpu_halted() through
# VMX's HLT exit); the good ones pass and the hypervisor carries on.
test_hostile() {
    boot vmx-hostile "-smp 2 -m 512" "" selftest:name=good \
        hostile_ud:name=bad-ud hostile_oob:name=bad-oob hostile_oob:name=bad-ins,mode=insb \
        hostile_hc:name=bad-hc,seed=12345,iters=$VMX_FUZZ_ITERS halt:name=halter spin:name=good-spin \
        pageedge:name=strio,mode=strio,mem=8M
    guest_passes good
    guest_passes strio
    guest_ended strio poweroff
    expect_line "VMX exit counts are named by reason (strio's string I/O: io=N)" \
        "^\(mica\) d$(domid_of strio) vcpu0: [0-9]+ exits: .* io=[0-9]+"
    guest_passes good-spin
    guest_passes bad-hc
    guest_ended good poweroff
    guest_ended good-spin poweroff
    guest_ended bad-hc poweroff
    guest_ended bad-ud crash "triple fault"
    guest_ended bad-oob crash "outside its memory"
    guest_ended bad-ins crash "string I/O on port 0x80: guest address 0x.* is not its memory"
    expect_no_line "bad-ins ran nothing after its REP INSB" "FAIL bad-ins"
    expect_no_line "bad-ud ran nothing after ud2" "FAIL bad-ud"
    expect_no_line "bad-oob ran nothing after its stray write" "FAIL bad-oob"
    expect_line "halter's vCPU is down (halted, interrupts off)" "vcpu0 halted with interrupts disabled"
    guest_ended halter poweroff
    no_hypervisor_crash
    expect_rc $EXIT_DONE "all domains done"
}

# VMX without EPT (Core 2): one line names it, nothing starts, clean power-off.
test_no_ept() {
    BOCHS_CPU=core2_penryn_t9600 boot vmx-no-ept "-smp 1 -m 256" "" selftest:name=selftest
    expect_count "one line names what is missing: EPT" 1 \
        '^\(mica\) this CPU lacks (extended page tables|Intel VMX secondary processor controls).*: Mica cannot run guests; stopping$'
    expect_no_line "no domain was started" "vcpu0 starts on CPU"
    no_hypervisor_crash
    expect_rc $EXIT_UNSUPPORTED "stopped cleanly, CPU unsupported"
}

test_selftest vmx-selftest corei7_skylake_x "Intel VMX"
expect_line "VMX with EPT (A/D bits), unrestricted guest and VPID" '^\(mica\) VMX: EPT \(4-level, write-back, A/D bits\), unrestricted guest, VPID$'
test_selftest svm-selftest ryzen "AMD SVM"
test_hostile
test_no_ept
# The credit scheduler's cap on VMX, short (make test; the whole sched area
# runs when VMX_AREAS names it): a busy test kernel runs with IF=0, and
# Bochs then delivers no external interrupt as an exit, so the tick and
# the cap rest on the VMX-preemption timer (vmx.c preempt_arm()).
if [[ " $VMX_AREAS " != *" sched "* ]]; then
    SCHED_LIB_ONLY=1 . tests/system/areas/sched.sh
    SCHED_CAP_MCYCLES=1000 test_sched_cap
fi
for area in $VMX_AREAS; do
    . "tests/system/areas/$area.sh"
done
[ "${VMX_DOM0:-1}" != 1 ] || . tests/vmx/dom0.sh
