/* SPDX-License-Identifier: MIT */
/*
 * What the hypervisor's domain builder hands a directly booted test kernel
 * (an ELF64 multiboot2 module; Linux guests use the Linux boot protocol).
 *
 * Entry state: 64-bit long mode, CS = 0x08 (64-bit code), DS/ES/SS = 0x10,
 * paging on with guest page tables identity-mapping the low 4 GiB with 2 MiB
 * pages (at MICA_START_PT_GPA), interrupts off, RDI = guest-physical address
 * of struct mica_start_info, RSP = 0 (the kernel sets its own stack).
 * Guest RAM is [0, nr_pages * 4096); everything above is unbacked.
 */
#ifndef MICA_PUBLIC_START_INFO_H
#define MICA_PUBLIC_START_INFO_H

#include "types.h"

#define MICA_START_MAGIC     0x4d696361u  /* "Mica" */
#define MICA_START_INFO_GPA  0x00001000u  /* the start info page */
#define MICA_START_GDT_GPA   0x00002000u  /* the boot GDT */
#define MICA_START_PT_GPA    0x00003000u  /* PML4, PDPT, 4 PDs: 6 pages */
#define MICA_START_LOW_END   0x00010000u  /* kernels load at or above this */

struct mica_start_info {
    uint32_t magic;           /* MICA_START_MAGIC */
    uint16_t domid;
    uint16_t vcpu_id;
    uint64_t nr_pages;        /* guest RAM in 4 KiB pages, from gpa 0 */
    char     cmdline[1024];   /* the module's command line, NUL-terminated */
};
MICA_STATIC_ASSERT(sizeof(struct mica_start_info) == 1040, "ABI size");

#endif
