/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The vCPU seam (asm/vcpu.h): choosing the backend for this machine, the
 * one way every hook is reached, and the x86-neutral services around them
 * (HLT, INIT/STARTUP, upcalls, guest TLB flushes).
 */
#include <mica/iommu.h>
#include <mica/domain.h>
#include <mica/sched.h>
#include <mica/console.h>
#include <mica/timer.h>
#include <mica/lib.h>
#include <mica/mm.h>
#include <asm/insn.h>
#include <asm/vcpu.h>
#include <asm/mmio.h>
#include <asm/vlapic.h>
#include <asm/vplatform_dev.h>
#include <asm/percpu.h>
#include <asm/x86.h>
#include <asm/spec_ctrl.h>

static const struct vcpu_vendor_ops *vcpu_ops;

static const struct vcpu_vendor_ops *const backends[] = { &svm_vcpu_ops, &vmx_vcpu_ops };

const char *arch_vcpu_select(void)
{
    const char *missing = NULL;

    for (size_t i = 0; i < ARRAY_SIZE(backends); i++) {
        if (!backends[i]->cpu_present())
            continue;
        missing = backends[i]->cpu_missing();
        if (!missing) {
            vcpu_ops = backends[i];
            return NULL;
        }
    }
    return missing ? missing :
        "hardware virtualization: neither AMD SVM (CPUID 0x80000001 ECX bit 2) "
        "nor Intel VMX (CPUID 1 ECX bit 5)";
}

/* ---- the hooks ---------------------------------------------------------- */

const char *arch_vcpu_vendor_name(void) { return vcpu_ops->name; }
int arch_vcpu_hw_init(void) { return vcpu_ops->hw_init(); }
int arch_vcpu_cpu_enable(void) { return vcpu_ops->cpu_enable(); }
int arch_vcpu_create(struct vcpu *v) { return vcpu_ops->vcpu_create(v); }
void arch_vcpu_destroy(struct vcpu *v) { vcpu_ops->vcpu_destroy(v); }
size_t arch_vcpu_bytes(void) { return vcpu_ops->vcpu_bytes(); }

void arch_vcpu_run(struct vcpu *v)
{
    spec_ctrl_enter(v);                   /* IBPB when the domain changes */
    vcpu_ops->vcpu_run(v);
}

void arch_vcpu_platform_io(struct vcpu *v) { vcpu_ops->vcpu_platform_io(v); }
bool arch_vcpu_event_pending(struct vcpu *v) { return vcpu_ops->vcpu_event_pending(v); }
uint64_t arch_vcpu_tsc_offset(struct vcpu *v) { return vcpu_ops->vcpu_tsc_offset(v); }
uint32_t arch_vcpu_cpuid_spec_ctrl(void) { return vcpu_ops->cpuid_spec_ctrl(); }
void arch_vcpu_dump_exits(struct vcpu *v)
{
    vcpu_ops->vcpu_dump_exits(v);
    mmio_dump_counts(v);
}

void arch_vcpu_dump_state(struct vcpu *v) { vcpu_ops->vcpu_dump_state(v); }

void arch_vcpu_set_entry64(struct vcpu *v, const struct vcpu_entry64 *e)
{
    vcpu_ops->vcpu_set_entry64(v, e);
}

void arch_vcpu_set_startup(struct vcpu *v, uint8_t vector)
{
    vcpu_ops->vcpu_set_startup(v, vector);
}

void arch_vcpu_paging(struct vcpu *v, struct guest_paging *gp)
{
    vcpu_ops->vcpu_paging(v, gp);
}

uint64_t arch_vcpu_get_gpr(struct vcpu *v, unsigned int n)
{
    return vcpu_ops->vcpu_get_gpr(v, n);
}

void arch_vcpu_set_gpr(struct vcpu *v, unsigned int n, uint64_t val)
{
    vcpu_ops->vcpu_set_gpr(v, n, val);
}

uint64_t arch_vcpu_get_rip(struct vcpu *v) { return vcpu_ops->vcpu_get_rip(v); }

void arch_vcpu_advance_rip(struct vcpu *v, unsigned int len)
{
    vcpu_ops->vcpu_advance_rip(v, len);
}

void arch_vcpu_inject_exception(struct vcpu *v, unsigned int vector, bool has_err, uint32_t err)
{
    vcpu_ops->vcpu_inject_exception(v, vector, has_err, err);
}

void arch_vcpu_set_cr2(struct vcpu *v, uint64_t cr2) { vcpu_ops->vcpu_set_cr2(v, cr2); }

/* ---- services ----------------------------------------------------------- */

void vcpu_inject_pf(struct vcpu *v, uint64_t la, uint32_t pfec)
{
    arch_vcpu_set_cr2(v, la);
    arch_vcpu_inject_exception(v, X86_VEC_PF, true, pfec);
}

void vcpu_inject_gp0(struct vcpu *v)
{
    arch_vcpu_inject_exception(v, X86_VEC_GP, true, 0);
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
    arch_vcpu_set_startup(v, vector);
    v->wait_sipi = false;
    vcpu_revive(v);
}

void vcpu_halt(struct vcpu *v, bool irqs_enabled)
{
    if (!irqs_enabled) {
        domain_vcpu_halted(v);
        return;
    }
    if (arch_vcpu_event_pending(v))
        return;                           /* an interrupt ends the halt at once */
    vcpu_block(v);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (arch_vcpu_event_pending(v))       /* raced with a sender: undo */
        vcpu_wake(v);
}

/*
 * Read up to INSN_MAX_LEN bytes at CS:RIP, fewer where the next page cannot
 * be read (an instruction at the end of a mapped page).
 */
size_t vcpu_fetch_insn(struct vcpu *v, uint8_t *buf)
{
    struct guest_paging gp;
    uint64_t la;
    size_t first;

    arch_vcpu_paging(v, &gp);
    la = gp.cs_base + arch_vcpu_get_rip(v);
    first = MIN((size_t)INSN_MAX_LEN, (size_t)(PAGE_SIZE - (la & (PAGE_SIZE - 1))));
    if (copy_from_guest(v, buf, la, first))
        return 0;
    if (first == INSN_MAX_LEN || copy_from_guest(v, buf + first, la + first, INSN_MAX_LEN - first))
        return first;
    return INSN_MAX_LEN;
}

/* The backend's address-space tag follows by itself (a new one on a new pCPU). */
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
 * The backend's run loop calls arch_vcpu_entering_guest() before each guest
 * entry and arch_vcpu_left_guest() after the exit. Both sides write, then
 * read the other's flag, with full barriers: either the vCPU sees the
 * request before it enters, or we see it inside and kick it out.
 */
bool arch_vcpu_entering_guest(struct vcpu *v)
{
    __atomic_store_n(&v->arch.in_guest, true, __ATOMIC_SEQ_CST);
    return __atomic_exchange_n(&v->arch.tlb_flush, false, __ATOMIC_SEQ_CST);
}

void arch_vcpu_left_guest(struct vcpu *v)
{
    __atomic_store_n(&v->arch.in_guest, false, __ATOMIC_SEQ_CST);
}

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
                arch_send_kick((unsigned int)v->arch.last_pcpu);
            kicked = true;
            cpu_relax();
        }
    }
    iommu_domain_flush(d);
}
