/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Unit tests for hypervisor/arch/x86/npt.c (the p2m as nested page tables),
 * on the real page allocator and page_alloc_hyp(). npt.c keeps table
 * addresses as the pointers page_alloc_hyp() returns: here those are host
 * pointers into the shim's memory, which must be page aligned and fit in an
 * entry's address bits (12..51); the first check makes sure they do.
 */
#include <mica/console.h>
#include <mica/errno.h>
#include <mica/mm.h>
#include <mica/p2m.h>
#include <mica/budget.h>
#include <asm/page.h>

#include "check.h"
#include "shim.h"

#define NR         1024         /* 4 MiB of fake RAM, frame 0 kept reserved */
#define POOL       (NR - 1)
#define MAX_GFN    (1ull << 36) /* 48-bit guest-physical addresses */
#define MAX_MFN    ((1ull << 40) - 1)

static struct frame table[NR];

static void setup(void)
{
    shim_mem_reset();
    frames_init(table, NR);
    shim_mem_back(0, NR);
    frames_add_free(1, POOL);
    shim_log_clear();
}

/* mfn, or INVALID_MFN; *w is set to the opposite of the answer first. */
static mfn_t look(struct p2m *p, gfn_t gfn, bool *w, bool expect_w)
{
    *w = !expect_w;
    return p2m_lookup(p, gfn, w);
}

static void test_host_memory_fits(void)
{
    uintptr_t lo, hi;

    setup();
    lo = (uintptr_t)mfn_to_virt(0);
    hi = (uintptr_t)mfn_to_virt(NR - 1);
    CHECK_EQ(lo & (PAGE_SIZE - 1), 0, "shim memory is page aligned");
    CHECK(hi + PAGE_SIZE <= (1ull << 52), "shim memory lies below 2^52 (fits an entry)");
}

static void test_init(void)
{
    struct p2m p = { 0 };
    bool w;

    setup();
    CHECK_EQ_S(p2m_init(&p, NULL), 0, "p2m_init");
    CHECK_EQ(p.nr_tables, 1, "a fresh p2m has one table");
    CHECK_EQ(frames_free_count(), POOL - 1, "p2m_init took one frame");
    CHECK(p.root && !(p.root & (PAGE_SIZE - 1)), "root is a page-aligned address");
    CHECK_EQ(look(&p, 0, &w, false), INVALID_MFN, "gfn 0 unmapped");
    CHECK_EQ(look(&p, 12345, &w, false), INVALID_MFN, "gfn 12345 unmapped");
    CHECK_EQ(look(&p, MAX_GFN - 1, &w, false), INVALID_MFN, "top gfn unmapped");
    CHECK_EQ(p.nr_tables, 1, "lookups create no tables");
    CHECK_EQ(frames_free_count(), POOL - 1, "lookups allocate nothing");
    p2m_destroy(&p);
    CHECK_EQ(frames_free_count(), POOL, "destroy of an empty p2m frees the root");
    CHECK_EQ(p.root, 0, "destroy clears root");
    CHECK_EQ(p.nr_tables, 0, "destroy clears nr_tables");
    p2m_destroy(&p);
    CHECK_EQ(frames_free_count(), POOL, "a second destroy is harmless");
}

static void test_map_lookup(void)
{
    struct p2m p = { 0 };
    bool w;

    setup();
    p2m_init(&p, NULL);
    CHECK_EQ_S(p2m_map(&p, 5, 0x1234, P2M_RW), 0, "map gfn 5 rw");
    CHECK_EQ(p.nr_tables, 4, "first mapping builds three tables below the root");
    CHECK_EQ(look(&p, 5, &w, true), 0x1234, "gfn 5 -> mfn 0x1234");
    CHECK(w, "gfn 5 writable");
    CHECK_EQ_S(p2m_map(&p, 6, 0x777, 0), 0, "map gfn 6 read-only");
    CHECK_EQ(look(&p, 6, &w, false), 0x777, "gfn 6 -> mfn 0x777");
    CHECK(!w, "gfn 6 read-only");
    CHECK_EQ(p2m_lookup(&p, 5, NULL), 0x1234, "lookup with writable NULL");
    CHECK_EQ(look(&p, 4, &w, false), INVALID_MFN, "neighbour gfn 4 unmapped");
    CHECK_EQ(look(&p, 7, &w, false), INVALID_MFN, "neighbour gfn 7 unmapped");
    CHECK_EQ(p.nr_tables, 4, "a second gfn in the same leaf table adds none");
    CHECK_EQ(frames_free_count(), POOL - 4, "four table frames in use");
    CHECK_EQ(shim_locks_held(), 0, "no lock left held");
    p2m_destroy(&p);
    CHECK_EQ(frames_free_count(), POOL, "destroy frees every table");
}

static void test_remap(void)
{
    struct p2m p = { 0 };
    bool w;

    setup();
    p2m_init(&p, NULL);
    p2m_map(&p, 5, 0x1234, P2M_RW);
    CHECK_EQ_S(p2m_map(&p, 5, 0x999, 0), 0, "remap gfn 5 read-only");
    CHECK_EQ(look(&p, 5, &w, false), 0x999, "remapped gfn 5 -> mfn 0x999");
    CHECK(!w, "remapped gfn 5 read-only");
    CHECK_EQ_S(p2m_map(&p, 5, 0x1000, P2M_RW), 0, "remap gfn 5 writable again");
    CHECK_EQ(look(&p, 5, &w, true), 0x1000, "gfn 5 -> mfn 0x1000");
    CHECK(w, "gfn 5 writable again");
    CHECK_EQ_S(p2m_map(&p, 9, MAX_MFN, P2M_RW), 0, "map the highest mfn");
    CHECK_EQ(look(&p, 9, &w, true), MAX_MFN, "highest mfn round-trips");
    CHECK_EQ(p.nr_tables, 4, "remaps add no tables");
    p2m_destroy(&p);
    CHECK_EQ(frames_free_count(), POOL, "destroy frees every table");
}

/* Leaf entries are present, user, and writable exactly when P2M_RW (see npt.c). */
static void test_entry_format(void)
{
    struct p2m p = { 0 };
    pte_t *t;

    setup();
    p2m_init(&p, NULL);
    p2m_map(&p, 3, 0xabcde, P2M_RW);
    p2m_map(&p, 4, 0x12345, 0);
    t = (pte_t *)(uintptr_t)p.root;
    for (int level = 4; level > 1; level--) {
        CHECK_EQ(t[0] & (_PAGE_PRESENT | _PAGE_RW | _PAGE_USER),
                 _PAGE_PRESENT | _PAGE_RW | _PAGE_USER, "level %d table entry P|RW|U", level);
        t = (pte_t *)(uintptr_t)(t[0] & PTE_ADDR_MASK);
    }
    CHECK_EQ(t[3], (0xabcdeull << 12) | _PAGE_PRESENT | _PAGE_RW | _PAGE_USER,
             "rw leaf entry");
    CHECK_EQ(t[4], (0x12345ull << 12) | _PAGE_PRESENT | _PAGE_USER, "read-only leaf entry");
    CHECK_EQ(t[5], 0, "unmapped leaf entry is zero");
    p2m_destroy(&p);
}

/* gfn bit 27 = gpa bit 39 (top level), bit 18 = gpa bit 30, bit 9 = gpa bit 21. */
static void test_far_apart(void)
{
    static const struct { gfn_t gfn; uint64_t new_tables; const char *what; } m[] = {
        { 0, 3, "gfn 0" },
        { 1ull << 9, 1, "gfn 2^9 (another level-2 entry)" },
        { 1ull << 18, 2, "gfn 2^18 (another level-3 entry)" },
        { 1ull << 27, 3, "gfn 2^27 (another top-level entry)" },
        { MAX_GFN - 1, 3, "gfn 2^36-1 (the last top-level entry)" },
    };
    struct p2m p = { 0 };
    uint64_t tables = 1;
    bool w;

    setup();
    p2m_init(&p, NULL);
    for (size_t i = 0; i < ARRAY_SIZE(m); i++) {
        CHECK_EQ_S(p2m_map(&p, m[i].gfn, 0x100 + i, i & 1 ? P2M_RW : 0), 0, "map %s", m[i].what);
        tables += m[i].new_tables;
        CHECK_EQ(p.nr_tables, tables, "%s: nr_tables", m[i].what);
    }
    for (size_t i = 0; i < ARRAY_SIZE(m); i++) {
        CHECK_EQ(look(&p, m[i].gfn, &w, i & 1), 0x100 + i, "%s still maps its mfn", m[i].what);
        CHECK_EQ(w, i & 1, "%s: writable flag", m[i].what);
    }
    CHECK_EQ(frames_free_count(), POOL - tables, "free count matches nr_tables");
    p2m_destroy(&p);
    CHECK_EQ(frames_free_count(), POOL, "destroy frees all %llu tables",
             (unsigned long long)tables);
    CHECK_EQ(frames_owned_by(OWNER_HYP), 0, "no hypervisor frame left");
}

static void test_gfn_too_big(void)
{
    static const gfn_t bad[] = { MAX_GFN, MAX_GFN + 1, 1ull << 40, ~0ull };
    struct p2m p = { 0 };
    bool w;

    setup();
    p2m_init(&p, NULL);
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        CHECK_EQ_S(p2m_map(&p, bad[i], 1, P2M_RW), -EINVAL, "map gfn 0x%llx",
                   (unsigned long long)bad[i]);
        CHECK_EQ(look(&p, bad[i], &w, false), INVALID_MFN, "lookup gfn 0x%llx",
                 (unsigned long long)bad[i]);
    }
    CHECK_EQ(look(&p, bad[0] & (MAX_GFN - 1), &w, false), INVALID_MFN,
             "the refused gfn did not alias gfn 0");
    CHECK_EQ(p.nr_tables, 1, "refused maps build no tables");
    CHECK_EQ(shim_locks_held(), 0, "no lock left held");
    p2m_destroy(&p);
}

/* Out of memory part-way down: -ENOMEM, and destroy still frees what was built. */
static void test_enomem(void)
{
    struct p2m p = { 0 }, q = { 0 };
    mfn_t a, b;

    setup();
    p2m_init(&p, NULL);
    while (frames_alloc(0, 7, 0) != INVALID_MFN)
        ;
    CHECK_EQ_S(p2m_init(&q, NULL), -ENOMEM, "p2m_init with no memory");
    a = 1;
    while (frame_owner(a) != 7)
        a++;
    b = a + 1;
    while (frame_owner(b) != 7)
        b++;
    frames_free(a, 0);
    frames_free(b, 0);
    CHECK_EQ_S(p2m_map(&p, 5, 0x10, P2M_RW), -ENOMEM, "map needing 3 tables with 2 free");
    CHECK_EQ(p2m_lookup(&p, 5, NULL), INVALID_MFN, "failed map left gfn 5 unmapped");
    CHECK_EQ(shim_locks_held(), 0, "no lock left held");
    p2m_destroy(&p);
    CHECK_EQ(frames_owned_by(OWNER_HYP), 0, "destroy frees the partial tables too");
}

/*
 * Tables are charged to the budget (-EDQUOT past it, nothing half made
 * left charged), and an unmap detaches the tables it empties, which
 * p2m_free_detached() frees and uncharges: scattered populate/release
 * rounds leave nothing behind.
 */
static void test_budget_and_trim(void)
{
    struct hyp_budget b;
    struct p2m p = { 0 };
    gfn_t far = 1ull << 27;          /* its own L3, L2 and L1 tables */

    setup();
    hyp_budget_init(&b, 3 * PAGE_SIZE);
    CHECK_EQ_S(p2m_init(&p, &b), 0, "p2m_init with a budget of three pages");
    CHECK_EQ(b.used, PAGE_SIZE, "the root is charged");
    CHECK_EQ_S(p2m_map(&p, far, 0x100, P2M_RW), -EDQUOT, "a map needing three more tables");
    CHECK_EQ(b.used, 3 * PAGE_SIZE, "the two tables made before the refusal stay charged");
    CHECK_EQ(frames_free_count(), POOL - 3, "... and allocated");
    CHECK_EQ(p2m_lookup(&p, far, NULL), INVALID_MFN, "the refused gfn is a hole");
    CHECK_EQ_S(p2m_trim(&p, far), 0, "trim the refused gfn's path");
    p2m_free_detached(&p);
    CHECK_EQ(b.used, PAGE_SIZE, "trim releases the tables the refused map made");
    CHECK_EQ(p.nr_tables, 1, "... only the root is left");
    b.limit = 4 * PAGE_SIZE;
    CHECK_EQ_S(p2m_map(&p, 7, 0x107, P2M_RW), 0, "map gfn 7 (three tables)");
    CHECK_EQ_S(p2m_trim(&p, 7), 0, "trim a path in use");
    p2m_free_detached(&p);
    CHECK_EQ(p2m_lookup(&p, 7, NULL), 0x107, "trim leaves a mapped gfn and its tables alone");
    CHECK_EQ(p.nr_tables, 4, "... all four tables kept");
    p2m_unmap(&p, 7);
    p2m_free_detached(&p);
    b.limit = 64 * PAGE_SIZE;
    for (unsigned int round = 0; round < 20; round++) {
        gfn_t g = (gfn_t)(round + 1) << 27;

        if (p2m_map(&p, g, 0x100 + round, P2M_RW))
            break;
        p2m_unmap(&p, g);
        p2m_free_detached(&p);
    }
    CHECK_EQ(p.nr_tables, 1, "20 far map/unmap rounds (the first through the refused gfn's "
             "two empty tables) leave only the root");
    CHECK_EQ(b.used, PAGE_SIZE, "... charged alone");
    CHECK_EQ_S(p2m_map(&p, 5, 0x200, P2M_RW), 0, "map gfn 5");
    CHECK_EQ_S(p2m_map(&p, 6, 0x201, P2M_RW), 0, "map gfn 6 (same leaf table)");
    CHECK_EQ(p.nr_tables, 4, "gfn 5 and 6 share three tables below the root");
    p2m_unmap(&p, 5);
    p2m_free_detached(&p);
    CHECK_EQ(p.nr_tables, 4, "unmapping gfn 5 keeps the leaf table gfn 6 still uses");
    CHECK_EQ(p2m_lookup(&p, 6, NULL), 0x201, "gfn 6 still maps");
    p2m_unmap(&p, 6);
    CHECK(p.detached != 0, "the emptied tables wait on the detached list until freed");
    CHECK_EQ(p2m_lookup(&p, 6, NULL), INVALID_MFN, "gfn 6 is a hole before the free");
    p2m_free_detached(&p);
    CHECK_EQ(p.nr_tables, 1, "then only the root is left");
    CHECK_EQ(b.used, PAGE_SIZE, "and only the root is charged");
    CHECK_EQ(shim_locks_held(), 0, "no lock left held");
    p2m_destroy(&p);
    CHECK_EQ(b.used, 0, "destroy uncharges the root");
    CHECK_EQ(frames_free_count(), POOL, "every table frame is back");
}

int main(void)
{
    check_area("npt");
    test_host_memory_fits();
    test_init();
    test_map_lookup();
    test_remap();
    test_entry_format();
    test_far_apart();
    test_gfn_too_big();
    test_enomem();
    test_budget_and_trim();
    return check_done();
}
