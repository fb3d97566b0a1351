# SPDX-License-Identifier: GPL-2.0-only
# The SVM layer against guests that aim at its corners
# (hypervisor/arch/x86/svm_erratum.c, svm_exit.c). Sourced by
# tests/system/run.sh after lib.sh.

# A guest runs a CPUID at the hypervisor's own RIP after VMRUN, with the
# hypervisor's CR3 (a frame of its own moved to that address) and CS 0x08:
# the exit QEMU's lost-state erratum once was told by. It must be handled
# as the guest's own exit (the guest comes back and passes), nothing is put
# down to the erratum, and a guest beside it is unaffected.
test_svm_erratum_forged() {
    local rip
    rip=$(nm "$BUILD/mica.elf" | awk '$3 == "svm_vmrun_return" { print "0x" $1 }')
    boot svm-erratum-forged "-cpu max -smp 2 -m 256" "" \
        "hostile_erratum:name=forger,privileged,mem=16M,rip=$rip" selftest:name=good
    guest_passes forger
    guest_passes good
    guest_ended forger poweroff
    guest_ended good poweroff
    expect_no_line "nothing is put down to QEMU's SVM erratum" 'QEMU SVM erratum|SVM erratum'
    no_hypervisor_crash
    expect_rc $EXIT_DONE "all domains done"
}

test_svm_erratum_forged

# An intercepted instruction (CPUID with a prefix) in the last 8 bytes of a
# page whose successor the guest left unmapped: the hypervisor can read
# only those 8 bytes, and must still find the instruction and skip it.
#
# Then a CPUID across a page boundary whose second page the guest unmapped
# after loading it into the TLB (mode=stale): the CPU runs it, the
# hypervisor can read only its 2 prefixes. It must kill the domain for an
# instruction it cannot read, not skip a length made up from leftovers.
# Beside them a REP INSB into a guest-physical address past the guest's
# RAM (hostile_oob mode=insb): the string I/O emulation kills the domain.
# And string I/O against the guest's page tables (pageedge mode=strio): a
# REP INSB into a not-present page gets #PF (CR2, error code, RCX) and
# resumes once the guest maps it; OUTSB from one gets #PF with error code
# 0; at CPL 3 a REP INSB into a supervisor page gets #PF with U set.
test_svm_page_edge() {
    local stale
    boot svm-page-edge "-cpu max -smp 1 -m 256" "" pageedge:name=edge,mem=8M \
        pageedge:name=stale,mode=stale,mem=8M hostile_oob:name=bad-ins,mode=insb \
        pageedge:name=strio,mode=strio,mem=8M
    guest_passes edge
    guest_ended edge poweroff
    guest_passes strio
    guest_ended strio poweroff
    stale=$(domid_of stale)
    expect_no_line "the edge CPUID is not refused" "^\(mica\) d$(domid_of edge) .*cannot decode"
    expect_no_line "stale: never comes back" "^\(d$stale\) FAIL stale: "
    guest_ended stale crash "cannot decode the instruction at rip 0x400ffe"
    guest_ended bad-ins crash "string I/O on port 0x80: an element's address is not its memory"
    expect_no_line "bad-ins ran nothing after its REP INSB" "FAIL bad-ins"
    no_hypervisor_crash
    expect_rc $EXIT_DONE "all domains done"
}
test_svm_page_edge
