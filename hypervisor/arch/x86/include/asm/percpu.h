/* SPDX-License-Identifier: GPL-2.0-only */
/* Per-CPU data, reached through GS base (gs:0 holds the block's address). */
#ifndef ASM_PERCPU_H
#define ASM_PERCPU_H

#include <mica/types.h>
#include <mica/acpi.h>
#include <asm/desc.h>

struct vcpu;

struct percpu {
    struct percpu *self;          /* gs:0 */
    unsigned int cpu;             /* dense index, 0 = boot CPU */
    uint32_t apic_id;
    uint64_t stack_top;           /* the CPU's main hypervisor stack */
    uint64_t gdt[GDT_ENTRIES];
    struct tss tss;
    void *host_save;              /* VMSAVE area for host FS/GS/TR/... */
    paddr_t hsave_pa;             /* the VM_HSAVE_PA page */
    struct vcpu *curr;            /* vCPU loaded on this CPU, or NULL */
    volatile bool online;
    volatile bool need_resched;   /* set by the timer and by wake-ups */
    uint64_t irq_count;           /* timer interrupts taken */
    int32_t last_domid;           /* domain of the last vCPU run here, -1: none (spec_ctrl.c) */
};

extern struct percpu *percpu[MAX_CPUS];
extern unsigned int nr_cpus_online;

static inline struct percpu *this_cpu(void)
{
    struct percpu *p;
    asm volatile("movq %%gs:0, %0" : "=r"(p));
    return p;
}

static inline unsigned int smp_processor_id(void)
{
    return this_cpu()->cpu;
}

/* Allocates and installs (GS base, GDT, TSS) the block for a CPU. */
struct percpu *percpu_setup(unsigned int cpu, uint32_t apic_id);
void percpu_install(struct percpu *pc);

#endif
