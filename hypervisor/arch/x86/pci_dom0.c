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

/*
 * Under pci_owner_lock, d's right to write checked: the command register,
 * the BARs (into the shadow, through the bits the BAR has) and the MSI
 * capability (into the owner's image: pci_dom0_msi.c) take writes; all
 * else is dropped.
 */
static void write_locked(const struct domain *d, struct pci_func *f, unsigned int reg,
                         unsigned int size, uint32_t val)
{
    unsigned int shift = 8 * (reg & 3), i;
    uint32_t *bar, mask, v;

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
}

void pci_dom0_write(const struct domain *d, uint16_t bdf, unsigned int reg, unsigned int size,
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

/* Map one BAR's pages; false (logged) if any is refused. */
static bool map_bar(struct domain *d, const struct pci_func *f, unsigned int i,
                    uint64_t base, uint64_t size)
{
    char name[PCI_BDF_STR_LEN];
    int rc = 0;

    pci_bdf_str(name, 0, f->bdf);
    if (base + size > WINDOW_LIMIT) {
        pr_warn("%s: PCI %s BAR %u at %#llx reaches the hypervisor's MMIO: not mapped\n",
                who(d), name, i, (unsigned long long)base);
        return false;
    }
    for (uint64_t pa = base; pa < base + size && !rc; pa += PAGE_SIZE)
        if (p2m_lookup(&d->p2m, pa >> PAGE_SHIFT, NULL) != INVALID_MFN)
            rc = -EEXIST;
    for (uint64_t pa = base; pa < base + size && !rc; pa += PAGE_SIZE)
        if (!pci_dom0_msix_page(f, pa))     /* an MSI-X table's page: trapped */
            rc = p2m_map(&d->p2m, pa >> PAGE_SHIFT, pa >> PAGE_SHIFT, P2M_RW | P2M_MMIO);
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

void pci_bars_move(struct pci_func *f, struct domain *from, struct domain *to)
{
    memcpy(f->bar_shadow, f->bar_fw, sizeof(f->bar_shadow));
    for (unsigned int i = 0; i < PCI_NR_BARS; i++) {
        uint64_t base, size;
        bool is64, mem = pci_bar_fw_mem32(f, i, &base, &size, &is64) && size >= PAGE_SIZE;

        if (mem && from) {
            spin_lock(&from->mem_lock);
            unmap_bar(from, base, size);
            spin_unlock(&from->mem_lock);
        }
        if (mem && to && base + size <= WINDOW_LIMIT) {
            spin_lock(&to->mem_lock);
            map_bar(to, f, i, base, size);
            spin_unlock(&to->mem_lock);
        }
        if (is64)
            i++;
    }
    if (from)
        domain_p2m_flush(from);
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
                map_bar(d, f, i, base, size);
            if (is64)
                i++;
        }
    }
}
