/* SPDX-License-Identifier: GPL-2.0-only */
/* Facts and options gathered at boot, shared by the arch code. */
#ifndef ASM_SETUP_H
#define ASM_SETUP_H

#include <mica/types.h>
#include <mica/acpi.h>
#include <mica/bootinfo.h>

extern struct acpi_info acpi;
extern struct boot_info boot_info;
extern bool gs_ready;              /* per-CPU data installed on this CPU */

/* Command-line options (setup.c documents each). */
extern uint64_t opt_debug_exit;
extern uint64_t opt_maxcpus;
extern uint64_t opt_tslice_ms;

extern char __image_start[], __text_end[], __rodata_end[], __image_end[];

void paging_init(const struct boot_info *bi);
void memory_init(const struct boot_info *bi);
bool cpu_has_nx(void);

#endif
