/* SPDX-License-Identifier: GPL-2.0-only */
/* Unit tests for hypervisor/common/page_alloc.c (frame table + buddy allocator). */
#include <stdlib.h>

#include <mica/console.h>
#include <mica/lib.h>
#include <mica/mm.h>

#include "check.h"
#include "shim.h"

/*
 * The main pool: a 4096-frame table, all of it backed, with frames
 * [16, 4091) given to the allocator. Split into naturally aligned blocks
 * that range is 17 blocks (orders 4,5,6,7,8,9,10 up to 2048, then
 * 10,9,8,7,6,5,4,3,1,0): the number a fully coalesced pool must show.
 */
#define NR          4096
#define POOL_START  16
#define POOL_END    4091
#define POOL_FRAMES (POOL_END - POOL_START)
#define POOL_BLOCKS 17

#define FRAMES_4G   0x100000ul

static struct frame *table;

static void setup(mfn_t nr, mfn_t back_start, mfn_t back_count)
{
    shim_mem_reset();
    free(table);
    table = calloc(nr, sizeof(*table));
    if (!table)
        shim_fatal("cannot allocate a frame table of 0x%lx frames", nr);
    frames_init(table, nr);
    shim_mem_back(back_start, back_count);
    shim_log_clear();
}

static void setup_pool(void)
{
    setup(NR, 0, NR);
    frames_add_free(POOL_START, POOL_FRAMES);
}

/*
 * Allocate the largest blocks available until the pool is empty, free them
 * again, and return how many it took: more than POOL_BLOCKS means some free
 * buddies were not merged.
 */
static unsigned int greedy_blocks(void)
{
    static mfn_t mfns[NR];
    static unsigned int orders[NR];
    unsigned int n = 0;

    for (int k = MAX_ORDER; k >= 0; k--) {
        mfn_t m;

        while (n < NR && (m = frames_alloc((unsigned int)k, OWNER_HYP, 0)) != INVALID_MFN) {
            mfns[n] = m;
            orders[n++] = (unsigned int)k;
        }
    }
    for (unsigned int i = 0; i < n; i++)
        frames_free(mfns[i], orders[i]);
    return n;
}

static bool all_bytes(mfn_t mfn, mfn_t count, unsigned char v)
{
    for (mfn_t i = 0; i < count; i++) {
        const unsigned char *p = mfn_to_virt(mfn + i);

        for (size_t j = 0; j < PAGE_SIZE; j++)
            if (p[j] != v)
                return false;
    }
    return true;
}

static void fill(mfn_t mfn, mfn_t count, unsigned char v)
{
    for (mfn_t i = 0; i < count; i++)
        memset(mfn_to_virt(mfn + i), v, PAGE_SIZE);
}

static bool owned_all(mfn_t mfn, mfn_t count, uint16_t owner)
{
    for (mfn_t i = 0; i < count; i++)
        if (frame_owner(mfn + i) != owner)
            return false;
    return true;
}

static void test_init(void)
{
    check_area("page_alloc");
    setup_pool();
    CHECK_EQ(frames_total(), POOL_FRAMES, "frames_total after frames_add_free");
    CHECK_EQ(frames_free_count(), POOL_FRAMES, "all added frames are free");
    CHECK_EQ(frames_owned_by(OWNER_FREE), POOL_FRAMES, "frame table shows the free frames");
    CHECK_EQ(frames_owned_by(OWNER_RESERVED), NR - POOL_FRAMES, "the rest stays reserved");
    CHECK_EQ(frame_owner(POOL_START - 1), OWNER_RESERVED, "frame below the pool is reserved");
    CHECK_EQ(frame_owner(POOL_START), OWNER_FREE, "first pool frame is free");
    CHECK_EQ(frame_owner(POOL_END), OWNER_RESERVED, "frame after the pool is reserved");
    CHECK_EQ(frame_owner(NR + 100), OWNER_RESERVED, "frame beyond the table reads as reserved");
    CHECK_EQ(greedy_blocks(), POOL_BLOCKS, "an odd range is split into aligned blocks");
    CHECK_EQ(frames_free_count(), POOL_FRAMES, "greedy probe leaves the pool as it was");
}

static void test_orders(void)
{
    check_area("page_alloc");
    setup_pool();
    for (unsigned int k = 0; k <= 10; k++) {
        uint16_t owner = (uint16_t)(k + 1);
        mfn_t m = frames_alloc(k, owner, 0);

        if (!CHECK(m != INVALID_MFN, "order %u: allocation succeeds", k))
            continue;
        CHECK_EQ(m & ((1ul << k) - 1), 0, "order %u: block naturally aligned", k);
        CHECK(m >= POOL_START && m + (1ul << k) <= POOL_END, "order %u: block inside the pool", k);
        CHECK(owned_all(m, 1ul << k, owner), "order %u: every frame owned by domain %u", k, owner);
        CHECK_EQ(frames_owned_by(owner), 1ul << k, "order %u: frames_owned_by counts the block", k);
        CHECK_EQ(frames_free_count(), POOL_FRAMES - (1ul << k), "order %u: free count drops", k);
        frames_free(m, k);
        CHECK_EQ(frames_free_count(), POOL_FRAMES, "order %u: free count restored", k);
        CHECK_EQ(frames_owned_by(owner), 0, "order %u: owner gone after free", k);
    }
    CHECK_EQ(frames_alloc(11, OWNER_HYP, 0), INVALID_MFN, "order 11: no block that big");
    CHECK_PANICS(frames_alloc(MAX_ORDER + 1, OWNER_HYP, 0), "frames_alloc: bad request: order 21",
                 "order above MAX_ORDER panics");
    CHECK_EQ(greedy_blocks(), POOL_BLOCKS, "pool fully coalesced after every order");
}

/* Allocate every frame singly, then free them in a scrambled order. */
static void test_exhaust_and_coalesce(void)
{
    static mfn_t got[NR];
    static bool seen[NR];
    unsigned int n = 0, bad = 0;
    mfn_t m;

    check_area("page_alloc");
    setup_pool();
    while (n < NR && (m = frames_alloc(0, OWNER_HYP, 0)) != INVALID_MFN) {
        if (m < POOL_START || m >= POOL_END || seen[m])
            bad++;
        else
            seen[m] = true;
        got[n++] = m;
    }
    CHECK_EQ(n, POOL_FRAMES, "every pool frame allocated one by one");
    CHECK_EQ(bad, 0, "each frame inside the pool and handed out once");
    CHECK_EQ(frames_free_count(), 0, "free count 0 when exhausted");
    CHECK_EQ(frames_alloc(0, OWNER_HYP, 0), INVALID_MFN, "exhausted pool returns INVALID_MFN");
    CHECK_EQ(frames_owned_by(OWNER_HYP), POOL_FRAMES, "owner recorded for every frame");
    for (unsigned int i = 0; i < n; i++)     /* 1031 is prime, so i*1031 % n visits all */
        frames_free(got[(i * 1031u) % n], 0);
    CHECK_EQ(frames_free_count(), POOL_FRAMES, "free count back to the initial value");
    CHECK_EQ(greedy_blocks(), POOL_BLOCKS, "scrambled frees coalesce back to the initial blocks");
    CHECK(frames_alloc(10, OWNER_HYP, 0) != INVALID_MFN, "an order-10 block exists again");
}

/* Random mixed orders, with a small LCG so runs are repeatable. */
static void test_random_churn(void)
{
    static mfn_t live[256];
    static unsigned int order[256];
    uint32_t seed = 12345;
    unsigned int failures = 0;

    check_area("page_alloc");
    setup_pool();
    for (int round = 0; round < 20000; round++) {
        unsigned int slot, k;

        seed = seed * 1103515245u + 12345u;
        slot = (seed >> 8) % 256;
        if (live[slot]) {
            frames_free(live[slot], order[slot]);
            live[slot] = 0;
            continue;
        }
        k = (seed >> 20) % 6;
        live[slot] = frames_alloc(k, (uint16_t)(slot % 4), 0);
        order[slot] = k;
        if (live[slot] == INVALID_MFN) {
            live[slot] = 0;
            failures++;
        }
    }
    for (unsigned int i = 0; i < 256; i++)
        if (live[i])
            frames_free(live[i], order[i]);
    CHECK_EQ(failures, 0, "20000 rounds of mixed alloc/free never ran dry");
    CHECK_EQ(frames_free_count(), POOL_FRAMES, "mixed churn: free count restored");
    CHECK_EQ(greedy_blocks(), POOL_BLOCKS, "mixed churn: fully coalesced");
    CHECK_EQ(shim_log_count(LOG_ERR), 0, "mixed churn: no errors reported");
}

static void test_zero(void)
{
    mfn_t m;

    check_area("page_alloc");
    setup_pool();       /* fresh backing memory is all 0x5a */
    m = frames_alloc(3, OWNER_HYP, 0);
    CHECK(!all_bytes(m, 8, 0), "control: without FA_ZERO the block holds old data");
    m = frames_alloc(3, OWNER_HYP, FA_ZERO);
    CHECK(all_bytes(m, 8, 0), "FA_ZERO zeroes the whole block");
}

static void test_scrub(void)
{
    mfn_t m;

    check_area("page_alloc");
    setup(64, 0, 64);
    frames_add_free(8, 4);      /* a single order-2 block, so it comes back each time */
    m = frames_alloc(2, 1, 0);
    CHECK_EQ(m, 8, "the only block is allocated");
    fill(m, 4, 0xaa);
    frames_free(m, 2);
    m = frames_alloc(2, OWNER_HYP, 0);
    CHECK_EQ(m, 8, "the same block comes back");
    CHECK(all_bytes(m, 4, 0), "a domain's frames are scrubbed on free");
    fill(m, 4, 0xbb);
    frames_free(m, 2);
    m = frames_alloc(2, 2, 0);
    CHECK(*((unsigned char *)mfn_to_virt(m + 3) + PAGE_SIZE - 1) == 0xbb,
          "control: hypervisor frames are not scrubbed, so the check above can fail");
    fill(m, 4, 0xcc);
    frames_reassign(m, 2, 3);
    CHECK(all_bytes(m, 4, 0), "reassign from a domain scrubs");
    CHECK(owned_all(m, 4, 3), "reassign records the new owner on every frame");
    CHECK_EQ(frames_owned_by(2), 0, "the old owner holds nothing after reassign");
    fill(m, 4, 0xdd);
    frames_reassign(m, 2, OWNER_HYP);
    CHECK(all_bytes(m, 4, 0), "reassign from a domain to HYP scrubs");
    fill(m, 4, 0xee);
    frames_reassign(m, 2, 4);
    CHECK(owned_all(m, 4, 4), "reassign HYP -> domain records the owner");
    CHECK(all_bytes(m, 4, 0xee), "control: reassign from HYP keeps the data");
    frames_reassign(m, 2, 4);
    CHECK(all_bytes(m, 4, 0xee), "reassign to the same domain keeps the data");
    frames_free(m, 2);
    CHECK_EQ(frames_free_count(), 4, "block free again after reassigns");
}

/*
 * A bad free is a hypervisor bug: it panics (the shim catches it) before it
 * changes anything, which the checks after each one confirm.
 */
static void test_bad_free(void)
{
    mfn_t m;

    check_area("page_alloc");
    setup_pool();
    m = frames_alloc(2, 7, 0);
    CHECK_PANICS(frames_free(m, 1), "order differs from the allocation",
                 "free with the wrong order panics");
    CHECK(owned_all(m, 4, 7), "wrong-order free left the block allocated");
    CHECK_PANICS(frames_free(m + 1, 0), "not the first frame of a block",
                 "free inside a block panics");
    CHECK_EQ(frames_free_count(), POOL_FRAMES - 4, "bad frees changed no counts");
    frames_free(m, 2);
    CHECK_PANICS(frames_free(m, 2), "frames_free: mfn", "double free panics");
    CHECK_CONTAINS(shim_panic_msg(), "already free", "double free: the panic says why");
    CHECK_EQ(frames_free_count(), POOL_FRAMES, "double free did not inflate the free count");
    CHECK_EQ(greedy_blocks(), POOL_BLOCKS, "double free did not corrupt the free lists");
    CHECK_PANICS(frames_free(POOL_START + 5, 0), "already free",
                 "free of a never-allocated frame panics");
    CHECK_PANICS(frames_free(3, 0), "not from the allocator", "free of a reserved frame panics");
    CHECK_PANICS(frames_free(NR + 5, 0), "outside the frame table", "free beyond the table panics");
    CHECK_PANICS(frames_reassign(POOL_START, 4, 1), "frames_reassign: mfn",
                 "reassign of a free block panics");
    CHECK_PANICS(frames_reassign(m, 2, OWNER_FREE), "bad new owner 0xffff",
                 "reassign to OWNER_FREE panics");
    CHECK_EQ(frames_free_count(), POOL_FRAMES, "bad calls changed no counts");
    CHECK_EQ(greedy_blocks(), POOL_BLOCKS, "bad calls left the lists intact");
    CHECK_EQ(shim_log_count(LOG_ERR), 0, "nothing is merely logged");
}

static void test_bad_calls(void)
{
    check_area("page_alloc");
    setup_pool();
    CHECK_PANICS(frames_add_free(POOL_START + 100, 10), "frame 0x74 already belongs to the allocator",
                 "adding pool frames twice panics");
    CHECK_EQ(frames_total(), POOL_FRAMES, "adding twice did not grow the total");
    CHECK_PANICS(frames_add_free(NR - 2, 10), "outside the frame table",
                 "adding beyond the table panics");
    frames_set_owner(0, 4, OWNER_MODULE);
    CHECK_EQ(frames_owned_by(OWNER_MODULE), 4, "frames_set_owner marks reserved frames");
    CHECK_EQ(frame_owner(3), OWNER_MODULE, "frame_owner sees the new owner");
    CHECK_PANICS(frames_set_owner(POOL_START, 1, OWNER_MODULE),
                 "frames_set_owner: frame 0x10 already belongs to the allocator",
                 "frames_set_owner of pool frames panics");
    CHECK_EQ(frame_owner(POOL_START), OWNER_FREE, "that frames_set_owner changed nothing");
    CHECK_PANICS(frames_set_owner(0, 1, OWNER_FREE), "frames_set_owner: bad owner",
                 "frames_set_owner to OWNER_FREE panics");
    CHECK_PANICS(frames_alloc(0, 0x8000, 0), "bad request", "an owner that is no domain panics");
    CHECK_PANICS(frames_alloc(0, OWNER_FREE, 0), "bad request", "allocating for OWNER_FREE panics");
    CHECK_PANICS(frames_alloc(0, OWNER_HYP, 0x80), "flags 0x80", "unknown flags panic");
    CHECK_EQ(frames_free_count(), POOL_FRAMES, "refused allocations took nothing");
    CHECK_EQ(shim_log_count(LOG_ERR), 0, "nothing is merely logged");
    frames_add_free(0, 4);
    CHECK_EQ(frames_total(), POOL_FRAMES + 4, "module frames can be given to the pool later");
    CHECK_EQ(frames_owned_by(OWNER_MODULE), 0, "those frames are no longer the module's");
}

/*
 * A frame table longer than 4 GiB of frames, with backed RAM only around
 * the 4 GiB line: 256 frames below, 256 above. Both halves are order-8
 * blocks and the upper one sits first on its free list, so FA_BELOW_4G has
 * to look past it.
 */
static void test_below_4g(void)
{
    static mfn_t got[64];
    unsigned int n = 0, low = 0, bad = 0;
    mfn_t m;

    check_area("page_alloc");
    setup(FRAMES_4G + 0x200, FRAMES_4G - 0x100, 0x200);
    frames_add_free(FRAMES_4G - 0x100, 0x200);
    m = frames_alloc(8, OWNER_HYP, FA_BELOW_4G | FA_ZERO);
    CHECK_EQ(m, FRAMES_4G - 0x100, "order-8 FA_BELOW_4G takes the block below 4 GiB");
    CHECK(all_bytes(m, 256, 0), "FA_BELOW_4G | FA_ZERO zeroes it");
    CHECK_EQ(frames_alloc(8, OWNER_HYP, FA_BELOW_4G), INVALID_MFN, "no second order-8 block below 4 GiB");
    frames_free(m, 8);
    CHECK_EQ(frames_alloc(9, OWNER_HYP, FA_BELOW_4G), INVALID_MFN, "order 9 below 4 GiB does not exist");
    while (n < 64 && (m = frames_alloc(3, 1, FA_BELOW_4G)) != INVALID_MFN) {
        bad += m + 8 > FRAMES_4G;
        got[n++] = m;
    }
    low = n;
    CHECK_EQ(low, 32, "32 order-3 blocks fit below 4 GiB");
    CHECK_EQ(bad, 0, "every FA_BELOW_4G block ends at or below 4 GiB");
    while (n < 64 && (m = frames_alloc(3, 1, 0)) != INVALID_MFN) {
        bad += m < FRAMES_4G;
        got[n++] = m;
    }
    CHECK_EQ(n - low, 32, "the frames above 4 GiB remain for plain allocations");
    CHECK_EQ(bad, 0, "plain allocations then come from above 4 GiB");
    CHECK_EQ(frames_alloc(0, 1, 0), INVALID_MFN, "pool exhausted");
    for (unsigned int i = 0; i < n; i++)
        frames_free(got[i], 3);
    CHECK_EQ(frames_free_count(), 0x200, "all frames free again");
    CHECK(frames_alloc(8, 2, FA_BELOW_4G) == FRAMES_4G - 0x100 &&
          frames_alloc(8, 2, 0) == FRAMES_4G, "both order-8 blocks coalesced again");
}

int main(void)
{
    test_init();
    test_orders();
    test_exhaust_and_coalesce();
    test_random_churn();
    test_zero();
    test_scrub();
    test_bad_free();
    test_bad_calls();
    test_below_4g();
    check_area("page_alloc");
    CHECK_EQ_S(shim_locks_held(), 0, "no lock left held");
    shim_mem_reset();
    free(table);
    return check_done();
}
