/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The virtual local APIC a Linux guest needs: xAPIC mode (the register page
 * at 0xfee00000, reached by emulating the faulting MOV) as at power-on, and
 * x2APIC mode (MSRs) for a guest that switches to it; TSC-deadline, one-shot
 * and periodic timers; fixed, NMI, INIT and STARTUP IPIs.
 */
#ifndef ASM_VLAPIC_H
#define ASM_VLAPIC_H

#include <mica/types.h>
#include <mica/timer.h>
#include <mica/spinlock.h>

struct vcpu;
struct domain;

struct vlapic {
    struct vcpu *vcpu;
    uint32_t id;
    uint64_t apic_base;             /* the APIC_BASE MSR value */
    uint32_t tpr, svr, ldr, esr;
    uint32_t lvt[7];                /* CMCI, timer, thermal, perf, LINT0, LINT1, error */
    uint32_t icr_lo, icr_hi, dfr;
    uint32_t tdcr, tmict;
    uint32_t irr[8], isr[8], tmr[8];   /* irr is set by other CPUs: atomics */
    uint64_t timer_start_tsc;       /* one-shot/periodic: when TMICT was written */
    uint64_t deadline_tsc;          /* TSC-deadline mode: the MSR value */
    bool count_live;                /* one-shot: counting, not yet fired */
    /* vlapic_reset() clears everything above; what follows survives it. */
    struct timer timer;
    spinlock_t timer_lock;          /* the timer's state against its callback */
    volatile bool nmi_pending;
};

/* 0 or -ENOMEM. */
int vlapic_create(struct vcpu *v);
void vlapic_destroy(struct vcpu *v);
/*
 * 0, or -EINVAL: the guest's RDMSR/WRMSR raises #GP (no local APIC, the
 * wrong mode, a reserved bit or an invalid value). Covers 0x800-0x8ff,
 * APIC_BASE and TSC_DEADLINE.
 */
int vlapic_rdmsr(struct vcpu *v, uint32_t msr, uint64_t *val);
int vlapic_wrmsr(struct vcpu *v, uint32_t msr, uint64_t val);
bool vlapic_msr(uint32_t msr);
/* The highest vector deliverable now (above the processor priority), or -1 for none. */
int vlapic_pending(struct vcpu *v);
/* The CPU took vector vec: IRR -> ISR. */
void vlapic_accept(struct vcpu *v, int vec);
/* Raise a fixed interrupt and get the vCPU to notice. */
void vlapic_set_irq(struct vcpu *v, uint8_t vec);
/*
 * An interrupt message from the I/O APIC to the local APICs that dest names
 * (physical: an APIC ID, 0xff for all; logical: matched against LDR/DFR):
 * fixed, lowest priority (to the first match) or NMI; other delivery modes
 * are dropped. A level-triggered vector sets its TMR bit, and its EOI then
 * calls vioapic_eoi().
 */
void vlapic_deliver_irq(struct domain *d, uint8_t dest, bool logical, unsigned int mode,
                        uint8_t vec, bool level);
/*
 * An MSI (vpci_io.c): vlapic_deliver_irq() of an edge-triggered message,
 * fixed to every local APIC the 8-bit destination names, or to the first of
 * them when lowest is set.
 */
void vlapic_deliver_ext(struct domain *d, uint32_t dest, bool logical, bool lowest, uint8_t vec);
/* xAPIC mode: the register page at VPLAT_LAPIC_BASE (the caller decodes). */
bool vlapic_mmio_claims(struct vcpu *v, uint64_t gpa);
int vlapic_mmio_read(struct vcpu *v, uint64_t offset, unsigned int size, uint64_t *val);
int vlapic_mmio_write(struct vcpu *v, uint64_t offset, unsigned int size, uint64_t val);
/* One line of its IRR, ISR and timer (console key 'v'). */
void vlapic_dump(struct vcpu *v);
/* Put the APIC in its power-on state (INIT). */
void vlapic_reset(struct vlapic *l, bool bsp);

#endif
