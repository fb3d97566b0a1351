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
 * Storms: more than MSI_STORM_LIMIT interrupts of one function in an
 * MSI_STORM_WINDOW_NS window mask it (its mask bit, or its MSI enable when
 * it has none) until the window after; what arrived meanwhile is injected
 * once on unmasking. A device can thus take at most that rate of the boot
 * CPU's time in this handler, and other domains keep theirs.
 */
#include <mica/domain.h>
#include <mica/console.h>
#include <mica/spinlock.h>
#include <mica/timer.h>
#include <mica/xmalloc.h>
#include <mica/lib.h>
#include <mica/errno.h>
#include <asm/apic.h>
#include <asm/pci.h>
#include <asm/pci_msi.h>
#include <asm/time.h>
#include <asm/traps.h>
#include <asm/vlapic.h>
#include <asm/vpci.h>

#define MSI_STORM_WINDOW_NS 10000000ull    /* 10 ms */
#define MSI_STORM_LIMIT     1000u          /* per window: 100000 a second */
#define MSI_CTRL_SHIFT      16             /* message control in the capability's first dword */
#define MSI_CPU             0              /* the CPU the devices' messages go to */

struct pci_dom0_msi {
    spinlock_t lock;                /* the image, the state below, the device's capability */
    struct pci_func *f;
    struct domain *d;
    struct msi_virt v;
    uint8_t vector;                 /* the hypervisor's */
    uint32_t dest;                  /* MSI_CPU's APIC ID */
    bool hw_on;                     /* the device's MSI is enabled (and unmasked) */
    bool pending;                   /* arrived while dom0 masked it (or throttled) */
    bool throttled;
    bool told_storm;
    uint64_t win_start;
    uint32_t win_count;
    uint64_t count, storms;
    struct timer unthrottle;
};

static struct pci_dom0_msi *by_vector[256];

static void log_func(const struct pci_func *f, const char *what)
{
    pr_info("dom0_pci=view: PCI 0000:%02x:%02x.%x MSI: %s\n", f->bdf >> 8, (f->bdf >> 3) & 0x1f,
            f->bdf & 7, what);
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
    bool on = msi_virt_enabled(&m->v) && valid;
    bool masked = msi_virt_masked(&m->v) || m->throttled;

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
}

/* dom0's message, if it is to be injected now; else it waits as pending. */
static bool take(struct pci_dom0_msi *m, struct vpci_msi *out)
{
    if (!msi_virt_enabled(&m->v) || msi_virt_masked(&m->v) || m->throttled) {
        m->pending = true;
        return false;
    }
    m->pending = false;
    return !vpci_msi_decode(msi_virt_addr(&m->v), msi_virt_data(&m->v), out);
}

static void inject(struct pci_dom0_msi *m, const struct vpci_msi *msg)
{
    vlapic_deliver_ext(m->d, msg->dest, msg->logical, msg->lowest, msg->vector);
}

/* Count this interrupt in its window; true if it tipped the device into a storm. */
static bool storm(struct pci_dom0_msi *m, uint64_t now)
{
    if (now - m->win_start >= MSI_STORM_WINDOW_NS) {
        m->win_start = now;
        m->win_count = 0;
    }
    if (++m->win_count <= MSI_STORM_LIMIT)
        return false;
    m->throttled = true;
    m->storms++;
    program(m);
    timer_set(&m->unthrottle, m->win_start + 2 * MSI_STORM_WINDOW_NS);
    return true;
}

static void msi_irq(struct cpu_regs *regs)
{
    struct pci_dom0_msi *m = by_vector[regs->vector & 0xff];
    struct vpci_msi msg;
    unsigned long fl;
    bool go, first_storm = false;

    if (!m)
        return;
    fl = spin_lock_irqsave(&m->lock);
    m->count++;
    if (!m->throttled && storm(m, now_ns()) && !m->told_storm)
        first_storm = m->told_storm = true;
    go = take(m, &msg);
    spin_unlock_irqrestore(&m->lock, fl);
    if (first_storm)
        log_func(m->f, "interrupt storm: masked for a window (more than 1000 in 10 ms)");
    if (go)
        inject(m, &msg);
}

static void unthrottle(struct timer *t)
{
    struct pci_dom0_msi *m = t->data;
    struct vpci_msi msg;
    unsigned long fl = spin_lock_irqsave(&m->lock);
    bool go = false;

    m->throttled = false;
    m->win_start = now_ns();
    m->win_count = 0;
    program(m);
    if (m->pending)
        go = take(m, &msg);
    spin_unlock_irqrestore(&m->lock, fl);
    if (go)
        inject(m, &msg);
}

bool pci_dom0_msi_write(struct pci_func *f, unsigned int reg, unsigned int size, uint32_t val)
{
    struct pci_dom0_msi *m = f->msi;
    struct vpci_msi msg;
    unsigned long fl = spin_lock_irqsave(&m->lock);
    bool was_on = m->hw_on, hit, go = false, announce;
    char line[112];

    hit = msi_virt_write(&m->v, reg, size, val);
    if (hit) {
        program(m);
        if (m->pending)
            go = take(m, &msg);
    }
    announce = hit && m->hw_on && !was_on;
    if (announce)
        snprintf(line, sizeof(line), "on: dom0's message %#llx/%#x, the device's vector %#x on CPU %u",
                 (unsigned long long)msi_virt_addr(&m->v), msi_virt_data(&m->v), m->vector,
                 MSI_CPU);
    spin_unlock_irqrestore(&m->lock, fl);
    if (announce)
        log_func(f, line);
    if (go)
        inject(m, &msg);
    return hit;
}

uint32_t pci_dom0_msi_read(const struct pci_func *f, unsigned int dreg, uint32_t hw)
{
    return msi_virt_overlay(&f->msi->v, dreg, hw);
}

static int msi_attach(struct domain *d, struct pci_func *f)
{
    struct pci_dom0_msi *m = xnew(struct pci_dom0_msi);
    int vec;

    if (!m)
        return -ENOMEM;
    vec = irq_vector_alloc(msi_irq);
    if (vec < 0) {
        xfree(m);
        return vec;
    }
    m->f = f;
    m->d = d;
    m->vector = (uint8_t)vec;
    m->dest = apic_id();
    msi_virt_init(&m->v, f->msi_cap,
                  (uint16_t)(pci_conf_read32(f->bdf, f->msi_cap) >> MSI_CTRL_SHIFT));
    timer_init(&m->unthrottle, unthrottle, m, MSI_CPU);
    program(m);                 /* off: dom0 has enabled nothing */
    by_vector[vec] = m;
    f->msi = m;
    return 0;
}

void pci_dom0_msi_init(struct domain *d)
{
    struct pci_func *f;
    int rc;

    for (unsigned int n = 0; (f = (struct pci_func *)pci_func_at(n)); n++) {
        if (!f->msi_cap || f->msi || !pci_dom0_sees(d, f->bdf) || vpci_is_virtual(f->bdf))
            continue;
        rc = msi_attach(d, f);
        if (rc)
            pr_warn("dom0_pci=view: PCI 0000:%02x:%02x.%x MSI: not offered (%d)\n",
                    f->bdf >> 8, (f->bdf >> 3) & 0x1f, f->bdf & 7, rc);
    }
}
