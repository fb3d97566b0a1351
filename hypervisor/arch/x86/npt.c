/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Nested page tables: the x86-64 4-level format, 4 KiB leaves. Every level
 * has the user bit set because the CPU treats all nested walks as user
 * accesses. Leaves are write-back (PAT index 0) since they only ever map RAM.
 *
 * Table pages are charged to the p2m's budget (the domain's, <mica/budget.h>).
 * A table whose last entry goes is detached from its parent by the unmap
 * and freed by p2m_free_detached() once the caller has flushed the
 * domain's TLBs (a vCPU may still walk it until then), so a guest cannot
 * pile up empty tables by populating and releasing scattered frames. Every
 * walk, lookups included, holds the p2m's lock, so none can follow a table
 * that is being detached.
 */
#include <mica/p2m.h>
#include <mica/mm.h>
#include <mica/xmalloc.h>
#include <mica/budget.h>
#include <mica/errno.h>
#include <mica/panic.h>
#include <asm/page.h>
#include <asm/ept.h>
#include <asm/iommu_pt.h>

#define NPT_TABLE    (_PAGE_PRESENT | _PAGE_RW | _PAGE_USER)
/*
 * Software bits, ignored by both formats: P2M_FOREIGN sits at bit 52, not
 * 9, as EPT with A/D bits (ept.c) sets bit 9 on every write (dirty) and 8
 * on every walk (accessed); EPT ignores 10 and 11 (10 is user-mode execute
 * only with mode-based execute control, never enabled).
 */
#define NPT_FOREIGN  (1ul << 52)     /* P2M_FOREIGN */
#define NPT_GRANT    (1ul << 10)     /* P2M_GRANT */
#define NPT_MMIO     (1ul << 11)     /* P2M_MMIO */
#define NPT_LEVELS   4

BUILD_BUG_ON(P2M_MAX_GFN != (1ull << (48 - PAGE_SHIFT)));

/*
 * EPT shares this format's bits 2:0 (R, W, X where NPT has P, RW, US) and
 * its 4 levels; its leaves also need their memory type (ept.c). 0 for NPT.
 */
static pte_t leaf_extra;

void p2m_set_leaf_bits(uint64_t bits)
{
    leaf_extra = bits;
}

/* nr_tables is atomic: p2m_free_detached() frees outside the lock. */
static pte_t *table_alloc(struct p2m *p, int *rc)
{
    pte_t *t = hyp_page_alloc(p->budget, 0, rc);

    if (t)
        __atomic_add_fetch(&p->nr_tables, 1, __ATOMIC_RELAXED);
    return t;
}

static void table_free(struct p2m *p, pte_t *t)
{
    hyp_page_free(p->budget, t, 0);
    __atomic_sub_fetch(&p->nr_tables, 1, __ATOMIC_RELAXED);
}

int p2m_init(struct p2m *p, struct hyp_budget *budget)
{
    pte_t *root;
    int rc;

    p->lock = (spinlock_t)SPINLOCK_INIT;
    p->budget = budget;
    p->nr_tables = 0;
    p->detached = 0;
    p->io = NULL;
    root = table_alloc(p, &rc);
    p->root = (paddr_t)(uintptr_t)root;
    return root ? 0 : rc;
}

static void free_level(struct p2m *p, pte_t *t, unsigned int level)
{
    for (unsigned int i = 0; level > 1 && i < PT_ENTRIES; i++)
        if (t[i] & _PAGE_PRESENT)
            free_level(p, (pte_t *)(t[i] & PTE_ADDR_MASK), level - 1);
    table_free(p, t);
}

void p2m_destroy(struct p2m *p)
{
    if (p->io) {
        iopt_destroy(p->io);
        hyp_free(p->budget, p->io, sizeof(*p->io));
        p->io = NULL;
    }
    p2m_free_detached(p);
    if (p->root)
        free_level(p, (pte_t *)p->root, NPT_LEVELS);
    p->root = 0;
    if (p->nr_tables)
        panic("p2m: %lu table pages unaccounted for at destroy", (unsigned long)p->nr_tables);
}

static unsigned int pte_flags_to_p2m(pte_t v)
{
    return ((v & _PAGE_RW) ? P2M_RW : 0) | ((v & NPT_FOREIGN) ? P2M_FOREIGN : 0) |
           ((v & NPT_GRANT) ? P2M_GRANT : 0);
}

/*
 * The entries on the way to gfn's leaf, lock held: path[0] is the root's
 * entry, path[3] the leaf; *depth says how many were reached. Tables are
 * created on the way when create is set; 0, or the allocation's error, or
 * -ENOENT (a table is missing: path[*depth - 1] is its empty entry).
 */
static int walk(struct p2m *p, gfn_t gfn, bool create, pte_t *path[NPT_LEVELS],
                unsigned int *depth)
{
    pte_t *t = (pte_t *)p->root;
    uint64_t gpa = gfn << PAGE_SHIFT;
    unsigned int lvl = 0;

    for (unsigned int s = L4_SHIFT; s > L1_SHIFT; s -= 9, lvl++) {
        pte_t *e = &t[pt_index(gpa, s)];

        path[lvl] = e;
        *depth = lvl + 1;
        if (!(*e & _PAGE_PRESENT)) {
            pte_t *n;
            int rc = -ENOENT;

            if (!create || !(n = table_alloc(p, &rc)))
                return rc;
            *e = (uint64_t)(uintptr_t)n | NPT_TABLE;
        }
        t = (pte_t *)(*e & PTE_ADDR_MASK);
    }
    path[lvl] = &t[pt_index(gpa, L1_SHIFT)];
    *depth = NPT_LEVELS;
    return 0;
}

static bool table_empty(const pte_t *t)
{
    for (unsigned int i = 0; i < PT_ENTRIES; i++)
        if (t[i] & _PAGE_PRESENT)
            return false;
    return true;
}

/*
 * Detach each table on the path, from the deepest reached up, that is
 * empty (never the root). A detached table is chained through its first
 * entry, which holds the next one's address: page aligned, so never
 * "present" to a CPU that still walks it.
 */
static void detach_empty(struct p2m *p, pte_t *path[NPT_LEVELS], unsigned int depth)
{
    for (unsigned int lvl = depth - 1; lvl > 0; lvl--) {
        pte_t *t = (pte_t *)((uintptr_t)path[lvl] & PAGE_MASK);

        if (!table_empty(t))
            return;
        *path[lvl - 1] = 0;
        t[0] = p->detached;
        p->detached = (paddr_t)(uintptr_t)t;
    }
}

void p2m_free_detached(struct p2m *p)
{
    unsigned long f = spin_lock_irqsave(&p->lock);
    paddr_t list = p->detached;

    p->detached = 0;
    spin_unlock_irqrestore(&p->lock, f);
    while (list) {
        pte_t *t = (pte_t *)(uintptr_t)list;

        list = t[0];
        t[0] = 0;
        table_free(p, t);
    }
}

/* The I/O page table's side of build_path(): prepare gfn's path, or map *val there. */
static int io_update(struct p2m *p, gfn_t gfn, const pte_t *val)
{
    if (!p->io)
        return 0;
    if (!val)
        return iopt_prepare(p->io, gfn);
    if (*val & NPT_MMIO) {
        iopt_unmap(p->io, gfn);     /* no device-to-device DMA through the table */
        return 0;
    }
    return iopt_map(p->io, gfn, (*val & PTE_ADDR_MASK) >> PAGE_SHIFT, *val & _PAGE_RW);
}

/*
 * Under the lock, make the tables on the way to gfn (the I/O page table's
 * too) and store *val in its leaf if given: the NPT's leaf last, once
 * nothing can fail.
 */
static int build_path(struct p2m *p, gfn_t gfn, const pte_t *val)
{
    pte_t *path[NPT_LEVELS];
    unsigned int depth;
    unsigned long f;
    int rc;

    if (gfn >= P2M_MAX_GFN)
        return -EINVAL;
    f = spin_lock_irqsave(&p->lock);
    rc = walk(p, gfn, true, path, &depth);
    if (!rc)
        rc = io_update(p, gfn, val);
    if (!rc && val)
        *path[NPT_LEVELS - 1] = *val;
    spin_unlock_irqrestore(&p->lock, f);
    return rc;
}

int p2m_map(struct p2m *p, gfn_t gfn, mfn_t mfn, unsigned int flags)
{
    pte_t v = (mfn << PAGE_SHIFT) | _PAGE_PRESENT | _PAGE_USER | leaf_extra |
              ((flags & P2M_RW) ? _PAGE_RW : 0) | ((flags & P2M_FOREIGN) ? NPT_FOREIGN : 0) |
              ((flags & P2M_GRANT) ? NPT_GRANT : 0);

    if (flags & P2M_MMIO) {
        if (leaf_extra)
            return -EOPNOTSUPP;     /* EPT keeps the memory type elsewhere */
        v |= NPT_MMIO | _PAGE_PCD | _PAGE_PWT;
    }

    return build_path(p, gfn, &v);
}

/* Clear gfn's leaf if clear is set, then detach the tables left empty on its path. */
static int clear_and_trim(struct p2m *p, gfn_t gfn, bool clear)
{
    pte_t *path[NPT_LEVELS];
    unsigned int depth;
    unsigned long f;

    if (gfn >= P2M_MAX_GFN)
        return -EINVAL;
    f = spin_lock_irqsave(&p->lock);
    if (!walk(p, gfn, false, path, &depth) && clear)
        *path[NPT_LEVELS - 1] = 0;
    if (clear && p->io)
        iopt_unmap(p->io, gfn);
    detach_empty(p, path, depth);
    spin_unlock_irqrestore(&p->lock, f);
    return 0;
}

int p2m_unmap(struct p2m *p, gfn_t gfn)
{
    return clear_and_trim(p, gfn, true);
}

int p2m_trim(struct p2m *p, gfn_t gfn)
{
    return clear_and_trim(p, gfn, false);
}

mfn_t p2m_lookup_flags(struct p2m *p, gfn_t gfn, unsigned int *flags)
{
    pte_t *path[NPT_LEVELS], v = 0;
    unsigned int depth;
    unsigned long f;

    if (gfn >= P2M_MAX_GFN)
        return INVALID_MFN;
    f = spin_lock_irqsave(&p->lock);
    if (!walk(p, gfn, false, path, &depth))
        v = *path[NPT_LEVELS - 1];
    spin_unlock_irqrestore(&p->lock, f);
    if (!(v & _PAGE_PRESENT) || (v & NPT_MMIO))
        return INVALID_MFN;         /* MMIO is no frame: a hole to every caller */
    if (flags)
        *flags = pte_flags_to_p2m(v);
    return (v & PTE_ADDR_MASK) >> PAGE_SHIFT;
}

mfn_t p2m_lookup(struct p2m *p, gfn_t gfn, bool *writable)
{
    unsigned int flags;
    mfn_t mfn = p2m_lookup_flags(p, gfn, &flags);

    if (writable && mfn != INVALID_MFN)
        *writable = flags & P2M_RW;
    return mfn;
}

int p2m_prepare(struct p2m *p, gfn_t gfn)
{
    return build_path(p, gfn, NULL);
}

/* Calls fn on every present leaf under t; clears each one if drain. */
static void walk_level(pte_t *t, unsigned int level, gfn_t base, p2m_leaf_fn fn, void *arg,
                       bool drain)
{
    for (unsigned int i = 0; i < PT_ENTRIES; i++) {
        gfn_t gfn = base + ((gfn_t)i << (9 * (level - 1)));
        pte_t v = t[i];

        if (!(v & _PAGE_PRESENT))
            continue;
        if (level > 1) {
            walk_level((pte_t *)(v & PTE_ADDR_MASK), level - 1, gfn, fn, arg, drain);
            continue;
        }
        if (drain)
            __atomic_store_n(&t[i], 0, __ATOMIC_SEQ_CST);
        if (v & NPT_MMIO)
            continue;                   /* no frame to show */
        fn(gfn, (v & PTE_ADDR_MASK) >> PAGE_SHIFT, pte_flags_to_p2m(v), arg);
    }
}

/*
 * Neither takes the lock (fn may scrub a frame per leaf): the tables stay
 * in place, and a drained leaf is cleared with one store before fn sees it.
 */
void p2m_for_each(struct p2m *p, p2m_leaf_fn fn, void *arg)
{
    if (p->root)
        walk_level((pte_t *)p->root, NPT_LEVELS, 0, fn, arg, false);
}

void p2m_drain(struct p2m *p, p2m_leaf_fn fn, void *arg)
{
    if (p->root)
        walk_level((pte_t *)p->root, NPT_LEVELS, 0, fn, arg, true);
}

struct io_fill {
    struct iopt *io;
    int rc;
};

static void io_fill_one(gfn_t gfn, mfn_t mfn, unsigned int flags, void *arg)
{
    struct io_fill *f = arg;

    if (!f->rc)
        f->rc = iopt_map(f->io, gfn, mfn, flags & P2M_RW);
}

int p2m_attach_io(struct p2m *p, struct iopt *io)
{
    struct io_fill fill = { io, 0 };
    unsigned long f = spin_lock_irqsave(&p->lock);

    if (p->root)
        walk_level((pte_t *)p->root, NPT_LEVELS, 0, io_fill_one, &fill, false);
    if (!fill.rc)
        p->io = io;
    spin_unlock_irqrestore(&p->lock, f);
    return fill.rc;
}
