/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dom0's MSI of the physical functions it sees (dom0_pci=view,
 * docs/iommu.md). What dom0 writes to a function's MSI capability stays in
 * an image (pci_msi.c); the device only ever gets the hypervisor's
 * message: a vector from irq_vector_alloc() on the boot CPU, fixed, edge.
 * That vector's handler injects the message dom0 programmed into dom0's
 * local APICs (vlapic_deliver_ext(), as the platform device's MSI). So
 * whatever address or data dom0 writes, the device cannot raise another
 * vector, reach another CPU or the hypervisor's own vectors.
 *
 * Storms (irq_rate.c): more than msi_storm_limit interrupts of one
 * function in an MSI_STORM_WINDOW_NS window, or more than
 * msi_storm_cpu_limit of all functions on the CPU they land on (command
 * line; 1000 and 2000 by default) with this one over its fair
 * share of that, mask it (its mask bit, or its MSI enable when it has
 * none) until the window after; what arrived meanwhile is injected once on
 * unmasking. So the functions together take at most about twice the
 * CPU's limit of handler runs a window on a CPU, and other domains keep
 * their time there. A throttled function is logged, at most once a
 * second each (with the throttles since its last line).
 */
#include <mica/domain.h>
#include <mica/console.h>
#include <mica/spinlock.h>
#include <mica/timer.h>
#include <mica/xmalloc.h>
#include <mica/lib.h>
#include <mica/errno.h>
#include <mica/acpi.h>
#include <asm/apic.h>
#include <asm/mmio.h>
#include <asm/x86.h>
#include <asm/irq_rate.h>
#include <asm/pci.h>
#include <asm/pci_msi.h>
#include <asm/percpu.h>
#include <asm/time.h>
#include <asm/traps.h>
#include <asm/vlapic.h>
#include <asm/vpci.h>

#define MSI_STORM_WINDOW_NS 10000000ull    /* 10 ms */
#define MSI_STORM_LOG_NS    1000000000ull  /* a function's throttle lines: one a second at most */
#define MSI_CTRL_SHIFT      16             /* message control in the capability's first dword */
#define MSI_CPU             0              /* the CPU the devices' messages go to */
#define MSIX_TABLE_LIMIT    0xfec00000ull  /* tables at or above the I/O APIC: not offered */

#define MSIX_MAX_ENTRIES    16             /* a larger table is not offered */
#define MSIX_ENTRY_SIZE     16
#define PCI_MSIX_FLAGS_QSIZE   0x07ffu
#define PCI_MSIX_FLAGS_MASKALL 0x4000u
#define PCI_MSIX_FLAGS_ENABLE  0x8000u
#define PCI_MSIX_TABLE      4              /* table offset and BIR, from the capability */
#define PCI_MSIX_BIR_MASK   7u
#define MSIX_VCTRL_MASKBIT  1u
#define MSIX_IDX_MSI        (-1)

enum { MSIX_ADDR_LO, MSIX_ADDR_HI, MSIX_DATA, MSIX_VCTRL, MSIX_WORDS };

/* One MSI-X table entry: dom0's words, and the hypervisor's vector behind it. */
struct msix_ent {
    uint32_t w[MSIX_WORDS];
    uint8_t vector;
    bool pending;
};

/*
 * MSI-X: dom0's message control (enable, function mask) and table are
 * images; the device's table holds the hypervisor's messages, masked
 * unless dom0's entry is deliverable and unmasked.
 */
struct pci_dom0_msix {
    uint8_t cap;
    uint16_t hw_ctrl;
    uint16_t ctrl;                  /* dom0's enable and function mask */
    uint64_t table_pa;
    unsigned int nr;                /* entries offered (at most MSIX_MAX_ENTRIES) */
    volatile uint32_t *table;       /* the device's, through the identity map */
    struct msix_ent e[MSIX_MAX_ENTRIES];
};

struct pci_dom0_msi {
    spinlock_t lock;                /* the image, the state below, the device's capability */
    struct pci_dom0_msix *x;        /* NULL: MSI-X not offered */
    struct pci_func *f;
    struct domain *d;
    struct msi_virt v;
    uint8_t vector;                 /* the hypervisor's */
    uint32_t dest;                  /* MSI_CPU's APIC ID */
    bool hw_on;                     /* the device's MSI is enabled (and unmasked) */
    bool ever_on;                   /* the device's MSI registers have the hypervisor's message */
    bool pending;                   /* arrived while dom0 masked it (or throttled) */
    bool throttled;
    struct irq_rate rate;           /* this function's window */
    struct irq_share share;         /* its count in its CPU's window */
    uint64_t count, storms;         /* interrupts; throttles (both kinds) */
    uint64_t storms_own, storms_cpu;    /* throttles for its own rate, for the CPU's */
    uint64_t log_at;                /* when its last throttle line was logged (0: never) */
    uint32_t unlogged;              /* throttles since that line */
    struct timer unthrottle;
};

/* The functions' interrupts on one CPU (all on MSI_CPU today). */
struct msi_cpu {
    struct irq_rate rate;
    uint64_t count, throttles;
};

uint64_t opt_msi_storm_limit = 1000;        /* per function and window: 100000 a second */
uint64_t opt_msi_storm_cpu_limit = 2000;    /* per CPU and window, all functions: 200000 a second */
static struct irq_rate_limits msi_limits;   /* from those, at pci_dom0_msi_init() */
static struct msi_cpu msi_cpus[MAX_CPUS];
static unsigned int msi_sources;    /* functions with a vector on MSI_CPU */

static struct pci_dom0_msi *by_vector[256];
static int8_t vec_entry[256];       /* MSIX_IDX_MSI or the MSI-X entry */

static bool msix_on(const struct pci_dom0_msi *m)
{
    return m->x && (m->x->ctrl & PCI_MSIX_FLAGS_ENABLE);
}

/* The prefix of a line about m: its owner's (m->lock held: the owner may change after). */
static const char *log_who(const struct pci_dom0_msi *m)
{
    return m->d && m->d->privileged ? "dom0_pci=view" : "pci";
}

/* A line about f's MSI, with the prefix log_who() gave under m->lock. */
static void log_func(const struct pci_dom0_msi *m, const char *who, const char *what)
{
    char name[PCI_BDF_STR_LEN];

    pr_info("%s: PCI %s %s\n", who, pci_bdf_str(name, 0, m->f->bdf), what);
}

static void ctrl_write(const struct pci_dom0_msi *m, uint16_t ctrl)
{
    uint16_t bdf = m->f->bdf;
    uint32_t dw = pci_conf_read32(bdf, m->v.cap);

    pci_conf_write32(bdf, m->v.cap, (dw & 0xffffu) | (uint32_t)ctrl << MSI_CTRL_SHIFT);
}

/*
 * The device's capability as the state says: the hypervisor's message, or
 * off. A message dom0 enables that cannot be delivered keeps it off without
 * a word: Linux writes a zeroed message before it disables MSI (an
 * interrupt's teardown), so that is no attack.
 */
static void program(struct pci_dom0_msi *m)
{
    struct vpci_msi dummy;
    uint16_t base = m->v.hw_ctrl & ~(uint16_t)(PCI_MSI_FLAGS_ENABLE | PCI_MSI_FLAGS_QSIZE);
    unsigned int mask = msi_virt_mask_off(&m->v);
    bool valid = !vpci_msi_decode(msi_virt_addr(&m->v), msi_virt_data(&m->v), &dummy);
    bool on = msi_virt_enabled(&m->v) && valid && !msix_on(m);
    bool masked = msi_virt_masked(&m->v) || m->throttled;

    if (!m->v.cap)
        return;

    if (!on || (masked && !mask)) {
        ctrl_write(m, base);
        m->hw_on = false;
        return;
    }
    pci_conf_write32(m->f->bdf, m->v.cap + MSI_ADDR_LO_OFF,
                     MSI_ADDR_BASE | m->dest << MSI_ADDR_DEST_SHIFT);
    if (m->v.hw_ctrl & PCI_MSI_FLAGS_64BIT)
        pci_conf_write32(m->f->bdf, m->v.cap + 8, 0);
    pci_conf_write32(m->f->bdf, m->v.cap + msi_virt_data_off(&m->v), m->vector);
    if (mask)
        pci_conf_write32(m->f->bdf, m->v.cap + mask, masked);
    ctrl_write(m, base | PCI_MSI_FLAGS_ENABLE);
    m->hw_on = !masked;
    m->ever_on = true;
}

/* ---- MSI-X ---------------------------------------------------------------- */

static uint64_t ent_addr(const struct msix_ent *e)
{
    return e->w[MSIX_ADDR_LO] | (uint64_t)e->w[MSIX_ADDR_HI] << 32;
}

/* dom0's entry i can raise its message now. */
static bool ent_live(const struct pci_dom0_msi *m, unsigned int i, struct vpci_msi *msg)
{
    const struct pci_dom0_msix *x = m->x;
    struct vpci_msi dummy;

    return msix_on(m) && !(x->ctrl & PCI_MSIX_FLAGS_MASKALL) && !m->throttled &&
           !msi_virt_enabled(&m->v) && !(x->e[i].w[MSIX_VCTRL] & MSIX_VCTRL_MASKBIT) &&
           !vpci_msi_decode(ent_addr(&x->e[i]), x->e[i].w[MSIX_DATA], msg ? msg : &dummy);
}

/* The device's entry i: the hypervisor's message, masked unless dom0's is live. */
static void program_ent(struct pci_dom0_msi *m, unsigned int i)
{
    volatile uint32_t *t = m->x->table + i * (MSIX_ENTRY_SIZE / 4);

    t[MSIX_VCTRL] = ent_live(m, i, NULL) ? 0 : MSIX_VCTRL_MASKBIT;
}

/* The device's message control: enabled as dom0's, masked as dom0's or while throttled. */
static void program_msix(struct pci_dom0_msi *m)
{
    struct pci_dom0_msix *x = m->x;
    uint16_t ctrl = x->hw_ctrl & ~(uint16_t)(PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
    uint32_t dw = pci_conf_read32(m->f->bdf, x->cap);

    if (msix_on(m) && !msi_virt_enabled(&m->v))
        ctrl |= PCI_MSIX_FLAGS_ENABLE;
    if ((x->ctrl & PCI_MSIX_FLAGS_MASKALL) || m->throttled)
        ctrl |= PCI_MSIX_FLAGS_MASKALL;
    for (unsigned int i = 0; i < x->nr; i++)
        program_ent(m, i);
    pci_conf_write32(m->f->bdf, x->cap, (dw & 0xffffu) | (uint32_t)ctrl << MSI_CTRL_SHIFT);
}

static void program_all(struct pci_dom0_msi *m)
{
    program(m);
    if (m->x)
        program_msix(m);
}

/* msg into m's owner, if it has one (m->lock held). */
static void inject(struct pci_dom0_msi *m, const struct vpci_msi *msg)
{
    if (m->d)
        vlapic_deliver_ext(m->d, msg->dest, msg->logical, msg->lowest, msg->vector);
}

/* What waited while masked goes now, if it can (m->lock held). */
static void flush_pending(struct pci_dom0_msi *m)
{
    struct vpci_msi msg;

    for (unsigned int i = 0; m->x && i < m->x->nr; i++)
        if (m->x->e[i].pending && ent_live(m, i, &msg)) {
            m->x->e[i].pending = false;
            inject(m, &msg);
        }
}

/* dom0's message, if it is to be injected now; else it waits as pending. */
static bool take(struct pci_dom0_msi *m, int idx, struct vpci_msi *out)
{
    if (idx != MSIX_IDX_MSI) {
        if (ent_live(m, (unsigned int)idx, out))
            return true;
        m->x->e[idx].pending = true;
        return false;
    }
    if (!msi_virt_enabled(&m->v) || msi_virt_masked(&m->v) || m->throttled) {
        m->pending = true;
        return false;
    }
    m->pending = false;
    return !vpci_msi_decode(msi_virt_addr(&m->v), msi_virt_data(&m->v), out);
}

/*
 * Mask m until the window after the one that tipped it (m->lock held); the
 * line to log, if one is due, goes to line.
 */
static bool throttle(struct pci_dom0_msi *m, struct msi_cpu *c, enum irq_rate_verdict why,
                     uint64_t now, char *line, size_t len)
{
    m->throttled = true;
    m->storms++;
    if (why == IRQ_RATE_CPU) {
        m->storms_cpu++;
        c->throttles++;
    } else {
        m->storms_own++;
    }
    program_all(m);
    timer_set(&m->unthrottle, irq_rate_unthrottle_at(&m->rate, &c->rate, why, MSI_STORM_WINDOW_NS));
    m->unlogged++;
    if (m->log_at && now - m->log_at < MSI_STORM_LOG_NS)
        return false;
    m->log_at = now ? now : 1;
    if (why == IRQ_RATE_CPU)
        snprintf(line, len, "MSI: interrupt storm: masked for a window (CPU %u over %u in %llu ms, "
                 "this function over its share %u; %u throttle%s since the last line, %llu in all)",
                 smp_processor_id(), msi_limits.cpu, MSI_STORM_WINDOW_NS / 1000000ull,
                 irq_rate_share(&msi_limits, msi_sources), m->unlogged, m->unlogged == 1 ? "" : "s",
                 (unsigned long long)m->storms);
    else
        snprintf(line, len, "MSI: interrupt storm: masked for a window (this function over %u in "
                 "%llu ms; %u throttle%s since the last line, %llu in all)", msi_limits.source,
                 MSI_STORM_WINDOW_NS / 1000000ull, m->unlogged, m->unlogged == 1 ? "" : "s",
                 (unsigned long long)m->storms);
    m->unlogged = 0;
    return true;
}

/*
 * Every injection happens under m->lock, with m->d read under it: an owner
 * change (pci_msi_set_owner(), under the same lock, before a domain's
 * structure can go) never lets a message one owner programmed reach
 * another, or a domain being freed.
 */
static void msi_irq(struct cpu_regs *regs)
{
    unsigned int vec = regs->vector & 0xff;
    struct pci_dom0_msi *m = by_vector[vec];
    struct msi_cpu *c = &msi_cpus[smp_processor_id()];
    enum irq_rate_verdict why;
    struct vpci_msi msg;
    unsigned long fl;
    const char *who;
    uint64_t now;
    bool tell = false;
    char line[160];

    if (!m)
        return;
    fl = spin_lock_irqsave(&m->lock);
    now = now_ns();
    m->count++;
    c->count++;
    why = irq_rate_account(&m->rate, &m->share, &c->rate, &msi_limits, msi_sources, now);
    if (!m->throttled && why != IRQ_RATE_OK)
        tell = throttle(m, c, why, now, line, sizeof(line));
    if (take(m, vec_entry[vec], &msg))
        inject(m, &msg);
    who = log_who(m);
    spin_unlock_irqrestore(&m->lock, fl);
    if (tell)
        log_func(m, who, line);
}

static void unthrottle(struct timer *t)
{
    struct pci_dom0_msi *m = t->data;
    struct vpci_msi msg;
    unsigned long fl = spin_lock_irqsave(&m->lock);

    m->throttled = false;
    m->rate.start = now_ns();
    m->rate.count = 0;
    program_all(m);
    if (m->pending && take(m, MSIX_IDX_MSI, &msg))
        inject(m, &msg);
    flush_pending(m);
    spin_unlock_irqrestore(&m->lock, fl);
}

/* dom0's write to the MSI-X message control: enable and function mask only. */
static bool msix_cfg_write(struct pci_dom0_msi *m, unsigned int reg, unsigned int size,
                           uint32_t val)
{
    struct pci_dom0_msix *x = m->x;
    unsigned int lo = x->cap + 2u;
    uint16_t keep = PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL;
    bool hit = false;

    for (unsigned int b = 0; b < size; b++) {
        unsigned int r = reg + b;
        uint16_t byte = (uint16_t)((val >> (8 * b)) & 0xff);

        if (r != lo + 1)
            continue;       /* the low byte is the table size: read-only */
        x->ctrl = (uint16_t)((x->ctrl & ~keep) | ((uint16_t)(byte << 8) & keep));
        hit = true;
    }
    if (reg <= lo && reg + size > lo)
        hit = true;
    if (hit) {
        program_all(m);
        flush_pending(m);
    }
    return hit;
}

bool pci_dom0_msi_write(struct pci_func *f, unsigned int reg, unsigned int size, uint32_t val)
{
    struct pci_dom0_msi *m = f->msi;
    struct vpci_msi msg;
    unsigned long fl = spin_lock_irqsave(&m->lock);
    bool was_on = m->hw_on, x_was_on = msix_on(m), hit, announce;
    const char *who = log_who(m);
    char line[112];

    hit = m->v.cap && msi_virt_write(&m->v, reg, size, val);
    if (hit) {
        program_all(m);
        if (m->pending && take(m, MSIX_IDX_MSI, &msg))
            inject(m, &msg);
    } else if (m->x && m->d && m->d->privileged) {     /* a domU is not offered MSI-X */
        hit = msix_cfg_write(m, reg, size, val);
    }
    announce = hit && m->hw_on && !was_on && m->d;     /* an owner's write */
    if (hit && msix_on(m) && !x_was_on && m->d) {
        announce = true;
        snprintf(line, sizeof(line), "MSI-X on: %u entries, the device's vectors %#x-%#x on CPU %u",
                 m->x->nr, m->x->e[0].vector, m->x->e[m->x->nr - 1].vector, MSI_CPU);
    } else if (announce)
        snprintf(line, sizeof(line), "MSI: on: %s%u's message %#llx/%#x, the device's vector %#x on CPU %u",
                 m->d->privileged ? "dom" : "d", m->d->id,
                 (unsigned long long)msi_virt_addr(&m->v), msi_virt_data(&m->v), m->vector,
                 MSI_CPU);
    spin_unlock_irqrestore(&m->lock, fl);
    if (announce)
        log_func(m, who, line);
    return hit;
}

uint32_t pci_dom0_msi_read(const struct pci_func *f, unsigned int dreg, uint32_t hw)
{
    const struct pci_dom0_msi *m = f->msi;

    if (m->x && dreg == m->x->cap) {
        uint32_t keep = (uint32_t)(PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL) << 16;

        hw = (hw & ~keep) | ((uint32_t)m->x->ctrl << 16 & keep);
    }
    return m->v.cap ? msi_virt_overlay(&m->v, dreg, hw) : hw;
}

bool pci_dom0_msix_offered(const struct pci_func *f)
{
    return f->msi && f->msi->x;
}

void pci_msi_set_owner(struct pci_func *f, struct domain *d)
{
    struct pci_dom0_msi *m = f->msi;
    unsigned long fl;

    if (!m)
        return;
    fl = spin_lock_irqsave(&m->lock);
    m->d = d;
    timer_stop(&m->unthrottle);     /* the old owner's storm window ends here */
    m->throttled = false;
    m->rate.start = now_ns();
    m->rate.count = 0;
    if (m->v.cap)
        msi_virt_init(&m->v, m->v.cap, m->v.hw_ctrl);
    m->pending = false;
    for (unsigned int i = 0; m->x && i < m->x->nr; i++) {
        volatile uint32_t *t = m->x->table + i * (MSIX_ENTRY_SIZE / 4);

        t[MSIX_VCTRL] = MSIX_VCTRL_MASKBIT;     /* the hypervisor's message again (an FLR clears it) */
        t[MSIX_ADDR_LO] = MSI_ADDR_BASE | m->dest << MSI_ADDR_DEST_SHIFT;
        t[MSIX_ADDR_HI] = 0;
        t[MSIX_DATA] = m->x->e[i].vector;
        memset(m->x->e[i].w, 0, sizeof(m->x->e[i].w));
        m->x->e[i].w[MSIX_VCTRL] = MSIX_VCTRL_MASKBIT;
        m->x->e[i].pending = false;
    }
    if (m->x)
        m->x->ctrl = 0;
    program_all(m);                 /* off: the new owner has enabled nothing */
    spin_unlock_irqrestore(&m->lock, fl);
}

/* ---- dom0's accesses to an MSI-X table page --------------------------------- */

static struct pci_dom0_msi *table_owner(uint64_t gpa)
{
    const struct pci_func *f;

    for (unsigned int n = 0; (f = pci_func_at(n)); n++) {
        const struct pci_dom0_msix *x = f->msi ? f->msi->x : NULL;

        if (x && (gpa >> PAGE_SHIFT) >= (x->table_pa >> PAGE_SHIFT) &&
            (gpa >> PAGE_SHIFT) <= ((x->table_pa + x->nr * MSIX_ENTRY_SIZE - 1) >> PAGE_SHIFT))
            return f->msi;
    }
    return NULL;
}

bool pci_dom0_msix_page(const struct pci_func *f, uint64_t pa)
{
    const struct pci_dom0_msix *x = f->msi ? f->msi->x : NULL;

    return x && (pa >> PAGE_SHIFT) >= (x->table_pa >> PAGE_SHIFT) &&
           (pa >> PAGE_SHIFT) <= ((x->table_pa + x->nr * MSIX_ENTRY_SIZE - 1) >> PAGE_SHIFT);
}

/*
 * dom0's accesses to any MSI-X table page, and an owner's to its own: the
 * page is never mapped. Only the function's owner reaches it
 * (owns_page()); dom0's to a function a domU has read as all ones and
 * are dropped, as its config-space writes are.
 */
static bool msix_claims(struct vcpu *v, uint64_t gpa)
{
    struct pci_dom0_msi *m = table_owner(gpa);
    unsigned long fl;
    bool mine;

    if (!m)
        return false;
    if (pci_dom0_sees_any(v->domain))
        return true;
    fl = spin_lock_irqsave(&m->lock);
    mine = m->d == v->domain;
    spin_unlock_irqrestore(&m->lock, fl);
    return mine;
}

/* Under m->lock: v's domain has the function now. */
static bool owns_page(const struct pci_dom0_msi *m, const struct vcpu *v)
{
    return m->d && m->d == v->domain;
}

/* The entry word at gpa, or -1 outside the table. */
static int table_word(const struct pci_dom0_msix *x, uint64_t gpa)
{
    if (gpa < x->table_pa || gpa >= x->table_pa + x->nr * MSIX_ENTRY_SIZE)
        return -1;
    return (int)((gpa - x->table_pa) / 4);
}

static uint32_t rd_dword(struct pci_dom0_msi *m, uint64_t gpa)
{
    int w = table_word(m->x, gpa);

    if (w < 0)
        return *(volatile uint32_t *)(uintptr_t)gpa;     /* the PBA or other registers */
    return m->x->e[w / MSIX_WORDS].w[w % MSIX_WORDS];
}

static void wr_dword(struct pci_dom0_msi *m, uint64_t gpa, uint32_t val)
{
    int w = table_word(m->x, gpa);
    struct msix_ent *e;

    if (w < 0) {
        *(volatile uint32_t *)(uintptr_t)gpa = val;
        return;
    }
    e = &m->x->e[w / MSIX_WORDS];
    switch (w % MSIX_WORDS) {
    case MSIX_ADDR_LO:  e->w[MSIX_ADDR_LO] = val & ~3u; break;
    case MSIX_VCTRL:    e->w[MSIX_VCTRL] = val & MSIX_VCTRL_MASKBIT; break;
    default:            e->w[w % MSIX_WORDS] = val; break;
    }
    program_ent(m, (unsigned int)(w / MSIX_WORDS));
    flush_pending(m);
}

static int msix_read(struct vcpu *v, uint64_t gpa, unsigned int size, uint64_t *val)
{
    struct pci_dom0_msi *m = table_owner(gpa);
    unsigned long fl;
    uint64_t dw;

    *val = ~0ull >> (64 - 8 * size);
    if (!m || (size != 4 && size != 8) || (gpa & (size - 1)))
        return 0;           /* the spec's accesses only: others read as all ones */
    fl = spin_lock_irqsave(&m->lock);
    if (owns_page(m, v)) {
        dw = rd_dword(m, gpa);
        if (size == 8)
            dw |= (uint64_t)rd_dword(m, gpa + 4) << 32;
        *val = dw;
    }
    spin_unlock_irqrestore(&m->lock, fl);
    return 0;
}

static int msix_write(struct vcpu *v, uint64_t gpa, unsigned int size, uint64_t val)
{
    struct pci_dom0_msi *m = table_owner(gpa);
    unsigned long fl;

    if (!m || (size != 4 && size != 8) || (gpa & (size - 1)))
        return 0;           /* dropped */
    fl = spin_lock_irqsave(&m->lock);
    if (owns_page(m, v)) {
        wr_dword(m, gpa, (uint32_t)val);
        if (size == 8)
            wr_dword(m, gpa + 4, (uint32_t)(val >> 32));
    }
    spin_unlock_irqrestore(&m->lock, fl);
    return 0;
}

const struct mmio_device pci_dom0_msix_mmio = {
    "a physical function's MSI-X table", 0, msix_claims, msix_read, msix_write,
};

/* ---- set-up ------------------------------------------------------------------ */

/* The table's host-physical address from its BAR (the firmware's), or 0. */
static uint64_t table_pa(const struct pci_func *f, uint32_t tbl)
{
    unsigned int bir = tbl & PCI_MSIX_BIR_MASK;
    uint64_t base, size;
    bool is64;

    if (bir >= PCI_NR_BARS || !pci_bar_mem32(f, bir, &base, &size, &is64))
        return 0;           /* an I/O BAR, or above 4 GiB: not offered */
    return base + (tbl & ~PCI_MSIX_BIR_MASK);
}

/* The vectors of x's first n entries, given back (their entries stay masked). */
static void msix_free_vectors(struct pci_dom0_msix *x, unsigned int n)
{
    for (unsigned int i = 0; i < n; i++) {
        by_vector[x->e[i].vector] = NULL;
        irq_vector_free(x->e[i].vector);
    }
}

/* A function whose MSI-X is not offered: off and masked in the device, whatever the firmware left. */
static void msix_quiesce(const struct pci_func *f)
{
    uint32_t dw = pci_conf_read32(f->bdf, f->msix_cap);
    uint16_t ctrl = (uint16_t)(dw >> MSI_CTRL_SHIFT);

    ctrl = (uint16_t)((ctrl & ~PCI_MSIX_FLAGS_ENABLE) | PCI_MSIX_FLAGS_MASKALL);
    pci_conf_write32(f->bdf, f->msix_cap, (dw & 0xffffu) | (uint32_t)ctrl << MSI_CTRL_SHIFT);
}

static int msix_attach(struct pci_dom0_msi *m)
{
    struct pci_func *f = m->f;
    struct pci_dom0_msix *x;
    uint32_t dw = pci_conf_read32(f->bdf, f->msix_cap);
    uint64_t pa = table_pa(f, pci_conf_read32(f->bdf, f->msix_cap + PCI_MSIX_TABLE));
    int vec;

    if (!pa || pa >= MSIX_TABLE_LIMIT)
        return -EINVAL;
    x = xnew(struct pci_dom0_msix);
    if (!x)
        return -ENOMEM;
    x->cap = f->msix_cap;
    x->hw_ctrl = (uint16_t)(dw >> MSI_CTRL_SHIFT);
    x->nr = (x->hw_ctrl & PCI_MSIX_FLAGS_QSIZE) + 1u;
    /*
     * Every entry the device has must be one the hypervisor emulates:
     * an entry it did not would be written by dom0 straight into the
     * device's table (same page) and fire once MSI-X is on.
     */
    if (x->nr > MSIX_MAX_ENTRIES) {
        xfree(x);
        return -E2BIG;
    }
    x->table_pa = pa;
    x->table = (volatile uint32_t *)(uintptr_t)pa;
    /* Off while the table is set: every entry masked, with the hypervisor's message. */
    pci_conf_write32(f->bdf, f->msix_cap, (dw & 0xffffu) |
                     (uint32_t)((x->hw_ctrl & ~PCI_MSIX_FLAGS_ENABLE) | PCI_MSIX_FLAGS_MASKALL)
                     << MSI_CTRL_SHIFT);
    for (unsigned int i = 0; i < x->nr; i++) {
        volatile uint32_t *t = x->table + i * (MSIX_ENTRY_SIZE / 4);

        vec = irq_vector_alloc(msi_irq);
        if (vec < 0) {
            msix_free_vectors(x, i);    /* all entries or none: none, masked */
            xfree(x);
            return -ENOSPC;
        }
        x->e[i].vector = (uint8_t)vec;
        x->e[i].w[MSIX_VCTRL] = MSIX_VCTRL_MASKBIT;     /* the reset state */
        t[MSIX_VCTRL] = MSIX_VCTRL_MASKBIT;
        t[MSIX_ADDR_LO] = MSI_ADDR_BASE | m->dest << MSI_ADDR_DEST_SHIFT;
        t[MSIX_ADDR_HI] = 0;
        t[MSIX_DATA] = (uint32_t)vec;
        vec_entry[vec] = (int8_t)i;
        by_vector[vec] = m;
    }
    m->x = x;
    program_msix(m);
    return 0;
}

static int msi_attach(struct domain *d, struct pci_func *f)
{
    struct pci_dom0_msi *m = xnew(struct pci_dom0_msi);
    int vec, rc;

    if (!m)
        return -ENOMEM;
    m->f = f;
    m->d = d;
    m->dest = apic_id();
    timer_init(&m->unthrottle, unthrottle, m, MSI_CPU);
    if (f->msi_cap) {
        vec = irq_vector_alloc(msi_irq);
        if (vec < 0) {
            xfree(m);
            return vec;
        }
        m->vector = (uint8_t)vec;
        msi_virt_init(&m->v, f->msi_cap,
                      (uint16_t)(pci_conf_read32(f->bdf, f->msi_cap) >> MSI_CTRL_SHIFT));
        program(m);             /* off: dom0 has enabled nothing */
        vec_entry[vec] = MSIX_IDX_MSI;
        by_vector[vec] = m;
    }
    f->msi = m;
    if (m->vector)
        msi_sources++;
    if (f->msix_cap) {
        rc = msix_attach(m);
        if (rc) {
            msix_quiesce(f);
            pr_warn("dom0_pci=view: PCI 0000:%02x:%02x.%x MSI-X: not offered (%d)\n",
                    f->bdf >> 8, (f->bdf >> 3) & 0x1f, f->bdf & 7, rc);
        } else {
            pr_info("dom0_pci=view: PCI 0000:%02x:%02x.%x MSI-X: %u entries offered, table at "
                    "%#llx trapped\n", f->bdf >> 8, (f->bdf >> 3) & 0x1f, f->bdf & 7, m->x->nr,
                    (unsigned long long)m->x->table_pa);
            if (!m->vector)
                msi_sources++;
        }
    }
    return 0;
}

void pci_dom0_msi_init(struct domain *d)
{
    struct pci_func *f;
    int rc;

    /* The command line's bounds (setup.c: 1 to 1000000) fit in 32 bits. */
    msi_limits = (struct irq_rate_limits){ MSI_STORM_WINDOW_NS, (uint32_t)opt_msi_storm_limit,
                                           (uint32_t)opt_msi_storm_cpu_limit };

    for (unsigned int n = 0; (f = (struct pci_func *)pci_func_at(n)); n++) {
        if ((!f->msi_cap && !f->msix_cap) || f->msi || !pci_dom0_sees(d, f->bdf) ||
            vpci_is_virtual(f->bdf))
            continue;
        rc = msi_attach(d, f);
        if (rc)
            pr_warn("dom0_pci=view: PCI 0000:%02x:%02x.%x MSI: not offered (%d)\n",
                    f->bdf >> 8, (f->bdf >> 3) & 0x1f, f->bdf & 7, rc);
    }
}

/* ---- at dom0's end ------------------------------------------------------------ */

/*
 * The device's MSI message, once the hypervisor wrote one (before, it has
 * the firmware's, and MSI off): true when it is the hypervisor's.
 */
static bool msi_hw_ours(const struct pci_dom0_msi *m, unsigned int *checked)
{
    uint16_t bdf = m->f->bdf;
    uint32_t addr, hi = 0, data;

    if (!m->v.cap || !m->ever_on)
        return true;
    addr = pci_conf_read32(bdf, m->v.cap + MSI_ADDR_LO_OFF);
    if (m->v.hw_ctrl & PCI_MSI_FLAGS_64BIT)
        hi = pci_conf_read32(bdf, m->v.cap + 8);
    data = pci_conf_read32(bdf, m->v.cap + msi_virt_data_off(&m->v)) & 0xffffu;
    (*checked)++;
    return addr == (MSI_ADDR_BASE | m->dest << MSI_ADDR_DEST_SHIFT) && !hi && data == m->vector;
}

/* Every MSI-X entry of the device: the hypervisor's message. */
static bool msix_hw_ours(const struct pci_dom0_msi *m, unsigned int *checked)
{
    for (unsigned int i = 0; m->x && i < m->x->nr; i++) {
        volatile const uint32_t *t = m->x->table + i * (MSIX_ENTRY_SIZE / 4);

        (*checked)++;
        if (t[MSIX_ADDR_LO] != (MSI_ADDR_BASE | m->dest << MSI_ADDR_DEST_SHIFT) ||
            t[MSIX_ADDR_HI] || t[MSIX_DATA] != m->x->e[i].vector)
            return false;
    }
    return true;
}

void pci_dom0_msi_report(void)
{
    const struct pci_func *f;

    for (unsigned int n = 0; (f = pci_func_at(n)); n++) {
        unsigned int checked = 0;
        bool ours;

        if (!f->msi)
            continue;
        ours = msi_hw_ours(f->msi, &checked) && msix_hw_ours(f->msi, &checked);
        pr_info("dom0_pci=view: PCI 0000:%02x:%02x.%x at dom0's end: %s (%u message%s "
                "checked, %llu interrupts, %llu storms)\n", f->bdf >> 8, (f->bdf >> 3) & 0x1f,
                f->bdf & 7, ours ? "the device holds only the hypervisor's messages" :
                "the device holds a message that is not the hypervisor's", checked,
                checked == 1 ? "" : "s", (unsigned long long)f->msi->count,
                (unsigned long long)f->msi->storms);
        if (f->msi->storms)
            pr_info("dom0_pci=view: PCI 0000:%02x:%02x.%x storms: %llu for its own rate, %llu for "
                    "the CPU's\n", f->bdf >> 8, (f->bdf >> 3) & 0x1f, f->bdf & 7,
                    (unsigned long long)f->msi->storms_own, (unsigned long long)f->msi->storms_cpu);
    }
    for (unsigned int c = 0; c < MAX_CPUS; c++)
        if (msi_cpus[c].count)
            pr_info("dom0_pci=view: CPU %u: %llu device interrupts from %u functions, %llu "
                    "throttles for the CPU's limit (%u a %llu ms window, a function's share %u, "
                    "its own limit %u)\n", c, (unsigned long long)msi_cpus[c].count, msi_sources,
                    (unsigned long long)msi_cpus[c].throttles, msi_limits.cpu,
                    MSI_STORM_WINDOW_NS / 1000000ull, irq_rate_share(&msi_limits, msi_sources),
                    msi_limits.source);
}
