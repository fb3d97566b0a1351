/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Unit tests for the domain-memory half of hypervisor/common/page_alloc.c:
 * splitting an allocated block into single frames (frames_split), freeing
 * them one by one (frame_free_domain), and pins keeping a freed frame
 * allocated until the last frame_unpin, which scrubs and frees it.
 * test_page_alloc.c covers the buddy allocator itself.
 */
#include <stdlib.h>

#include <mica/console.h>
#include <mica/errno.h>
#include <mica/lib.h>
#include <mica/mm.h>

#include "check.h"
#include "shim.h"

#define NR          2048
#define POOL_START  512             /* naturally aligned: one 1024 + one 512 block */
#define POOL_FRAMES (NR - POOL_START)
#define DOM         7
#define OTHER       8

static struct frame table[NR];

static void setup(void)
{
    shim_mem_reset();
    frames_init(table, NR);
    shim_mem_back(0, NR);
    frames_add_free(POOL_START, POOL_FRAMES);
    shim_log_clear();
}

/* Every byte of the frame is v, from byte from on (a free frame's first 16 hold its list links). */
static bool bytes_from(mfn_t mfn, size_t from, unsigned char v)
{
    const unsigned char *p = mfn_to_virt(mfn);

    for (size_t j = from; j < PAGE_SIZE; j++)
        if (p[j] != v)
            return false;
    return true;
}

/* How many blocks the pool splits into when taken greedily (1 when whole). */
static unsigned int greedy_blocks(void)
{
    static mfn_t m[NR];
    static unsigned int o[NR];
    unsigned int n = 0;

    for (int k = MAX_ORDER; k >= 0; k--)
        while (n < NR && (m[n] = frames_alloc((unsigned int)k, OWNER_HYP, 0)) != INVALID_MFN)
            o[n++] = (unsigned int)k;
    for (unsigned int i = 0; i < n; i++)
        frames_free(m[i], o[i]);
    return n;
}

static void test_split(void)
{
    mfn_t m;

    setup();
    m = frames_alloc(9, DOM, FA_ZERO);
    CHECK(m != INVALID_MFN, "a 2 MiB block for a domain");
    frames_split(m, 9);
    CHECK_EQ(frames_owned_by(DOM), 512, "every frame still belongs to the domain");
    CHECK_EQ(frames_free_count(), POOL_FRAMES - 512, "splitting frees nothing");
    CHECK_PANICS(frames_free(m, 9), "order differs", "freeing the block whole now panics");
    CHECK_EQ(frames_free_count(), POOL_FRAMES - 512, "... and freed nothing");
    for (mfn_t i = 0; i < 512; i += 2)
        frame_free_domain(m + i);
    CHECK_EQ(frames_free_count(), POOL_FRAMES - 256, "half the frames freed one by one");
    for (mfn_t i = 1; i < 512; i += 2)
        frame_free_domain(m + i);
    CHECK_EQ(frames_free_count(), POOL_FRAMES, "all of them freed: the count is back");
    CHECK_EQ(frames_owned_by(DOM), 0, "the domain owns nothing");
    CHECK_EQ(greedy_blocks(), 2, "single frees merged back into the two pool blocks");
    CHECK_EQ(shim_log_count(LOG_ERR), 0, "no error logged");
}

static void test_split_refused(void)
{
    mfn_t m;

    setup();
    m = frames_alloc(2, DOM, 0);
    CHECK_PANICS(frames_split(m, 3), "frames_split: mfn", "split with the wrong order panics");
    CHECK_PANICS(frames_split(m + 1, 0), "not the first frame of a block",
                 "split of a frame inside a block panics");
    CHECK_PANICS(frames_split(POOL_START + 1024, 0), "already free", "split of a free frame panics");
    CHECK_PANICS(frames_split(NR + 5, 0), "outside the frame table", "split outside the table panics");
    frames_split(m, 2);
    CHECK_PANICS(frames_free(m, 2), "order differs", "the right order split the block");
    frames_split(m + 3, 0);
    CHECK_EQ(frames_free_count(), POOL_FRAMES - 4, "an order-0 frame splits into itself");
    for (mfn_t i = 0; i < 4; i++)
        frame_free_domain(m + i);
    CHECK_EQ(frames_free_count(), POOL_FRAMES, "the pool is whole again");
}

static void test_double_free(void)
{
    mfn_t m;

    setup();
    m = frames_alloc(0, DOM, 0);
    frame_free_domain(m);
    CHECK_PANICS(frame_free_domain(m), "frame_free_domain: mfn", "a second free panics");
    CHECK_CONTAINS(shim_panic_msg(), "already free", "... saying why");
    CHECK_EQ(frames_free_count(), POOL_FRAMES, "and changed nothing");
}

static void test_pinned_free(void)
{
    mfn_t m;

    setup();
    m = frames_alloc(0, DOM, 0);
    memset(mfn_to_virt(m), 0xab, PAGE_SIZE);
    CHECK(frame_pin(m, DOM), "a domain's frame can be pinned");
    CHECK(!frame_pin(m, OTHER), "not as another domain's");
    CHECK(frame_pin(m, DOM), "a second pin");
    frame_free_domain(m);
    CHECK_EQ(frames_free_count(), POOL_FRAMES - 1, "freeing a pinned frame keeps it");
    CHECK(bytes_from(m, 0, 0xab), "... its contents untouched for the mappings");
    CHECK_EQ(frame_owner(m), DOM, "... still the domain's in the frame table");
    CHECK(!frame_pin(m, DOM), "a freed frame cannot be pinned again");
    CHECK_PANICS(frame_free_domain(m), "already freed (kept while pinned)",
                 "freeing it again panics");
    frame_unpin(m);
    CHECK_EQ(frames_free_count(), POOL_FRAMES - 1, "the first unpin keeps it");
    frame_unpin(m);
    CHECK_EQ(frames_free_count(), POOL_FRAMES, "the last unpin frees it");
    CHECK_EQ(frame_owner(m), OWNER_FREE, "... in the frame table too");
    CHECK(bytes_from(m, 16, 0), "... scrubbed");
    CHECK_PANICS(frame_unpin(m), "frame_unpin: mfn", "an unpin too many panics");
    CHECK_CONTAINS(shim_panic_msg(), "is not pinned", "... saying why");
    CHECK_EQ(frames_free_count(), POOL_FRAMES, "and freed nothing");
    CHECK_PANICS(frame_unpin(NR + 5), "is not pinned", "unpinning a frame beyond the table panics");
}

static void test_unpin_without_free(void)
{
    mfn_t m;

    setup();
    m = frames_alloc(0, DOM, 0);
    CHECK(frame_pin(m, DOM), "pin");
    frame_unpin(m);
    CHECK_EQ(frames_free_count(), POOL_FRAMES - 1, "an unpin does not free a frame its domain still has");
    CHECK_EQ(frame_owner(m), DOM, "... which stays the domain's");
    frame_free_domain(m);
    CHECK_EQ(frames_free_count(), POOL_FRAMES, "then the domain frees it");
    CHECK(bytes_from(m, 16, 0), "scrubbed as it is freed");
}

int main(void)
{
    check_area("frames_domain");
    test_split();
    test_split_refused();
    test_double_free();
    test_pinned_free();
    test_unpin_without_free();
    CHECK_EQ_S(shim_locks_held(), 0, "no lock left held");
    return check_done();
}
