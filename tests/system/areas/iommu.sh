# SPDX-License-Identifier: GPL-2.0-only
# The AMD IOMMU (issue 12, docs/iommu.md): found through ACPI IVRS on
# QEMU's q35 with -device amd-iommu, enabled with every device blocked, its
# command buffer and event log working; dom0 still boots beside it and sees
# only Mica's virtual bus (the IOMMU's own function hidden); and a machine
# without one says so in one clear line and boots as before. Only this
# area's boots get the amd-iommu device. Sourced by tests/system/run.sh
# after lib.sh.

DOM0_LIB_ONLY=1 . tests/system/dom0.sh

IOMMU_Q="-device amd-iommu"
IOMMU_BASE=0xfed80000       # where QEMU puts AMD-Vi's MMIO (its IVRS says so)

# The hypervisor's own lines about one IOMMU at $IOMMU_BASE.
expect_iommu_lines() {
    local b=$IOMMU_BASE
    expect_line "IOMMU found at $b through IVRS, its PCI function hidden from dom0" \
        "^\(mica\) iommu: AMD-Vi found at $b: PCI 0000:00:[0-9a-f]{2}\.[0-7] \(cap 0x[0-9a-f]+, hidden from dom0\), IVHD type 0x(10|11|40), EFR 0x[0-9a-f]+, covers [0-9a-f:.]+-[0-9a-f:.]+ \([1-9][0-9]* device IDs"
    expect_line "device table: 65536 entries, every device blocked" \
        "^\(mica\) iommu: AMD-Vi at $b: device table 65536 entries at 0x[0-9a-f]+, every device blocked \(DTE V=1 TV=1 IR=IW=0\)\$"
    expect_line "command buffer running: a COMPLETION_WAIT completed" \
        "^\(mica\) iommu: AMD-Vi at $b: command buffer 256 entries at 0x[0-9a-f]+ running, completion wait took [0-9]+ us\$"
    expect_line "event log enabled and running" \
        "^\(mica\) iommu: AMD-Vi at $b: event log 256 entries at 0x[0-9a-f]+ enabled, running\$"
    expect_line "one IOMMU enabled, the IVRS table parsed without error" \
        '^\(mica\) iommu: 1 AMD-Vi IOMMU enabled, [0-9]+ IVMD blocks?, 0 IVRS errors; faults polled every 100 ms$'
    expect_no_line "no 'no IOMMU' line when there is one" 'no IOMMU: device passthrough is disabled'
    expect_iommu_devices
    expect_no_line "no IOMMU bring-up failure" '^\(mica\) iommu: .*(failed|above the hypervisor)'
    expect_no_line "no IVRS complaint" '^\(mica\) ivrs: '
}

# The hypervisor's PCI scan against IVRS: q35's AHCI is behind the IOMMU
# with its DMA blocked, the function IVRS names for the IOMMU is AMD's
# (1022), an IOMMU-class function (0806xx), and kept from dom0, and no
# function is left outside the IOMMU.
expect_iommu_devices() {
    local bdf
    bdf=$(tr -d '\r' <"$LOG" | sed -nE 's/^\(mica\) iommu: AMD-Vi found at [^:]+: PCI ([0-9a-f:.]+) .*/\1/p' | head -n1)
    expect_line "the boot scan finds q35's AHCI (00:1f.2) behind the IOMMU, its DMA blocked" \
        "^\(mica\) iommu: PCI 0000:00:1f\.2 8086:2922 class 010601: behind the IOMMU at $IOMMU_BASE, DMA blocked\$"
    expect_line "the scan finds the IOMMU's function where IVRS says (${bdf:-none}), AMD's, kept from dom0" \
        "^\(mica\) iommu: PCI ${bdf:-none} 1022:[0-9a-f]{4} class 0806[0-9a-f]{2}: the IOMMU itself, kept by the hypervisor and hidden from dom0\$"
    expect_no_line "every function found is behind the IOMMU" 'behind no working IOMMU'
    expect_no_line "the IOMMU's function IVRS names exists" 'not found by the scan'
}

# A test guest under the IOMMU: the hypervisor's lines, the guest unharmed,
# and no fault logged on a machine where nothing does DMA.
test_iommu_found() {
    boot iommu-found "-cpu max -smp 2 -m 512 $IOMMU_Q" "" selftest:name=selftest
    expect_iommu_lines
    expect_no_line "no IOMMU event on a machine that does no DMA" '^\(mica\) iommu: AMD-Vi at .*: [A-Z_]+ (device|address)'
    guest_passes selftest
    guest_ended selftest poweroff
    no_hypervisor_crash
    expect_rc $EXIT_DONE "all domains done"
}

# dom0 (stock Debian kernel) boots with the IOMMU on and sees exactly the
# virtual bus: the IOMMU's function is not among its PCI devices. Its I/O
# page table starts equal to its p2m (512 MiB: 131072 pages) and still
# equals it when dom0 powers off, after the dom0 driver's checks mapped
# and unmapped grants and foreign frames in dom0's p2m (mica-drvtest).
test_iommu_dom0() {
    boot_dom0 iommu-dom0 "-cpu max -m 1024 -smp 2 $IOMMU_Q" "dom0_mem=512M" \
        "$DOM0_CMDLINE mica.test=pci,drv mica.micad=0" || return
    expect_iommu_lines
    expect_line "dom0's I/O page table starts equal to its p2m (131072 pages = 512 MiB)" \
        '^\(mica\) iommu: d0: I/O page table equal to its p2m: 131072 pages mapped, [0-9]+ table pages \(AMD-Vi v1, 4 levels, IOMMU domain 1\)$'
    dom0_up || return
    check_pci
    drv_checks mmap
    drv_checks gnt
    script_ran drv
    expect_line "dom0's I/O page table still equals its p2m at poweroff, having followed unmaps" \
        '^\(mica\) iommu: d0: I/O page table matches its p2m: [0-9]+ pages, after [0-9]+ maps and [1-9][0-9]* unmaps$'
    expect_no_line "no difference between dom0's I/O page table and its p2m" 'I/O page table differs'
    dom0_off
}

# No IOMMU: one clear line, and the machine boots as before.
test_iommu_none() {
    boot iommu-none "-cpu max -smp 1 -m 256" "" selftest:name=selftest
    expect_count "without an IOMMU: one clear line" 1 \
        '^\(mica\) iommu: no IOMMU: device passthrough is disabled$'
    expect_no_line "without an IOMMU: no AMD-Vi line" '^\(mica\) iommu: AMD-Vi'
    expect_line "without an IOMMU: the PCI scan still runs" '^\(mica\) pci: [0-9]+ functions on segment 0$'
    expect_no_line "without an IOMMU: no per-device IOMMU line" '^\(mica\) iommu: PCI '
    guest_passes selftest
    no_hypervisor_crash
    expect_rc $EXIT_DONE "all domains done"
}

test_iommu_found
test_iommu_none
test_iommu_dom0
