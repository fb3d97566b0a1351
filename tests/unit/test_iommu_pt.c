/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Unit tests for hypervisor/arch/x86/iommu_pt.c (AMD-Vi v1 I/O page
 * tables) and for npt.c keeping one equal to the p2m (p2m_attach_io), on
 * the real page allocator and budgets, like test_npt.c.
 */
#include <mica/console.h>
#include <mica/errno.h>
#include <mica/mm.h>
#include <mica/p2m.h>
#include <mica/budget.h>
#include <mica/xmalloc.h>
#include <asm/iommu_pt.h>
#include <asm/page.h>

#include "check.h"
#include "shim.h"

#define NR         1024
#define POOL       (NR - 1)

static struct frame table[NR];

static void setup(void)
{
    shim_mem_reset();
    frames_init(table, NR);
    shim_mem_back(0, NR);
    frames_add_free(1, POOL);
    shim_log_clear();
}

/* The raw entry at each level on the way to gfn (0 where the walk stops). */
static uint64_t entry_at(const struct iopt *t, gfn_t gfn, unsigned int level)
{
    const uint64_t *tab = (const uint64_t *)(uintptr_t)t->root;
    uint64_t addr = gfn << PAGE_SHIFT, e = 0;

    for (unsigned int lvl = IOPT_LEVELS, s = L4_SHIFT; lvl >= level; lvl--, s -= 9) {
        e = tab[pt_index(addr, s)];
        if (lvl == level || !(e & IOPTE_PR))
            return lvl == level ? e : 0;
        tab = (const uint64_t *)(uintptr_t)(e & IOPTE_ADDR_MASK);
    }
    return e;
}

static void test_format(void)
{
    struct iopt t;
    uint64_t e;
    bool w;

    setup();
    CHECK_EQ_S(iopt_init(&t, NULL), 0, "init");
    CHECK_EQ(t.nr_tables, 1, "a fresh table has its root only");
    CHECK_EQ_S(iopt_map(&t, 0x12345, 0x77, true), 0, "map gfn 0x12345 -> mfn 0x77 writable");
    CHECK_EQ(t.nr_tables, 4, "one table per level was made");
    CHECK_EQ(iopt_lookup(&t, 0x12345, &w), 0x77, "lookup finds the frame");
    CHECK(w, "... writable");
    e = entry_at(&t, 0x12345, 4);
    CHECK_EQ((e >> IOPTE_NEXT_SHIFT) & 7, 3, "level-4 entry: NextLevel 3");
    CHECK((e & (IOPTE_PR | IOPTE_IR | IOPTE_IW)) == (IOPTE_PR | IOPTE_IR | IOPTE_IW),
          "level-4 entry: present, IR and IW");
    CHECK_EQ((entry_at(&t, 0x12345, 2) >> IOPTE_NEXT_SHIFT) & 7, 1, "level-2 entry: NextLevel 1");
    e = entry_at(&t, 0x12345, 1);
    CHECK_EQ(e, (0x77ull << PAGE_SHIFT) | IOPTE_IR | IOPTE_IW | IOPTE_PR,
             "leaf: the frame, NextLevel 0, IR, IW, present");
    CHECK_EQ_S(iopt_map(&t, 0x12346, 0x78, false), 0, "map a read-only neighbour");
    CHECK_EQ(entry_at(&t, 0x12346, 1) & IOPTE_IW, 0, "read-only leaf: no IW");
    CHECK_EQ(iopt_lookup(&t, 0x12346, &w), 0x78, "read-only leaf found");
    CHECK(!w, "... not writable");
    CHECK_EQ(t.nr_tables, 4, "the neighbour shares the tables");
    CHECK_EQ(t.nr_leaves, 2, "two leaves");
    iopt_unmap(&t, 0x12345);
    CHECK_EQ(iopt_lookup(&t, 0x12345, &w), INVALID_MFN, "unmapped");
    CHECK_EQ(t.nr_leaves, 1, "one leaf left");
    iopt_unmap(&t, 0x12345);
    iopt_unmap(&t, 0x999999);
    CHECK_EQ(t.nr_leaves, 1, "unmapping a hole changes nothing");
    CHECK_EQ(t.nr_tables, 4, "unmapping a hole makes no table");
    CHECK_EQ_S(iopt_map(&t, 1ull << 36, 1, true), -EINVAL, "a gfn beyond 48 bits is refused");
    CHECK_EQ(iopt_lookup(&t, 1ull << 36, &w), INVALID_MFN, "... and never found");
    iopt_destroy(&t);
    CHECK_EQ(frames_free_count(), POOL, "destroy frees every table");
}

static void test_budget(void)
{
    struct hyp_budget b;
    struct iopt t;

    setup();
    hyp_budget_init(&b, 2 * PAGE_SIZE);
    CHECK_EQ_S(iopt_init(&t, &b), 0, "init on a 2-page budget");
    CHECK_EQ_S(iopt_map(&t, 5, 5, true), -EDQUOT, "a map needing 3 more tables: -EDQUOT");
    CHECK_EQ(iopt_lookup(&t, 5, NULL), INVALID_MFN, "... and nothing mapped");
    iopt_destroy(&t);
    CHECK_EQ(hyp_budget_used(&b), 0, "destroy uncharges everything");
    CHECK_EQ(frames_free_count(), POOL, "... and frees everything");
}

/* Does the I/O table equal the p2m at these gfns? */
static bool same(struct p2m *p, const gfn_t *gfns, unsigned int n)
{
    for (unsigned int i = 0; i < n; i++) {
        bool pw = false, iw = false;
        mfn_t a = p2m_lookup(p, gfns[i], &pw), b = iopt_lookup(p->io, gfns[i], &iw);

        if (a != b || (a != INVALID_MFN && pw != iw))
            return false;
    }
    return true;
}

static void test_follows_p2m(void)
{
    static const gfn_t gfns[] = { 0, 1, 2, 511, 512, 0x40000, 0x12345 };
    struct hyp_budget b;
    struct p2m p = { 0 };
    struct iopt *io;
    int rc;

    setup();
    hyp_budget_init(&b, 64 * PAGE_SIZE);
    CHECK_EQ_S(p2m_init(&p, &b), 0, "p2m_init");
    p2m_map(&p, 0, 10, P2M_RW);
    p2m_map(&p, 1, 11, 0);
    p2m_map(&p, 0x40000, 12, P2M_RW | P2M_GRANT);
    io = hyp_zalloc(&b, sizeof(*io), &rc);
    CHECK_EQ_S(iopt_init(io, &b), 0, "iopt_init on the p2m's budget");
    CHECK_EQ_S(p2m_attach_io(&p, io), 0, "attach: filled from the p2m");
    CHECK_EQ(io->nr_leaves, 3, "attach: the p2m's 3 entries mapped");
    CHECK(same(&p, gfns, 7), "attach: equal to the p2m (frames and write permission)");
    p2m_map(&p, 2, 13, P2M_RW);
    p2m_map(&p, 1, 14, P2M_RW);
    p2m_unmap(&p, 0);
    p2m_map(&p, 0x12345, 15, 0);
    CHECK(same(&p, gfns, 7), "maps, a remap and an unmap are followed");
    CHECK_EQ(io->nr_leaves, 4, "4 pages mapped in both");
    CHECK_EQ(io->nr_unmaps, 1, "one unmap counted");
    CHECK_EQ_S(p2m_prepare(&p, 0x7000000), 0, "prepare a far gfn");
    b.limit = b.used;               /* nothing more may be charged */
    CHECK_EQ_S(p2m_map(&p, 0x7000000, 16, P2M_RW), 0, "a prepared map cannot fail, the I/O side neither");
    CHECK(iopt_lookup(io, 0x7000000, NULL) == 16, "... and the I/O table has it");
    CHECK_EQ_S(p2m_map(&p, 0x9000000, 17, P2M_RW), -EDQUOT, "an unprepared map over budget fails");
    CHECK_EQ(p2m_lookup(&p, 0x9000000, NULL), INVALID_MFN, "... in the p2m");
    CHECK_EQ(iopt_lookup(io, 0x9000000, NULL), INVALID_MFN, "... and in the I/O table");
    b.limit = 64 * PAGE_SIZE;
    p2m_destroy(&p);
    CHECK_EQ(frames_free_count(), POOL, "p2m_destroy frees the I/O table too");
    CHECK_EQ(hyp_budget_used(&b), 0, "... and uncharges it, structure included");
}

static void count_leaf(gfn_t gfn, mfn_t mfn, unsigned int flags, void *arg)
{
    (void)gfn; (void)mfn; (void)flags;
    (*(unsigned int *)arg)++;
}

/* P2M_MMIO: a BAR in the NPT, a hole to every lookup and walk, not in the I/O table. */
static void test_mmio(void)
{
    struct hyp_budget b;
    struct p2m p = { 0 };
    struct iopt *io;
    unsigned int seen = 0, flags;
    int rc;

    setup();
    hyp_budget_init(&b, 64 * PAGE_SIZE);
    p2m_init(&p, &b);
    io = hyp_zalloc(&b, sizeof(*io), &rc);
    iopt_init(io, &b);
    p2m_attach_io(&p, io);
    p2m_map(&p, 7, 70, P2M_RW);
    CHECK_EQ_S(p2m_map(&p, 0xfebd5, 0xfebd5, P2M_RW | P2M_MMIO), 0, "MMIO: mapped");
    CHECK_EQ(p2m_lookup_flags(&p, 0xfebd5, &flags), INVALID_MFN, "MMIO: a hole to p2m_lookup_flags");
    CHECK_EQ(iopt_lookup(io, 0xfebd5, NULL), INVALID_MFN, "MMIO: not in the I/O page table");
    p2m_for_each(&p, count_leaf, &seen);
    CHECK_EQ(seen, 1, "MMIO: p2m_for_each shows only the RAM entry");
    CHECK_EQ_S(p2m_map(&p, 7, 0xfebd6, P2M_RW | P2M_MMIO), 0, "MMIO over a RAM gfn");
    CHECK_EQ(iopt_lookup(io, 7, NULL), INVALID_MFN, "... takes the RAM entry out of the I/O table");
    seen = 0;
    p2m_drain(&p, count_leaf, &seen);
    CHECK_EQ(seen, 0, "MMIO: p2m_drain shows none and clears them");
    p2m_destroy(&p);
    CHECK_EQ(frames_free_count(), POOL, "MMIO: destroy frees every table");
}

int main(void)
{
    check_area("iommu_pt");
    test_mmio();
    test_format();
    test_budget();
    test_follows_p2m();
    return check_done();
}
