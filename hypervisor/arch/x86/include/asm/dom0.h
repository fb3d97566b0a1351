/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef ASM_DOM0_H
#define ASM_DOM0_H

#include <mica/types.h>

struct boot_info;
struct domain;

struct dom0_options {
    uint64_t mem;              /* dom0_mem=, 0: all free RAM but the hypervisor's share */
    unsigned int vcpus;        /* dom0_vcpus=, 0: one per pCPU */
    unsigned int nr_cpus;      /* pCPUs online */
    bool pin;                  /* dom0_vcpus_pin: vCPU i pinned to pCPU i mod nr_cpus */
};

/* How many boot modules are dom0's (kernel, and initramfs if module 1 is not ELF). */
unsigned int dom0_module_count(const struct boot_info *bi);

/* Build dom0 from boot modules 0 (bzImage) and 1 (initramfs, optional). */
int dom0_build(const struct boot_info *bi, const struct dom0_options *o,
               struct domain **out);

#endif
