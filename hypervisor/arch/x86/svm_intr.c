/*
 * Getting virtual interrupts into an SVM guest. Before each VMRUN: an NMI
 * or the local APIC's highest deliverable vector is injected through
 * EVENTINJ when the guest can take it (IF set, no interrupt shadow);
 * otherwise a virtual interrupt request (V_IRQ) with the VINTR intercept
 * makes the CPU exit the moment the guest opens an interrupt window.
 */
#include <mica/domain.h>
#include <asm/x86.h>
#include <asm/svm_priv.h>
#include <asm/vlapic.h>

#define VINTR_V_IRQ         (1ull << 8)
#define VINTR_IGN_TPR       (1ull << 20)
#define VINTR_PRIO_SHIFT    16
#define INTERCEPT_VINTR     (1u << 4)
#define VEC_NMI             2

static void window_request(struct vmcb *vm)
{
    vm->vintr |= VINTR_V_IRQ | VINTR_IGN_TPR | (0xfull << VINTR_PRIO_SHIFT);
    vm->intercepts1 |= INTERCEPT_VINTR;
}

static void window_cancel(struct vmcb *vm)
{
    vm->vintr &= ~(VINTR_V_IRQ | VINTR_IGN_TPR | (0xfull << VINTR_PRIO_SHIFT));
    vm->intercepts1 &= ~INTERCEPT_VINTR;
}

/* A vCPU without a local APIC: the upcall vector, injected edge-style. */
static void assist_upcall(struct vcpu *v, struct vmcb *vm)
{
    if (!v->upcall_pending || (vm->eventinj & EVENT_VALID))
        return;
    if ((vm->rflags & X86_EFLAGS_IF) && !(vm->int_state & 1)) {
        v->upcall_pending = false;
        vm->eventinj = EVENT_VALID | EVENT_TYPE_INTR | v->upcall_vector;
        window_cancel(vm);
    } else {
        window_request(vm);
    }
}

void svm_intr_assist(struct vcpu *v)
{
    struct vmcb *vm = v->arch.vmcb;
    struct vlapic *l = v->arch.vlapic;
    int vec;

    if (!l) {
        assist_upcall(v, vm);
        return;
    }
    if (vm->eventinj & EVENT_VALID) {        /* an exception or re-delivery first */
        if (vlapic_pending(v) >= 0)
            window_request(vm);
        return;
    }
    if (l->nmi_pending && !(vm->int_state & 1)) {
        l->nmi_pending = false;
        vm->eventinj = EVENT_VALID | EVENT_TYPE_NMI | VEC_NMI;
        return;
    }
    vec = vlapic_pending(v);
    if (vec < 0) {
        window_cancel(vm);
        return;
    }
    if ((vm->rflags & X86_EFLAGS_IF) && !(vm->int_state & 1)) {
        vm->eventinj = EVENT_VALID | EVENT_TYPE_INTR | (uint64_t)vec;
        vlapic_accept(v, vec);
        window_cancel(vm);
        return;
    }
    window_request(vm);
}

/* The guest can take an interrupt now: the next entry injects it. */
void svm_exit_vintr(struct vcpu *v, struct vmcb *vm)
{
    (void)v;
    window_cancel(vm);
}

bool svm_event_pending(struct vcpu *v)
{
    struct vlapic *l = v->arch.vlapic;

    if (!l)
        return v->upcall_pending;
    return l->nmi_pending || vlapic_pending(v) >= 0;
}
