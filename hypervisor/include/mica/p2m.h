/*
 * A domain's guest-physical to machine map (nested page tables on SVM).
 * Every entry maps a frame the domain owns; a guest access to an unmapped
 * guest-physical address exits to the hypervisor.
 */
#ifndef MICA_P2M_H
#define MICA_P2M_H

#include <mica/types.h>
#include <mica/spinlock.h>

struct p2m {
    paddr_t root;            /* top-level table, machine address */
    spinlock_t lock;
    uint64_t nr_tables;      /* table pages allocated, for accounting */
};

#define P2M_RW       0x1u    /* writable (else read-only) */
#define P2M_FOREIGN  0x2u    /* another domain's frame, pinned by this mapping (memory_op) */
#define P2M_GRANT    0x4u    /* a granted frame, pinned by this mapping (grant_table.c) */

#define P2M_MAX_GFN  (1ull << 36)   /* gfns reach 48-bit guest-physical addresses */

int p2m_init(struct p2m *p);
void p2m_destroy(struct p2m *p);              /* frees the tables, not the mapped frames */
int p2m_map(struct p2m *p, gfn_t gfn, mfn_t mfn, unsigned int flags);
mfn_t p2m_lookup(struct p2m *p, gfn_t gfn, bool *writable);
/*
 * Make gfn a hole (nothing mapped there is not an error); -EINVAL beyond
 * the p2m's reach. The frame is not freed, and a vCPU may still hold the
 * old translation until its TLB is flushed (arch_domain_flush_tlb()).
 */
int p2m_unmap(struct p2m *p, gfn_t gfn);

/* Like p2m_lookup(), with the entry's P2M_* flags in *flags (if non-NULL). */
mfn_t p2m_lookup_flags(struct p2m *p, gfn_t gfn, unsigned int *flags);
/*
 * Create the tables on the way to gfn's entry, so that a later p2m_map()
 * there cannot fail: 0, -ENOMEM, or -EINVAL beyond the p2m's reach.
 */
int p2m_prepare(struct p2m *p, gfn_t gfn);
/*
 * Call fn for every present entry, in gfn order. The p2m must not change
 * meanwhile (used when its domain is freed).
 */
typedef void (*p2m_leaf_fn)(gfn_t gfn, mfn_t mfn, unsigned int flags, void *arg);
void p2m_for_each(struct p2m *p, p2m_leaf_fn fn, void *arg);

#endif
