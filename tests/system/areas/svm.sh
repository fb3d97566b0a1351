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
