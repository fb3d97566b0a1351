/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The virtual platform dom0 and F_PLATFORM domUs see (docs/dom0.md,
 * docs/abi.md section 18): what the ACPI tables
 * describe and what the device models emulate must agree, so both take
 * their numbers from here.
 */
#ifndef ASM_VPLATFORM_H
#define ASM_VPLATFORM_H

/* Hardware-reduced ACPI sleep and reset registers (I/O space, 8-bit). */
#define VPLAT_SLEEP_CTL_PORT   0x3c0   /* SLP_TYP << 2 | SLP_EN (0x20) */
#define VPLAT_SLEEP_STS_PORT   0x3c1   /* WAK_STS (0x80): write 1 to clear */
#define VPLAT_RESET_PORT       0xcf9
#define VPLAT_RESET_VALUE      0x06
#define VPLAT_S5_SLP_TYP       5

/* The one UART: COM1, interrupting on ISA IRQ 4 = GSI 4 (IOAPIC pin 4). */
#define VPLAT_COM1_PORT        0x3f8
#define VPLAT_COM1_GSI         4

/* One I/O APIC (asm/vioapic.h): 24 pins, GSI base 0; RAM ends below it. */
#define VPLAT_IOAPIC_BASE      0xfec00000u
#define VPLAT_IOAPIC_ID        0

/* Local APICs: x2APIC, enabled at entry; APIC ID = vCPU index. */
#define VPLAT_LAPIC_BASE       0xfee00000u

/* Guest-physical layout of dom0's low memory (below 1 MiB). */
#define VPLAT_BOOT_GDT_GPA     0x6000u     /* flat GDT for the 64-bit entry */
#define VPLAT_ZERO_PAGE_GPA    0x7000u     /* Linux boot_params */
#define VPLAT_BOOT_PT_GPA      0x9000u     /* identity map of 4 GiB: 6 pages */
#define VPLAT_CMDLINE_GPA      0x20000u    /* kernel command line, 4 KiB max */
#define VPLAT_LOW_RAM_END      0x9fc00u    /* e820 RAM [0, this) */
#define VPLAT_ACPI_GPA         0xe0000u    /* tables in the reserved hole, 64 KiB max */
#define VPLAT_ACPI_MAX         0x10000u
#define VPLAT_BIOS_END         0x100000u   /* reserved [LOW_RAM_END, this) */
#define VPLAT_RESET_VECTOR_GPA 0xffff0u     /* F000:FFF0: a reset stub lives here */

#endif
