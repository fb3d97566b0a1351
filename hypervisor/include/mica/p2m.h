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

#define P2M_RW  0x1u         /* writable (else read-only) */

int p2m_init(struct p2m *p);
void p2m_destroy(struct p2m *p);              /* frees the tables, not the mapped frames */
int p2m_map(struct p2m *p, gfn_t gfn, mfn_t mfn, unsigned int flags);
mfn_t p2m_lookup(struct p2m *p, gfn_t gfn, bool *writable);

#endif
