# SPDX-License-Identifier: GPL-2.0-only
# The stock Debian dom0 on Intel VMX under Bochs (sourced by tests/vmx/run.sh
# after bochs.sh): Mica booted by GRUB with Debian's kernel and Mica's
# initramfs, as tests/system/dom0.sh boots it under QEMU, on two CPUs.
# dom0's /init runs the smp, irq and pci scripts (dom0/tests/) and powers
# off; the same checks as under QEMU read their MICA-TEST lines: SMP 2, the
# tsc clocksource, a clean kernel log, the local timer on both CPUs, the
# virtual PCI bus. Not the 5 s sleep of check_time: Bochs's clock is its
# instruction count (clock: sync=none), not the host's.
# The CPU is VMX_DOM0_CPU (default corei7_haswell_4770). On a Skylake model
# dom0 boots the same, but Linux's log then has "RETBleed: WARNING: Spectre
# v2 mitigation leaves CPU vulnerable": Skylake needs IBRS against
# RETBleed, and Bochs 2.7's Skylake model has none (CPUID 7 EDX is 0), so
# Mica, which gives guests SPEC_CTRL only where the CPU has it
# (docs/architecture.md 3.1), cannot either: that line is Linux telling
# the truth, and fails the clean-log check.
# Slow: a few minutes of guest time take ~15 minutes under Bochs, so this
# runs in `make check-vmx` (VMX_DOM0=1, the default), not in make test.

DOM0_LIB_ONLY=1 . tests/system/dom0.sh

vmx_dom0() {
    local cmdline="console=ttyS0,115200 earlyprintk=serial,ttyS0,115200 mica.test=smp,irq,pci"

    ISO_DOM0_KERNEL=$DOM0_KERNEL ISO_DOM0_CMDLINE=$cmdline ISO_DOM0_INITRD=$DOM0_INITRD \
        BOCHS_CPU=${VMX_DOM0_CPU:-corei7_haswell_4770} BOCHS_TIMEOUT=${VMX_DOM0_TIMEOUT:-2400} \
        boot vmx-dom0 "-smp 2 -m 1024" "loglvl=info"
    # dom0.sh's checks read values to the end of the line: COM1's CRs off.
    tr -d '\r' <"$LOG" >"$LOG.tmp" && mv "$LOG.tmp" "$LOG"
    expect_line "Intel VMX chosen" '^\(mica\) 2 CPUs online, Intel VMX with nested paging enabled on all 2$'
    dom0_up || return
    check_smp 2
    check_irq 2
    check_pci
    no_hypervisor_crash
    expect_rc "$EXIT_DONE" "dom0 powered off"
}

for f in "$DOM0_KERNEL" "$DOM0_INITRD"; do
    if [ ! -f "$f" ]; then
        T=vmx/vmx-dom0
        fail "dom0 kernel and initramfs are built" "$f: no such file (make dom0)"
        return 0
    fi
done
vmx_dom0
