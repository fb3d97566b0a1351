/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A domain's guest-physical to machine map (nested page tables on SVM).
 * Every entry maps a frame the domain owns; a guest access to an unmapped
 * guest-physical address exits to the hypervisor.
 */
#ifndef MICA_P2M_H
#define MICA_P2M_H

#include <mica/types.h>
#include <mica/spinlock.h>

struct hyp_budget;
struct iopt;

struct p2m {
    paddr_t root;            /* top-level table, machine address */
    spinlock_t lock;
    uint64_t nr_tables;      /* table pages allocated (detached ones too) */
    struct hyp_budget *budget;  /* charged for every table page (NULL: nobody) */
    paddr_t detached;        /* emptied tables waiting for p2m_free_detached() */
    struct iopt *io;         /* I/O page table kept equal to this map (IOMMU), or NULL */
};

#define P2M_RW       0x1u    /* writable (else read-only) */
#define P2M_FOREIGN  0x2u    /* another domain's frame, pinned by this mapping (memory_op) */
#define P2M_GRANT    0x4u    /* a granted frame, pinned by this mapping (grant_table.c) */
/*
 * Machine MMIO mapped at the same address, uncached (a PCI BAR dom0 sees,
 * docs/iommu.md). Never a frame: p2m_lookup*() report it as a hole and
 * p2m_for_each()/p2m_drain() do not show it, so nothing treats it as RAM;
 * the I/O page table does not mirror it. NPT only (-EOPNOTSUPP on EPT).
 */
#define P2M_MMIO     0x8u

#define P2M_MAX_GFN  (1ull << 36)   /* gfns reach 48-bit guest-physical addresses */

/* 0, or -EDQUOT / -ENOMEM for the root table. */
int p2m_init(struct p2m *p, struct hyp_budget *budget);
void p2m_destroy(struct p2m *p);              /* frees the tables, not the mapped frames */
/*
 * Map gfn: 0, -EINVAL beyond the p2m's reach, or -EDQUOT / -ENOMEM when a
 * table was needed and could not be had (none when p2m_prepare() made them).
 */
int p2m_map(struct p2m *p, gfn_t gfn, mfn_t mfn, unsigned int flags);
mfn_t p2m_lookup(struct p2m *p, gfn_t gfn, bool *writable);
/*
 * Make gfn a hole (nothing mapped there is not an error); -EINVAL beyond
 * the p2m's reach. The frame is not freed, and a vCPU may still hold the
 * old translation until its TLB is flushed (arch_domain_flush_tlb()).
 * Tables left empty are detached; the caller frees them with
 * p2m_free_detached() after that flush (domain_p2m_flush() does both), or
 * at once when no vCPU can run.
 */
int p2m_unmap(struct p2m *p, gfn_t gfn);
/*
 * Detach the tables on gfn's path that are empty (made by p2m_prepare()
 * for a map that then did not happen), leaving gfn's entry as it is; freed
 * like an unmap's by p2m_free_detached() after the flush.
 */
int p2m_trim(struct p2m *p, gfn_t gfn);
void p2m_free_detached(struct p2m *p);

/* Like p2m_lookup(), with the entry's P2M_* flags in *flags (if non-NULL). */
mfn_t p2m_lookup_flags(struct p2m *p, gfn_t gfn, unsigned int *flags);
/*
 * Create the tables on the way to gfn's entry, so that a later p2m_map()
 * there cannot fail (callers serialise changes, e.g. the domain's
 * mem_lock, so no unmap detaches them in between): 0, -EDQUOT, -ENOMEM,
 * or -EINVAL beyond the p2m's reach.
 */
int p2m_prepare(struct p2m *p, gfn_t gfn);
/*
 * Call fn for every present entry, in gfn order. The p2m must not change
 * meanwhile (its domain is dying). p2m_drain() also clears each entry
 * before fn sees it (fn then releases the frame); its vCPUs must be off
 * their CPUs for good.
 */
typedef void (*p2m_leaf_fn)(gfn_t gfn, mfn_t mfn, unsigned int flags, void *arg);
void p2m_for_each(struct p2m *p, p2m_leaf_fn fn, void *arg);
void p2m_drain(struct p2m *p, p2m_leaf_fn fn, void *arg);

/*
 * Give the p2m an I/O page table (docs/iommu.md): it is filled with every
 * present entry now and then follows each map and unmap, under the p2m's
 * lock; p2m_destroy() frees it (it was allocated on the p2m's budget).
 * 0, or the error of a table allocation (then io is left as it was).
 */
int p2m_attach_io(struct p2m *p, struct iopt *io);

#endif
