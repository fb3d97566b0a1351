/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Getting events into a VMX guest. Before each entry: an event whose
 * delivery the last exit cut short (IDT-vectoring information) goes in
 * again as it was, unless a handler put an exception in its place; else a
 * pending NMI when the guest is not blocking NMIs (virtual NMIs keep that
 * blocking until its IRET); else the local APIC's highest deliverable
 * vector (or, without one, the upcall vector) when the guest has IF set
 * and no STI/MOV SS shadow, taken by the local APIC at once since VM entry
 * delivers it for certain. What cannot go in yet asks for an
 * interrupt-window (or NMI-window) exit.
 */
#include <mica/domain.h>
#include <asm/x86.h>
#include <asm/vlapic.h>
#include <asm/vmx_priv.h>

#define VEC_NMI 2

static bool soft_event(uint32_t info)
{
    uint32_t type = info & INTR_INFO_TYPE_MASK;

    return type == INTR_TYPE_SW_INTR || type == INTR_TYPE_PRIV_SW_EXCEPTION ||
           type == INTR_TYPE_SW_EXCEPTION;
}

/* After an exit, before its handler: keep what its delivery was cut short of. */
void vmx_intr_exit(struct vcpu *v)
{
    struct vmx_vcpu *x = vmx_of(v);
    uint32_t info = (uint32_t)vmread(IDT_VECTORING_INFO);

    x->inject = 0;
    if (!(info & INTR_INFO_VALID))
        return;
    x->inject = info & ~INTR_INFO_NMI_UNBLOCKED;
    x->inject_err = (uint32_t)vmread(IDT_VECTORING_ERROR_CODE);
    x->inject_len = soft_event(info) ? (uint32_t)vmread(VM_EXIT_INSTRUCTION_LEN) : 0;
}

static void inject(struct vmx_vcpu *x, uint32_t info)
{
    vmwrite(VM_ENTRY_INTR_INFO, info);
    if (info & INTR_INFO_DELIVER_CODE)
        vmwrite(VM_ENTRY_EXCEPTION_ERROR_CODE, x->inject_err);
    if (soft_event(info))
        vmwrite(VM_ENTRY_INSTRUCTION_LEN, x->inject_len);
}

/* The vector to offer: the local APIC's, or the upcall of a vCPU without one; -1 if none. */
static int pending_vector(struct vcpu *v)
{
    if (v->arch.vlapic)
        return vlapic_pending(v);
    return v->upcall_pending ? v->upcall_vector : -1;
}

static void taken(struct vcpu *v, int vec)
{
    if (v->arch.vlapic)
        vlapic_accept(v, vec);
    else
        __atomic_store_n(&v->upcall_pending, false, __ATOMIC_SEQ_CST);
}

/* Before each entry; returns the window exits wanted (CPU_*_WINDOW_EXITING). */
static uint32_t assist(struct vcpu *v, struct vmx_vcpu *x)
{
    const struct vmx_guest *g = &x->guest;
    struct vlapic *l = v->arch.vlapic;
    int vec;

    if (x->inject & INTR_INFO_VALID) {
        inject(x, x->inject);
        x->inject = 0;
        return 0;
    }
    if (l && l->nmi_pending) {
        if (g->intr_state & (INTR_BLOCK_NMI | INTR_SHADOW))
            return CPU_NMI_WINDOW_EXITING;
        l->nmi_pending = false;
        inject(x, INTR_INFO_VALID | INTR_TYPE_NMI | VEC_NMI);
        return 0;
    }
    vec = pending_vector(v);
    if (vec < 0)
        return 0;
    if (!(g->rflags & X86_EFLAGS_IF) || (g->intr_state & INTR_SHADOW))
        return CPU_INTR_WINDOW_EXITING;
    taken(v, vec);
    inject(x, INTR_INFO_VALID | INTR_TYPE_EXT_INTR | (uint32_t)vec);
    return 0;
}

void vmx_intr_assist(struct vcpu *v)
{
    struct vmx_vcpu *x = vmx_of(v);

    vmwrite(CPU_BASED_VM_EXEC_CONTROL, vmx_cfg.cpu | assist(v, x));
}

bool vmx_event_pending(struct vcpu *v)
{
    struct vlapic *l = v->arch.vlapic;

    if (!l)
        return v->upcall_pending;
    return l->nmi_pending || vlapic_pending(v) >= 0;
}
