/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The machine's PCI functions, found once at boot through configuration
 * mechanism 1 (CF8/CFC, segment 0): bus 0, then every bus a PCI-PCI bridge
 * leads to, each bus once however the firmware numbered them. dom0 never
 * reaches the real CF8/CFC (its accesses trap to vpci_io.c), so the lock
 * here only orders the hypervisor's own CPUs.
 */
#include <mica/console.h>
#include <mica/iommu.h>
#include <mica/lib.h>
#include <mica/spinlock.h>
#include <asm/pci.h>
#include <asm/vpci.h>
#include <asm/x86.h>
#include <asm/time.h>

#define PCI_ID              0x00
#define PCI_CLASS_REV       0x08
#define PCI_HDR_DWORD       0x0c        /* header type in bits 23:16 */
#define PCI_BUS_NUMBERS     0x18        /* bridge: secondary bus in bits 15:8 */
#define PCI_HDR_TYPE_MASK   0x7fu
#define PCI_HDR_MULTI_FN    0x80u
#define PCI_HDR_BRIDGE      1u
#define PCI_NO_DEVICE       0xffffu
#define PCI_DEVS            32
#define PCI_FNS             8
#define PCI_BUSES           256
#define PCI_BAR0            0x10
#define PCI_BAR_IO          0x1u
#define PCI_BAR_IO_ADDR     0xfffffffcu
#define PCI_BAR_MEM_ADDR    0xfffffff0u
#define PCI_BAR_MEM_TYPE    0x6u
#define PCI_BAR_MEM_64      0x4u
#define PCI_COMMAND_BITS    0xffffu         /* the command register: the dword's low half */

static struct pci_func funcs[PCI_MAX_FUNCS];
static unsigned int nr_funcs;
static spinlock_t cf8_lock = SPINLOCK_INIT;
static uint8_t bus_seen[PCI_BUSES / 8];
static unsigned int nr_dropped;

void pci_conf_write32(uint16_t bdf, unsigned int reg, uint32_t val)
{
    unsigned long f = spin_lock_irqsave(&cf8_lock);

    outl(PCI_CONF_ADDR_PORT, PCI_CONF_ENABLE | (uint32_t)bdf << 8 | (reg & 0xfcu));
    outl(PCI_CONF_DATA_PORT, val);
    spin_unlock_irqrestore(&cf8_lock, f);
}

/*
 * The writable bits of each BAR, by the usual sizing (all ones, read back,
 * restore) with the device's decoding off meanwhile; at boot, before any
 * domain runs. The upper half of a 64-bit BAR is a BAR of its own here.
 */
static void size_bars(struct pci_func *p)
{
    uint32_t cmd = pci_conf_read32(p->bdf, PCI_COMMAND), orig, back;
    bool upper = false;

    pci_conf_write32(p->bdf, PCI_COMMAND, cmd & ~(uint32_t)(PCI_COMMAND_IO | PCI_COMMAND_MEMORY));
    for (unsigned int i = 0; i < PCI_NR_BARS; i++) {
        unsigned int reg = PCI_BAR0 + 4 * i;

        orig = pci_conf_read32(p->bdf, reg);
        pci_conf_write32(p->bdf, reg, 0xffffffffu);
        back = pci_conf_read32(p->bdf, reg);
        pci_conf_write32(p->bdf, reg, orig);
        if (upper)
            p->bar_mask[i] = back;
        else if (orig & PCI_BAR_IO)
            p->bar_mask[i] = back & PCI_BAR_IO_ADDR & 0xffffu;
        else
            p->bar_mask[i] = back & PCI_BAR_MEM_ADDR;
        p->bar_shadow[i] = orig;
        p->bar_fw[i] = orig;
        upper = !upper && !(orig & PCI_BAR_IO) && (orig & PCI_BAR_MEM_TYPE) == PCI_BAR_MEM_64;
    }
    pci_conf_write32(p->bdf, PCI_COMMAND, cmd);
}

uint32_t pci_conf_read32(uint16_t bdf, unsigned int reg)
{
    unsigned long f = spin_lock_irqsave(&cf8_lock);
    uint32_t v;

    outl(PCI_CONF_ADDR_PORT, PCI_CONF_ENABLE | (uint32_t)bdf << 8 | (reg & 0xfcu));
    v = inl(PCI_CONF_DATA_PORT);
    spin_unlock_irqrestore(&cf8_lock, f);
    return v;
}

#define PCI_CAP_PTR_MASK    0xfcu
#define PCI_CAP_MAX         48      /* capabilities in 256 bytes, at most */
#define PCI_CAP_ID_MSIX     0x11

static uint8_t conf_byte(uint16_t bdf, unsigned int reg)
{
    return (uint8_t)(pci_conf_read32(bdf, reg) >> (8 * (reg & 3)));
}

/* Where the MSI and MSI-X capabilities are; the walk is bounded against loops. */
static void find_caps(struct pci_func *p)
{
    unsigned int prev = PCI_CAPABILITY_LIST, ptr, n = 0;

    if (!((pci_conf_read32(p->bdf, PCI_COMMAND) >> 16) & PCI_STATUS_CAP_LIST))
        return;
    for (ptr = conf_byte(p->bdf, prev) & PCI_CAP_PTR_MASK; ptr && n < PCI_CAP_MAX; n++) {
        uint8_t id = conf_byte(p->bdf, ptr);

        if (id == PCI_CAP_ID_MSI && !p->msi_cap)
            p->msi_cap = (uint8_t)ptr;
        if (id == PCI_CAP_ID_MSIX && !p->msix_cap) {
            p->msix_cap = (uint8_t)ptr;
            p->msix_prev = (uint8_t)prev;
        }
        prev = ptr + 1;
        ptr = conf_byte(p->bdf, prev) & PCI_CAP_PTR_MASK;
    }
}

static void scan_bus(unsigned int bus);

static void add_func(uint16_t bdf, uint32_t id)
{
    struct pci_func *p;
    uint32_t busnos;

    if (nr_funcs == PCI_MAX_FUNCS) {
        nr_dropped++;
        return;
    }
    p = &funcs[nr_funcs++];
    p->bdf = bdf;
    p->vendor = (uint16_t)id;
    p->device = (uint16_t)(id >> 16);
    p->class = pci_conf_read32(bdf, PCI_CLASS_REV) >> 8;
    p->hdr_type = (pci_conf_read32(bdf, PCI_HDR_DWORD) >> 16) & PCI_HDR_TYPE_MASK;
    if (p->hdr_type == PCI_HEADER_TYPE_NORMAL)
        size_bars(p);
    find_caps(p);
    if (p->hdr_type != PCI_HDR_BRIDGE)
        return;
    busnos = pci_conf_read32(bdf, PCI_BUS_NUMBERS);
    scan_bus((busnos >> 8) & 0xff);
}

static void scan_dev(unsigned int bus, unsigned int dev)
{
    uint32_t id = pci_conf_read32(PCI_BDF(bus, dev, 0), PCI_ID);
    unsigned int nfn = 1;

    if ((id & 0xffff) == PCI_NO_DEVICE)
        return;
    if ((pci_conf_read32(PCI_BDF(bus, dev, 0), PCI_HDR_DWORD) >> 16) & PCI_HDR_MULTI_FN)
        nfn = PCI_FNS;
    for (unsigned int fn = 0; fn < nfn; fn++) {
        id = pci_conf_read32(PCI_BDF(bus, dev, fn), PCI_ID);
        if ((id & 0xffff) != PCI_NO_DEVICE)
            add_func(PCI_BDF(bus, dev, fn), id);
    }
}

/* Recursion is bounded: each of the 256 buses is scanned at most once. */
static void scan_bus(unsigned int bus)
{
    if (bus_seen[bus / 8] & (1u << (bus % 8)))
        return;
    bus_seen[bus / 8] |= (uint8_t)(1u << (bus % 8));
    for (unsigned int dev = 0; dev < PCI_DEVS; dev++)
        scan_dev(bus, dev);
}

void pci_scan(void)
{
    scan_bus(0);
    pr_info("pci: %u function%s on segment 0%s\n", nr_funcs, nr_funcs == 1 ? "" : "s",
            nr_dropped ? " (more were not recorded)" : "");
}

unsigned int pci_nr_funcs(void)
{
    return nr_funcs;
}

const struct pci_func *pci_func_at(unsigned int i)
{
    return i < nr_funcs ? &funcs[i] : NULL;
}

struct pci_func *pci_func_find(uint16_t bdf)
{
    for (unsigned int i = 0; i < nr_funcs; i++)
        if (funcs[i].bdf == bdf)
            return &funcs[i];
    return NULL;
}

bool pci_bar_mem32_in(const struct pci_func *f, const uint32_t *bars, unsigned int i,
                      uint64_t *base, uint64_t *size, bool *is64)
{
    uint32_t v = bars[i], m = f->bar_mask[i];

    *is64 = !(v & PCI_BAR_IO) && (v & PCI_BAR_MEM_TYPE) == PCI_BAR_MEM_64;
    *base = v & m;
    *size = ((uint64_t)(~m) + 1) & 0xffffffffull;
    return !(v & PCI_BAR_IO) && m && *base &&
           !(*is64 && i + 1 < PCI_NR_BARS && bars[i + 1]);
}

bool pci_bar_mem32(const struct pci_func *f, unsigned int i, uint64_t *base, uint64_t *size,
                   bool *is64)
{
    return pci_bar_mem32_in(f, f->bar_shadow, i, base, size, is64);
}

bool pci_func_assignable(const struct pci_func *f)
{
    return f->hdr_type == PCI_HEADER_TYPE_NORMAL && !vpci_is_virtual(f->bdf) &&
           !iommu_bdf_hidden(0, f->bdf);
}

bool pci_stop_mastering(uint16_t bdf)
{
    uint32_t cmd = pci_conf_read32(bdf, PCI_COMMAND);

    if (!(cmd & PCI_COMMAND_MASTER))
        return false;
    pci_conf_write32(bdf, PCI_COMMAND, (cmd & PCI_COMMAND_BITS) & ~(uint32_t)PCI_COMMAND_MASTER);
    return true;
}

#define PCI_CAP_ID_EXP      0x10
#define PCI_EXP_DEVCAP      4           /* from the PCI Express capability */
#define PCI_EXP_DEVCAP_FLR  (1u << 28)
#define PCI_EXP_DEVCTL      8
#define PCI_EXP_DEVCTL_FLR  (1u << 15)
#define PCI_FLR_WAIT_US     100000      /* PCIe base spec 6.6.2: 100 ms before the function is used */

/* The PCI Express capability's offset, or 0; the walk bounded against loops. */
static unsigned int exp_cap(uint16_t bdf)
{
    unsigned int ptr, n = 0;

    if (!((pci_conf_read32(bdf, PCI_COMMAND) >> 16) & PCI_STATUS_CAP_LIST))
        return 0;
    for (ptr = conf_byte(bdf, PCI_CAPABILITY_LIST) & PCI_CAP_PTR_MASK; ptr && n < PCI_CAP_MAX;
         n++, ptr = conf_byte(bdf, ptr + 1) & PCI_CAP_PTR_MASK)
        if (conf_byte(bdf, ptr) == PCI_CAP_ID_EXP)
            return ptr;
    return 0;
}

bool pci_flr(const struct pci_func *f)
{
    unsigned int cap = exp_cap(f->bdf);
    uint32_t ctl, cmd;

    if (!cap || !(pci_conf_read32(f->bdf, cap + PCI_EXP_DEVCAP) & PCI_EXP_DEVCAP_FLR))
        return false;
    cmd = pci_conf_read32(f->bdf, PCI_COMMAND) & PCI_COMMAND_BITS;
    ctl = pci_conf_read32(f->bdf, cap + PCI_EXP_DEVCTL);
    pci_conf_write32(f->bdf, cap + PCI_EXP_DEVCTL, (ctl & 0xffffu) | PCI_EXP_DEVCTL_FLR);
    udelay(PCI_FLR_WAIT_US);
    /* Where the firmware put the BARs (where they are mapped), decoding as it was, no mastering. */
    for (unsigned int i = 0; i < PCI_NR_BARS; i++)
        pci_conf_write32(f->bdf, PCI_BAR0 + 4 * i, f->bar_fw[i]);
    pci_conf_write32(f->bdf, PCI_COMMAND, cmd & ~(uint32_t)PCI_COMMAND_MASTER);
    return true;
}
