/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The ACPI tables dom0 boots with (docs: linux-guest-platform.md §9):
 *
 *   RSDP (revision 2) -> XSDT -> FADT (hardware-reduced, revision 6.3)
 *                              -> MADT (one enabled type-0 LAPIC per vCPU,
 *                                       one I/O APIC with GSI base 0)
 *   FADT -> DSDT: \_SB.COM1 (PNP0501, I/O 0x3F8-0x3FF, IRQ 4), \_S5 and
 *                 \_SB.PCI0 (PNP0A03, bus 0, ports 0xCF8-0xCFF: asm/vpci.h).
 *
 * No FACS: ACPICA skips it, and the PM1/GPE blocks, when HW_REDUCED is set.
 * Reset, sleep-control and sleep-status registers are the 8-bit I/O ports
 * of asm/vplatform.h, which the device models emulate.
 */
#ifndef ASM_ACPI_BUILD_H
#define ASM_ACPI_BUILD_H

#include <mica/types.h>

/*
 * Type-0 MADT entries carry an 8-bit APIC ID and processor UID; 0xff is the
 * broadcast ID (and "all processors" in NMI entries), so 254 is the most.
 */
#define ACPI_BUILD_MAX_VCPUS    254

struct acpi_build_config {
    unsigned int nr_vcpus;      /* APIC IDs and processor UIDs are 0..nr_vcpus-1 */
    uint16_t pm_tmr_port;       /* the machine's ACPI PM timer, passed through (dom0);
                                   0: none, as for a domU, which has no machine port */
    bool pm_tmr_32bit;
    /*
     * dom0_pci=view: PCI0's windows for the physical functions' BARs: the
     * I/O ports but the configuration ones, and this 32-bit memory range
     * (0 length: no windows, as for a domU).
     */
    uint32_t mmio_window_base, mmio_window_len;
};

/*
 * Lay the tables out in buf, to be copied unchanged to guest-physical
 * base_gpa (VPLAT_ACPI_GPA; at most VPLAT_ACPI_MAX bytes). Every address
 * inside the tables is base_gpa + offset. The RSDP is always first, so
 * *rsdp_gpa == base_gpa (16-byte aligned, as the 0xE0000-0xFFFFF scan
 * needs). Pure: touches nothing but buf.
 *
 * Returns the bytes used (<= len), -ENOSPC when buf is too small, or
 * -EINVAL for 0 or more than ACPI_BUILD_MAX_VCPUS vCPUs, or a base_gpa that
 * is not 16-byte aligned or would put a table at or above 4 GiB.
 */
long acpi_build(const struct acpi_build_config *c, void *buf, size_t len,
                uint64_t base_gpa, uint64_t *rsdp_gpa);

#endif
