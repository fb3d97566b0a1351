/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Unit tests for hypervisor/arch/x86/vlapic.c: xAPIC registers by MMIO,
 * x2APIC registers by MSR, interrupt priority, IPIs, APIC_BASE and the
 * timer, in one domain of NV vCPUs (the last one without a local APIC).
 *
 * vlapic.c is compiled into this file rather than listed in unit.mk: it
 * reads the TSC with rdtsc() from asm/x86.h, and the test needs a TSC it
 * sets itself. asm/x86.h is included first (its include guard then makes
 * vlapic.c's own #include a no-op), and rdtsc() is redirected to
 * fake_tsc for vlapic.c only. No hypervisor source is changed.
 *
 * What vlapic.c calls outside itself is stubbed here and recorded: kicks,
 * INIT and STARTUP signals per vCPU, timer_set/timer_stop (the timer is
 * "run" by calling its callback, as timers_run() does, once the fake TSC
 * passes its expiry), tsc_to_ns (an exact made-up conversion, NS() below).
 *
 * Register offsets and MSR numbers are written out from the SDM here, not
 * taken from vlapic.c, so a wrong number there shows.
 *
 * Once-gaps are in test_pending().
 */
#include <stdlib.h>

#include <asm/x86.h>

static uint64_t fake_tsc;
#define rdtsc() (fake_tsc)
#include "../../hypervisor/arch/x86/vlapic.c"
#undef rdtsc

#include "check.h"

#define NV       21                 /* vCPUs 0-19 with a local APIC, 20 without */
#define NL       (NV - 1)
#define ALL      ((1u << NL) - 1)   /* mask of every vCPU with a local APIC */
#define BASE     0xfee00000ull
#define EN       (1ull << 11)
#define X2       (1ull << 10)
#define BSP      (1ull << 8)
#define T0       1000000ull

/* The stub tsc_to_ns(): a 500 MHz TSC that read 0 at 1000 ns. */
#define NS(tsc)  ((uint64_t)(tsc) * 2 + 1000)

/* xAPIC register offsets (the SDM's local APIC register address map). */
#define OFF_ID     0x020
#define OFF_VER    0x030
#define OFF_TPR    0x080
#define OFF_PPR    0x0a0
#define OFF_EOI    0x0b0
#define OFF_LDR    0x0d0
#define OFF_DFR    0x0e0
#define OFF_SVR    0x0f0
#define OFF_ISR    0x100
#define OFF_TMR    0x180
#define OFF_IRR    0x200
#define OFF_ESR    0x280
#define OFF_CMCI   0x2f0
#define OFF_ICR    0x300
#define OFF_ICR_HI 0x310
#define OFF_LVTT   0x320
#define OFF_LINT0  0x350
#define OFF_LVTERR 0x370
#define OFF_TMICT  0x380
#define OFF_TMCCT  0x390
#define OFF_TDCR   0x3e0
#define OFF_SELF   0x3f0

#define MSR_BASE   0x1bu
#define MSR_DL     0x6e0u
#define MSR_X2(off) (0x800u + ((off) >> 4))

/* ICR fields */
#define ASSERT     (1u << 14)
#define LEVEL      (1u << 15)
#define LOGICAL    (1u << 11)
#define SH_SELF    (1u << 18)
#define SH_ALL     (2u << 18)
#define SH_OTHERS  (3u << 18)
#define DM_LOWEST  (1u << 8)
#define DM_SMI     (2u << 8)
#define DM_NMI     (4u << 8)
#define DM_INIT    (5u << 8)
#define DM_SIPI    (6u << 8)
#define DM_EXTINT  (7u << 8)

/* LVT timer modes */
#define ONESHOT    0u
#define PERIODIC   (1u << 17)
#define DEADLINE   (2u << 17)
#define MASKED     (1u << 16)

static struct domain dom;
static struct vcpu vcpus[NV];
static unsigned int kicks[NV], inits[NV], sipis[NV];
static uint8_t sipi_vec[NV];
static unsigned int timer_sets;
static unsigned int ioapic_eois;
static int ioapic_eoi_vec = -1;

/* ---- stubs: what vlapic.c needs from the rest of the hypervisor ---- */

void vcpu_kick(struct vcpu *v)
{
    kicks[v->id]++;
}

void vioapic_eoi(struct domain *d, uint8_t vec)
{
    (void)d;
    ioapic_eois++;
    ioapic_eoi_vec = vec;
}

void vcpu_init_signal(struct vcpu *v)
{
    inits[v->id]++;
}

void vcpu_startup_signal(struct vcpu *v, uint8_t vector)
{
    sipis[v->id]++;
    sipi_vec[v->id] = vector;
}

void timer_init(struct timer *t, void (*fn)(struct timer *), void *data, unsigned int cpu)
{
    *t = (struct timer){ .fn = fn, .data = data, .cpu = cpu };
}

void timer_set(struct timer *t, uint64_t expires_ns)
{
    t->expires = expires_ns;
    t->active = true;
    timer_sets++;
}

void timer_stop(struct timer *t)
{
    t->active = false;
}

void timer_kill(struct timer *t)
{
    t->active = false;
}

void timer_migrate(struct timer *t, unsigned int cpu)
{
    t->cpu = cpu;
}

uint64_t tsc_khz = 500000;                  /* NS()'s 500 MHz */

uint64_t tsc_to_ns(uint64_t tsc)
{
    return NS(tsc);
}

uint64_t now_ns(void)
{
    return NS(fake_tsc);
}

void *xzalloc(size_t size)
{
    return calloc(1, size);
}

void xfree(void *p)
{
    free(p);
}

/* budget.c's page allocations: not used by vlapic.c. */
void *page_alloc_hyp(unsigned int order)
{
    (void)order;
    return NULL;
}

void page_free_hyp(void *va, unsigned int order)
{
    (void)va;
    (void)order;
}

/* ---- helpers ---- */

static struct vcpu *V(unsigned int i)
{
    return &vcpus[i];
}

static struct vlapic *L(unsigned int i)
{
    return vcpus[i].arch.vlapic;
}

static void clear_records(void)
{
    for (unsigned int i = 0; i < NV; i++) {
        kicks[i] = inits[i] = sipis[i] = 0;
        sipi_vec[i] = 0;
        if (L(i)) {
            for (unsigned int w = 0; w < 8; w++)
                L(i)->irr[w] = 0;
            L(i)->nmi_pending = false;
        }
    }
    timer_sets = 0;
    ioapic_eois = 0;
    ioapic_eoi_vec = -1;
}

/* A fresh domain: every local APIC at power-on, in xAPIC mode. */
static void setup(void)
{
    for (unsigned int i = 0; i < NV; i++)
        vlapic_destroy(V(i));
    CHECK_EQ(hyp_budget_used(&dom.budget), 0, "every local APIC destroyed: nothing charged");
    dom = (struct domain){ .id = 1, .nr_vcpus = NV };
    hyp_budget_init(&dom.budget, 1ull << 20);
    for (unsigned int i = 0; i < NV; i++) {
        vcpus[i] = (struct vcpu){ .domain = &dom, .id = i, .pcpu = i % 4 + 1 };
        dom.vcpu[i] = &vcpus[i];
        if (i < NL && vlapic_create(V(i)))
            check_bool(false, "vlapic_create", "vlapic_create(vcpu%u)", i);
    }
    fake_tsc = T0;
    clear_records();
}

static uint64_t rd(unsigned int v, unsigned int off)
{
    uint64_t val = 0xdeadbeef;

    vlapic_mmio_read(V(v), off, 4, &val);
    return val;
}

static void wr(unsigned int v, unsigned int off, uint32_t val)
{
    vlapic_mmio_write(V(v), off, 4, val);
}

/* The value read, or ~0 for #GP (which must be reported as -EINVAL). */
static uint64_t rdmsr_v(unsigned int v, uint32_t msr)
{
    uint64_t val = 0xdeadbeef;
    int rc = vlapic_rdmsr(V(v), msr, &val);

    if (rc && rc != -EINVAL)
        CHECK_EQ_S(rc, -EINVAL, "vcpu%u rdmsr %#x: #GP reported as -EINVAL", v, msr);
    return rc ? ~0ull : val;
}

/* Which vCPUs (a bit each) have vec in their IRR. */
static uint32_t irr_mask(uint8_t vec)
{
    uint32_t m = 0;

    for (unsigned int i = 0; i < NL; i++)
        if (L(i)->irr[vec / 32] & (1u << (vec % 32)))
            m |= 1u << i;
    return m;
}

static uint32_t mask_of(const unsigned int *count)
{
    uint32_t m = 0;

    for (unsigned int i = 0; i < NV; i++)
        if (count[i])
            m |= 1u << i;
    return m;
}

static uint32_t nmi_mask(void)
{
    uint32_t m = 0;

    for (unsigned int i = 0; i < NL; i++)
        if (L(i)->nmi_pending)
            m |= 1u << i;
    return m;
}

static bool irr_empty(void)
{
    for (unsigned int i = 0; i < NL; i++)
        for (unsigned int w = 0; w < 8; w++)
            if (L(i)->irr[w])
                return false;
    return true;
}

/* xAPIC IPI from vCPU src: ICR high (destination), then ICR low (sends). */
static void ipi_x(unsigned int src, uint8_t dest, uint32_t lo)
{
    clear_records();
    wr(src, OFF_ICR_HI, (uint32_t)dest << 24);
    wr(src, OFF_ICR, lo);
}

static int ipi_x2(unsigned int src, uint32_t dest, uint32_t lo)
{
    clear_records();
    return vlapic_wrmsr(V(src), MSR_X2(OFF_ICR), (uint64_t)dest << 32 | lo);
}

static int to_x2apic(unsigned int v)
{
    return vlapic_wrmsr(V(v), MSR_BASE, BASE | EN | X2 | (v == 0 ? BSP : 0));
}

/* timers_run() at the fake TSC's time: the callback if the timer is due. */
static bool run_timer(unsigned int v)
{
    struct timer *t = &L(v)->timer;

    if (!t->active || t->expires > NS(fake_tsc))
        return false;
    t->active = false;
    t->fn(t);
    return true;
}

/* ---- xAPIC registers ---- */

static void test_xapic_regs(void)
{
    static const unsigned int lvts[] = { OFF_CMCI, 0x320, 0x330, 0x340, 0x350, 0x360, 0x370 };
    uint64_t val;

    setup();
    CHECK_EQ(rd(0, OFF_ID), 0, "xAPIC ID of vcpu0");
    CHECK_EQ(rd(5, OFF_ID), 5u << 24, "xAPIC ID of vcpu5 is id << 24");
    wr(5, OFF_ID, 9u << 24);
    CHECK_EQ(rd(5, OFF_ID), 5u << 24, "ID write ignored");
    CHECK_EQ(rd(3, OFF_VER), 0x50014, "version 0x50014");
    CHECK_EQ(rd(3, OFF_TPR), 0, "TPR 0 at reset");
    wr(3, OFF_TPR, 0x12345678);
    CHECK_EQ(rd(3, OFF_TPR), 0x78, "TPR keeps 8 bits");
    CHECK_EQ(rd(3, OFF_PPR), 0x78, "PPR = TPR with nothing in service");
    CHECK_EQ(rd(3, OFF_SVR), 0xff, "SVR 0xff at reset (software-disabled)");
    wr(3, OFF_SVR, 0xffffffff);
    CHECK_EQ(rd(3, OFF_SVR), 0x1ff, "SVR keeps vector and enable");
    CHECK_EQ(rd(3, OFF_LDR), 0, "LDR 0 at reset");
    wr(3, OFF_LDR, 0x12345678);
    CHECK_EQ(rd(3, OFF_LDR), 0x12000000, "LDR keeps bits 31:24");
    CHECK_EQ(rd(3, OFF_DFR), 0xffffffff, "DFR flat at reset");
    wr(3, OFF_DFR, 0);
    CHECK_EQ(rd(3, OFF_DFR), 0x0fffffff, "DFR cluster, low bits read 1");
    wr(3, OFF_ESR, 0x1234);
    CHECK_EQ(rd(3, OFF_ESR), 0, "ESR reads 0");
    wr(3, OFF_TDCR, 0xffffffff);
    CHECK_EQ(rd(3, OFF_TDCR), 0xb, "TDCR keeps bits 3,1,0");
    for (unsigned int i = 0; i < 7; i++)
        CHECK_EQ(rd(3, lvts[i]), MASKED, "LVT 0x%x masked at reset", lvts[i]);
    wr(3, OFF_LINT0, 0x700);
    CHECK_EQ(rd(3, OFF_LINT0), 0x700, "LINT0 ExtINT unmasked");
    wr(3, OFF_LVTERR, 0xffffffff);
    CHECK_EQ(rd(3, OFF_LVTERR), 0x1a7ff, "LVT error keeps mask, trigger, polarity, mode, vector");
    wr(3, OFF_LVTT, 0xffffffff);
    CHECK_EQ(rd(3, OFF_LVTT), 0x700ff, "LVT timer keeps mode, mask, vector");
    wr(3, OFF_ICR_HI, 0xffffffff);
    CHECK_EQ(rd(3, OFF_ICR_HI), 0xff000000, "ICR high keeps the destination byte");
    CHECK_EQ(rd(3, 0x040), 0, "reserved register 0x040 reads 0");
    CHECK_EQ(rd(3, 0xff0), 0, "reserved register 0xff0 reads 0");

    /* Unaligned or not 32 bits wide: reads 0, writes ignored. */
    wr(3, OFF_TPR, 0x40);
    for (unsigned int size = 1; size <= 8; size *= 2) {
        if (size == 4)
            continue;
        val = 0xdeadbeef;
        vlapic_mmio_read(V(3), OFF_TPR, size, &val);
        CHECK_EQ(val, 0, "%u-byte read of TPR reads 0", size);
        vlapic_mmio_write(V(3), OFF_TPR, size, 0x20);
        CHECK_EQ(rd(3, OFF_TPR), 0x40, "%u-byte write of TPR ignored", size);
    }
    for (unsigned int off = OFF_TPR + 1; off < OFF_TPR + 16; off++) {
        val = 0xdeadbeef;
        vlapic_mmio_read(V(3), off, 4, &val);
        vlapic_mmio_write(V(3), off, 4, 0x20);
        if (!CHECK(val == 0 && rd(3, OFF_TPR) == 0x40,
                   "unaligned access at 0x%x: reads 0, write ignored", off))
            break;
    }
    CHECK_EQ(rd(5, OFF_ID + 4), 0, "ID + 4 reads 0, not the ID");

    CHECK(vlapic_mmio_claims(V(3), BASE), "claims 0xfee00000");
    CHECK(vlapic_mmio_claims(V(3), BASE + 0xfff), "claims 0xfee00fff");
    CHECK(!vlapic_mmio_claims(V(3), BASE + 0x1000), "not 0xfee01000");
    CHECK(!vlapic_mmio_claims(V(3), BASE - 1), "not 0xfedfffff");
    CHECK(!vlapic_mmio_claims(V(NL), BASE), "no local APIC: claims nothing");
    val = 0xdeadbeef;
    vlapic_mmio_read(V(NL), OFF_ID, 4, &val);
    CHECK_EQ(val, 0, "no local APIC: MMIO reads 0");

    CHECK_EQ(rdmsr_v(0, MSR_BASE), BASE | EN | BSP, "APIC_BASE of the BSP");
    CHECK_EQ(rdmsr_v(1, MSR_BASE), BASE | EN, "APIC_BASE of an AP");
    CHECK_EQ(rdmsr_v(1, MSR_X2(OFF_ID)), ~0ull, "x2APIC MSR read in xAPIC mode: #GP");
    CHECK_EQ_S(vlapic_wrmsr(V(1), MSR_X2(OFF_TPR), 0), -EINVAL, "x2APIC MSR write in xAPIC mode: #GP");
    CHECK_EQ(rdmsr_v(NL, MSR_BASE), ~0ull, "no local APIC: APIC_BASE #GP");

    CHECK(vlapic_msr(0x800) && vlapic_msr(0x8ff) && vlapic_msr(0x1b) && vlapic_msr(0x6e0),
          "vlapic_msr: 0x800-0x8ff, APIC_BASE, TSC_DEADLINE");
    CHECK(!vlapic_msr(0x7ff) && !vlapic_msr(0x900) && !vlapic_msr(0x6e1) && !vlapic_msr(0x1a),
          "vlapic_msr: not the neighbours");
}

/* ---- IRR, ISR and priority ---- */

static void test_priority(void)
{
    setup();
    vlapic_set_irq(V(1), 0x31);
    CHECK_EQ(kicks[1], 1, "set_irq kicks the vCPU");
    CHECK_EQ(rd(1, OFF_IRR + 0x10), 1u << (0x31 - 32), "IRR word 1 shows vector 0x31");
    CHECK_EQ_S(vlapic_pending(V(1)), 0x31, "0x31 pending");
    vlapic_set_irq(V(1), 15);
    vlapic_set_irq(V(1), 0);
    CHECK(kicks[1] == 1 && rd(1, OFF_IRR) == 0, "vectors 0-15 ignored, no kick");

    vlapic_set_irq(V(1), 0x52);
    CHECK_EQ_S(vlapic_pending(V(1)), 0x52, "the highest vector is pending");
    vlapic_accept(V(1), 0x52);
    CHECK_EQ(rd(1, OFF_IRR + 0x20), 0, "accept clears the IRR bit");
    CHECK_EQ(rd(1, OFF_ISR + 0x20), 1u << (0x52 - 64), "accept sets the ISR bit");
    CHECK_EQ(rd(1, OFF_PPR), 0x50, "PPR = class of the ISR vector");
    CHECK_EQ_S(vlapic_pending(V(1)), -1, "0x31 below the in-service class: not deliverable");
    vlapic_set_irq(V(1), 0x55);
    CHECK_EQ_S(vlapic_pending(V(1)), -1, "0x55, same class as in service: not deliverable");
    vlapic_set_irq(V(1), 0x61);
    CHECK_EQ_S(vlapic_pending(V(1)), 0x61, "0x61, higher class: deliverable");
    vlapic_accept(V(1), 0x61);
    CHECK_EQ(rd(1, OFF_PPR), 0x60, "PPR follows the highest in service");

    wr(1, OFF_EOI, 0x1234);
    CHECK_EQ(rd(1, OFF_ISR + 0x30), 0, "EOI clears the highest ISR bit (0x61)");
    CHECK_EQ(rd(1, OFF_ISR + 0x20), 1u << (0x52 - 64), "and leaves 0x52 in service");
    CHECK_EQ(rd(1, OFF_PPR), 0x50, "PPR back to 0x50");
    CHECK_EQ_S(vlapic_pending(V(1)), -1, "0x55 still blocked by 0x52");
    wr(1, OFF_EOI, 0);
    CHECK_EQ(rd(1, OFF_ISR + 0x20), 0, "second EOI clears 0x52");
    CHECK_EQ(rd(1, OFF_PPR), 0, "PPR 0 with nothing in service");
    CHECK_EQ_S(vlapic_pending(V(1)), 0x55, "0x55 deliverable again");
    wr(1, OFF_EOI, 0);
    CHECK_EQ(rd(1, OFF_PPR), 0, "EOI with nothing in service is harmless");

    wr(1, OFF_TPR, 0x50);
    CHECK_EQ_S(vlapic_pending(V(1)), -1, "TPR 0x50 blocks 0x55 (class at the priority)");
    wr(1, OFF_TPR, 0x4f);
    CHECK_EQ_S(vlapic_pending(V(1)), 0x55, "TPR 0x4f lets 0x55 through");
    CHECK_EQ(rd(1, OFF_PPR), 0x4f, "PPR = TPR 0x4f");
    wr(1, OFF_TPR, 0x20);
    vlapic_accept(V(1), 0x55);
    CHECK_EQ(rd(1, OFF_PPR), 0x50, "TPR 0x20, 0x55 in service: PPR 0x50");
    wr(1, OFF_TPR, 0x65);
    CHECK_EQ(rd(1, OFF_PPR), 0x65, "TPR 0x65, 0x55 in service: PPR 0x65");
    wr(1, OFF_TPR, 0x5a);
    CHECK_EQ(rd(1, OFF_PPR), 0x5a, "TPR 0x5a, 0x55 in service: PPR = TPR (same class)");
    vlapic_set_irq(V(1), 0xff);
    CHECK_EQ_S(vlapic_pending(V(1)), 0xff, "vector 255");
    CHECK_EQ(rd(1, OFF_IRR + 0x70), 1u << 31, "IRR word 7 bit 31");

    vlapic_set_irq(V(NL), 0x40);
    CHECK_EQ(kicks[NL], 0, "no local APIC: set_irq ignored, no kick");
    CHECK_EQ_S(vlapic_pending(V(NL)), -1, "no local APIC: nothing pending");
}

/* ---- IPIs in xAPIC mode ---- */

static void test_ipi_xapic(void)
{
    static const uint8_t ldr_cluster[] = { 0x11, 0x12, 0x21, 0x22, 0x14 };

    setup();
    ipi_x(0, 2, ASSERT | 0x41);
    CHECK_EQ(irr_mask(0x41), 1u << 2, "physical: to APIC ID 2 only");
    CHECK_EQ(mask_of(kicks), 1u << 2, "physical: vcpu2 kicked");
    CHECK_EQ(rd(0, OFF_ICR), ASSERT | 0x41, "ICR reads back");
    ipi_x(0, 2, ASSERT | (1u << 12) | 0x41);
    CHECK_EQ(rd(0, OFF_ICR), ASSERT | 0x41, "ICR delivery status reads 0 (idle)");
    ipi_x(0, 0xff, ASSERT | 0x42);
    CHECK_EQ(irr_mask(0x42), ALL, "physical 0xff: broadcast to all, sender too");
    ipi_x(0, 0x30, ASSERT | 0x43);
    CHECK(irr_empty() && mask_of(kicks) == 0, "physical: no such APIC ID, nothing");
    ipi_x(4, 5, DM_LOWEST | 0x44);
    CHECK_EQ(irr_mask(0x44), 1u << 5, "lowest priority: delivered as fixed");
    ipi_x(0, 2, ASSERT | 0x05);
    CHECK(irr_empty(), "fixed IPI with vector 5: dropped");

    /* Flat logical: one bit of the MDA per APIC. */
    for (unsigned int i = 0; i < 8; i++)
        wr(i, OFF_LDR, 1u << (24 + i));
    ipi_x(0, 0x0a, LOGICAL | 0x45);
    CHECK_EQ(irr_mask(0x45), 0x0a, "logical flat 0x0a: vcpu1 and vcpu3");
    ipi_x(0, 0x80, LOGICAL | 0x45);
    CHECK_EQ(irr_mask(0x45), 0x80, "logical flat 0x80: vcpu7");
    ipi_x(0, 0x00, LOGICAL | 0x45);
    CHECK(irr_empty(), "logical flat 0: nobody");

    /* Cluster logical: cluster in the high nibble, members in the low. */
    for (unsigned int i = 0; i < NL; i++) {
        wr(i, OFF_DFR, 0x0fffffff);
        wr(i, OFF_LDR, i < sizeof(ldr_cluster) ? (uint32_t)ldr_cluster[i] << 24 : 0);
    }
    ipi_x(0, 0x13, LOGICAL | 0x46);
    CHECK_EQ(irr_mask(0x46), 0x03, "cluster 1 members 0,1: vcpu0 and vcpu1");
    ipi_x(0, 0x1f, LOGICAL | 0x46);
    CHECK_EQ(irr_mask(0x46), 0x13, "cluster 1 all members: vcpu0, 1, 4");
    ipi_x(0, 0x22, LOGICAL | 0x46);
    CHECK_EQ(irr_mask(0x46), 0x08, "cluster 2 member 1: vcpu3");
    ipi_x(0, 0x23, LOGICAL | 0x46);
    CHECK_EQ(irr_mask(0x46), 0x0c, "cluster 2 members 0,1: vcpu2, vcpu3");
    ipi_x(0, 0x31, LOGICAL | 0x46);
    CHECK(irr_empty(), "cluster 3: nobody");

    /* Shorthands ignore the destination. */
    ipi_x(3, 0x00, SH_SELF | ASSERT | 0x47);
    CHECK_EQ(irr_mask(0x47), 1u << 3, "shorthand self");
    ipi_x(3, 0x00, SH_ALL | ASSERT | 0x48);
    CHECK_EQ(irr_mask(0x48), ALL, "shorthand all including self");
    ipi_x(3, 0x03, SH_OTHERS | ASSERT | 0x49);
    CHECK_EQ(irr_mask(0x49), ALL & ~(1u << 3), "shorthand all but self");
    CHECK_EQ(mask_of(kicks), ALL & ~(1u << 3), "all but self: each kicked");

    /* NMI, INIT, STARTUP and the modes that do nothing. */
    ipi_x(0, 6, ASSERT | DM_NMI);
    CHECK_EQ(nmi_mask(), 1u << 6, "NMI sets nmi_pending on vcpu6");
    CHECK(kicks[6] == 1 && irr_empty(), "NMI kicks, touches no IRR");
    ipi_x(0, 7, LEVEL | ASSERT | DM_INIT);
    CHECK_EQ(mask_of(inits), 1u << 7, "INIT level assert to vcpu7");
    ipi_x(0, 0, SH_OTHERS | LEVEL | DM_INIT);
    CHECK_EQ(mask_of(inits), 0, "INIT level de-assert ignored");
    ipi_x(0, 7, DM_INIT);
    CHECK_EQ(mask_of(inits), 1u << 7, "INIT edge (assert bit clear) delivered");
    ipi_x(0, 0, SH_OTHERS | ASSERT | DM_INIT);
    CHECK_EQ(mask_of(inits), ALL & ~1u, "INIT to all but self: vcpu1-19");
    CHECK(inits[NL] == 0, "INIT skips the vCPU without a local APIC");
    ipi_x(0, 7, ASSERT | DM_SIPI | 0x98);
    CHECK(mask_of(sipis) == 1u << 7 && sipi_vec[7] == 0x98, "STARTUP to vcpu7, vector 0x98");
    ipi_x(0, 0, SH_OTHERS | ASSERT | DM_SIPI | 0x9f);
    CHECK(mask_of(sipis) == (ALL & ~1u) && sipi_vec[19] == 0x9f && sipi_vec[1] == 0x9f,
          "STARTUP to all but self, vector 0x9f");
    CHECK(irr_empty() && mask_of(kicks) == 0, "STARTUP sets no IRR");
    ipi_x(0, 2, ASSERT | DM_SMI | 0x50);
    CHECK(irr_empty() && mask_of(kicks) == 0 && nmi_mask() == 0 && mask_of(inits) == 0,
          "SMI: nothing delivered");
    ipi_x(0, 2, ASSERT | DM_EXTINT | 0x50);
    CHECK(irr_empty() && mask_of(kicks) == 0, "ExtINT: nothing delivered");
    ipi_x(0, 2, ASSERT | (3u << 8) | 0x50);
    CHECK(irr_empty() && mask_of(kicks) == 0, "reserved mode 3: nothing delivered");
    clear_records();
    wr(0, OFF_SELF, 0x50);
    CHECK(irr_empty(), "SELF IPI register ignored in xAPIC mode");
}

/* ---- x2APIC ---- */

static void test_x2apic(void)
{
    setup();
    for (unsigned int i = 0; i < NL; i++)
        if (!CHECK_EQ_S(to_x2apic(i), 0, "vcpu%u: APIC_BASE with x2APIC enable accepted", i))
            return;
    CHECK_EQ(rdmsr_v(0, MSR_BASE), BASE | EN | X2 | BSP, "APIC_BASE reads back (BSP)");
    CHECK_EQ(rdmsr_v(17, MSR_BASE), BASE | EN | X2, "APIC_BASE reads back (AP)");
    CHECK_EQ(rdmsr_v(17, MSR_X2(OFF_ID)), 17, "x2APIC ID is the id, unshifted");
    CHECK_EQ(rdmsr_v(17, MSR_X2(OFF_VER)), 0x50014, "x2APIC version");
    CHECK_EQ(rdmsr_v(0, MSR_X2(OFF_LDR)), 0x00001, "LDR of vcpu0: cluster 0, bit 0");
    CHECK_EQ(rdmsr_v(5, MSR_X2(OFF_LDR)), 0x00020, "LDR of vcpu5: cluster 0, bit 5");
    CHECK_EQ(rdmsr_v(17, MSR_X2(OFF_LDR)), 0x10002, "LDR of vcpu17: cluster 1, bit 1");
    CHECK_EQ(rdmsr_v(19, MSR_X2(OFF_LDR)), 0x10008, "LDR of vcpu19: cluster 1, bit 3");
    CHECK_EQ_S(vlapic_wrmsr(V(17), MSR_X2(OFF_LDR), 0), -EINVAL, "LDR read-only in x2APIC mode");
    CHECK_EQ_S(vlapic_wrmsr(V(17), MSR_X2(OFF_ID), 0), -EINVAL, "ID read-only in x2APIC mode");
    CHECK_EQ(rdmsr_v(2, MSR_X2(OFF_EOI)), ~0ull, "EOI write-only: read #GP");
    CHECK_EQ(rdmsr_v(2, MSR_X2(OFF_SELF)), ~0ull, "SELF IPI write-only: read #GP");
    CHECK_EQ(rdmsr_v(2, MSR_X2(OFF_DFR)), ~0ull, "no DFR in x2APIC mode");
    CHECK_EQ(rdmsr_v(2, MSR_X2(OFF_ICR_HI)), ~0ull, "no ICR high half in x2APIC mode");
    CHECK_EQ(rdmsr_v(2, 0x800), ~0ull, "reserved MSR 0x800: #GP");

    CHECK_EQ_S(vlapic_wrmsr(V(2), MSR_X2(OFF_TPR), 0x30), 0, "TPR write");
    CHECK_EQ(rdmsr_v(2, MSR_X2(OFF_TPR)), 0x30, "TPR reads back");
    CHECK_EQ_S(vlapic_wrmsr(V(2), MSR_X2(OFF_TPR), 1ull << 32), -EINVAL, "TPR bits 63:32: #GP");
    CHECK_EQ(rdmsr_v(2, MSR_X2(OFF_TPR)), 0x30, "TPR unchanged after the #GP");
    CHECK_EQ(rdmsr_v(2, MSR_X2(OFF_PPR)), 0x30, "PPR = TPR");
    vlapic_set_irq(V(2), 0x81);
    vlapic_accept(V(2), 0x81);
    CHECK_EQ(rdmsr_v(2, MSR_X2(OFF_ISR) + 4), 1u << 1, "ISR word 4 by MSR");
    CHECK_EQ_S(vlapic_wrmsr(V(2), MSR_X2(OFF_EOI), 1), -EINVAL, "EOI with a non-zero value: #GP");
    CHECK_EQ(rdmsr_v(2, MSR_X2(OFF_ISR) + 4), 1u << 1, "still in service");
    CHECK_EQ_S(vlapic_wrmsr(V(2), MSR_X2(OFF_EOI), 0), 0, "EOI 0");
    CHECK_EQ(rdmsr_v(2, MSR_X2(OFF_ISR) + 4), 0, "EOI cleared it");

    CHECK(!vlapic_mmio_claims(V(2), BASE), "x2APIC mode: the MMIO page is not claimed");
    CHECK_EQ(rd(2, OFF_TPR), 0, "x2APIC mode: MMIO reads 0");
    wr(2, OFF_TPR, 0x70);
    CHECK_EQ(rdmsr_v(2, MSR_X2(OFF_TPR)), 0x30, "x2APIC mode: MMIO writes ignored");

    CHECK_EQ_S(ipi_x2(0, 17, ASSERT | 0x51), 0, "ICR write");
    CHECK_EQ(irr_mask(0x51), 1u << 17, "physical: 32-bit destination 17");
    ipi_x2(0, 0xffffffff, ASSERT | 0x52);
    CHECK_EQ(irr_mask(0x52), ALL, "physical 0xffffffff: broadcast");
    ipi_x2(0, 0xff, ASSERT | 0x53);
    CHECK(irr_empty(), "physical 0xff: not a broadcast in x2APIC mode");
    ipi_x2(0, 0x10001, ASSERT | 0x53);
    CHECK(irr_empty(), "physical 0x10001: no such APIC");
    ipi_x2(0, 0x10003, LOGICAL | ASSERT | 0x54);
    CHECK_EQ(irr_mask(0x54), (1u << 16) | (1u << 17), "cluster 1 bits 0,1: vcpu16, vcpu17");
    ipi_x2(0, 0x0000c, LOGICAL | ASSERT | 0x55);
    CHECK_EQ(irr_mask(0x55), 0x0c, "cluster 0 bits 2,3: vcpu2, vcpu3");
    ipi_x2(0, 0x0ffff, LOGICAL | ASSERT | 0x56);
    CHECK_EQ(irr_mask(0x56), 0xffff, "cluster 0 all bits: vcpu0-15");
    ipi_x2(0, 0x20001, LOGICAL | ASSERT | 0x57);
    CHECK(irr_empty(), "cluster 2: nobody");
    ipi_x2(5, 0, SH_OTHERS | ASSERT | 0x58);
    CHECK_EQ(irr_mask(0x58), ALL & ~(1u << 5), "shorthand all but self");
    ipi_x2(0, 17, ASSERT | DM_SIPI | 0x9a);
    CHECK(mask_of(sipis) == 1u << 17 && sipi_vec[17] == 0x9a, "STARTUP to vcpu17");
    ipi_x2(0, 18, ASSERT | DM_NMI);
    CHECK_EQ(nmi_mask(), 1u << 18, "NMI to vcpu18");

    clear_records();
    CHECK_EQ_S(vlapic_wrmsr(V(4), MSR_X2(OFF_SELF), 0x77), 0, "SELF IPI write");
    CHECK_EQ(irr_mask(0x77), 1u << 4, "SELF IPI: own IRR");
    CHECK_EQ(mask_of(kicks), 1u << 4, "SELF IPI: own kick");
    clear_records();
    vlapic_wrmsr(V(4), MSR_X2(OFF_SELF), 0x05);
    CHECK(irr_empty(), "SELF IPI vector 5: dropped");
}

/* ---- APIC_BASE ---- */

static void test_apic_base(void)
{
    setup();
    CHECK_EQ_S(vlapic_wrmsr(V(1), MSR_BASE, 0xfed00000ull | EN), -EINVAL, "moving the base: #GP");
    CHECK_EQ_S(vlapic_wrmsr(V(1), MSR_BASE, BASE | X2), -EINVAL, "x2APIC without enable: #GP");
    CHECK_EQ_S(vlapic_wrmsr(V(1), MSR_BASE, BASE | EN | BSP), -EINVAL, "an AP setting BSP: #GP");
    CHECK_EQ_S(vlapic_wrmsr(V(0), MSR_BASE, BASE | EN), -EINVAL, "the BSP clearing BSP: #GP");
    CHECK_EQ_S(vlapic_wrmsr(V(1), MSR_BASE, BASE | EN | (1u << 9)), -EINVAL, "reserved bit 9: #GP");
    CHECK_EQ_S(vlapic_wrmsr(V(1), MSR_BASE, BASE | EN | (1ull << 40)), -EINVAL,
               "base above 4 GiB: #GP");
    CHECK_EQ(rdmsr_v(1, MSR_BASE), BASE | EN, "APIC_BASE unchanged by the refusals");
    CHECK_EQ(rd(1, OFF_ID), 1u << 24, "still xAPIC");

    CHECK_EQ_S(vlapic_wrmsr(V(1), MSR_BASE, BASE), 0, "disable");
    CHECK_EQ(rd(1, OFF_ID), 0, "disabled: MMIO reads 0");
    CHECK(!vlapic_mmio_claims(V(1), BASE), "disabled: the page is not claimed");
    CHECK_EQ(rdmsr_v(1, MSR_X2(OFF_ID)), ~0ull, "disabled: x2APIC MSRs #GP");
    CHECK_EQ_S(vlapic_wrmsr(V(1), MSR_BASE, BASE | EN), 0, "enable again");
    CHECK_EQ(rd(1, OFF_ID), 1u << 24, "xAPIC again");

    wr(1, OFF_LDR, 0x80000000);
    CHECK_EQ_S(to_x2apic(1), 0, "xAPIC to x2APIC");
    CHECK_EQ(rdmsr_v(1, MSR_X2(OFF_LDR)), 0x2, "LDR computed on the switch");
    CHECK_EQ_S(to_x2apic(1), 0, "x2APIC to x2APIC (no change)");
    CHECK_EQ_S(vlapic_wrmsr(V(1), MSR_BASE, BASE | EN), 0, "x2APIC back to xAPIC");
    CHECK_EQ(rd(1, OFF_ID), 1u << 24, "xAPIC registers by MMIO again");
    CHECK_EQ_S(to_x2apic(1), 0, "and to x2APIC again");
    CHECK_EQ_S(vlapic_wrmsr(V(1), MSR_BASE, BASE), 0, "x2APIC to disabled");
    CHECK_EQ(rdmsr_v(1, MSR_BASE), BASE, "APIC_BASE: disabled");
    CHECK_EQ_S(vlapic_wrmsr(V(NL), MSR_BASE, BASE | EN), -EINVAL, "no local APIC: #GP");
}

/* ---- timer ---- */

/* A vCPU with its APIC software-enabled and the timer LVT set. */
static void timer_setup(unsigned int v, uint32_t lvtt)
{
    setup();
    wr(v, OFF_SVR, 0x1ff);
    wr(v, OFF_LVTT, lvtt);
}

static void test_timer_oneshot(void)
{
    static const struct { uint32_t tdcr, div; } divs[] = {
        { 0x0, 2 }, { 0x1, 4 }, { 0x2, 8 }, { 0x3, 16 },
        { 0x8, 32 }, { 0x9, 64 }, { 0xa, 128 }, { 0xb, 1 },
    };
    struct timer *t;

    timer_setup(2, ONESHOT | 0x40);
    t = &L(2)->timer;
    wr(2, OFF_TDCR, 0x3);                        /* divide by 16 */
    wr(2, OFF_TMICT, 1000);
    CHECK(t->active && timer_sets == 1, "TMICT write arms the timer");
    CHECK_EQ(t->expires, NS(T0 + 16000), "one-shot deadline: now + 1000 * 16 TSC cycles");
    CHECK_EQ(t->cpu, V(2)->pcpu, "on the vCPU's pCPU");
    CHECK_EQ(rd(2, OFF_TMICT), 1000, "TMICT reads back");
    CHECK_EQ(rd(2, OFF_TMCCT), 1000, "TMCCT starts at TMICT");
    fake_tsc = T0 + 160;
    CHECK_EQ(rd(2, OFF_TMCCT), 990, "TMCCT after 160 cycles (10 ticks)");
    fake_tsc = T0 + 16000 - 16;
    CHECK_EQ(rd(2, OFF_TMCCT), 1, "TMCCT one tick before the end");
    CHECK(!run_timer(2), "not due yet");
    fake_tsc = T0 + 16000;
    CHECK_EQ(rd(2, OFF_TMCCT), 0, "TMCCT 0 at the end");
    CHECK(run_timer(2), "due");
    CHECK_EQ(irr_mask(0x40), 1u << 2, "fires its vector");
    CHECK_EQ(kicks[2], 1, "and kicks the vCPU");
    CHECK(!t->active && timer_sets == 1, "one-shot: not re-armed");
    clear_records();
    t->fn(t);
    CHECK(irr_empty() && !t->active, "one-shot: a second callback for one count does nothing");
    fake_tsc = T0 + 90000;
    CHECK_EQ(rd(2, OFF_TMCCT), 0, "TMCCT stays 0");

    clear_records();
    V(2)->pcpu = 0;
    wr(2, OFF_TMICT, 5);
    CHECK_EQ(t->expires, NS(T0 + 90000 + 80), "re-armed from the time of the write");
    CHECK_EQ(t->cpu, 0, "on the pCPU the vCPU is on now");
    fake_tsc = T0 + 90000 + 40;
    t->active = false;
    t->fn(t);                                    /* a callback from an earlier count */
    CHECK(irr_empty() && t->active && t->expires == NS(T0 + 90000 + 80),
          "one-shot: a callback before the count ends fires nothing, stays armed");
    fake_tsc = T0 + 90000;
    wr(2, OFF_TMICT, 0);
    CHECK(!t->active, "TMICT 0 stops it");
    CHECK_EQ(rd(2, OFF_TMCCT), 0, "TMCCT 0 with TMICT 0");

    for (unsigned int i = 0; i < sizeof(divs) / sizeof(divs[0]); i++) {
        fake_tsc = T0;
        wr(2, OFF_TDCR, divs[i].tdcr);
        wr(2, OFF_TMICT, 3);
        CHECK_EQ(t->expires, NS(T0 + 3 * divs[i].div), "TDCR 0x%x divides by %u",
                 divs[i].tdcr, divs[i].div);
    }

    /* Masked, or the APIC software-disabled: counts, but no interrupt. */
    clear_records();
    wr(2, OFF_LVTT, MASKED | ONESHOT | 0x40);
    fake_tsc = T0;
    wr(2, OFF_TMICT, 10);
    fake_tsc += 10;
    CHECK(run_timer(2) && irr_empty(), "masked: expires, no interrupt");
    wr(2, OFF_LVTT, ONESHOT | 0x40);
    wr(2, OFF_SVR, 0xff);
    wr(2, OFF_TMICT, 10);
    fake_tsc += 10;
    CHECK(run_timer(2) && irr_empty(), "software-disabled APIC: no interrupt");
}

static void test_timer_periodic(void)
{
    struct timer *t;

    timer_setup(3, PERIODIC | 0x41);
    t = &L(3)->timer;
    wr(3, OFF_TDCR, 0x0);                        /* divide by 2 */
    wr(3, OFF_TMICT, 100000);                    /* period: 200000 TSC cycles, 400 us */
    CHECK_EQ(t->expires, NS(T0 + 200000), "periodic: first expiry");
    fake_tsc = T0 + 60000;
    CHECK_EQ(rd(3, OFF_TMCCT), 70000, "TMCCT 30000 ticks in");
    fake_tsc = T0 + 200000;
    CHECK(run_timer(3), "due");
    CHECK_EQ(irr_mask(0x41), 1u << 3, "fires");
    CHECK(t->active && t->expires == NS(T0 + 400000), "re-armed one period on");
    clear_records();
    fake_tsc = T0 + 900000;                      /* late: periods 2-4 missed */
    CHECK(run_timer(3), "due (late)");
    CHECK_EQ(irr_mask(0x41), 1u << 3, "fires once");
    CHECK(t->active && t->expires == NS(T0 + 1000000), "re-armed on the period grid, in the future");
    CHECK_EQ(rd(3, OFF_TMCCT), 50000, "TMCCT within the current period");
    wr(3, OFF_LVTT, MASKED | PERIODIC | 0x41);
    CHECK(t->active, "masking (same mode) does not stop it");
    clear_records();
    fake_tsc = T0 + 1000000;
    CHECK(run_timer(3) && irr_empty() && t->active, "masked periodic: keeps going, silently");

    /* A period of one cycle: expiries come MIN_PERIOD (200 us, 100000 cycles) apart. */
    wr(3, OFF_LVTT, PERIODIC | 0x41);
    wr(3, OFF_TDCR, 0xb);                        /* divide by 1 */
    fake_tsc = T0;
    wr(3, OFF_TMICT, 1);
    CHECK_EQ(t->expires, NS(T0 + 100000), "a 1-cycle period first expires 200 us on");
    clear_records();
    fake_tsc = T0 + 100000;
    CHECK(run_timer(3) && irr_mask(0x41) == 1u << 3, "and fires then");
    CHECK(t->active && t->expires == NS(T0 + 200000), "re-armed 200 us on, not 1 cycle");
    fake_tsc = T0 + 5000000000ull;               /* 10 s late: no loop over 50000 periods */
    CHECK(run_timer(3) && t->expires == NS(T0 + 5000100000ull),
          "a long-missed short period re-arms on its grid at once");
    CHECK_EQ(rd(3, OFF_TMCCT), 1, "TMCCT counts the guest's own 1-tick period");
    wr(3, OFF_TDCR, 0x0);
    wr(3, OFF_TMICT, 0);
}

static void test_timer_deadline(void)
{
    struct timer *t;

    timer_setup(4, DEADLINE | 0x42);
    t = &L(4)->timer;
    CHECK_EQ(rdmsr_v(4, MSR_DL), 0, "TSC_DEADLINE 0 at first");
    CHECK_EQ_S(vlapic_wrmsr(V(4), MSR_DL, T0 + 5000), 0, "TSC_DEADLINE write");
    CHECK(t->active && t->expires == NS(T0 + 5000), "armed at the deadline");
    CHECK_EQ(rdmsr_v(4, MSR_DL), T0 + 5000, "TSC_DEADLINE reads back");
    CHECK_EQ(rd(4, OFF_TMCCT), 0, "TMCCT reads 0 in deadline mode");
    fake_tsc = T0 + 5000;
    CHECK(run_timer(4), "due");
    CHECK_EQ(irr_mask(0x42), 1u << 4, "fires");
    CHECK_EQ(rdmsr_v(4, MSR_DL), 0, "TSC_DEADLINE cleared on expiry");
    CHECK(!t->active, "not re-armed");

    vlapic_wrmsr(V(4), MSR_DL, T0 + 9000);
    vlapic_wrmsr(V(4), MSR_DL, 0);
    CHECK(!t->active && rdmsr_v(4, MSR_DL) == 0, "writing 0 disarms");
    vlapic_wrmsr(V(4), MSR_DL, T0 - 1);
    CHECK(t->active && t->expires == NS(T0 - 1), "a deadline in the past is armed (fires at once)");
    vlapic_wrmsr(V(4), MSR_DL, 0);
    clear_records();
    wr(4, OFF_TMICT, 100);
    CHECK(!t->active && timer_sets == 0, "TMICT does not arm a timer in deadline mode");

    /* A callback that lost a race with a disarm does nothing. */
    clear_records();
    t->fn(t);
    CHECK(irr_empty(), "stale expiry with no deadline: no interrupt");

    /*
     * The race the timer lock closes: the callback for an old deadline runs
     * (on another pCPU, or interrupting the exit handler) just after the
     * guest wrote a later one. It must neither fire nor drop the new one.
     */
    fake_tsc = T0;
    vlapic_wrmsr(V(4), MSR_DL, T0 + 100);
    fake_tsc = T0 + 100;
    t->active = false;                           /* timers_run() took it off its list... */
    vlapic_wrmsr(V(4), MSR_DL, T0 + 700);        /* ...the guest moves the deadline... */
    clear_records();
    t->fn(t);                                    /* ...then the old callback runs */
    CHECK(irr_empty(), "a stale callback before the new deadline: no interrupt");
    CHECK(t->active && t->expires == NS(T0 + 700), "the new deadline stays armed");
    CHECK_EQ(rdmsr_v(4, MSR_DL), T0 + 700, "and readable");
    fake_tsc = T0 + 699;
    t->active = false;
    t->fn(t);                                    /* woken a cycle early (ns rounding) */
    CHECK(irr_empty() && t->active && t->expires == NS(T0 + 700),
          "woken early: no interrupt, armed again for the deadline");
    fake_tsc = T0 + 700;
    CHECK(run_timer(4) && irr_mask(0x42) == 1u << 4, "the new deadline fires");
    vlapic_wrmsr(V(4), MSR_DL, 0);

    /* Outside deadline mode the MSR is ignored. */
    timer_setup(4, ONESHOT | 0x42);
    t = &L(4)->timer;
    CHECK_EQ_S(vlapic_wrmsr(V(4), MSR_DL, T0 + 5000), 0, "one-shot mode: TSC_DEADLINE write, no #GP");
    CHECK(!t->active && timer_sets == 0, "one-shot mode: not armed");
    CHECK_EQ(rdmsr_v(4, MSR_DL), 0, "one-shot mode: TSC_DEADLINE reads 0");
}

static void test_timer_mode_change(void)
{
    struct timer *t;

    timer_setup(5, ONESHOT | 0x43);
    t = &L(5)->timer;
    wr(5, OFF_TMICT, 1000);
    wr(5, OFF_LVTT, MASKED | ONESHOT | 0x44);
    CHECK(t->active && rd(5, OFF_TMICT) == 1000, "same mode, new mask and vector: still armed");
    wr(5, OFF_LVTT, PERIODIC | 0x43);
    CHECK(!t->active, "one-shot to periodic disarms");
    CHECK(rd(5, OFF_TMICT) == 0 && rd(5, OFF_TMCCT) == 0, "and clears TMICT");
    clear_records();
    t->fn(t);
    CHECK(irr_empty() && !t->active, "stale expiry after the change: nothing, not re-armed");

    wr(5, OFF_LVTT, DEADLINE | 0x43);
    vlapic_wrmsr(V(5), MSR_DL, T0 + 100);
    wr(5, OFF_LVTT, ONESHOT | 0x43);
    CHECK(!t->active, "deadline to one-shot disarms");
    wr(5, OFF_LVTT, DEADLINE | 0x43);
    CHECK_EQ(rdmsr_v(5, MSR_DL), 0, "the old deadline is gone");

    /* The same through x2APIC MSRs. */
    timer_setup(6, ONESHOT | 0x45);
    t = &L(6)->timer;
    to_x2apic(6);
    vlapic_wrmsr(V(6), MSR_X2(OFF_TDCR), 0xb);
    vlapic_wrmsr(V(6), MSR_X2(OFF_TMICT), 700);
    CHECK(t->active && t->expires == NS(T0 + 700), "x2APIC: TMICT by MSR arms, divide by 1");
    fake_tsc = T0 + 200;
    CHECK_EQ(rdmsr_v(6, MSR_X2(OFF_TMCCT)), 500, "x2APIC: TMCCT by MSR");
    vlapic_wrmsr(V(6), MSR_X2(OFF_LVTT), DEADLINE | 0x45);
    CHECK(!t->active && rdmsr_v(6, MSR_X2(OFF_TMICT)) == 0, "x2APIC: mode change disarms");
    CHECK_EQ(rdmsr_v(6, MSR_X2(OFF_LVTT)), DEADLINE | 0x45, "x2APIC: LVTT reads back");
}

/* ---- reset and destroy ---- */

static void test_reset(void)
{
    struct vlapic *l;

    timer_setup(7, ONESHOT | 0x46);
    l = L(7);
    wr(7, OFF_TPR, 0x30);
    wr(7, OFF_LDR, 0x01000000);
    wr(7, OFF_TMICT, 1000);
    vlapic_set_irq(V(7), 0x60);
    vlapic_accept(V(7), 0x60);
    vlapic_set_irq(V(7), 0x61);
    l->nmi_pending = true;
    to_x2apic(7);
    vlapic_reset(l, false);
    CHECK(!l->timer.active, "reset stops the timer");
    CHECK(l->timer.fn && l->timer.data == l, "reset keeps the timer's callback");
    CHECK_EQ(rdmsr_v(7, MSR_BASE), BASE | EN, "reset: xAPIC, enabled");
    CHECK_EQ(rd(7, OFF_ID), 7u << 24, "reset: ID kept");
    CHECK(rd(7, OFF_TPR) == 0 && rd(7, OFF_LDR) == 0 && rd(7, OFF_DFR) == 0xffffffff &&
          rd(7, OFF_SVR) == 0xff && rd(7, OFF_LVTT) == MASKED && rd(7, OFF_TMICT) == 0,
          "reset: TPR, LDR, DFR, SVR, LVT timer, TMICT at power-on values");
    CHECK(rd(7, OFF_IRR + 0x30) == 0 && rd(7, OFF_ISR + 0x30) == 0 && !l->nmi_pending,
          "reset: IRR, ISR, NMI cleared");
    vlapic_reset(L(0), true);
    CHECK_EQ(rdmsr_v(0, MSR_BASE), BASE | EN | BSP, "reset of the BSP keeps BSP");

    vlapic_destroy(V(7));
    CHECK(V(7)->arch.vlapic == NULL, "destroy clears the pointer");
    vlapic_destroy(V(7));
    CHECK(V(7)->arch.vlapic == NULL, "destroy twice is harmless");
    CHECK_EQ(rdmsr_v(7, MSR_BASE), ~0ull, "destroyed: no APIC_BASE");
}

/*
 * Cases that were gaps in vlapic.c when these tests were written (now fixed):
 *  - The SDM (TSC-deadline mode): "writes to the initial-count register
 *    are ignored". tmict_write() stops the timer first, so a TMICT
 *    write disarms an armed deadline (and TMICT then reads back the value).
 */
static void test_pending(void)
{
    struct timer *t;

    timer_setup(8, DEADLINE | 0x47);
    t = &L(8)->timer;
    vlapic_wrmsr(V(8), MSR_DL, T0 + 5000);
    wr(8, OFF_TMICT, 100);
    CHECK(t->active && t->expires == NS(T0 + 5000),
          "pending: TMICT write in deadline mode leaves the deadline armed");
    CHECK_EQ(rd(8, OFF_TMICT), 0, "pending: TMICT write in deadline mode ignored");
}

/* Messages from the I/O APIC (vlapic_deliver_irq) and the EOI of a level-triggered one. */
static void test_ioapic_delivery(void)
{
    setup();
    vlapic_deliver_irq(&dom, 3, false, 0, 0x51, false);
    CHECK_EQ(irr_mask(0x51), 1u << 3, "ioapic: physical fixed to APIC ID 3 only");
    CHECK_EQ(mask_of(kicks), 1u << 3, "ioapic: vcpu3 kicked");
    CHECK_EQ(L(3)->tmr[0x51 / 32] & (1u << (0x51 % 32)), 0, "ioapic: edge leaves TMR clear");
    vlapic_deliver_irq(&dom, 0xff, false, 0, 0x52, false);
    CHECK_EQ(irr_mask(0x52), ALL, "ioapic: physical 0xff to every local APIC");
    vlapic_deliver_irq(&dom, 0xff, false, 1, 0x53, false);
    CHECK_EQ(irr_mask(0x53), 1u << 0, "ioapic: lowest priority to one APIC (the first)");
    clear_records();
    vlapic_deliver_irq(&dom, 2, false, 0, 0x0e, false);
    CHECK(irr_empty(), "ioapic: vector below 16 dropped");
    vlapic_deliver_irq(&dom, 2, false, 7, 0x54, false);
    CHECK(irr_empty(), "ioapic: ExtINT dropped (no 8259)");
    vlapic_deliver_irq(&dom, 2, false, 4, 0, false);
    CHECK_EQ(nmi_mask(), 1u << 2, "ioapic: NMI to APIC ID 2");
    for (unsigned int i = 0; i < 8; i++)
        wr(i, OFF_LDR, 1u << (24 + i));
    vlapic_deliver_irq(&dom, 0x06, true, 0, 0x55, false);
    CHECK_EQ(irr_mask(0x55), 0x06, "ioapic: logical flat 0x06: vcpu1 and vcpu2");
    clear_records();

    /* Level: TMR set with IRR; the EOI clears it and reaches the I/O APIC. */
    vlapic_deliver_irq(&dom, 1, false, 0, 0x61, true);
    CHECK(L(1)->tmr[0x61 / 32] & (1u << (0x61 % 32)), "ioapic: level sets TMR");
    CHECK_EQ(rd(1, OFF_TMR + 0x30), 1u << 1, "ioapic: TMR register 3 reads bit 1 (vector 0x61)");
    vlapic_accept(V(1), 0x61);
    wr(1, OFF_EOI, 0);
    CHECK(ioapic_eois == 1 && ioapic_eoi_vec == 0x61, "ioapic: level EOI forwarded (vector %#x)",
          ioapic_eoi_vec);
    CHECK_EQ(rd(1, OFF_TMR + 0x30), 0, "ioapic: EOI clears TMR");
    vlapic_deliver_irq(&dom, 1, false, 0, 0x62, false);
    vlapic_accept(V(1), 0x62);
    wr(1, OFF_EOI, 0);
    CHECK_EQ(ioapic_eois, 1, "ioapic: edge EOI not forwarded");
    CHECK_EQ(rd(1, OFF_ISR + 0x30), 0, "ioapic: ISR empty after the EOIs");

    /* x2APIC: 8-bit physical destinations. */
    for (unsigned int i = 0; i < NL; i++)
        to_x2apic(i);
    clear_records();
    vlapic_deliver_irq(&dom, 17, false, 0, 0x56, false);
    CHECK_EQ(irr_mask(0x56), 1u << 17, "ioapic: x2APIC physical to APIC ID 17");
    vlapic_deliver_irq(&dom, 0x05, true, 0, 0x57, false);
    CHECK_EQ(irr_mask(0x57), 0x05, "ioapic: x2APIC logical: cluster 0 bits 0 and 2");
}

/* Interrupts from outside (the platform device's MSI): vlapic_deliver_ext(). */
static void test_deliver_ext(void)
{
    setup();
    CHECK_EQ(hyp_budget_used(&dom.budget), NL * sizeof(struct vlapic),
             "each local APIC is charged to its domain's budget");
    vlapic_deliver_ext(&dom, 3, false, false, 0x61);
    CHECK(irr_mask(0x61) == 1u << 3 && mask_of(kicks) == 1u << 3,
          "physical dest 3: vcpu3 only, kicked");
    clear_records();
    vlapic_deliver_ext(&dom, 0xff, false, false, 0x62);
    CHECK_EQ(irr_mask(0x62), ALL, "physical dest 0xff: every local APIC");
    vlapic_deliver_ext(&dom, 0x40, false, false, 0x63);
    CHECK_EQ(irr_mask(0x63), 0, "physical dest 0x40: no such APIC, nobody");
    vlapic_deliver_ext(&dom, 2, false, false, 0x0e);
    CHECK_EQ(irr_mask(0x0e), 0, "vector 14: dropped");
    /* Flat logical, as Linux's apic_flat sets it up: LDR = 1 << cpu. */
    for (unsigned int i = 0; i < 8; i++)
        wr(i, OFF_LDR, 1u << (24 + i));
    vlapic_deliver_ext(&dom, 0x06, true, false, 0x64);
    CHECK_EQ(irr_mask(0x64), 0x06, "logical flat 0x06, fixed: vcpu1 and vcpu2");
    vlapic_deliver_ext(&dom, 0x06, true, true, 0x65);
    CHECK_EQ(irr_mask(0x65), 0x02, "logical flat 0x06, lowest priority: one of them (vcpu1)");
    wr(5, OFF_SVR, 0x1ff);
    vlapic_wrmsr(V(5), MSR_BASE, BASE);                     /* hardware-disabled */
    vlapic_deliver_ext(&dom, 5, false, false, 0x66);
    CHECK_EQ(irr_mask(0x66), 0, "a disabled local APIC takes nothing");
    /* x2APIC: the 8-bit destination compared zero-extended. */
    setup();
    for (unsigned int i = 0; i < NL; i++)
        to_x2apic(i);
    vlapic_deliver_ext(&dom, 17, false, false, 0x67);
    CHECK_EQ(irr_mask(0x67), 1u << 17, "x2APIC physical dest 17: vcpu17");
    vlapic_deliver_ext(&dom, 0x0c, true, false, 0x68);
    CHECK_EQ(irr_mask(0x68), 0x0c, "x2APIC logical 0x0c: cluster 0 bits 2,3");
}

int main(void)
{
    check_area("vlapic");
    test_xapic_regs();
    test_priority();
    test_ipi_xapic();
    test_x2apic();
    test_apic_base();
    test_timer_oneshot();
    test_timer_periodic();
    test_timer_deadline();
    test_timer_mode_change();
    test_reset();
    test_pending();
    test_ioapic_delivery();
    test_deliver_ext();
    for (unsigned int i = 0; i < NV; i++)
        vlapic_destroy(V(i));
    return check_done();
}
