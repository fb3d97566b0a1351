/* Choosing the vCPU vendor layer for this machine. */
#include <mica/domain.h>
#include <mica/sched.h>
#include <mica/console.h>
#include <asm/vcpu.h>
#include <asm/vlapic.h>

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

void arch_vcpu_raise_upcall(struct vcpu *v)
{
    uint8_t vec = v->upcall_vector;

    if (!vec)
        return;
    if (v->arch.vlapic) {
        vlapic_set_irq(v, vec);
        return;
    }
    __atomic_store_n(&v->upcall_pending, true, __ATOMIC_SEQ_CST);
    vcpu_kick(v);
}
