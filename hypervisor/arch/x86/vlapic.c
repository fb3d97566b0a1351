/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The virtual local APIC, in xAPIC mode (MMIO) and x2APIC mode (MSRs
 * 0x800-0x8ff). IRR bits may be set from any CPU (IPIs, timers); the timer's
 * state is shared with its callback under timer_lock; everything else
 * belongs to the vCPU's own CPU. The timer counts in TSC cycles (the APIC
 * "bus" runs at the TSC's rate) and fires a software timer on the vCPU's
 * pCPU.
 */
#include <mica/domain.h>
#include <mica/sched.h>
#include <mica/xmalloc.h>
#include <mica/lib.h>
#include <mica/console.h>
#include <mica/errno.h>
#include <mica/budget.h>
#include <asm/x86.h>
#include <asm/vlapic.h>
#include <asm/vplatform.h>
#include <asm/vioapic.h>
#include <asm/time.h>
#include <asm/vcpu.h>

#define REG_ID      0x02
#define REG_VER     0x03
#define REG_TPR     0x08
#define REG_PPR     0x0a
#define REG_EOI     0x0b
#define REG_LDR     0x0d
#define REG_DFR     0x0e
#define REG_SVR     0x0f
#define REG_ISR     0x10
#define REG_TMR     0x18
#define REG_IRR     0x20
#define REG_ESR     0x28
#define REG_CMCI    0x2f
#define REG_ICR     0x30
#define REG_ICR_HI  0x31      /* xAPIC only */
#define REG_LVTT    0x32
#define REG_LVTERR  0x37
#define REG_TMICT   0x38
#define REG_TMCCT   0x39
#define REG_TDCR    0x3e
#define REG_SELF    0x3f

#define APIC_VERSION     0x50014u      /* integrated APIC, LVTs 0-5 */
#define APIC_REGS_BYTES  0x1000        /* the xAPIC page */
#define APIC_REG_SHIFT   4             /* xAPIC offset = register << 4 */
#define SVR_ENABLED      (1u << 8)
#define SVR_RESET        0xffu
#define DFR_RESET        0xffffffffu
#define PRIO_CLASS       0xf0u         /* a vector's priority class: bits 7:4 */
#define TDCR_WRITABLE    0xbu          /* divide value, bits 3 and 1:0 */
#define ID_XAPIC_SHIFT   24            /* xAPIC ID register: bits 31:24 */
#define SVR_WRITABLE     0x1ffu        /* spurious vector, enable */
#define TPR_WRITABLE     0xffu
#define LDR_XAPIC_MASK   0xff000000u   /* logical ID, bits 31:24 */
#define DFR_RESERVED     0x0fffffffu   /* reads as ones */
#define DFR_MODEL_SHIFT  28            /* 0xf: flat, 0x0: cluster */
#define DFR_MODEL_FLAT   0xfu

/* LVT entries. */
#define LVT_VECTOR       0xffu
#define LVT_DM_MASK      (7u << 8)     /* delivery mode */
#define LVT_POLARITY     (1u << 13)
#define LVT_LEVEL        (1u << 15)    /* trigger mode */
#define LVT_MASKED       (1u << 16)
#define LVT_TMR_SHIFT    17            /* timer mode, bits 18:17 */
#define LVT_TMR_MASK     3u
#define TMR_ONESHOT      0
#define TMR_PERIODIC     1
#define TMR_DEADLINE     2

/* The interrupt command register, as one 64-bit value (x2APIC's layout). */
#define ICR_VECTOR       0xffu
#define ICR_DM_SHIFT     8             /* delivery mode, bits 10:8 */
#define ICR_DM_MASK      7u
#define ICR_DEST_LOGICAL (1u << 11)
#define ICR_BUSY         (1u << 12)    /* delivery status: never set here */
#define ICR_LEVEL_ASSERT (1u << 14)
#define ICR_TRIGGER_LEVEL (1u << 15)
#define ICR_SH_SHIFT     18            /* destination shorthand, bits 19:18 */
#define ICR_SH_MASK      3u
#define ICR_SH_NONE      0
#define ICR_SH_SELF      1
#define ICR_SH_ALL       2
#define ICR_SH_OTHERS    3
#define ICR_DEST_SHIFT   32            /* destination: 32 bits (x2APIC), 31:24 of them (xAPIC) */
#define ICR_XAPIC_DEST_SHIFT 24
#define ICR_HI_WRITABLE  0xff000000u   /* xAPIC ICR_HI: the destination */
#define X2APIC_DEST_ALL  0xffffffffu   /* broadcast */
#define XAPIC_DEST_ALL   0xffu
#define X2APIC_CLUSTER_SHIFT 16        /* logical x2APIC ID: cluster 31:16, bitmap 15:0 */
#define X2APIC_CLUSTER_BITS  0xffffu
#define XAPIC_CLUSTER_SHIFT  4         /* xAPIC cluster model: cluster 7:4, bitmap 3:0 */
#define XAPIC_CLUSTER_BITS   0xfu

/* Delivery modes (ICR, LVT, I/O APIC, MSI). */
#define APIC_DM_FIXED    0
#define APIC_DM_LOWEST   1
#define APIC_DM_NMI      4
#define APIC_DM_INIT     5
#define APIC_DM_STARTUP  6

static inline struct vlapic *vl(struct vcpu *v) { return v->arch.vlapic; }

static bool x2apic(const struct vlapic *l)
{
    return (l->apic_base & APIC_BASE_ENABLE) && (l->apic_base & APIC_BASE_X2APIC);
}

static bool xapic(const struct vlapic *l)
{
    return (l->apic_base & APIC_BASE_ENABLE) && !(l->apic_base & APIC_BASE_X2APIC);
}

bool vlapic_msr(uint32_t msr)
{
    return (msr >= MSR_X2APIC_FIRST && msr <= MSR_X2APIC_LAST) || msr == MSR_APIC_BASE ||
           msr == MSR_TSC_DEADLINE;
}

static int highest(const uint32_t *bits)
{
    for (int i = 7; i >= 0; i--) {
        uint32_t w = __atomic_load_n(&bits[i], __ATOMIC_ACQUIRE);

        if (w)
            return i * 32 + 31 - __builtin_clz(w);
    }
    return -1;
}

static uint32_t ppr(const struct vlapic *l)
{
    int isrv = highest(l->isr);
    uint32_t isr_class = isrv < 0 ? 0 : (uint32_t)isrv & PRIO_CLASS;

    return (l->tpr & PRIO_CLASS) >= isr_class ? l->tpr & TPR_WRITABLE : isr_class;
}

int vlapic_pending(struct vcpu *v)
{
    struct vlapic *l = vl(v);
    int vec = l ? highest(l->irr) : -1;

    if (vec < 0 || ((uint32_t)vec & PRIO_CLASS) <= (ppr(l) & PRIO_CLASS))
        return -1;
    return vec;
}

void vlapic_accept(struct vcpu *v, int vec)
{
    struct vlapic *l = vl(v);

    __atomic_fetch_and(&l->irr[vec / 32], ~(1u << (vec % 32)), __ATOMIC_ACQ_REL);
    l->isr[vec / 32] |= 1u << (vec % 32);
}

void vlapic_set_irq(struct vcpu *v, uint8_t vec)
{
    struct vlapic *l = vl(v);

    if (!l || vec < 16)
        return;
    __atomic_fetch_or(&l->irr[vec / 32], 1u << (vec % 32), __ATOMIC_ACQ_REL);
    vcpu_kick(v);
}

/* A level-triggered vector's EOI goes on to the I/O APIC (its remote IRR). */
static void eoi(struct vlapic *l)
{
    int vec = highest(l->isr);
    uint32_t bit;

    if (vec < 0)
        return;
    bit = 1u << (vec % 32);
    l->isr[vec / 32] &= ~bit;
    if (__atomic_fetch_and(&l->tmr[vec / 32], ~bit, __ATOMIC_ACQ_REL) & bit)
        vioapic_eoi(l->vcpu->domain, (uint8_t)vec);
}

/*
 * ---- timer ----------------------------------------------------------
 * The guest writes the timer's registers in exit handlers, with interrupts
 * on, while the callback runs on the pCPU whose list holds the timer: this
 * one (interrupting the write) or, just after the vCPU moved, another.
 * Without timer_lock a callback could clear a deadline the guest had just
 * written, and the interrupt for it would never come.
 */

static unsigned int timer_mode(const struct vlapic *l)
{
    return (l->lvt[1] >> LVT_TMR_SHIFT) & LVT_TMR_MASK;
}

static uint64_t divisor(const struct vlapic *l)
{
    unsigned int v = (l->tdcr & 3) | ((l->tdcr >> 1) & 4);

    return v == 7 ? 1 : 2ull << v;
}

/*
 * A periodic timer's expiries are at least this far apart, whatever period
 * the guest asks for (KVM's min_timer_period_us is the same): at a period
 * of a few cycles each expiry would re-arm already due, and the guest's
 * timer alone would fill its pCPU. TMCCT still counts the guest's period.
 */
#define MIN_PERIOD_US 200

/* TSC cycles between the timer's expiries. */
static uint64_t period_tsc(const struct vlapic *l)
{
    uint64_t p = (uint64_t)l->tmict * divisor(l);

    if (p && timer_mode(l) == TMR_PERIODIC)
        p = MAX(p, tsc_khz * MIN_PERIOD_US / 1000);
    return p;
}

static void arm_at_tsc(struct vlapic *l, uint64_t tsc)
{
    timer_set(&l->timer, tsc_to_ns(tsc));
}

/* In the vCPU's own context: the timer goes to the pCPU it runs on. */
static void arm_here(struct vlapic *l, uint64_t tsc)
{
    timer_migrate(&l->timer, l->vcpu->pcpu);
    arm_at_tsc(l, tsc);
}

/*
 * Under timer_lock: has the count or the deadline run out? If not yet (the
 * guest moved it after the timer was armed, or the ns rounding woke us a
 * little early), the timer waits for it again.
 */
static bool timer_due(struct vlapic *l)
{
    uint64_t now = rdtsc(), period = period_tsc(l), due;
    unsigned int mode = timer_mode(l);

    if (mode == TMR_DEADLINE)
        due = l->deadline_tsc;
    else if (mode == TMR_PERIODIC || l->count_live)
        due = period ? l->timer_start_tsc + period : 0;
    else
        due = 0;
    if (!due)
        return false;
    if (now < due) {
        arm_at_tsc(l, due);
        return false;
    }
    if (mode == TMR_DEADLINE) {
        l->deadline_tsc = 0;
    } else if (mode == TMR_PERIODIC) {
        /* Expiries missed while the pCPU was busy make one interrupt. */
        l->timer_start_tsc += (now - l->timer_start_tsc) / period * period;
        arm_at_tsc(l, l->timer_start_tsc + period);
    } else {
        l->count_live = false;
    }
    return true;
}

static void timer_expired(struct timer *t)
{
    struct vlapic *l = t->data;
    unsigned long f = spin_lock_irqsave(&l->timer_lock);
    bool due = timer_due(l);
    uint32_t lvtt = l->lvt[1], svr = l->svr;

    spin_unlock_irqrestore(&l->timer_lock, f);
    if (due && !(lvtt & LVT_MASKED) && (svr & SVR_ENABLED))
        vlapic_set_irq(l->vcpu, (uint8_t)lvtt);
}

static void tmict_write(struct vlapic *l, uint32_t val)
{
    unsigned long f;

    if (timer_mode(l) == TMR_DEADLINE)
        return;                       /* ignored in TSC-deadline mode (SDM) */
    f = spin_lock_irqsave(&l->timer_lock);
    l->tmict = val;
    l->timer_start_tsc = rdtsc();
    l->count_live = val != 0;
    timer_stop(&l->timer);
    if (val)
        arm_here(l, l->timer_start_tsc + period_tsc(l));
    spin_unlock_irqrestore(&l->timer_lock, f);
}

static void tdcr_write(struct vlapic *l, uint32_t val)
{
    unsigned long f = spin_lock_irqsave(&l->timer_lock);

    l->tdcr = val & TDCR_WRITABLE;
    spin_unlock_irqrestore(&l->timer_lock, f);
}

static uint32_t tmcct(struct vlapic *l)
{
    unsigned long f = spin_lock_irqsave(&l->timer_lock);
    uint64_t elapsed = (rdtsc() - l->timer_start_tsc) / divisor(l);
    uint32_t left;

    if (!l->tmict || timer_mode(l) == TMR_DEADLINE)
        left = 0;
    else if (timer_mode(l) == TMR_PERIODIC)
        left = l->tmict - (uint32_t)(elapsed % l->tmict);
    else
        left = elapsed >= l->tmict ? 0 : l->tmict - (uint32_t)elapsed;
    spin_unlock_irqrestore(&l->timer_lock, f);
    return left;
}

static void deadline_write(struct vlapic *l, uint64_t val)
{
    unsigned long f;

    if (timer_mode(l) != TMR_DEADLINE)
        return;                       /* ignored outside deadline mode */
    f = spin_lock_irqsave(&l->timer_lock);
    l->deadline_tsc = val;
    if (val)
        arm_here(l, val);
    else
        timer_stop(&l->timer);
    spin_unlock_irqrestore(&l->timer_lock, f);
}

static void lvtt_write(struct vlapic *l, uint32_t val)
{
    unsigned long f = spin_lock_irqsave(&l->timer_lock);
    unsigned int old = timer_mode(l);

    l->lvt[1] = val & (LVT_MASKED | LVT_VECTOR | (LVT_TMR_MASK << LVT_TMR_SHIFT));
    if (timer_mode(l) != old) {       /* a mode change disarms the timer */
        timer_stop(&l->timer);
        l->tmict = 0;
        l->deadline_tsc = 0;
        l->count_live = false;
    }
    spin_unlock_irqrestore(&l->timer_lock, f);
}

/* ---- IPIs ------------------------------------------------------------- */

/* xAPIC destinations: 8 bits, flat or cluster logical model (DFR). */
static bool xapic_dest_matches(const struct vlapic *dst, uint8_t dest, bool logical)
{
    uint8_t id = (uint8_t)(dst->ldr >> ICR_XAPIC_DEST_SHIFT);

    if (!logical)
        return dest == XAPIC_DEST_ALL || dest == dst->id;
    if ((dst->dfr >> DFR_MODEL_SHIFT) == DFR_MODEL_FLAT)
        return id & dest;
    return (id >> XAPIC_CLUSTER_SHIFT) == (dest >> XAPIC_CLUSTER_SHIFT) &&
           (id & dest & XAPIC_CLUSTER_BITS);
}

/* x2APIC logical destinations: cluster mode only. */
static bool x2apic_logical_matches(uint32_t dest, uint32_t ldr)
{
    return (dest >> X2APIC_CLUSTER_SHIFT) == (ldr >> X2APIC_CLUSTER_SHIFT) &&
           (dest & ldr & X2APIC_CLUSTER_BITS);
}

static bool ipi_matches(const struct vlapic *src, const struct vlapic *dst,
                        uint64_t icr)
{
    uint32_t dest = (uint32_t)(icr >> ICR_DEST_SHIFT);
    bool logical = icr & ICR_DEST_LOGICAL;

    switch ((icr >> ICR_SH_SHIFT) & ICR_SH_MASK) {
    case ICR_SH_SELF:   return dst == src;
    case ICR_SH_ALL:    return true;
    case ICR_SH_OTHERS: return dst != src;
    default:
        if (!x2apic(src))
            return xapic_dest_matches(dst, (uint8_t)(dest >> ICR_XAPIC_DEST_SHIFT), logical);
        if (logical)
            return x2apic_logical_matches(dest, dst->ldr);
        return dest == X2APIC_DEST_ALL || dest == dst->id;
    }
}

static void deliver(struct vcpu *t, uint64_t icr)
{
    uint8_t vec = (uint8_t)(icr & ICR_VECTOR);

    switch ((icr >> ICR_DM_SHIFT) & ICR_DM_MASK) {
    case APIC_DM_FIXED:
    case APIC_DM_LOWEST:
        vlapic_set_irq(t, vec);
        break;
    case APIC_DM_NMI:
        vl(t)->nmi_pending = true;
        vcpu_kick(t);
        break;
    case APIC_DM_INIT:                               /* the level de-assert is ignored */
        if ((icr & ICR_LEVEL_ASSERT) || !(icr & ICR_TRIGGER_LEVEL))
            vcpu_init_signal(t);
        break;
    case APIC_DM_STARTUP:
        vcpu_startup_signal(t, vec);
        break;
    default:
        break;
    }
}

static void send_ipi(struct vlapic *src, uint64_t icr)
{
    struct domain *d = src->vcpu->domain;

    for (unsigned int i = 0; i < d->nr_vcpus; i++) {
        struct vlapic *dst = vl(d->vcpu[i]);

        if (dst && ipi_matches(src, dst, icr))
            deliver(d->vcpu[i], icr);
    }
}

/*
 * ---- interrupts from outside the local APICs ----------------------------
 * An MSI (and an IOAPIC entry) names its destination in 8 bits: an APIC ID
 * or 0xff for all, or a logical destination that each local APIC matches
 * against its own LDR (a local APIC in x2APIC mode compares it
 * zero-extended, as it would a 32-bit one).
 */
static bool ext_dest_matches(const struct vlapic *l, uint32_t dest, bool logical)
{
    if (!(l->apic_base & APIC_BASE_ENABLE))
        return false;
    if (!x2apic(l))
        return xapic_dest_matches(l, (uint8_t)dest, logical);
    if (logical)
        return x2apic_logical_matches(dest, l->ldr);
    return dest == XAPIC_DEST_ALL || dest == l->id;
}

/* The I/O APIC's messages: fixed, lowest priority or NMI, edge or level. */
void vlapic_deliver_irq(struct domain *d, uint8_t dest, bool logical, unsigned int mode,
                        uint8_t vec, bool level)
{
    for (unsigned int i = 0; i < d->nr_vcpus; i++) {
        struct vlapic *dst = vl(d->vcpu[i]);

        if (!dst || !ext_dest_matches(dst, dest, logical))
            continue;
        if (mode == APIC_DM_NMI) {
            dst->nmi_pending = true;
            vcpu_kick(d->vcpu[i]);
        } else if (mode == APIC_DM_FIXED || mode == APIC_DM_LOWEST) {
            if (vec < 16)
                return;                              /* an illegal vector: dropped */
            if (level)
                __atomic_fetch_or(&dst->tmr[vec / 32], 1u << (vec % 32), __ATOMIC_ACQ_REL);
            vlapic_set_irq(d->vcpu[i], vec);
        }
        if (mode == APIC_DM_LOWEST)
            return;                                  /* one destination: the first */
    }
}

/* An MSI: an edge-triggered message, fixed or lowest priority. */
void vlapic_deliver_ext(struct domain *d, uint32_t dest, bool logical, bool lowest, uint8_t vec)
{
    vlapic_deliver_irq(d, (uint8_t)dest, logical, lowest ? APIC_DM_LOWEST : APIC_DM_FIXED, vec,
                       false);
}

/* ---- register access ---------------------------------------------------- */

static int lvt_index(unsigned int reg)
{
    if (reg == REG_CMCI)
        return 0;
    if (reg >= REG_LVTT && reg <= REG_LVTERR)
        return (int)(reg - REG_LVTT) + 1;
    return -1;
}

static int apic_base_write(struct vlapic *l, uint64_t val);

static int reg_read(struct vlapic *l, unsigned int reg, uint64_t *val)
{
    if (reg >= REG_ISR && reg < REG_ISR + 8)
        *val = l->isr[reg - REG_ISR];
    else if (reg >= REG_TMR && reg < REG_TMR + 8)
        *val = l->tmr[reg - REG_TMR];
    else if (reg >= REG_IRR && reg < REG_IRR + 8)
        *val = __atomic_load_n(&l->irr[reg - REG_IRR], __ATOMIC_ACQUIRE);
    else if (lvt_index(reg) >= 0)
        *val = l->lvt[lvt_index(reg)];
    else switch (reg) {
    case REG_ID:    *val = x2apic(l) ? l->id : l->id << ID_XAPIC_SHIFT; break;
    case REG_DFR:   if (x2apic(l)) return -EINVAL; *val = l->dfr; break;
    case REG_ICR_HI: if (x2apic(l)) return -EINVAL; *val = l->icr_hi; break;
    case REG_VER:   *val = APIC_VERSION; break;
    case REG_TPR:   *val = l->tpr; break;
    case REG_PPR:   *val = ppr(l); break;
    case REG_LDR:   *val = l->ldr; break;
    case REG_SVR:   *val = l->svr; break;
    case REG_ESR:   *val = 0; break;
    case REG_ICR:   *val = x2apic(l) ? 0 : l->icr_lo; break;  /* never busy */
    case REG_TMICT: *val = l->tmict; break;
    case REG_TMCCT: *val = tmcct(l); break;
    case REG_TDCR:  *val = l->tdcr; break;
    default:        return -EINVAL;
    }
    return 0;
}

static void lvt_write(struct vlapic *l, int idx, uint32_t val)
{
    if (idx == 1) {
        lvtt_write(l, val);
        return;
    }
    l->lvt[idx] = val & (LVT_MASKED | LVT_VECTOR | LVT_DM_MASK | LVT_POLARITY | LVT_LEVEL);
}

/* The registers whose xAPIC behaviour differs; true if handled. */
static bool xapic_write(struct vlapic *l, unsigned int reg, uint32_t val)
{
    switch (reg) {
    case REG_EOI:    eoi(l); return true;         /* any value */
    case REG_LDR:    l->ldr = val & LDR_XAPIC_MASK; return true;
    case REG_DFR:    l->dfr = val | DFR_RESERVED; return true;
    case REG_ICR_HI: l->icr_hi = val & ICR_HI_WRITABLE; return true;
    case REG_ICR:
        l->icr_lo = val & ~ICR_BUSY;
        send_ipi(l, ((uint64_t)l->icr_hi << ICR_DEST_SHIFT) | l->icr_lo);
        return true;
    case REG_SELF:   return true;                 /* x2APIC only: ignored */
    case REG_ID:     return true;                 /* read-only here */
    default:         return false;
    }
}

static int reg_write(struct vlapic *l, unsigned int reg, uint64_t val)
{
    if (reg != REG_ICR && (val >> 32))
        return -EINVAL;                           /* reserved bits */
    if (!x2apic(l) && xapic_write(l, reg, (uint32_t)val))
        return 0;
    if (lvt_index(reg) >= 0) {
        lvt_write(l, lvt_index(reg), (uint32_t)val);
        return 0;
    }
    switch (reg) {
    case REG_TPR:   l->tpr = (uint32_t)val & TPR_WRITABLE; break;
    case REG_EOI:   if (val) return -EINVAL; eoi(l); break;
    case REG_SVR:   l->svr = (uint32_t)val & SVR_WRITABLE; break;
    case REG_ESR:   l->esr = 0; break;
    case REG_ICR:   send_ipi(l, val & ~(uint64_t)ICR_BUSY); break;
    case REG_TMICT: tmict_write(l, (uint32_t)val); break;
    case REG_TDCR:  tdcr_write(l, (uint32_t)val); break;
    case REG_SELF:  vlapic_set_irq(l->vcpu, (uint8_t)val); break;
    default:        return -EINVAL;
    }
    return 0;
}

int vlapic_rdmsr(struct vcpu *v, uint32_t msr, uint64_t *val)
{
    struct vlapic *l = vl(v);

    if (!l)
        return -EINVAL;
    if (msr == MSR_APIC_BASE) {
        *val = l->apic_base;
        return 0;
    }
    if (msr == MSR_TSC_DEADLINE) {
        *val = timer_mode(l) == TMR_DEADLINE ? l->deadline_tsc : 0;
        return 0;
    }
    if (!x2apic(l) || msr == MSR_X2APIC_FIRST + REG_EOI || msr == MSR_X2APIC_FIRST + REG_SELF)
        return -EINVAL;                           /* xAPIC mode, or write-only */
    return reg_read(l, msr - MSR_X2APIC_FIRST, val);
}

int vlapic_wrmsr(struct vcpu *v, uint32_t msr, uint64_t val)
{
    struct vlapic *l = vl(v);

    if (!l)
        return -EINVAL;
    if (msr == MSR_APIC_BASE)
        return apic_base_write(l, val);
    if (msr == MSR_TSC_DEADLINE) {
        deadline_write(l, val);
        return 0;
    }
    if (!x2apic(l))
        return -EINVAL;
    return reg_write(l, msr - MSR_X2APIC_FIRST, val);
}

/*
 * Enable, disable, and switch between xAPIC and x2APIC, as Linux does when
 * it gives up x2APIC for want of interrupt remapping. The base stays put.
 */
static int apic_base_write(struct vlapic *l, uint64_t val)
{
    uint64_t keep = APIC_BASE_BSP | APIC_BASE_ENABLE | APIC_BASE_X2APIC;

    if ((val & ~keep) != VPLAT_LAPIC_BASE || (val & APIC_BASE_BSP) != (l->apic_base & APIC_BASE_BSP))
        return -EINVAL;
    if ((val & APIC_BASE_X2APIC) && !(val & APIC_BASE_ENABLE))
        return -EINVAL;                           /* invalid state */
    if ((val & APIC_BASE_X2APIC) && !(l->apic_base & APIC_BASE_X2APIC))
        l->ldr = ((l->id >> XAPIC_CLUSTER_SHIFT) << X2APIC_CLUSTER_SHIFT) |
                 (1u << (l->id & XAPIC_CLUSTER_BITS));     /* fixed in x2APIC */
    l->apic_base = val;
    return 0;
}

int vlapic_mmio_read(struct vcpu *v, uint64_t offset, unsigned int size, uint64_t *val)
{
    struct vlapic *l = vl(v);

    *val = 0;
    if (!l || !xapic(l) || (offset & ((1u << APIC_REG_SHIFT) - 1)) || size != 4)
        return 0;                                 /* unaligned or narrow: reads 0 */
    if (reg_read(l, (unsigned int)(offset >> APIC_REG_SHIFT), val))
        *val = 0;
    return 0;
}

int vlapic_mmio_write(struct vcpu *v, uint64_t offset, unsigned int size, uint64_t val)
{
    struct vlapic *l = vl(v);

    if (!l || !xapic(l) || (offset & ((1u << APIC_REG_SHIFT) - 1)) || size != 4)
        return 0;
    reg_write(l, (unsigned int)(offset >> APIC_REG_SHIFT), (uint32_t)val);
    return 0;
}

bool vlapic_mmio_claims(struct vcpu *v, uint64_t gpa)
{
    struct vlapic *l = vl(v);

    return l && xapic(l) && gpa >= VPLAT_LAPIC_BASE && gpa < VPLAT_LAPIC_BASE + APIC_REGS_BYTES;
}

void vlapic_dump(struct vcpu *v)
{
    struct vlapic *l = vl(v);
    unsigned long f = spin_lock_irqsave(&l->timer_lock);
    uint64_t now = now_ns(), tsc = rdtsc();
    long in_us = l->timer.active ? (long)(l->timer.expires - now) / 1000 : 0;

    pr_info("    vlapic: irr %d isr %d ppr %#x svr %#x lvtt %#x timer %s on CPU %u in %ld us, "
            "deadline %s%ld us, nmi %u\n", highest(l->irr), highest(l->isr), ppr(l), l->svr,
            l->lvt[1], l->timer.active ? "armed" : "idle", l->timer.cpu, in_us,
            l->deadline_tsc ? "in " : "none ",
            l->deadline_tsc ? (long)(tsc_to_ns(l->deadline_tsc) - tsc_to_ns(tsc)) / 1000 : 0,
            (unsigned int)l->nmi_pending);
    spin_unlock_irqrestore(&l->timer_lock, f);
}

void vlapic_reset(struct vlapic *l, bool bsp)
{
    struct vcpu *v = l->vcpu;
    unsigned long f = spin_lock_irqsave(&l->timer_lock);

    timer_stop(&l->timer);
    memset(l, 0, offsetof(struct vlapic, timer));
    l->vcpu = v;
    l->id = v->id;
    l->apic_base = VPLAT_LAPIC_BASE | APIC_BASE_ENABLE | (bsp ? APIC_BASE_BSP : 0);
    l->ldr = 0;
    l->dfr = DFR_RESET;
    l->svr = SVR_RESET;
    for (int i = 0; i < 7; i++)
        l->lvt[i] = LVT_MASKED;
    l->nmi_pending = false;
    spin_unlock_irqrestore(&l->timer_lock, f);
}

int vlapic_create(struct vcpu *v)
{
    int rc;
    struct vlapic *l = hyp_zalloc(&v->domain->budget, sizeof(*l), &rc);

    if (!l)
        return rc;
    l->vcpu = v;
    l->timer_lock = (spinlock_t)SPINLOCK_INIT;
    timer_init(&l->timer, timer_expired, l, v->pcpu);
    v->arch.vlapic = l;
    vlapic_reset(l, v->id == 0);
    return 0;
}

void vlapic_destroy(struct vcpu *v)
{
    if (!v->arch.vlapic)
        return;
    timer_kill(&v->arch.vlapic->timer);     /* its callback may be running elsewhere */
    hyp_free(&v->domain->budget, v->arch.vlapic, sizeof(*v->arch.vlapic));
    v->arch.vlapic = NULL;
}
