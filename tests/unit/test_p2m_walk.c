/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Unit tests for the parts of hypervisor/arch/x86/npt.c that memory_op and
 * domain destruction use: P2M_FOREIGN entries, p2m_lookup_flags,
 * p2m_prepare (tables built ahead so a later map cannot fail) and
 * p2m_for_each (every present entry, in gfn order). test_npt.c covers
 * mapping and lookup themselves.
 */
#include <mica/console.h>
#include <mica/errno.h>
#include <mica/mm.h>
#include <mica/p2m.h>
#include <asm/page.h>

#include "check.h"
#include "shim.h"

#define NR    1024
#define POOL  (NR - 1)

static struct frame table[NR];

static void setup(struct p2m *p)
{
    shim_mem_reset();
    frames_init(table, NR);
    shim_mem_back(0, NR);
    frames_add_free(1, POOL);
    shim_log_clear();
    *p = (struct p2m){ 0 };
    p2m_init(p, NULL);
}

/*
 * What EPT with A/D bits sets by itself (accessed, bit 8, on each entry of
 * a walk; dirty, bit 9, on a leaf written through) changes nothing the
 * p2m reads back: bit 9 was once P2M_FOREIGN's.
 */
#define EPT_ACCESSED  (1ul << 8)
#define EPT_DIRTY     (1ul << 9)

static void test_ept_ad_bits(void)
{
    struct p2m p;
    unsigned int fl = 99;
    pte_t *t;

    setup(&p);
    p2m_map(&p, 1, 0x111, P2M_RW);
    t = (pte_t *)p.root;
    for (int level = 0; level < 3; level++) {
        t[0] |= EPT_ACCESSED;
        t = (pte_t *)(t[0] & PTE_ADDR_MASK);
    }
    t[1] |= EPT_ACCESSED | EPT_DIRTY;
    CHECK_EQ(p2m_lookup_flags(&p, 1, &fl), 0x111, "an entry the CPU marked accessed and dirty");
    CHECK_EQ(fl, P2M_RW, "... flags still P2M_RW (not foreign)");
    p2m_unmap(&p, 1);
    CHECK_EQ(p2m_lookup_flags(&p, 1, &fl), INVALID_MFN, "... unmapped");
    p2m_destroy(&p);
    CHECK_EQ(frames_free_count(), POOL, "... and every table freed");
}

static void test_flags(void)
{
    struct p2m p;
    unsigned int fl = 99;

    setup(&p);
    p2m_map(&p, 1, 0x111, P2M_RW);
    p2m_map(&p, 2, 0x222, P2M_RW | P2M_FOREIGN);
    p2m_map(&p, 3, 0x333, P2M_FOREIGN);
    CHECK_EQ(p2m_lookup_flags(&p, 1, &fl), 0x111, "own rw entry");
    CHECK_EQ(fl, P2M_RW, "... flags P2M_RW");
    CHECK_EQ(p2m_lookup_flags(&p, 2, &fl), 0x222, "foreign rw entry");
    CHECK_EQ(fl, P2M_RW | P2M_FOREIGN, "... flags P2M_RW | P2M_FOREIGN");
    CHECK_EQ(p2m_lookup_flags(&p, 3, &fl), 0x333, "foreign read-only entry");
    CHECK_EQ(fl, P2M_FOREIGN, "... flags P2M_FOREIGN");
    CHECK_EQ(p2m_lookup(&p, 2, NULL), 0x222, "p2m_lookup ignores the foreign bit");
    CHECK_EQ(p2m_lookup_flags(&p, 3, NULL), 0x333, "flags may be NULL");
    fl = 77;
    CHECK_EQ(p2m_lookup_flags(&p, 4, &fl), INVALID_MFN, "a hole");
    CHECK_EQ(fl, 77, "... leaves flags alone");
    CHECK_EQ(p2m_lookup_flags(&p, P2M_MAX_GFN, &fl), INVALID_MFN, "beyond the reach");
    p2m_unmap(&p, 2);
    CHECK_EQ(p2m_lookup_flags(&p, 2, &fl), INVALID_MFN, "an unmapped foreign entry is a hole");
    p2m_destroy(&p);
    CHECK_EQ(frames_free_count(), POOL, "destroy frees every table");
}

static void test_prepare(void)
{
    struct p2m p;
    mfn_t tables;

    setup(&p);
    CHECK_EQ_S(p2m_prepare(&p, 1ull << 27), 0, "prepare a far gfn");
    CHECK_EQ(p.nr_tables, 4, "... builds the three tables below the root");
    CHECK_EQ(p2m_lookup(&p, 1ull << 27, NULL), INVALID_MFN, "... and maps nothing");
    tables = frames_free_count();
    CHECK_EQ_S(p2m_map(&p, 1ull << 27, 0x42, P2M_RW), 0, "the map there");
    CHECK_EQ(frames_free_count(), tables, "... allocates nothing more");
    CHECK_EQ_S(p2m_prepare(&p, P2M_MAX_GFN), -EINVAL, "prepare beyond the reach: -EINVAL");
    while (frames_alloc(0, OWNER_HYP, 0) != INVALID_MFN)
        ;
    CHECK_EQ_S(p2m_prepare(&p, 1ull << 18), -ENOMEM, "prepare with no memory left: -ENOMEM");
    CHECK_EQ_S(p2m_prepare(&p, (1ull << 27) + 1), 0, "prepare where the tables exist needs none");
    CHECK_EQ(shim_locks_held(), 0, "no lock left held");
}

struct seen {
    unsigned int n;
    gfn_t gfn[8];
    mfn_t mfn[8];
    unsigned int flags[8];
};

static void record(gfn_t gfn, mfn_t mfn, unsigned int flags, void *arg)
{
    struct seen *s = arg;

    if (s->n < 8) {
        s->gfn[s->n] = gfn;
        s->mfn[s->n] = mfn;
        s->flags[s->n] = flags;
    }
    s->n++;
}

static void test_for_each(void)
{
    static const struct { gfn_t gfn; mfn_t mfn; unsigned int flags; } m[] = {
        { 0, 0x10, P2M_RW },
        { 511, 0x11, 0 },
        { 512, 0x12, P2M_RW | P2M_FOREIGN },
        { 1ull << 18, 0x13, P2M_FOREIGN },
        { (1ull << 27) + 5, 0x14, P2M_RW },
        { P2M_MAX_GFN - 1, 0x15, P2M_RW },
    };
    struct seen s = { 0 };
    struct p2m p;
    bool ok = true;

    setup(&p);
    p2m_for_each(&p, record, &s);
    CHECK_EQ(s.n, 0, "an empty p2m has no entries");
    for (int i = (int)ARRAY_SIZE(m) - 1; i >= 0; i--)
        p2m_map(&p, m[i].gfn, m[i].mfn, m[i].flags);
    p2m_prepare(&p, 3ull << 18);
    p2m_map(&p, 7, 0x99, P2M_RW);
    p2m_unmap(&p, 7);
    p2m_for_each(&p, record, &s);
    CHECK_EQ(s.n, ARRAY_SIZE(m), "every present entry once (none for holes or empty tables)");
    for (size_t i = 0; i < ARRAY_SIZE(m) && i < s.n; i++)
        ok &= s.gfn[i] == m[i].gfn && s.mfn[i] == m[i].mfn && s.flags[i] == m[i].flags;
    CHECK(ok, "in gfn order, with their mfns and flags");
    p2m_destroy(&p);
    s.n = 0;
    p2m_for_each(&p, record, &s);
    CHECK_EQ(s.n, 0, "a destroyed p2m has no entries");
    CHECK_EQ(frames_free_count(), POOL, "destroy frees every table");
}

int main(void)
{
    check_area("p2m_walk");
    test_flags();
    test_ept_ad_bits();
    test_prepare();
    test_for_each();
    return check_done();
}
