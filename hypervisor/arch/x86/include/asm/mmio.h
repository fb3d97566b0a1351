/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Emulated device pages (the xAPIC, the I/O APIC) for either backend: a
 * nested page fault or EPT violation names the address, the instruction
 * at RIP says the rest (asm/insn.h), and the device model does the access
 * (mmio.c). Guest registers are reached through the vCPU hooks.
 */
#ifndef ASM_MMIO_H
#define ASM_MMIO_H

#include <mica/types.h>

struct vcpu;

/* An emulated device page: the claims test and the accesses at base + offset. */
struct mmio_device {
    const char *name;
    uint64_t base;
    bool (*claims)(struct vcpu *v, uint64_t gpa);
    int (*read)(struct vcpu *v, uint64_t offset, unsigned int size, uint64_t *val);
    int (*write)(struct vcpu *v, uint64_t offset, unsigned int size, uint64_t val);
};

/* The device whose page holds gpa, or NULL. */
const struct mmio_device *mmio_device_at(struct vcpu *v, uint64_t gpa);
/* The emulated accesses of v, per device, on the console (beside its exits). */
void mmio_dump_counts(struct vcpu *v);
/* The access at RIP to dev's page: 0 (emulated, RIP advanced) or -EINVAL. */
int mmio_emulate(struct vcpu *v, const struct mmio_device *dev, uint64_t gpa);

#endif
