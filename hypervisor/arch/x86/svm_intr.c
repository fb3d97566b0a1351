/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Getting virtual interrupts into an SVM guest.
 *
 * External interrupts (the local APIC's highest deliverable vector, or the
 * upcall vector of a guest without one) are offered through the virtual
 * interrupt request, V_IRQ with V_INTR_VECTOR: the CPU delivers it itself
 * as soon as the guest has IF set and no interrupt shadow, and clears
 * V_IRQ when it does. After each exit svm_intr_complete() sees whether the
 * offer was taken; the local APIC moves the vector from IRR to ISR then,
 * when the guest really acknowledged it, as a real APIC does.
 *
 * Why not EVENTINJ, as exceptions and NMIs use: QEMU's SVM (TCG) delivers
 * an injected external interrupt at once inside VMRUN but also leaves the
 * vector as its pending exception, and delivers it a second time on the
 * next exit from its execution loop (any kick of that CPU). The copy
 * arrives at the handler's first instruction with IF clear; from user mode
 * it takes the kernel entry path without SWAPGS, and Linux dies of nested
 * page faults on a user GS base. The virtual interrupt path has no such
 * leftover. V_IRQ is also what the architecture provides for this, and
 * needs no interrupt-window exit.
 *
 * A 64-bit guest's CR8 is its local APIC's TPR[7:4]. With V_INTR_MASKING a
 * MOV to or from CR8 uses V_TPR without an exit, so V_TPR is loaded from
 * the vLAPIC's TPR before each entry and a change found after the exit is
 * written back; the CPU compares an offer's priority with V_TPR, so a CR8
 * raised after the offer holds it back as it should.
 *
 * Bochs (2.7) is the exception: its VMRUN re-evaluates which events the
 * guest's RFLAGS.IF unmasks before it marks the CPU as in the guest, so a
 * V_IRQ offered to a guest entered with IF already set stays masked until
 * the guest itself sets IF again (STI, POPF, IRET); a guest spinning with
 * interrupts on never gets it. So every entry whose offer must be taken
 * at once (IF set, no interrupt shadow, nothing in EVENTINJ, above V_TPR)
 * notes its RIP, and an exit that finds the offer still pending after the
 * guest has run on (RIP moved), VIRQ_MISSES_PROOF entries in a row, proves
 * the CPU does not honour V_IRQ. From then on such offers are injected
 * through EVENTINJ instead, as Xen and KVM inject every interrupt; V_IRQ
 * stays for a guest that cannot take one yet, which Bochs delivers when the
 * guest sets IF. QEMU and hardware take the offer before the first guest
 * instruction (or exit before it for a physical interrupt, RIP unmoved).
 * QEMU 7.2 was seen, once in a few hundred boots and under an MSI storm, to
 * leave one such offer untaken across an exit (then take it): one miss is
 * no proof, and the switch it caused crashed dom0 (a timer interrupt
 * injected at its own handler's first instruction, over and over).
 *
 * NMIs: a CPU takes no NMI between delivering one and the IRET that ends
 * its handler, and an injected NMI does not set that blocking in the
 * guest, so it is kept here (as KVM does). Injecting one intercepts IRET;
 * at that exit the IRET has not run yet, so the block lifts at the first
 * later exit whose RIP has moved on. A second NMI waits until then: no
 * single-stepping for it, the next exit (a timer tick at the latest)
 * delivers it.
 */
#include <mica/console.h>
#include <mica/domain.h>
#include <asm/x86.h>
#include <asm/svm_priv.h>
#include <asm/vlapic.h>

#define APIC_PRIO_SHIFT     4     /* a vector's priority class, TPR[7:4], is CR8 */
#define VINTR_OFFER_MASK    (VINTR_V_IRQ | VINTR_IGN_TPR | (0xfull << VINTR_PRIO_SHIFT) | \
                             (EVENT_VECTOR << VINTR_VECTOR_SHIFT))
#define VEC_NMI             2
#define VEC_BP              3
#define VEC_OF              4

/* Set once this CPU model was seen leaving a deliverable V_IRQ untaken (Bochs). */
static bool virq_unreliable;

#define VIRQ_MISSES_PROOF   4     /* untaken deliverable offers in a row that prove it */

/* svm_of(v)->nmi_block: is the guest between an NMI's delivery and its IRET? */
enum { NMI_OPEN, NMI_IN_HANDLER, NMI_IRET_SEEN };

/*
 * Offer vec at its priority class; a negative vec withdraws the offer. A
 * vCPU without a local APIC has no TPR: its upcall ignores V_TPR.
 */
static void offer(struct vcpu *v, struct vmcb *vm, int vec)
{
    vm->vintr &= ~VINTR_OFFER_MASK;
    svm_of(v)->virq_vec = vec;
    if (vec >= 0)
        vm->vintr |= VINTR_V_IRQ | (v->arch.vlapic ? 0 : VINTR_IGN_TPR) |
                     ((uint64_t)vec >> APIC_PRIO_SHIFT) << VINTR_PRIO_SHIFT |
                     (uint64_t)vec << VINTR_VECTOR_SHIFT;
}

/* Before an entry: CR8 reads the vLAPIC's TPR. */
static void tpr_to_cr8(struct vcpu *v, struct vmcb *vm)
{
    svm_of(v)->v_tpr = (uint8_t)(v->arch.vlapic->tpr >> APIC_PRIO_SHIFT);
    vm->vintr = (vm->vintr & ~VINTR_V_TPR) | svm_of(v)->v_tpr;
}

/* After an exit: a MOV to CR8 meanwhile wrote TPR[7:4] (and clears TPR[3:0]). */
static void cr8_to_tpr(struct vcpu *v, const struct vmcb *vm)
{
    uint8_t cr8 = vm->vintr & VINTR_V_TPR;

    if (cr8 != svm_of(v)->v_tpr)
        v->arch.vlapic->tpr = (uint32_t)cr8 << APIC_PRIO_SHIFT;
}

/*
 * Did this exit interrupt the delivery of vec? Hardware reports an
 * external interrupt as type INTR; QEMU as an exception with that vector.
 */
static bool cut_short(const struct vmcb *vm, int vec)
{
    uint64_t info = vm->exitintinfo, type = info & EVENT_TYPE_MASK;

    return (info & EVENT_VALID) && (info & EVENT_VECTOR) == (uint64_t)vec &&
           (type == EVENT_TYPE_INTR || (type == EVENT_TYPE_EXC && vec >= 32));
}

/*
 * An event cut short by this exit is delivered again on the next entry,
 * except one raised by an instruction (INTn, INT3, INTO): RIP still points
 * at it and, without next-RIP saving, an injected copy would push that
 * address as the return address. The instruction simply runs again.
 *
 * External interrupts are not injected again either: the only ones the
 * guest receives are our V_IRQ offers, which svm_intr_complete() renews
 * (hardware reports one cut short as type INTR, QEMU as an "exception"
 * with the vector, >= 32). Injecting a copy here as well would deliver it
 * twice. (A guest using APIC vectors 16-31 would have a cut-short one
 * reported by QEMU as that exception; no known guest does.)
 */
static uint64_t redelivery(uint64_t info)
{
    uint64_t type = info & EVENT_TYPE_MASK;
    unsigned int vec = info & EVENT_VECTOR;

    if (!(info & EVENT_VALID) || type == EVENT_TYPE_SOFT || type == EVENT_TYPE_INTR ||
        (type == EVENT_TYPE_EXC && (vec == VEC_BP || vec == VEC_OF || vec >= 32)))
        return 0;
    return info;
}

static void nmi_inject(struct vcpu *v, struct vmcb *vm)
{
    vm->eventinj = EVENT_VALID | EVENT_TYPE_NMI | VEC_NMI;
    vm->intercepts1 |= INTERCEPT_IRET;
    svm_of(v)->nmi_block = NMI_IN_HANDLER;
}

/* The IRET exit: the IRET that ends the NMI handler is about to run. */
void svm_intr_iret(struct vcpu *v, struct vmcb *vm)
{
    vm->intercepts1 &= ~INTERCEPT_IRET;
    if (svm_of(v)->nmi_block == NMI_IN_HANDLER) {
        svm_of(v)->nmi_block = NMI_IRET_SEEN;
        svm_of(v)->nmi_iret_rip = vm->rip;
    }
}

/*
 * After an exit, before its handler (which may be the guest's EOI, or
 * inject an exception in place of what is delivered again here).
 */
void svm_intr_complete(struct vcpu *v)
{
    struct vmcb *vm = svm_of(v)->vmcb;
    int vec = svm_of(v)->virq_vec;

    vm->eventinj = redelivery(vm->exitintinfo);
    if (svm_of(v)->nmi_block == NMI_IRET_SEEN && vm->rip != svm_of(v)->nmi_iret_rip)
        svm_of(v)->nmi_block = NMI_OPEN;
    if (v->arch.vlapic)
        cr8_to_tpr(v, vm);
    if (vec < 0)
        return;
    if (cut_short(vm, vec)) {
        offer(v, vm, vec);                   /* not taken: offered again */
        return;
    }
    if (vm->vintr & VINTR_V_IRQ) {
        if (svm_of(v)->offer_due && vm->rip != svm_of(v)->offer_rip && !virq_unreliable &&
            ++svm_of(v)->offer_misses >= VIRQ_MISSES_PROOF) {
            virq_unreliable = true;
            pr_info("svm: the CPU left a deliverable V_IRQ untaken %u times in a row (Bochs); "
                    "interrupts the guest can take go through EVENTINJ\n", VIRQ_MISSES_PROOF);
        }
        return;                              /* still waiting for IF */
    }
    svm_of(v)->offer_misses = 0;
    svm_of(v)->virq_vec = -1;
    if (v->arch.vlapic)
        vlapic_accept(v, vec);
}

/* A vCPU without a local APIC: the upcall vector, edge-style. */
static void assist_upcall(struct vcpu *v, struct vmcb *vm)
{
    if (svm_of(v)->virq_vec >= 0 || !v->upcall_pending)
        return;
    /* Cleared when offered, not when taken: an event sent meanwhile offers it once more. */
    __atomic_store_n(&v->upcall_pending, false, __ATOMIC_SEQ_CST);
    offer(v, vm, v->upcall_vector);
}

/* Would the CPU take the V_IRQ offer before the guest's first instruction? */
static bool offer_deliverable(const struct vcpu *v, const struct vmcb *vm)
{
    int vec = svm_of(v)->virq_vec;

    if (vec < 0 || !(vm->vintr & VINTR_V_IRQ) || (vm->eventinj & EVENT_VALID) ||
        !(vm->rflags & X86_EFLAGS_IF) || (vm->int_state & INT_STATE_SHADOW))
        return false;
    return (vm->vintr & VINTR_IGN_TPR) ||
           ((uint64_t)vec >> APIC_PRIO_SHIFT) > (vm->vintr & VINTR_V_TPR);
}

/*
 * The last step before VMRUN: note a deliverable offer, or on a CPU that
 * does not honour one, inject it (svm_intr_complete() then finds V_IRQ
 * clear and the vector taken, or cut short and offered again).
 */
static void offer_or_inject(struct vcpu *v, struct vmcb *vm)
{
    struct svm_vcpu *s = svm_of(v);

    s->offer_due = offer_deliverable(v, vm);
    s->offer_rip = vm->rip;
    if (!s->offer_due || !virq_unreliable)
        return;
    vm->vintr &= ~VINTR_V_IRQ;
    vm->eventinj = EVENT_VALID | EVENT_TYPE_INTR | (uint64_t)s->virq_vec;
    s->offer_due = false;
}

static void assist_lapic(struct vcpu *v, struct vmcb *vm, struct vlapic *l)
{
    if (l->nmi_pending && svm_of(v)->nmi_block == NMI_OPEN && !(vm->eventinj & EVENT_VALID) &&
        !(vm->int_state & INT_STATE_SHADOW)) {
        l->nmi_pending = false;
        nmi_inject(v, vm);
    }
    tpr_to_cr8(v, vm);
    offer(v, vm, vlapic_pending(v));
}

/* Before each VMRUN. */
void svm_intr_assist(struct vcpu *v)
{
    struct vmcb *vm = svm_of(v)->vmcb;
    struct vlapic *l = v->arch.vlapic;

    if (l)
        assist_lapic(v, vm, l);
    else
        assist_upcall(v, vm);
    offer_or_inject(v, vm);
}

bool svm_event_pending(struct vcpu *v)
{
    struct vlapic *l = v->arch.vlapic;

    if (!l)
        return v->upcall_pending || svm_of(v)->virq_vec >= 0;
    return l->nmi_pending || vlapic_pending(v) >= 0;
}
