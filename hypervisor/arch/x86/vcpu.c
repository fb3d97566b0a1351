/* SPDX-License-Identifier: GPL-2.0-only */
/* Choosing the vCPU vendor layer for this machine. */
#include <mica/domain.h>
#include <mica/sched.h>
#include <mica/console.h>
#include <mica/timer.h>
#include <asm/vcpu.h>
#include <asm/vlapic.h>
#include <asm/vplatform_dev.h>
#include <asm/percpu.h>
#include <asm/apic.h>
#include <asm/traps.h>
#include <asm/x86.h>

const struct vcpu_vendor_ops *vcpu_ops;

const char *arch_vcpu_select(void)
{
    const char *missing = svm_vcpu_ops.cpu_missing();

    if (!missing)
        vcpu_ops = &svm_vcpu_ops;
    return missing;
}

/*
 * INIT parks a vCPU until a STARTUP IPI; Linux only sends it to vCPUs that
 * are not running (never started, or offlined with interrupts off).
 */
void vcpu_init_signal(struct vcpu *v)
{
    if (v->on_cpu || v->state == VCPU_RUNNING) {
        pr_warn("d%u: INIT to running vcpu%u ignored\n", v->domain->id, v->id);
        return;
    }
    vcpu_down(v);
    if (v->arch.vlapic)
        vlapic_reset(v->arch.vlapic, v->id == 0);
    v->wait_sipi = true;
}

void vcpu_startup_signal(struct vcpu *v, uint8_t vector)
{
    if (!v->wait_sipi || v->on_cpu)
        return;                           /* only the first STARTUP counts */
    vcpu_ops->vcpu_set_startup(v, vector);
    v->wait_sipi = false;
    vcpu_revive(v);
}

/* The ASID follows by itself (svm.c takes a new one on a new pCPU). */
void arch_vcpu_migrate(struct vcpu *v, unsigned int new_cpu)
{
    if (v->arch.vlapic)
        timer_migrate(&v->arch.vlapic->timer, new_cpu);
}

/*
 * The one way an upcall reaches a guest: the platform device's MSI when the
 * guest enabled it (a stock Linux with Mica's driver), else the vector a
 * test kernel registered with vcpu_op.
 */
void arch_vcpu_raise_upcall(struct vcpu *v)
{
    uint8_t vec = v->upcall_vector;

    if (vpci_msi_upcall(v->domain) || !vec)
        return;
    if (v->arch.vlapic) {
        vlapic_set_irq(v, vec);
        return;
    }
    __atomic_store_n(&v->upcall_pending, true, __ATOMIC_SEQ_CST);
    vcpu_kick(v);
}

/*
 * The run loop (svm.c) sets in_guest, then takes tlb_flush, before each
 * guest entry, and clears in_guest after the exit. Both sides write, then
 * read the other's flag, with full barriers: either the vCPU sees the
 * request before it enters, or we see it inside and kick it out.
 */
void arch_domain_flush_tlb(struct domain *d)
{
    for (unsigned int i = 0; i < d->nr_vcpus; i++)
        __atomic_store_n(&d->vcpu[i]->arch.tlb_flush, true, __ATOMIC_SEQ_CST);
    for (unsigned int i = 0; i < d->nr_vcpus; i++) {
        struct vcpu *v = d->vcpu[i];
        bool kicked = false;

        while (__atomic_load_n(&v->arch.in_guest, __ATOMIC_SEQ_CST) &&
               __atomic_load_n(&v->arch.tlb_flush, __ATOMIC_SEQ_CST)) {
            if (!kicked)
                apic_send_ipi(percpu[v->arch.last_pcpu]->apic_id, VEC_KICK);
            kicked = true;
            cpu_relax();
        }
    }
}
