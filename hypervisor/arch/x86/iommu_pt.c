/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * I/O page tables in the AMD-Vi v1 format: a directory entry holds the
 * next table's address, its level in NextLevel and both permissions (the
 * IOMMU ANDs the permissions of every level); a leaf holds the frame,
 * NextLevel 0, read permission and write permission if the p2m has it.
 * Callers serialise changes (npt.c holds the p2m's lock).
 */
#include <asm/iommu_pt.h>
#include <mica/budget.h>
#include <mica/errno.h>
#include <mica/mm.h>
#include <asm/page.h>

#define IOPT_MAX_GFN    (1ull << (48 - PAGE_SHIFT))

static uint64_t *table_alloc(struct iopt *t, int *rc)
{
    uint64_t *p = hyp_page_alloc(t->budget, 0, rc);

    if (p)
        t->nr_tables++;
    return p;
}

int iopt_init(struct iopt *t, struct hyp_budget *budget)
{
    uint64_t *root;
    int rc = 0;

    t->budget = budget;
    t->nr_tables = t->nr_leaves = t->nr_maps = t->nr_unmaps = 0;
    t->nr_devices = 0;
    root = table_alloc(t, &rc);
    t->root = (paddr_t)(uintptr_t)root;
    return root ? 0 : rc;
}

static void free_level(struct iopt *t, uint64_t *tab, unsigned int level)
{
    for (unsigned int i = 0; level > 1 && i < PT_ENTRIES; i++)
        if (tab[i] & IOPTE_PR)
            free_level(t, (uint64_t *)(uintptr_t)(tab[i] & IOPTE_ADDR_MASK), level - 1);
    hyp_page_free(t->budget, tab, 0);
    t->nr_tables--;
}

void iopt_destroy(struct iopt *t)
{
    if (t->root)
        free_level(t, (uint64_t *)(uintptr_t)t->root, IOPT_LEVELS);
    t->root = 0;
}

/* gfn's leaf entry; tables made on the way if create. NULL: absent or no memory (*rc). */
static uint64_t *leaf(struct iopt *t, gfn_t gfn, bool create, int *rc)
{
    uint64_t *tab = (uint64_t *)(uintptr_t)t->root, *e, *n;
    uint64_t addr = gfn << PAGE_SHIFT;

    *rc = -EINVAL;
    if (gfn >= IOPT_MAX_GFN || !tab)
        return NULL;
    for (unsigned int lvl = IOPT_LEVELS, s = L4_SHIFT; lvl > 1; lvl--, s -= 9) {
        e = &tab[pt_index(addr, s)];
        if (!(*e & IOPTE_PR)) {
            *rc = -ENOENT;
            if (!create || !(n = table_alloc(t, rc)))
                return NULL;
            *e = (uint64_t)(uintptr_t)n | (uint64_t)(lvl - 1) << IOPTE_NEXT_SHIFT |
                 IOPTE_IR | IOPTE_IW | IOPTE_PR;
        }
        tab = (uint64_t *)(uintptr_t)(*e & IOPTE_ADDR_MASK);
    }
    *rc = 0;
    return &tab[pt_index(addr, L1_SHIFT)];
}

int iopt_prepare(struct iopt *t, gfn_t gfn)
{
    int rc;

    leaf(t, gfn, true, &rc);
    return rc;
}

int iopt_map(struct iopt *t, gfn_t gfn, mfn_t mfn, bool writable)
{
    int rc;
    uint64_t *e = leaf(t, gfn, true, &rc);

    if (!e)
        return rc;
    if (!(*e & IOPTE_PR))
        t->nr_leaves++;
    __atomic_store_n(e, (mfn << PAGE_SHIFT) | IOPTE_IR | (writable ? IOPTE_IW : 0) | IOPTE_PR,
                     __ATOMIC_RELEASE);
    t->nr_maps++;
    return 0;
}

void iopt_unmap(struct iopt *t, gfn_t gfn)
{
    int rc;
    uint64_t *e = leaf(t, gfn, false, &rc);

    if (!e || !(*e & IOPTE_PR))
        return;
    __atomic_store_n(e, 0, __ATOMIC_RELEASE);
    t->nr_leaves--;
    t->nr_unmaps++;
}

mfn_t iopt_lookup(struct iopt *t, gfn_t gfn, bool *writable)
{
    int rc;
    const uint64_t *e = leaf(t, gfn, false, &rc);

    if (!e || !(*e & IOPTE_PR))
        return INVALID_MFN;
    if (writable)
        *writable = *e & IOPTE_IW;
    return (*e & IOPTE_ADDR_MASK) >> PAGE_SHIFT;
}
