/*
 * Nested page tables: the x86-64 4-level format, 4 KiB leaves. Every level
 * has the user bit set because the CPU treats all nested walks as user
 * accesses. Leaves are write-back (PAT index 0) since they only ever map RAM.
 */
#include <mica/p2m.h>
#include <mica/mm.h>
#include <mica/xmalloc.h>
#include <mica/errno.h>
#include <asm/page.h>

#define NPT_TABLE  (_PAGE_PRESENT | _PAGE_RW | _PAGE_USER)
#define NPT_FOREIGN  (1ul << 9)      /* an available bit: P2M_FOREIGN */
#define NPT_GRANT    (1ul << 10)     /* another: P2M_GRANT */
#define NPT_MAX_GFN  (1ull << (48 - PAGE_SHIFT))

int p2m_init(struct p2m *p)
{
    void *root = page_alloc_hyp(0);

    if (!root)
        return -ENOMEM;
    p->root = (paddr_t)(uintptr_t)root;
    p->lock = (spinlock_t)SPINLOCK_INIT;
    p->nr_tables = 1;
    return 0;
}

static void free_level(pte_t *t, unsigned int level)
{
    for (unsigned int i = 0; level > 1 && i < PT_ENTRIES; i++)
        if (t[i] & _PAGE_PRESENT)
            free_level((pte_t *)(t[i] & PTE_ADDR_MASK), level - 1);
    page_free_hyp(t, 0);
}

void p2m_destroy(struct p2m *p)
{
    if (p->root)
        free_level((pte_t *)p->root, 4);
    p->root = 0;
    p->nr_tables = 0;
}

/* The leaf entry for gfn; tables are created on the way when create is set. */
static pte_t *leaf(struct p2m *p, gfn_t gfn, bool create)
{
    pte_t *t = (pte_t *)p->root;
    uint64_t gpa = gfn << PAGE_SHIFT;

    for (unsigned int s = L4_SHIFT; s > L1_SHIFT; s -= 9) {
        pte_t *e = &t[pt_index(gpa, s)];

        if (!(*e & _PAGE_PRESENT)) {
            void *n = create ? page_alloc_hyp(0) : NULL;

            if (!n)
                return NULL;
            p->nr_tables++;
            *e = (uint64_t)(uintptr_t)n | NPT_TABLE;
        }
        t = (pte_t *)(*e & PTE_ADDR_MASK);
    }
    return &t[pt_index(gpa, L1_SHIFT)];
}

/*
 * Under the lock, find gfn's leaf (creating tables if create) and, if val
 * is given, store it there. -ENOMEM only when a table was needed and could
 * not be had; a missing leaf is fine when nothing is created.
 */
static int with_leaf(struct p2m *p, gfn_t gfn, bool create, const pte_t *val)
{
    unsigned long f;
    pte_t *e;

    if (gfn >= NPT_MAX_GFN)
        return -EINVAL;
    f = spin_lock_irqsave(&p->lock);
    e = leaf(p, gfn, create);
    if (e && val)
        *e = *val;
    spin_unlock_irqrestore(&p->lock, f);
    return e || !create ? 0 : -ENOMEM;
}

int p2m_map(struct p2m *p, gfn_t gfn, mfn_t mfn, unsigned int flags)
{
    pte_t v = (mfn << PAGE_SHIFT) | _PAGE_PRESENT | _PAGE_USER |
              ((flags & P2M_RW) ? _PAGE_RW : 0) | ((flags & P2M_FOREIGN) ? NPT_FOREIGN : 0) |
              ((flags & P2M_GRANT) ? NPT_GRANT : 0);

    return with_leaf(p, gfn, true, &v);
}

int p2m_unmap(struct p2m *p, gfn_t gfn)
{
    const pte_t none = 0;

    return with_leaf(p, gfn, false, &none);
}

mfn_t p2m_lookup_flags(struct p2m *p, gfn_t gfn, unsigned int *flags)
{
    pte_t *e, v;

    if (gfn >= NPT_MAX_GFN)
        return INVALID_MFN;
    e = leaf(p, gfn, false);
    v = e ? *e : 0;
    if (!(v & _PAGE_PRESENT))
        return INVALID_MFN;
    if (flags)
        *flags = ((v & _PAGE_RW) ? P2M_RW : 0) | ((v & NPT_FOREIGN) ? P2M_FOREIGN : 0) |
                 ((v & NPT_GRANT) ? P2M_GRANT : 0);
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
    return with_leaf(p, gfn, true, NULL);
}

static void walk_level(pte_t *t, unsigned int level, gfn_t base, p2m_leaf_fn fn, void *arg)
{
    for (unsigned int i = 0; i < PT_ENTRIES; i++) {
        gfn_t gfn = base + ((gfn_t)i << (9 * (level - 1)));
        pte_t v = t[i];

        if (!(v & _PAGE_PRESENT))
            continue;
        if (level > 1)
            walk_level((pte_t *)(v & PTE_ADDR_MASK), level - 1, gfn, fn, arg);
        else
            fn(gfn, (v & PTE_ADDR_MASK) >> PAGE_SHIFT,
               ((v & _PAGE_RW) ? P2M_RW : 0) | ((v & NPT_FOREIGN) ? P2M_FOREIGN : 0) |
               ((v & NPT_GRANT) ? P2M_GRANT : 0), arg);
    }
}

void p2m_for_each(struct p2m *p, p2m_leaf_fn fn, void *arg)
{
    if (p->root)
        walk_level((pte_t *)p->root, 4, 0, fn, arg);
}
