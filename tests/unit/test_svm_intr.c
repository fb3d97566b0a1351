/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Unit tests for hypervisor/arch/x86/svm_intr.c: offering an external
 * interrupt through V_IRQ, replacing and withdrawing the offer, what an
 * exit means for it (taken, still waiting, cut short), NMIs through
 * EVENTINJ, the upcall vector of a vCPU without a local APIC, and
 * svm_event_pending().
 *
 * svm_intr.c is linked as it is (unit.mk), not #included: all it calls
 * outside itself is vlapic_pending() and vlapic_accept(), ordinary external
 * functions, stubbed here. The test sets what vlapic_pending() returns and
 * records every vlapic_accept(). The domain, the vCPUs, their VMCBs and the
 * local APIC are the real structures (struct vlapic is public in
 * asm/vlapic.h; svm_intr.c reads only its nmi_pending).
 *
 * The test plays the CPU: between svm_intr_assist() (before VMRUN) and
 * svm_intr_complete() (after the exit) it edits the VMCB as the guest's
 * run would, clearing V_IRQ when the guest "takes" the interrupt and
 * filling EXITINTINFO when the exit cut a delivery short. After an exit
 * svm_intr_complete() also decides what goes back into EVENTINJ
 * (test_redelivery), and carries a MOV to CR8 back into the TPR (test_cr8).
 *
 * VINTR, EVENTINJ and EXITINTINFO bits are written out from the APM
 * (vol. 2: the VMCB layout, event injection, virtual interrupts) rather
 * than taken from svm_intr.c or asm/svm.h, so a wrong number there shows.
 */
#include <mica/domain.h>
#include <asm/svm.h>
#include <asm/svm_priv.h>
#include <asm/vlapic.h>

#include "check.h"

/* VMCB offset 0x60, V_INTR fields. */
#define V_TPR_MASK      0xffull             /* bits 7:0 */
#define V_IRQ           (1ull << 8)
#define V_PRIO_SHIFT    16                  /* bits 19:16 */
#define V_IGN_TPR       (1ull << 20)
#define V_INTR_MASKING  (1ull << 24)
#define V_VEC_SHIFT     32                  /* bits 39:32 */
#define V_VEC(vintr)    (((vintr) >> V_VEC_SHIFT) & 0xff)
#define V_PRIO(vintr)   (((vintr) >> V_PRIO_SHIFT) & 0xf)

/* intercepts1 (VMCB 0x00c) bit 4: exit when the guest can take V_IRQ. */
#define ICPT_VINTR      (1u << 4)

/* EVENTINJ / EXITINTINFO. */
#define EV_VALID        (1ull << 31)
#define EV_ERR          (1ull << 11)
#define EV_INTR         (0ull << 8)
#define EV_NMI          (2ull << 8)
#define EV_EXC          (3ull << 8)
#define EV_SOFT         (4ull << 8)

/*
 * What svm.c leaves in a fresh VMCB's VINTR (V_INTR_MASKING), plus a
 * guest TPR of 7: both must survive every offer and withdrawal, since the
 * CPU uses them for the guest's own interrupt masking.
 */
#define VINTR_BASE      (V_INTR_MASKING | 0x07ull)

/* svm.c's intercepts1, without the VINTR intercept the old code used. */
#define ICPT1_BASE      ((1u << 0) | (1u << 1) | (1u << 2) | (1u << 3) | (1u << 18) | \
                         (1u << 22) | (1u << 24) | (1u << 26) | (1u << 27) | \
                         (1u << 28) | (1u << 29) | (1u << 31))

static struct domain dom;
static struct vmcb vmcb_l, vmcb_u;
static struct vlapic lapic;
static struct vcpu vl;          /* with a local APIC */
static struct vcpu vu;          /* without one: the upcall path */

/* ---- stubs: the local APIC as svm_intr.c sees it ---- */

static int pending_ret = -1;    /* what vlapic_pending() answers */
static unsigned int pending_calls;
static struct vcpu *pending_last;
static unsigned int accepts;
static int accept_vec;
static struct vcpu *accept_last;

int vlapic_pending(struct vcpu *v)
{
    pending_calls++;
    pending_last = v;
    return pending_ret;
}

void vlapic_accept(struct vcpu *v, int vec)
{
    accepts++;
    accept_vec = vec;
    accept_last = v;
}

/* ---- set-up and the CPU's side ---- */

static void reset(void)
{
    dom = (struct domain){ .id = 1, .nr_vcpus = 2, .vcpu = { &vl, &vu } };
    lapic = (struct vlapic){ .vcpu = &vl, .tpr = 0x70 };    /* CR8 7, as in VINTR_BASE */
    vmcb_l = vmcb_u = (struct vmcb){ .intercepts1 = ICPT1_BASE, .vintr = VINTR_BASE };
    vl = (struct vcpu){ .domain = &dom, .id = 0, .upcall_vector = 0xf3 };
    vl.arch.vendor.svm.vmcb = &vmcb_l;
    vl.arch.vlapic = &lapic;
    vl.arch.vendor.svm.virq_vec = -1;
    vu = (struct vcpu){ .domain = &dom, .id = 1, .upcall_vector = 0xf3 };
    vu.arch.vendor.svm.vmcb = &vmcb_u;
    vu.arch.vlapic = NULL;
    vu.arch.vendor.svm.virq_vec = -1;
    pending_ret = -1;
    pending_calls = accepts = 0;
    pending_last = accept_last = NULL;
    accept_vec = -1;
}

/* The VINTR an offer of vec should leave: the base bits plus the offer. */
static uint64_t offered(int vec)
{
    return VINTR_BASE | V_IRQ | ((uint64_t)vec >> 4) << V_PRIO_SHIFT | (uint64_t)vec << V_VEC_SHIFT;
}

/* The upcall of a vCPU without a local APIC (no TPR) ignores V_TPR. */
static uint64_t offered_upcall(int vec)
{
    return offered(vec) | V_IGN_TPR;
}

/*
 * An exit: taken says whether the guest took V_IRQ during the run (the
 * CPU clears it), info is EXITINTINFO. Then what svm_handle_exit() does
 * first.
 */
static void exit_with(struct vcpu *v, bool taken, uint64_t info)
{
    if (taken)
        v->arch.vendor.svm.vmcb->vintr &= ~V_IRQ;
    v->arch.vendor.svm.vmcb->exitintinfo = info;
    svm_intr_complete(v);
}

/* ---- the offer ---- */

static void test_offer(void)
{
    static const int vecs[] = { 0x20, 0x41, 0x9f, 0xec, 0xff };

    reset();
    pending_ret = 0x41;
    svm_intr_assist(&vl);
    CHECK(vmcb_l.vintr & V_IRQ, "offer: V_IRQ set");
    CHECK_EQ(V_VEC(vmcb_l.vintr), 0x41, "offer: V_INTR_VECTOR (bits 39:32)");
    CHECK(!(vmcb_l.vintr & V_IGN_TPR), "offer: V_IGN_TPR clear (the CPU weighs it against CR8)");
    CHECK_EQ(V_PRIO(vmcb_l.vintr), 4, "offer: V_INTR_PRIO is the vector's class");
    CHECK_EQ_S(vl.arch.vendor.svm.virq_vec, 0x41, "offer: virq_vec records the vector");
    CHECK_EQ(vmcb_l.intercepts1, ICPT1_BASE, "offer: intercepts1 unchanged (no VINTR intercept)");
    CHECK(!(vmcb_l.intercepts1 & ICPT_VINTR), "offer: VINTR intercept not set");
    CHECK_EQ(vmcb_l.eventinj, 0, "offer: nothing injected through EVENTINJ");
    CHECK_EQ(accepts, 0, "offer: not accepted before the guest takes it");
    CHECK(pending_calls == 1 && pending_last == &vl, "offer: vlapic_pending asked once, for this vCPU");

    /* Every field at once, at both ends of the vector and class range. */
    for (unsigned int i = 0; i < sizeof(vecs) / sizeof(vecs[0]); i++) {
        reset();
        pending_ret = vecs[i];
        svm_intr_assist(&vl);
        CHECK_EQ(vmcb_l.vintr, offered(vecs[i]), "offer %#x: whole VINTR, TPR and masking kept",
                 vecs[i]);
    }
}

static void test_withdraw(void)
{
    reset();
    pending_ret = 0x41;
    svm_intr_assist(&vl);
    exit_with(&vl, false, 0);       /* not taken yet: IF was clear */
    pending_ret = -1;               /* e.g. the guest raised its TPR meanwhile */
    svm_intr_assist(&vl);
    CHECK(!(vmcb_l.vintr & V_IRQ), "withdraw: V_IRQ cleared");
    CHECK_EQ(V_VEC(vmcb_l.vintr), 0, "withdraw: V_INTR_VECTOR cleared");
    CHECK_EQ(vmcb_l.vintr, VINTR_BASE, "withdraw: V_INTR_MASKING and V_TPR untouched, offer bits gone");
    CHECK_EQ_S(vl.arch.vendor.svm.virq_vec, -1, "withdraw: virq_vec -1");
    CHECK_EQ(accepts, 0, "withdraw: nothing accepted");
    exit_with(&vl, false, 0);
    CHECK_EQ(accepts, 0, "withdraw: a later exit accepts nothing");
}

static void test_replace(void)
{
    reset();
    pending_ret = 0x41;
    svm_intr_assist(&vl);
    exit_with(&vl, false, 0);
    pending_ret = 0x61;             /* a higher vector arrived before 0x41 was taken */
    svm_intr_assist(&vl);
    CHECK_EQ(vmcb_l.vintr, offered(0x61), "replace: the higher vector offered in place of the lower");
    CHECK_EQ_S(vl.arch.vendor.svm.virq_vec, 0x61, "replace: virq_vec follows");
    CHECK_EQ(accepts, 0, "replace: the lower one not accepted");
    exit_with(&vl, true, 0);
    CHECK(accepts == 1 && accept_vec == 0x61, "replace: taking it accepts the new vector (accepts %u, vec %#x)",
          accepts, accept_vec);
}

/* ---- after the exit ---- */

static void test_taken(void)
{
    reset();
    pending_ret = 0x41;
    svm_intr_assist(&vl);
    exit_with(&vl, true, 0);
    CHECK_EQ(accepts, 1, "taken: vlapic_accept called once");
    CHECK_EQ_S(accept_vec, 0x41, "taken: with the offered vector");
    CHECK(accept_last == &vl, "taken: for this vCPU");
    CHECK_EQ_S(vl.arch.vendor.svm.virq_vec, -1, "taken: virq_vec -1");
    CHECK(!(vmcb_l.vintr & V_IRQ), "taken: not offered again");
    exit_with(&vl, false, 0);       /* another exit before the next entry */
    CHECK_EQ(accepts, 1, "taken: a second exit does not accept it again");
}

static void test_waiting(void)
{
    reset();
    pending_ret = 0x41;
    svm_intr_assist(&vl);
    exit_with(&vl, false, 0);
    CHECK_EQ(accepts, 0, "waiting: V_IRQ still set: not accepted");
    CHECK_EQ(vmcb_l.vintr, offered(0x41), "waiting: offer kept");
    CHECK_EQ_S(vl.arch.vendor.svm.virq_vec, 0x41, "waiting: virq_vec kept");
}

/* The offered vector's delivery was interrupted, reported as info. */
static void cut_short_case(int vec, uint64_t info, const char *form)
{
    reset();
    pending_ret = vec;
    svm_intr_assist(&vl);
    exit_with(&vl, true, info);
    CHECK_EQ(accepts, 0, "cut short (%s, %#x): not accepted", form, vec);
    CHECK_EQ(vmcb_l.vintr, offered(vec), "cut short (%s, %#x): offered again", form, vec);
    CHECK_EQ_S(vl.arch.vendor.svm.virq_vec, vec, "cut short (%s, %#x): virq_vec kept", form, vec);
    exit_with(&vl, true, 0);        /* the next run delivers it */
    CHECK(accepts == 1 && accept_vec == vec, "cut short (%s, %#x): accepted once taken after all",
          form, vec);
}

static void test_cut_short(void)
{
    cut_short_case(0x41, EV_VALID | EV_INTR | 0x41, "INTR, hardware");
    cut_short_case(0xec, EV_VALID | EV_INTR | 0xec, "INTR, hardware");
    cut_short_case(0x41, EV_VALID | EV_EXC | 0x41, "EXC, QEMU");
    cut_short_case(0x20, EV_VALID | EV_EXC | 0x20, "EXC, QEMU, lowest");
}

/* The exit reported info, but the offered vector was taken all the same. */
static void not_cut_short_case(int vec, uint64_t info, const char *why)
{
    reset();
    pending_ret = vec;
    svm_intr_assist(&vl);
    exit_with(&vl, true, info);
    CHECK(accepts == 1 && accept_vec == vec, "%s: the offer counts as taken (accepts %u, vec %d)",
          why, accepts, accept_vec);
    CHECK_EQ_S(vl.arch.vendor.svm.virq_vec, -1, "%s: virq_vec -1", why);
    CHECK(!(vmcb_l.vintr & V_IRQ), "%s: not offered again", why);
}

static void test_not_cut_short(void)
{
    /*
     * Below 32 an EXC is a real exception: #PF (with its error code) in the
     * handler of a vector that happens to be 14 must not be taken for the
     * interrupt's own delivery. Only such a vector makes the rule matter.
     */
    not_cut_short_case(14, EV_VALID | EV_EXC | EV_ERR | 14, "EXC #PF 14 on offered 14");
    not_cut_short_case(31, EV_VALID | EV_EXC | 31, "EXC 31 on offered 31");
    not_cut_short_case(0x41, EV_VALID | EV_INTR | 0x51, "INTR of another vector");
    not_cut_short_case(0x41, EV_VALID | EV_EXC | 0x51, "EXC (QEMU) of another vector");
    not_cut_short_case(0x41, EV_VALID | EV_EXC | EV_ERR | 14, "#PF in the handler");
    not_cut_short_case(0x41, EV_INTR | 0x41, "same vector without the valid bit");
    not_cut_short_case(0x41, EV_VALID | EV_SOFT | 0x41, "INT 0x41 (software) in the handler");
    not_cut_short_case(0x41, EV_VALID | EV_NMI | 0x41, "NMI type with that vector");
}

/* ---- what an exit puts back into EVENTINJ ---- */

static void redelivery_case(int offer_vec, uint64_t info, uint64_t want, const char *what)
{
    reset();
    pending_ret = offer_vec;
    svm_intr_assist(&vl);
    vmcb_l.eventinj = EV_VALID | EV_EXC | 6;   /* stale: must be replaced either way */
    exit_with(&vl, info != 0 && offer_vec >= 0 ? false : true, info);
    CHECK(vmcb_l.eventinj == want, "after an exit with %s: EVENTINJ %#llx (want %#llx)", what,
          (unsigned long long)vmcb_l.eventinj, (unsigned long long)want);
}

static void test_redelivery(void)
{
    uint64_t pf = EV_VALID | EV_EXC | EV_ERR | 14 | (0x6ull << 32);

    redelivery_case(-1, 0, 0, "nothing cut short");
    redelivery_case(-1, pf, pf, "a #PF cut short: delivered again, error code and all");
    redelivery_case(-1, EV_VALID | EV_NMI | 2, EV_VALID | EV_NMI | 2, "an NMI cut short");
    redelivery_case(-1, EV_VALID | EV_EXC | 13, EV_VALID | EV_EXC | 13, "a #GP cut short");
    redelivery_case(-1, EV_VALID | EV_EXC | 3, 0, "INT3 cut short: the instruction runs again");
    redelivery_case(-1, EV_VALID | EV_EXC | 4, 0, "INTO cut short: the instruction runs again");
    redelivery_case(-1, EV_VALID | EV_SOFT | 0x80, 0, "INT 0x80 cut short: runs again");
    /* The offer's own delivery: renewed through V_IRQ, never injected as well. */
    redelivery_case(0x41, EV_VALID | EV_INTR | 0x41, 0, "the offer cut short (hardware)");
    CHECK(vmcb_l.vintr == offered(0x41), "and the offer stands");
    redelivery_case(0x41, EV_VALID | EV_EXC | 0x41, 0, "the offer cut short (QEMU)");
    CHECK(vmcb_l.vintr == offered(0x41), "and the offer stands");
    redelivery_case(-1, EV_VALID | EV_EXC | 0xec, 0, "a stray QEMU-style interrupt (EXC 0xec)");
}

/* ---- CR8 and the local APIC's TPR ---- */

static void test_cr8(void)
{
    reset();
    lapic.tpr = 0x57;
    svm_intr_assist(&vl);
    CHECK_EQ(vmcb_l.vintr & V_TPR_MASK, 5, "CR8 (V_TPR) reads TPR[7:4] after an entry");
    exit_with(&vl, false, 0);
    CHECK_EQ(lapic.tpr, 0x57, "an exit with CR8 untouched leaves TPR, low bits and all");

    svm_intr_assist(&vl);
    vmcb_l.vintr = (vmcb_l.vintr & ~V_TPR_MASK) | 9;   /* the guest: mov $9, %cr8 */
    exit_with(&vl, false, 0);
    CHECK_EQ(lapic.tpr, 0x90, "a MOV to CR8 during the run is the TPR after the exit");
    svm_intr_assist(&vl);
    CHECK_EQ(vmcb_l.vintr & V_TPR_MASK, 9, "and CR8 reads it back on the next entry");

    vmcb_l.vintr = (vmcb_l.vintr & ~V_TPR_MASK) | 0;   /* mov $0, %cr8 */
    exit_with(&vl, false, 0);
    CHECK_EQ(lapic.tpr, 0, "lowering CR8 to 0 lowers the TPR");

    reset();
    vu.upcall_pending = true;
    svm_intr_assist(&vu);
    vmcb_u.vintr = (vmcb_u.vintr & ~V_TPR_MASK) | 3;
    exit_with(&vu, false, 0);
    svm_intr_assist(&vu);
    CHECK_EQ(vmcb_u.vintr & V_TPR_MASK, 3, "without a local APIC, V_TPR is the guest's own");
}

/* ---- NMIs ---- */

static void test_nmi(void)
{
    const uint64_t nmi = EV_VALID | EV_NMI | 2;
    const uint64_t pf = EV_VALID | EV_EXC | EV_ERR | 14 | (6ull << 32);

    reset();
    lapic.nmi_pending = true;
    svm_intr_assist(&vl);
    CHECK_EQ(vmcb_l.eventinj, nmi, "nmi: injected through EVENTINJ (valid, type NMI, vector 2)");
    CHECK(!lapic.nmi_pending, "nmi: nmi_pending cleared once injected");
    CHECK_EQ_S(vl.arch.vendor.svm.virq_vec, -1, "nmi: no V_IRQ offer for it");

    reset();
    lapic.nmi_pending = true;
    pending_ret = 0x41;
    svm_intr_assist(&vl);
    CHECK(vmcb_l.eventinj == nmi && vmcb_l.vintr == offered(0x41),
          "nmi: with an interrupt pending, NMI injected and interrupt offered together");

    reset();
    lapic.nmi_pending = true;
    vmcb_l.eventinj = pf;           /* an exception being delivered again */
    svm_intr_assist(&vl);
    CHECK_EQ(vmcb_l.eventinj, pf, "nmi: EVENTINJ already valid: left alone");
    CHECK(lapic.nmi_pending, "nmi: EVENTINJ already valid: NMI held back");
    vmcb_l.eventinj = 0;            /* the exception went in */
    svm_intr_assist(&vl);
    CHECK(vmcb_l.eventinj == nmi && !lapic.nmi_pending, "nmi: injected once EVENTINJ is free");

    reset();
    lapic.nmi_pending = true;
    vmcb_l.int_state = 1;           /* after STI or MOV SS */
    svm_intr_assist(&vl);
    CHECK_EQ(vmcb_l.eventinj, 0, "nmi: interrupt shadow: nothing injected");
    CHECK(lapic.nmi_pending, "nmi: interrupt shadow: NMI held back");
    vmcb_l.int_state = 0;
    svm_intr_assist(&vl);
    CHECK(vmcb_l.eventinj == nmi && !lapic.nmi_pending, "nmi: injected once the shadow is gone");
}

/* intercepts1 bit 20, and its exit code. */
#define ICPT_IRET       (1u << 20)

/* No second NMI between one's delivery and the IRET ending its handler. */
static void test_nmi_blocking(void)
{
    const uint64_t nmi = EV_VALID | EV_NMI | 2;

    reset();
    lapic.nmi_pending = true;
    vmcb_l.rip = 0x1000;
    svm_intr_assist(&vl);
    CHECK(vmcb_l.eventinj == nmi && (vmcb_l.intercepts1 & ICPT_IRET),
          "nmi blocking: injecting an NMI intercepts IRET");
    exit_with(&vl, false, 0);                   /* the handler runs, an exit on the way */
    vmcb_l.rip = 0x2000;
    lapic.nmi_pending = true;                   /* a second NMI comes */
    svm_intr_assist(&vl);
    CHECK(vmcb_l.eventinj == 0 && lapic.nmi_pending,
          "nmi blocking: a second NMI waits while the handler runs");

    vmcb_l.rip = 0x2040;                        /* the handler's IRET, intercepted */
    exit_with(&vl, false, 0);
    svm_intr_iret(&vl, &vmcb_l);
    CHECK(!(vmcb_l.intercepts1 & ICPT_IRET), "nmi blocking: the IRET exit drops the intercept");
    svm_intr_assist(&vl);
    CHECK(vmcb_l.eventinj == 0 && lapic.nmi_pending,
          "nmi blocking: still blocked at the IRET itself (it has not run yet)");
    exit_with(&vl, false, 0);                   /* an exit with RIP still at the IRET */
    svm_intr_assist(&vl);
    CHECK(vmcb_l.eventinj == 0 && lapic.nmi_pending,
          "nmi blocking: an exit before the IRET ran changes nothing");

    vmcb_l.rip = 0x1000;                        /* back where the NMI came in */
    exit_with(&vl, false, 0);
    svm_intr_assist(&vl);
    CHECK(vmcb_l.eventinj == nmi && !lapic.nmi_pending && (vmcb_l.intercepts1 & ICPT_IRET),
          "nmi blocking: after the IRET ran, the waiting NMI goes in (and IRET is intercepted again)");

    reset();
    svm_intr_iret(&vl, &vmcb_l);                /* an IRET with no NMI in progress */
    lapic.nmi_pending = true;
    vmcb_l.rip = 0x3000;
    exit_with(&vl, false, 0);
    svm_intr_assist(&vl);
    CHECK_EQ(vmcb_l.eventinj, nmi, "nmi blocking: a stray IRET exit blocks nothing");
}

/* ---- a vCPU without a local APIC ---- */

static void test_upcall(void)
{
    reset();
    svm_intr_assist(&vu);
    CHECK(vmcb_u.vintr == VINTR_BASE && vu.arch.vendor.svm.virq_vec == -1, "upcall: nothing pending: no offer");

    vu.upcall_pending = true;
    svm_intr_assist(&vu);
    CHECK_EQ(vmcb_u.vintr, offered_upcall(0xf3), "upcall: upcall_vector offered through V_IRQ");
    CHECK_EQ_S(vu.arch.vendor.svm.virq_vec, 0xf3, "upcall: virq_vec records it");
    CHECK(!vu.upcall_pending, "upcall: upcall_pending cleared at the offer");
    CHECK_EQ(vmcb_u.eventinj, 0, "upcall: nothing through EVENTINJ");

    exit_with(&vu, false, 0);       /* IF clear: not taken */
    vu.upcall_pending = true;       /* another event meanwhile */
    svm_intr_assist(&vu);
    CHECK(vu.upcall_pending, "upcall: outstanding offer: not offered again (upcall_pending kept)");
    CHECK_EQ(vmcb_u.vintr, offered_upcall(0xf3), "upcall: outstanding offer left as it is");

    exit_with(&vu, true, EV_VALID | EV_EXC | 0xf3);   /* QEMU form: cut short */
    CHECK(vmcb_u.vintr == offered_upcall(0xf3) && vu.arch.vendor.svm.virq_vec == 0xf3,
          "upcall: cut short: offered again");

    exit_with(&vu, true, 0);
    CHECK_EQ_S(vu.arch.vendor.svm.virq_vec, -1, "upcall: taken: virq_vec -1");
    svm_intr_assist(&vu);
    CHECK(vmcb_u.vintr == offered_upcall(0xf3) && vu.arch.vendor.svm.virq_vec == 0xf3,
          "upcall: the event sent meanwhile is offered after the first was taken");
    CHECK(!vu.upcall_pending, "upcall: and upcall_pending cleared again");

    exit_with(&vu, true, 0);
    svm_intr_assist(&vu);
    CHECK(!(vmcb_u.vintr & V_IRQ) && vu.arch.vendor.svm.virq_vec == -1,
          "upcall: taken, nothing new: no offer");

    CHECK_EQ(accepts, 0, "upcall: vlapic_accept never called without a local APIC");
    CHECK_EQ(pending_calls, 0, "upcall: vlapic_pending never called without a local APIC");
}

/* ---- svm_event_pending ---- */

static void test_event_pending(void)
{
    reset();
    CHECK(!svm_event_pending(&vl), "event_pending, vLAPIC: nothing");
    pending_ret = 0x41;
    CHECK(svm_event_pending(&vl), "event_pending, vLAPIC: a vector deliverable");
    pending_ret = -1;
    lapic.nmi_pending = true;
    CHECK(svm_event_pending(&vl), "event_pending, vLAPIC: an NMI");
    CHECK(lapic.nmi_pending, "event_pending, vLAPIC: asking does not consume the NMI");

    reset();
    CHECK(!svm_event_pending(&vu), "event_pending, upcall: nothing");
    vu.upcall_pending = true;
    CHECK(svm_event_pending(&vu), "event_pending, upcall: upcall_pending");
    svm_intr_assist(&vu);
    CHECK(svm_event_pending(&vu), "event_pending, upcall: offered, not yet taken (upcall_pending clear)");
    exit_with(&vu, true, 0);
    CHECK(!svm_event_pending(&vu), "event_pending, upcall: taken: nothing");
    CHECK_EQ(pending_calls, 0, "event_pending, upcall: vlapic_pending never asked");
}

/*
 * A CPU that leaves a deliverable offer untaken while the guest runs on
 * (Bochs): from then on such offers go through EVENTINJ. Last, as the
 * switch is for good.
 */
#define RFLAGS_IF       (1ull << 9)

static void test_virq_unreliable(void)
{
    reset();
    vmcb_l.rflags = RFLAGS_IF;
    vmcb_l.rip = 0x1000;
    pending_ret = 0x91;                              /* class 9 above CR8 7 */
    svm_intr_assist(&vl);
    exit_with(&vl, false, 0);                        /* a host interrupt before the first instruction */
    svm_intr_assist(&vl);
    CHECK_EQ(vmcb_l.eventinj, 0, "unreliable: RIP unmoved: still offered through V_IRQ");
    CHECK_EQ(vmcb_l.vintr, offered(0x91), "unreliable: RIP unmoved: V_IRQ offer kept");

    vmcb_l.int_state = INT_STATE_SHADOW;             /* not deliverable: no conclusion */
    svm_intr_assist(&vl);
    vmcb_l.rip = 0x1008;
    exit_with(&vl, false, 0);
    vmcb_l.int_state = 0;
    svm_intr_assist(&vl);
    CHECK_EQ(vmcb_l.eventinj, 0, "unreliable: shadowed entry proves nothing");

    for (unsigned int i = 1; i < 4; i++) {           /* the guest ran on, the offer untaken */
        vmcb_l.rip = 0x1000 + 0x10 * i;
        exit_with(&vl, false, 0);
        svm_intr_assist(&vl);
        CHECK_EQ(vmcb_l.eventinj, 0, "unreliable: %u untaken in a row prove nothing yet", i);
    }
    vmcb_l.rip = 0x1040;                             /* the fourth in a row */
    exit_with(&vl, false, 0);
    svm_intr_assist(&vl);
    CHECK_EQ(vmcb_l.eventinj, EV_VALID | EV_INTR | 0x91, "unreliable: then injected through EVENTINJ");
    CHECK(!(vmcb_l.vintr & V_IRQ), "unreliable: V_IRQ clear when injected");
    exit_with(&vl, false, 0);
    CHECK_EQ(accepts, 1, "unreliable: injected vector accepted after the exit");
    CHECK_EQ_S(accept_vec, 0x91, "unreliable: the injected vector is the one accepted");

    svm_intr_assist(&vl);
    vmcb_l.rip = 0x1020;
    exit_with(&vl, false, EV_VALID | EV_INTR | 0x91);   /* cut short: injected again */
    svm_intr_assist(&vl);
    CHECK_EQ(vmcb_l.eventinj, EV_VALID | EV_INTR | 0x91, "unreliable: cut short: injected again");

    reset();
    pending_ret = 0x91;                              /* IF clear: V_IRQ waits for STI */
    svm_intr_assist(&vl);
    CHECK_EQ(vmcb_l.eventinj, 0, "unreliable: IF clear: nothing injected");
    CHECK_EQ(vmcb_l.vintr, offered(0x91), "unreliable: IF clear: offered through V_IRQ");

    reset();
    vmcb_u.rflags = RFLAGS_IF;                       /* the upcall of a vCPU without a vLAPIC */
    vu.upcall_pending = true;
    svm_intr_assist(&vu);
    CHECK_EQ(vmcb_u.eventinj, EV_VALID | EV_INTR | 0xf3, "unreliable: upcall injected");
    exit_with(&vu, false, 0);
    CHECK_EQ_S(vu.arch.vendor.svm.virq_vec, -1, "unreliable: injected upcall taken");
}

int main(void)
{
    check_area("svm_intr");
    test_offer();
    test_withdraw();
    test_replace();
    test_taken();
    test_waiting();
    test_cut_short();
    test_not_cut_short();
    test_redelivery();
    test_cr8();
    test_nmi();
    test_nmi_blocking();
    test_upcall();
    test_event_pending();
    test_virq_unreliable();
    return check_done();
}
