/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The machine's PCI functions as the hypervisor found them at boot
 * (segment 0, configuration mechanism 1). docs/iommu.md: the base for
 * giving dom0 the physical devices through a filtered config space.
 */
#ifndef ASM_PCI_H
#define ASM_PCI_H

#include <mica/types.h>
#include <mica/lib.h>
#include <mica/spinlock.h>

struct domain;
struct pci_dom0_msi;
struct mmio_device;

#define PCI_MAX_FUNCS   256

#define PCI_NR_BARS     6

struct pci_func {
    uint16_t bdf;
    uint16_t vendor, device;
    uint32_t class;             /* class, subclass, prog-if */
    uint8_t hdr_type;           /* 0 device, 1 PCI-PCI bridge */
    uint32_t bar_mask[PCI_NR_BARS];     /* writable bits of each BAR (0: none) */
    uint32_t bar_shadow[PCI_NR_BARS];   /* what its owner reads back (pci_dom0.c) */
    uint32_t bar_fw[PCI_NR_BARS];       /* the firmware's values, where the BARs are mapped */
    uint8_t msi_cap;            /* the MSI capability's offset, 0: none */
    uint8_t msix_cap;           /* the MSI-X capability's offset, 0: none */
    uint8_t exp_cap;            /* the PCI Express capability's offset, 0: none */
    uint8_t msix_prev;          /* the register that points at it (0x34 or a next byte) */
    struct pci_dom0_msi *msi;   /* dom0's MSI (pci_dom0_msi.c), NULL: none */
};

#define PCI_BDF(bus, dev, fn)  ((uint16_t)((bus) << 8 | (dev) << 3 | (fn)))
#define PCI_BDF_BUS(bdf)       ((unsigned int)(bdf) >> 8)
#define PCI_BDF_SLOT(bdf)      (((unsigned int)(bdf) >> 3) & 0x1fu)
#define PCI_BDF_FUNC(bdf)      ((unsigned int)(bdf) & 0x7u)

/* "ssss:bb:dd.f", the way every log line names a function. */
#define PCI_BDF_STR_LEN        13
static inline char *pci_bdf_str(char buf[PCI_BDF_STR_LEN], uint16_t seg, uint16_t bdf)
{
    snprintf(buf, PCI_BDF_STR_LEN, "%04x:%02x:%02x.%x", seg, PCI_BDF_BUS(bdf), PCI_BDF_SLOT(bdf),
             PCI_BDF_FUNC(bdf));
    return buf;
}

uint32_t pci_conf_read32(uint16_t bdf, unsigned int reg);
void pci_conf_write32(uint16_t bdf, unsigned int reg, uint32_t val);
/* Walk bus 0 and every bus behind a bridge (each bus once); log each function. */
void pci_scan(void);
unsigned int pci_nr_funcs(void);
const struct pci_func *pci_func_at(unsigned int i);
struct pci_func *pci_func_find(uint16_t bdf);
/*
 * BAR i of f as dom0's shadow holds it: true, with *base and *size, when it
 * is a memory BAR below 4 GiB with a base (a 64-bit one whose upper half is
 * 0); *is64 says whether BAR i + 1 is its upper half (to skip).
 */
bool pci_bar_mem32(const struct pci_func *f, unsigned int i, uint64_t *base, uint64_t *size,
                   bool *is64);
/* The same decoding of BAR i in bars[] (f->bar_fw: where the firmware put it). */
bool pci_bar_mem32_in(const struct pci_func *f, const uint32_t *bars, unsigned int i,
                      uint64_t *base, uint64_t *size, bool *is64);
/* bdf's Bus Master cleared (no DMA from it from now on); whether it was set. */
bool pci_stop_mastering(uint16_t bdf);
/*
 * A physical function a domain may be given (dom0's view, an assignment):
 * a normal header (no bridge), not on the virtual bus, not the IOMMU.
 */
bool pci_func_assignable(const struct pci_func *f);
/*
 * A Function Level Reset of f when it has one (PCI Express capability,
 * DEVCAP FLR), waiting the 100 ms the spec asks; whether it was done.
 * After it the BARs hold the firmware's values again and the command
 * register its decoding bits as before, Bus Master off; MSI and MSI-X are
 * off (pci_msi_set_owner() writes the hypervisor's MSI-X entries again).
 */
bool pci_flr(const struct pci_func *f);


/*
 * dom0_pci=view (docs/iommu.md): dom0's config-space accesses to a
 * physical function the virtual bus does not have, and the hypervisor does
 * not keep, go through this filter: reads from the device, except its BARs
 * (a shadow dom0 may size and move; pci_dom0_map_bars() maps them where
 * the firmware put them) and its expansion ROM
 * (none); command-register writes filtered (decoding and Bus Master only
 * for a function whose DTE points at dom0's I/O page table, INTx disable
 * for any), every other write dropped.
 */
extern bool opt_dom0_pci_view;
bool pci_dom0_sees(const struct domain *d, uint16_t bdf);
/*
 * The same filter serves a domU for the functions assigned to it
 * (pci_assign.c): pci_view_sees() is dom0's view, or d owning bdf; d's
 * writes reach a function only while d owns it (dom0's: one no domU has);
 * a domU is never offered MSI-X (its capability is hidden). A domU's
 * memory BARs are mapped where its shadow puts them (page-aligned, below
 * the I/O APIC), so it can move them: each BAR write moves the mapping.
 */
bool pci_view_sees(const struct domain *d, uint16_t bdf);
/*
 * Who owns a physical function, and every register write that depends on
 * it, change under this lock: pci_dom0_read()/write() hold it from the
 * owner check to the write; assignment, deassignment and a domain's end
 * (pci_assign.c) hold it throughout. Taken inside a domain's pci_lock
 * and domctl_lock, before mem_lock, an MSI image's lock and the IOMMU's
 * assign_lock; never in interrupt context.
 */
extern spinlock_t pci_owner_lock;
uint32_t pci_dom0_read(const struct domain *d, uint16_t bdf, unsigned int reg,
                       unsigned int size);
void pci_dom0_write(struct domain *d, uint16_t bdf, unsigned int reg, unsigned int size,
                    uint32_t val);
/*
 * Assignment (pci_assign.c): f's 32-bit memory BARs of at least a page
 * taken out of from's p2m (NULL: none; from where from has them) and
 * mapped into to's (NULL: none) at the firmware's addresses, uncached,
 * the MSI-X table's pages left out; from's TLBs flushed. The BAR shadow
 * is reset to the firmware's values for the new owner. Logged per BAR.
 * A page of to's p2m that holds anything (RAM, a foreign or granted
 * frame) is never replaced: that BAR is not mapped (logged) and the
 * result is -EEXIST, else 0. Under pci_owner_lock.
 */
int pci_bars_move(struct pci_func *f, struct domain *from, struct domain *to);
/*
 * f's MSI (pci_dom0_msi.c) now belongs to d: its image back to the reset
 * state (MSI and MSI-X off), the device's MSI off, pending interrupts
 * dropped; from now on its vector injects d's message into d (d NULL: no
 * owner, nothing injected). A function dom0 never had an MSI image for
 * keeps its MSI off (not routed).
 */
void pci_msi_set_owner(struct pci_func *f, struct domain *d);
/*
 * The memory window dom0's host bridge gets (acpi_build.c): the span of the
 * 32-bit memory BARs of the functions dom0 sees, in 1 MiB steps, below the
 * I/O APIC. False (and nothing set) when they have none.
 */
bool pci_dom0_mmio_window(uint32_t *base, uint32_t *len);
/*
 * Map the 32-bit memory BARs of the functions d (dom0) sees into its p2m at
 * the firmware's addresses, uncached (P2M_MMIO), each logged; before d runs.
 * Only behind an IOMMU (the caller checks). A BAR reaching the I/O APIC's
 * page or above, or over d's RAM, is refused with a line. The mappings
 * stay where they are: a BAR dom0 moves does not work at its new address.
 * Each function also gets its DTE pointed at d's I/O page table
 * (iommu_assign_device()).
 */
void pci_dom0_map_bars(struct domain *d);
/*
 * Clear Bus Master on every function d (dom0) sees, IOMMU or not, before
 * d runs (logged): a device the firmware left mastering would DMA to
 * whatever d makes it point at. d sets it again only on a function whose
 * DTE points at d's I/O page table (pci_dom0_write()).
 */
void pci_dom0_stop_mastering(struct domain *d);

/*
 * dom0's MSI of the functions it sees (pci_dom0_msi.c, docs/iommu.md):
 * one hypervisor vector per function with an MSI capability, the
 * device's MSI disabled until dom0 enables a message it can deliver.
 * Before dom0 runs. pci_dom0_msi_write() is the filter's (under dom0's
 * pci_lock): dom0's write at reg of f's MSI capability, true if it was.
 */
void pci_dom0_msi_init(struct domain *d);
/*
 * MSI-X (pci_dom0_msi.c): offered when its table sits in a 32-bit memory
 * BAR; the table's page(s) are then kept out of dom0's p2m
 * (pci_dom0_msix_page()) and dom0's accesses to them emulated
 * (pci_dom0_msix_mmio, in mmio.c's table). Not offered, the capability is
 * hidden from dom0's capability list.
 */
bool pci_dom0_msix_offered(const struct pci_func *f);
bool pci_dom0_msix_page(const struct pci_func *f, uint64_t pa);
extern const struct mmio_device pci_dom0_msix_mmio;
/* d is dom0 under dom0_pci=view. */
bool pci_dom0_sees_any(const struct domain *d);
/* At dom0's end: per function, whether the device holds only the hypervisor's messages. */
void pci_dom0_msi_report(void);
/*
 * The storm limits (docs/iommu.md "Storms"), per 10 ms window: one
 * function's interrupts (msi_storm_limit=N, default 1000) and all
 * functions' on one CPU (msi_storm_cpu_limit=N, default 2000).
 */
extern uint64_t opt_msi_storm_limit, opt_msi_storm_cpu_limit;
bool pci_dom0_msi_write(struct pci_func *f, unsigned int reg, unsigned int size, uint32_t val);
uint32_t pci_dom0_msi_read(const struct pci_func *f, unsigned int dreg, uint32_t hw);

#endif
