/* SPDX-License-Identifier: GPL-2.0-only */
/* The few ACPI facts the hypervisor needs: CPUs, power-off, reset, the IOMMU table. */
#ifndef MICA_ACPI_H
#define MICA_ACPI_H

#include <mica/types.h>

#define MAX_CPUS 64

struct acpi_info {
    unsigned int nr_cpus;             /* enabled processor-local APICs in the MADT */
    uint32_t apic_ids[MAX_CPUS];      /* in MADT order; the BSP is among them */
    paddr_t lapic_base;               /* MADT local APIC address (or its override) */

    bool have_s5;                     /* FADT PM1 control block and \_S5 found */
    uint32_t pm1a_cnt, pm1b_cnt;      /* I/O ports; pm1b 0 when absent */
    uint16_t slp_typa, slp_typb;      /* \_S5 SLP_TYP values */

    uint32_t pm_tmr_port;             /* ACPI PM timer (I/O port), 0 if none */
    bool pm_tmr_32bit;                /* its counter has 32 bits, not 24 */

    bool have_reset;                  /* FADT reset register (I/O space only) */
    uint16_t reset_port;
    uint8_t reset_value;

    const uint8_t *ivrs;              /* the AMD IOMMU table (checksummed), NULL if none */
    uint32_t ivrs_len;
};

/*
 * Walk RSDP -> XSDT (or RSDT) -> MADT, FADT -> DSDT. Tables are read through
 * acpi_map(), which the arch provides (identity map) and unit tests fake.
 * Returns 0, or -ENOENT when no valid RSDP/root table is found, -EINVAL on a
 * bad checksum of the RSDP or root table. A missing MADT leaves nr_cpus 0.
 */
int acpi_parse(const void *rsdp, size_t rsdp_len, struct acpi_info *out);
const void *acpi_map(paddr_t pa, size_t len);

#endif
