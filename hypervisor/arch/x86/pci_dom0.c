/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dom0's view of the machine's physical PCI functions (dom0_pci=view; see
 * asm/pci.h and docs/iommu.md): the first layer of the config-space
 * filter. Called by vpci_io.c under the domain's pci_lock; each access
 * then holds pci_owner_lock from its owner check to its last register
 * write, so an assignment, deassignment or a domain's end (pci_assign.c,
 * under the same lock) never lands between the two, and the BAR shadows
 * change only under it.
 */
#include <mica/domain.h>
#include <mica/iommu.h>
#include <mica/console.h>
#include <mica/p2m.h>
#include <mica/mm.h>
#include <mica/errno.h>
#include <mica/lib.h>
#include <asm/pci.h>
#include <asm/pci_cmd.h>
#include <asm/vpci.h>

#define PCI_BAR0            0x10
#define PCI_BAR_END         0x28
#define PCI_ROM             0x30
#define PCI_CFG_MAX         0x100
#define WINDOW_ALIGN        0x100000ull
#define WINDOW_LIMIT        0xfec00000ull   /* the I/O APIC, HPET, IOMMU, local APIC above */

bool opt_dom0_pci_view;
spinlock_t pci_owner_lock = SPINLOCK_INIT;

static uint32_t ones(unsigned int size)
{
    return size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
}

bool pci_dom0_sees_any(const struct domain *d)
{
    return opt_dom0_pci_view && d->privileged && d->id == 0;
}

bool pci_dom0_sees(const struct domain *d, uint16_t bdf)
{
    return pci_dom0_sees_any(d) && pci_func_find(bdf) && !iommu_bdf_hidden(0, bdf);
}

bool pci_view_sees(const struct domain *d, uint16_t bdf)
{
    if (d->privileged)
        return pci_dom0_sees(d, bdf);
    return pci_func_find(bdf) && iommu_device_owner(0, bdf) == (int)d->id;
}

/*
 * d may change bdf's registers: a domU the function it has, dom0 one no
 * domU has. Under pci_owner_lock, until the write is done.
 */
static bool may_write(const struct domain *d, uint16_t bdf)
{
    int owner = iommu_device_owner(0, bdf);

    return d->privileged ? owner <= 0 : owner == (int)d->id;
}

static bool access_ok(unsigned int reg, unsigned int size)
{
    return (size == 1 || size == 2 || size == 4) && reg < PCI_CFG_MAX && (reg & 3) + size <= 4;
}

/*
 * MSI-X not offered (its table is not in a 32-bit memory BAR, or no vector
 * was left): the pointer to its capability reads as the one after it, so
 * dom0 uses MSI.
 */
static uint32_t hide_msix(const struct pci_func *f, unsigned int reg, uint32_t v, bool offered)
{
    unsigned int shift = 8 * (f->msix_prev & 3u);
    uint32_t next;

    if (!f->msix_cap || reg != (f->msix_prev & ~3u) || offered)
        return v;
    next = (pci_conf_read32(f->bdf, f->msix_cap) >> 8) & 0xfcu;
    return (v & ~(0xffu << shift)) | next << shift;
}

/* The dword at reg (aligned) as d (dom0, or the domU that has f) sees it; no MSI-X for a domU. */
static uint32_t dword(const struct domain *d, const struct pci_func *f, unsigned int reg)
{
    uint32_t v;

    if (reg >= PCI_BAR0 && reg < PCI_BAR_END && f->hdr_type == PCI_HEADER_TYPE_NORMAL)
        return f->bar_shadow[(reg - PCI_BAR0) / 4];
    if (reg == PCI_ROM && f->hdr_type == PCI_HEADER_TYPE_NORMAL)
        return 0;
    v = hide_msix(f, reg, pci_conf_read32(f->bdf, reg),
                  d->privileged && pci_dom0_msix_offered(f));
    return f->msi ? pci_dom0_msi_read(f, reg, v) : v;
}

uint32_t pci_dom0_read(const struct domain *d, uint16_t bdf, unsigned int reg,
                       unsigned int size)
{
    const struct pci_func *f = pci_func_find(bdf);
    uint32_t v = ones(size);

    if (!f || !access_ok(reg, size))
        return v;
    spin_lock(&pci_owner_lock);
    if (pci_view_sees(d, bdf))      /* again: the function may have left d since */
        v = (dword(d, f, reg & ~3u) >> (8 * (reg & 3))) & ones(size);
    spin_unlock(&pci_owner_lock);
    return v;
}

/*
 * d writes the command register (reg in the dword at PCI_COMMAND):
 * pci_cmd_filter() says what passes (decoding and Bus Master while f's DTE
 * points at d's I/O page table). The status half is written as zeros: its
 * RW1C bits stay.
 */
static void command_write(const struct domain *d, const struct pci_func *f, unsigned int reg,
                          unsigned int size, uint32_t val)
{
    uint16_t cur = (uint16_t)pci_conf_read32(f->bdf, PCI_COMMAND);
    uint16_t next = pci_cmd_filter(cur, reg, size, val,
                                   iommu_device_assigned(d->id, 0, f->bdf));

    if (next != cur)
        pci_conf_write32(f->bdf, PCI_COMMAND, next);
}

static void bar_follow(struct domain *d, struct pci_func *f, unsigned int reg, uint32_t old);

/*
 * Under pci_owner_lock, d's right to write checked: the command register,
 * the BARs (into the shadow, through the bits the BAR has) and the MSI
 * capability (into the owner's image: pci_dom0_msi.c) take writes; all
 * else is dropped.
 */
static void write_locked(struct domain *d, struct pci_func *f, unsigned int reg,
                         unsigned int size, uint32_t val)
{
    unsigned int shift = 8 * (reg & 3), i;
    uint32_t *bar, mask, v, old;

    old = f->bar_shadow[reg >= PCI_BAR0 && reg < PCI_BAR_END ? (reg - PCI_BAR0) / 4 : 0];
    if ((reg & ~3u) == PCI_COMMAND) {
        command_write(d, f, reg, size, val);
        return;
    }
    if (f->msi && pci_dom0_msi_write(f, reg, size, val))
        return;
    if (f->hdr_type != PCI_HEADER_TYPE_NORMAL || reg < PCI_BAR0 || reg >= PCI_BAR_END)
        return;
    i = (reg - PCI_BAR0) / 4;
    bar = &f->bar_shadow[i];
    mask = ones(size) << shift;
    v = (*bar & ~mask) | ((val << shift) & mask);
    *bar = (*bar & ~f->bar_mask[i]) | (v & f->bar_mask[i]);
    if (!d->privileged)
        bar_follow(d, f, reg, old);  /* a domU places its BARs */
}

void pci_dom0_write(struct domain *d, uint16_t bdf, unsigned int reg, unsigned int size,
                    uint32_t val)
{
    struct pci_func *f = pci_func_find(bdf);

    if (!f || !access_ok(reg, size))
        return;
    spin_lock(&pci_owner_lock);
    if (pci_view_sees(d, bdf) && may_write(d, bdf))
        write_locked(d, f, reg, size, val);
    spin_unlock(&pci_owner_lock);
}

/* The span of f's 32-bit memory BARs, widened into [*lo, *hi). */
static void bar_span(const struct pci_func *f, uint64_t *lo, uint64_t *hi)
{
    for (unsigned int i = 0; i < PCI_NR_BARS; i++) {
        uint64_t base, size;
        bool is64;

        if (pci_bar_mem32(f, i, &base, &size, &is64)) {
            if (base < *lo)
                *lo = base;
            if (base + size > *hi)
                *hi = base + size;
        }
        if (is64)
            i++;            /* its upper half */
    }
}

bool pci_dom0_mmio_window(uint32_t *base, uint32_t *len)
{
    uint64_t lo = ~0ull, hi = 0;
    const struct pci_func *f;

    for (unsigned int i = 0; (f = pci_func_at(i)); i++)
        if (pci_func_assignable(f))
            bar_span(f, &lo, &hi);
    lo &= ~(WINDOW_ALIGN - 1);
    hi = (hi + WINDOW_ALIGN - 1) & ~(WINDOW_ALIGN - 1);
    if (hi > WINDOW_LIMIT)
        hi = WINDOW_LIMIT;
    if (hi <= lo)
        return false;
    *base = (uint32_t)lo;
    *len = (uint32_t)(hi - lo);
    return true;
}

/* The log lines' prefix: dom0's view, or an assignment. */
static const char *who(const struct domain *d)
{
    return d->privileged ? "dom0_pci=view" : "pci";
}

/*
 * Map one BAR's pages: the frames at host address hbase at guest address
 * base (dom0: the same); false (logged) if any is refused.
 */
static bool map_bar(struct domain *d, const struct pci_func *f, unsigned int i,
                    uint64_t base, uint64_t hbase, uint64_t size)
{
    char name[PCI_BDF_STR_LEN];
    int rc = 0;

    pci_bdf_str(name, 0, f->bdf);
    if (base + size > WINDOW_LIMIT || hbase + size > WINDOW_LIMIT) {
        pr_warn("%s: PCI %s BAR %u at %#llx reaches the hypervisor's MMIO: not mapped\n",
                who(d), name, i, (unsigned long long)base);
        return false;
    }
    for (uint64_t pa = base; pa < base + size && !rc; pa += PAGE_SIZE)
        if (p2m_lookup(&d->p2m, pa >> PAGE_SHIFT, NULL) != INVALID_MFN)
            rc = -EEXIST;
    for (uint64_t off = 0; off < size && !rc; off += PAGE_SIZE)
        if (!pci_dom0_msix_page(f, hbase + off))     /* an MSI-X table's page: trapped */
            rc = p2m_map(&d->p2m, (base + off) >> PAGE_SHIFT, (hbase + off) >> PAGE_SHIFT,
                         P2M_RW | P2M_MMIO);
    if (rc) {
        pr_warn("%s: PCI %s BAR %u at %#llx: not mapped (%d)\n", who(d), name, i,
                (unsigned long long)base, rc);
        return false;
    }
    pr_info("%s: PCI %s BAR %u %#llx-%#llx mapped into d%u, uncached\n", who(d), name, i,
            (unsigned long long)base, (unsigned long long)(base + size - 1), d->id);
    return true;
}

/*
 * Take one BAR's pages out of d's p2m: those that are no frame (MMIO, or a
 * hole already); RAM there is left alone. The caller flushes.
 */
static void unmap_bar(struct domain *d, uint64_t base, uint64_t size)
{
    for (uint64_t pa = base; pa < base + size; pa += PAGE_SIZE)
        if (p2m_lookup(&d->p2m, pa >> PAGE_SHIFT, NULL) == INVALID_MFN)
            p2m_unmap(&d->p2m, pa >> PAGE_SHIFT);
}

/* BAR i (a memory BAR of at least a page) where the firmware put it: its host address. */
static bool bar_host(const struct pci_func *f, unsigned int i, uint64_t *base, uint64_t *size,
                     bool *is64)
{
    return pci_bar_mem32_in(f, f->bar_fw, i, base, size, is64) && *size >= PAGE_SIZE;
}

/*
 * Where d's p2m has BAR i's frames: dom0's at the firmware's address
 * whatever its shadow says; a domU's where its shadow puts the BAR, when
 * that is page-aligned below WINDOW_LIMIT (a BAR being sized is nowhere).
 */
static bool bar_guest(const struct domain *d, const struct pci_func *f, unsigned int i,
                      uint64_t *base, uint64_t *size)
{
    uint64_t hsize;
    bool is64;

    if (!bar_host(f, i, base, &hsize, &is64))
        return false;
    if (d->privileged)
        return (*size = hsize), true;
    return pci_bar_mem32(f, i, base, size, &is64) && *size == hsize &&
           !(*base & (PAGE_SIZE - 1)) && *base + *size <= WINDOW_LIMIT;
}

/* BAR i's frames out of d's p2m, from where they are (mem_lock taken). */
static void bar_out(struct domain *d, const struct pci_func *f, unsigned int i)
{
    uint64_t base, size;

    if (!bar_guest(d, f, i, &base, &size))
        return;
    spin_lock(&d->mem_lock);
    unmap_bar(d, base, size);
    spin_unlock(&d->mem_lock);
}

/*
 * BAR i's frames into d's p2m, where bar_guest() says (mem_lock taken);
 * false (logged) if map_bar() refused them.
 */
static bool bar_in(struct domain *d, const struct pci_func *f, unsigned int i)
{
    uint64_t base, hbase, size, hsize;
    bool is64, ok;

    if (!bar_host(f, i, &hbase, &hsize, &is64) || !bar_guest(d, f, i, &base, &size))
        return true;        /* nowhere to map it */
    spin_lock(&d->mem_lock);
    ok = map_bar(d, f, i, base, hbase, size);
    spin_unlock(&d->mem_lock);
    return ok;
}

/* BAR i out of from's p2m (logged: from no longer reaches it). */
static void bar_leave(struct domain *from, const struct pci_func *f, unsigned int i)
{
    char name[PCI_BDF_STR_LEN];
    uint64_t base, size;

    if (!bar_guest(from, f, i, &base, &size))
        return;
    bar_out(from, f, i);
    pci_bdf_str(name, 0, f->bdf);
    pr_info("pci: PCI %s BAR %u %#llx-%#llx unmapped from d%u\n", name, i,
            (unsigned long long)base, (unsigned long long)(base + size - 1), from->id);
}

int pci_bars_move(struct pci_func *f, struct domain *from, struct domain *to)
{
    uint64_t base, size;
    bool is64;
    int rc = 0;

    for (unsigned int i = 0; i < PCI_NR_BARS; i += is64 ? 2 : 1)
        if (bar_host(f, i, &base, &size, &is64) && from)
            bar_leave(from, f, i);
    memcpy(f->bar_shadow, f->bar_fw, sizeof(f->bar_shadow));
    for (unsigned int i = 0; i < PCI_NR_BARS; i += is64 ? 2 : 1)
        if (bar_host(f, i, &base, &size, &is64) && to && !bar_in(to, f, i))
            rc = -EEXIST;
    if (from)
        domain_p2m_flush(from);
    return rc;
}

/*
 * A domU wrote BAR reg's shadow (old: its value before): its frames follow
 * it, out of where they were and into where it is now, if anywhere; the
 * BAR whose upper half it is for a 64-bit BAR's upper dword.
 */
static void bar_follow(struct domain *d, struct pci_func *f, unsigned int reg, uint32_t old)
{
    unsigned int i = (reg - PCI_BAR0) / 4, k = i;
    uint32_t now = f->bar_shadow[i];
    uint64_t base, size;
    bool is64;

    if (now == old)
        return;
    if (i > 0 && bar_host(f, i - 1, &base, &size, &is64) && is64)
        k = i - 1;
    if (!bar_host(f, k, &base, &size, &is64))
        return;
    f->bar_shadow[i] = old;
    bar_out(d, f, k);
    f->bar_shadow[i] = now;
    bar_in(d, f, k);
    domain_p2m_flush(d);
}

void pci_dom0_stop_mastering(struct domain *d)
{
    const struct pci_func *f;
    unsigned int seen = 0, was = 0;

    for (unsigned int n = 0; (f = pci_func_at(n)); n++) {
        if (!pci_dom0_sees(d, f->bdf) || !pci_func_assignable(f))
            continue;
        seen++;
        was += pci_stop_mastering(f->bdf);
    }
    pr_info("dom0_pci=view: Bus Master off on the %u functions d%u sees (%u had it on); only "
            "one whose DTE points at its I/O page table may set it\n", seen, d->id, was);
}

void pci_dom0_map_bars(struct domain *d)
{
    const struct pci_func *f;

    pci_dom0_msi_init(d);       /* first: MSI-X table pages stay unmapped */
    for (unsigned int n = 0; (f = pci_func_at(n)); n++) {
        if (!pci_dom0_sees(d, f->bdf) || !pci_func_assignable(f))
            continue;
        iommu_assign_device(d, 0, f->bdf);     /* its DTE: dom0's I/O page table */
        for (unsigned int i = 0; i < PCI_NR_BARS; i++) {
            uint64_t base, size;
            bool is64;

            if (pci_bar_mem32(f, i, &base, &size, &is64) && size >= PAGE_SIZE)
                map_bar(d, f, i, base, base, size);
            if (is64)
                i++;
        }
    }
}
